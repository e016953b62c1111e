"""Reading spreadsheets ahead of their use, on a helper thread (services layer).

python-calamine parses without holding the GIL, so a file can be read while
the caller does other work: the command line imports the database layer and
opens (or creates) the database meanwhile, and :func:`~clmdesk.services.
importing.import_files` converts one file while the next one is read.

This module imports nothing but the readers, so starting a read costs the
caller almost nothing: it is meant to run before the heavy imports.

Memory: at most the file being used and the next one are held; the one after
is read only once the next one is taken.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from clmdesk.core.tasks import sub_progress
from clmdesk.fileio.readers import read_file

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from clmdesk.core.importing.records import ImportOptions, RawWorkbook
    from clmdesk.core.tasks import Progress

__all__ = ["ReadAhead"]


class ReadAhead:
    """Reads files in order on one helper thread, one file ahead of the caller.

    Parameters
    ----------
    paths
        The files, in import order; reading the first starts at once.
    options
        Reader options (``max_cells``); default options when None.
    progress
        ``progress(done, total)`` of the reads, on the helper thread: each
        file a thousand steps, moving while a large one is read.

    Notes
    -----
    :meth:`take` raises the :class:`~clmdesk.fileio.errors.ReadError` of a
    file that cannot be read.  Use as a context manager (or call
    :meth:`close`) so the helper thread is let go; a read already running
    is waited for, the others are never started.
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        options: ImportOptions | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.paths: tuple[Path, ...] = tuple(Path(path) for path in paths)
        self._options = options
        self._progress = progress
        self._pool = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="clmdesk-read"
        )
        self._pending: dict[int, Future[RawWorkbook]] = {}
        self._start(0)

    def __len__(self) -> int:
        return len(self.paths)

    def _start(self, index: int) -> None:
        if index < len(self.paths) and index not in self._pending:
            count = len(self.paths)
            progress = self._progress
            self._pending[index] = self._pool.submit(
                read_file,
                self.paths[index],
                self._options,
                progress=None
                if progress is None
                else sub_progress(
                    progress, index * 1000, (index + 1) * 1000, count * 1000
                ),
            )

    def take(self, index: int) -> RawWorkbook:
        """The ``index``-th file as read; starts reading the one after it.

        Raises
        ------
        ReadError
            The file cannot be read (missing, damaged, hostile, too large…).
        """
        self._start(index)
        future = self._pending.pop(index)
        self._start(index + 1)
        return future.result()

    def close(self) -> None:
        """Let the helper thread go (waits for a read already running)."""
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
