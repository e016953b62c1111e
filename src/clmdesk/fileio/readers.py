"""Spreadsheet readers: Excel, OpenDocument and CSV files into raw sheets (fileio layer).

:func:`read_file` turns any supported file into a
:class:`~clmdesk.core.importing.records.RawWorkbook`; :func:`plan_file` also
plans it (:mod:`clmdesk.core.importing`).  The kind of file is decided from
its content, not its name:

* zip with ``xl/workbook.xml`` (.xlsx, .xlsm): checked by
  :func:`clmdesk.fileio.safety.inspect_zip` (which bounds the dense cells
  calamine could build before it parses anything), then read with
  python-calamine; a large worksheet is parsed in row pieces on a small
  thread pool (:mod:`clmdesk.fileio.xlsx_chunks`), with exactly the same
  result;
* any other zip workbook (.xlsb, OpenDocument .ods, or parts of several
  formats, or an extension that makes calamine pick another reader):
  checked by ``inspect_zip``, then read with python-calamine in a child
  process under a memory limit, since nothing bounds their cells before
  parsing (a .xlsb cell names its column in 32 bits; .ods repeats rows and
  cells by count);
* OLE2: a password-protected xlsx (``EncryptionInfo`` stream) is refused, an
  old .xls is read in a child process too (its cells name columns in 16
  bits, and calamine reserves the sheet's declared dimensions);
* anything else that decodes as text: CSV (:mod:`clmdesk.fileio.csv_reader`).

calamine gives whole numbers as ``float`` and date-formatted cells as
``date``/``datetime`` (both the 1900 and 1904 date systems), reports error
cells (``#DIV/0!``) as empty, and ignores an xlsx's declared dimensions
(its range is the cells actually present; ``iter_rows`` pads it from row
1, which the cell cap counts).  Empty rows are dropped here;
the remaining rows keep their source row numbers.  Every failure is a
:class:`~clmdesk.fileio.errors.ReadError`.  Files are always closed (Windows
would keep them locked).  The file's SHA-256 is computed on a thread of its
own meanwhile (hashlib releases the GIL).

Thread contract: any thread.  Reading runs on the import's worker thread
while the window's thread needs the GIL every few milliseconds, so no
single C call here holds it long: calamine releases it while it parses, and
rows are turned into Python objects slice by slice (:data:`_ROW_SLICE` rows,
about 10 ms) rather than a whole sheet at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import sys
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as calamine

from clmdesk.core.collector import collector_paused
from clmdesk.core.importing.messages import (
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_NOT_FOUND,
    FILE_NOT_SPREADSHEET,
    FILE_TOO_MANY_CELLS,
    FILE_UNREADABLE,
    FILE_UNSAFE,
)
from clmdesk.core.importing.records import (
    Cell,
    FilePlan,
    ImportOptions,
    RawSheet,
    RawWorkbook,
)
from clmdesk.core.messages import Count
from clmdesk.core.tasks import Cancelled, sub_progress
from clmdesk.fileio.csv_reader import read_csv
from clmdesk.fileio.errors import ReadError, is_parser_panic, read_error
from clmdesk.fileio.safety import (
    DeferredChecks,
    ZipLimits,
    container_kind,
    inspect_zip,
    ole2_is_encrypted,
)
from clmdesk.fileio.xlsx_chunks import PieceReader, SplitSettings, drop_empty_rows

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clmdesk.core.tasks import IsCancelled, Progress

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "ReadError",
    "SplitSettings",
    "plan_file",
    "read_file",
]

#: File name suffixes the open dialog offers (content decides the reader).
SPREADSHEET_SUFFIXES = (
    ".xlsx",
    ".xlsm",
    ".xlsb",
    ".xls",
    ".ods",
    ".csv",
    ".txt",
    ".tsv",
)

_CHILD_TIMEOUT_S = 600
_MIN_CHILD_MEMORY = 2 << 30
# Extensions for which calamine uses another reader than its xlsx one
# (it picks by extension first, then tries each reader in turn).
_NOT_XLSX_SUFFIXES = (".xls", ".xla", ".xlsb", ".ods")
# calamine's own cap on an OpenDocument sheet (it refuses more).
_CALAMINE_CELL_LIMIT = "cell limit exceeded"
#: Rows turned into Python objects per call into calamine (about 10 ms of GIL).
_ROW_SLICE = 20_000


def read_file(
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    is_cancelled: IsCancelled | None = None,
    progress: Progress | None = None,
    split: SplitSettings | None = None,
) -> RawWorkbook:
    """Read every sheet of a spreadsheet or CSV file.

    Parameters
    ----------
    path
        The file.
    options
        ``options.max_cells`` caps the cells read (default 20 million).
    is_cancelled
        Polled while a large worksheet is read in pieces or a CSV is read;
        :class:`~clmdesk.core.tasks.Cancelled` is raised when it turns true.
    progress
        ``progress(done, total)`` while large worksheets are read in pieces
        (bytes of their XML) or a CSV is read (bytes of the file); other
        reads are quick and report nothing.
    split
        When and how large worksheets are read in pieces (tests force it on
        small files); the result never depends on it.

    Returns
    -------
    RawWorkbook
        Raw sheets in workbook order (empty sheets kept without rows), with
        the file's size and SHA-256.

    Raises
    ------
    ReadError
        For any file that cannot be read; ``error.message`` names the file.
    Cancelled
        When ``is_cancelled()`` turned true.
    """
    options = options or ImportOptions()
    path = Path(path)
    if not path.is_file():
        raise read_error(FILE_NOT_FOUND, path)
    try:
        return _read_file(
            path, options, is_cancelled, progress, split or SplitSettings()
        )
    except (ReadError, Cancelled):
        raise
    except MemoryError as error:
        raise read_error(FILE_UNSAFE, path) from error
    except Exception as error:
        # The readers map every failure they know; anything else is still
        # the file's fault as far as the user can tell, and must name it.
        raise read_error(FILE_CORRUPT, path) from error
    except BaseException as error:
        if not is_parser_panic(error):
            raise
        raise read_error(FILE_CORRUPT, path) from error


def _read_file(
    path: Path,
    options: ImportOptions,
    is_cancelled: IsCancelled | None,
    progress: Progress | None,
    split: SplitSettings,
) -> RawWorkbook:
    try:
        kind = container_kind(path)
    except OSError as error:
        raise _unreadable(path, error) from error
    if kind == "empty":
        raise read_error(FILE_EMPTY, path)
    # The digest reads the whole file once more: do it beside the parse.
    stop = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="clmdesk-digest") as hasher:
        digesting = hasher.submit(_size_and_digest, path, stop)
        try:
            sheets = _read_sheets(path, kind, options, is_cancelled, progress, split)
        except BaseException:
            stop.set()
            _wait_quietly(digesting)  # the file is closed before the error goes up
            raise
        try:
            size, digest = digesting.result()
        except OSError as error:
            raise _unreadable(path, error) from error
    if not any(sheet.rows for sheet in sheets):
        raise read_error(FILE_EMPTY, path)
    return RawWorkbook(
        path=str(path), file=path.name, size=size, sha256=digest, sheets=tuple(sheets)
    )


def _wait_quietly(future: Future[Any]) -> None:
    with contextlib.suppress(Exception):
        future.result()


def _unreadable(path: Path, error: OSError) -> ReadError:
    return read_error(FILE_UNREADABLE, path, detail=error.strerror or str(error))


def _read_sheets(
    path: Path,
    kind: str,
    options: ImportOptions,
    is_cancelled: IsCancelled | None,
    progress: Progress | None,
    split: SplitSettings,
) -> list[RawSheet]:
    if kind == "zip":
        return _read_zip(path, options.max_cells, is_cancelled, progress, split)
    if kind == "ole2":
        if ole2_is_encrypted(path):
            raise read_error(FILE_ENCRYPTED, path)
        return _read_in_child(path, options.max_cells)
    return [
        read_csv(path, options.max_cells, progress=progress, is_cancelled=is_cancelled)
    ]


def _read_zip(
    path: Path,
    max_cells: int,
    is_cancelled: IsCancelled | None,
    progress: Progress | None,
    split: SplitSettings,
) -> list[RawSheet]:
    limits = ZipLimits(max_cells=max_cells)
    xlsx_reader = path.suffix.lower() not in _NOT_XLSX_SUFFIXES
    # Large worksheets are checked while they stream into pieces, not before.
    report = inspect_zip(path, limits, defer=split.is_big if xlsx_reader else None)
    if report.kind != "xlsx" or not xlsx_reader:
        return _read_in_child(path, max_cells)
    if not report.deferred:
        return _read_calamine(path, max_cells)
    checks = DeferredChecks(path, limits, report)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise read_error(FILE_CORRUPT, path) from error
    with archive:
        workbook = _open_calamine(path, max_cells)
        try:
            with PieceReader(
                path, archive, checks, split, is_cancelled, progress
            ) as pieces:
                return _sheets(workbook, path, max_cells, pieces, checks, archive)
        finally:
            workbook.close()


def plan_file(
    path: str | Path,
    options: ImportOptions | None = None,
    *,
    is_cancelled: IsCancelled | None = None,
    progress: Progress | None = None,
) -> FilePlan:
    """Read a file and plan every sheet (header row, role, mapping, formats).

    Parameters
    ----------
    path
        The file.
    options
        Language, cell cap, remembered mappings, date-order decisions.
    is_cancelled, progress
        While a large worksheet is read (see :func:`read_file`).

    Returns
    -------
    FilePlan
        The plans, with the raw data they were made from.

    Raises
    ------
    ReadError
        When the file cannot be read.
    """
    from clmdesk.core.importing.plan import plan_workbook

    options = options or ImportOptions()
    # Planning takes about a tenth of the read's time: the read fills the
    # first nine tenths of the bar, the plan the rest.
    reading = sub_progress(progress, 0, 900) if progress is not None else None
    workbook = read_file(path, options, is_cancelled=is_cancelled, progress=reading)
    plan = plan_workbook(workbook, options)
    if progress is not None:
        progress(1000, 1000)
    return plan


def _size_and_digest(
    path: Path, stop: threading.Event | None = None
) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if stop is not None and stop.is_set():
                break  # the read failed: nobody needs the digest
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _read_calamine(path: Path, max_cells: int) -> list[RawSheet]:
    workbook = _open_calamine(path, max_cells)
    try:
        return _sheets(workbook, path, max_cells)
    finally:
        workbook.close()


def _open_calamine(path: Path, max_cells: int) -> Any:
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as error:
        raise read_error(FILE_ENCRYPTED, path) from error
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError) as error:
        raise _damaged(path, error, max_cells) from error
    except OSError as error:
        raise read_error(
            FILE_UNREADABLE, path, detail=error.strerror or str(error)
        ) from error
    except Exception as error:  # calamine raises plain errors for unknown formats
        raise read_error(FILE_NOT_SPREADSHEET, path) from error


def _sheets(
    workbook: Any,
    path: Path,
    max_cells: int,
    pieces: PieceReader | None = None,
    checks: DeferredChecks | None = None,
    archive: zipfile.ZipFile | None = None,
) -> list[RawSheet]:
    names = [
        meta.name
        for meta in workbook.sheets_metadata
        # chart and dialog sheets hold no rows
        if meta.typ == calamine.SheetTypeEnum.WorkSheet
    ]
    sheets: dict[int, RawSheet] = {}
    cells = 0
    if pieces is not None:
        # Large worksheets first, in pieces; the cap counts the same cells
        # whatever the order.
        with collector_paused():
            for index, name in enumerate(names):
                read = pieces.read(name, cells, max_cells)
                if read is not None:
                    sheets[index], dense = read
                    cells += dense
    if checks is not None and archive is not None:
        # Anything deferred and not read in pieces is checked before calamine
        # parses any more of the file.
        checks.check_pending(archive)
    for index, name in enumerate(names):
        if index in sheets:
            continue
        try:
            sheet = workbook.get_sheet_by_name(name)
        except calamine.PasswordError as error:
            raise read_error(FILE_ENCRYPTED, path) from error
        except Exception as error:
            raise _damaged(path, error, max_cells) from error
        cells += _padded_cells(sheet)
        if cells > max_cells:
            raise read_error(FILE_TOO_MANY_CELLS, path, limit=Count(max_cells))
        sheets[index] = _raw_sheet(path.name, name, sheet)
        del sheet
    return [sheets[index] for index in range(len(names))]


def _damaged(path: Path, error: Exception, max_cells: int) -> ReadError:
    """The error for a file calamine failed on: too many cells, or damaged."""
    # The OpenDocument reader parses every sheet when it opens the file and
    # refuses one of more than its own cap of cells.
    if _CALAMINE_CELL_LIMIT in str(error).lower():
        return read_error(FILE_TOO_MANY_CELLS, path, limit=Count(max_cells))
    return read_error(FILE_CORRUPT, path)


def _padded_cells(sheet: Any) -> int:
    """Cells :func:`_raw_sheet` turns into Python: ``iter_rows`` pads from row 1."""
    end = sheet.end
    return 0 if end is None else (end[0] + 1) * sheet.width


def _raw_sheet(file: str, name: str, sheet: Any) -> RawSheet:
    """Turn a parsed sheet into a :class:`RawSheet`, slice by slice.

    python-calamine's ``iter_rows`` pads the range with empty rows from row
    1 down to its first row (its columns start at the range's first one);
    the row number of each row is therefore counted back from the range's
    last row, whichever way a version does it.
    """
    start, end = sheet.start, sheet.end
    if start is None or end is None:
        return RawSheet(file=file, name=name, rows=[], row_numbers=[], width=0)
    rows: list[list[Cell]] = []
    # (offset of a slice, indices kept in it or None for all): numbers are
    # only built when some row was dropped.
    slices: list[tuple[int, list[int] | None, int]] = []
    total = 0
    iterator = sheet.iter_rows()
    with collector_paused():
        while batch := list(islice(iterator, _ROW_SLICE)):
            kept, kept_indices = drop_empty_rows(batch)
            rows.extend(kept)
            slices.append((total, kept_indices, len(batch)))
            total += len(batch)
    row_numbers: Sequence[int]
    if len(rows) == sheet.height:
        row_numbers = range(start[0] + 1, end[0] + 2)
    else:
        # Number of the row yielded first: the last one yielded is the range's last.
        first = end[0] + 2 - total
        numbers: list[int] = []
        for offset, kept_indices, length in slices:
            base = first + offset
            if kept_indices is None:
                numbers.extend(range(base, base + length))
            else:
                numbers.extend([base + index for index in kept_indices])
        row_numbers = numbers
    width = sheet.width if rows else 0
    return RawSheet(
        file=file, name=name, rows=rows, row_numbers=row_numbers, width=width
    )


def _read_in_child(path: Path, max_cells: int) -> list[RawSheet]:
    """Parse with calamine in a child process whose address space is capped."""
    limit = max(_MIN_CHILD_MEMORY, max_cells * 200)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(str(path), max_cells, limit, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(_CHILD_TIMEOUT_S):
            raise read_error(FILE_UNSAFE, path)
        status, payload = receiver.recv()
    except EOFError:
        # The child died without answering: out of memory or crashed.
        raise read_error(FILE_UNSAFE, path) from None
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if status == "ok":
        return [
            RawSheet(
                file=path.name, name=name, rows=rows, row_numbers=numbers, width=width
            )
            for name, rows, numbers, width in payload
        ]
    raise ReadError(payload)


def _child_main(path: str, max_cells: int, limit: int, sender: Any) -> None:
    if sys.platform != "win32":
        import resource

        # Never above a hard limit the app itself runs under (raising it fails).
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        sheets = _read_calamine(Path(path), max_cells)
        payload = [
            (sheet.name, sheet.rows, list(sheet.row_numbers), sheet.width)
            for sheet in sheets
        ]
        sender.send(("ok", payload))
    except ReadError as error:
        sender.send(("error", error.message))
    except MemoryError:
        sender.send(("error", read_error(FILE_UNSAFE, path).message))
    finally:
        sender.close()
