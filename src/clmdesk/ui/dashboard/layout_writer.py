"""Writes a control panel's layout to its database in the background (ui layer).

Saving the layout is a write: while an import or a classification holds the
database's writer lock it waits, for seconds at times, so it never runs on
the GUI thread. :class:`LayoutWriter` writes one layout at a time, in the
order they were saved (a layout saved while a write is under way waits for
it, replacing any older one still waiting), and outlives its panel until
its last write has ended: a panel closed with a change still unsaved (the
database switched or the window closed) still saves it, into the database
it belongs to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Slot

from clmdesk.core.tasks import Cancelled
from clmdesk.services.panel import save_panel_layout
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Sequence

    from PySide6.QtCore import QObject

    from clmdesk.core.tasks import IsCancelled, Progress
    from clmdesk.storage.database import Database
    from clmdesk.ui.database_lease import DatabaseLease

__all__ = ["LayoutWriter"]


def _write(
    database: Database,
    entries: Sequence[Any],
    lease: DatabaseLease | None,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> None:
    """Worker: save ``entries``, then let go of the hold taken when the write was asked for."""
    try:
        save_panel_layout(database, entries)
    finally:
        if lease is not None:
            lease.let_go()


class LayoutWriter(TaskRunner):
    """Saves one panel's layouts, in order, off the GUI thread.

    With a lease, each write holds the database from the moment it is asked
    for (on the GUI thread) until it has ended (on the worker): the window
    may let go of the database meanwhile, which then closes after the
    write. A write is never cancelled once asked for.

    Signals are those of :class:`~clmdesk.workers.runner.TaskRunner`:
    ``finished`` after each write, ``failed`` when one failed. GUI thread
    only.
    """

    # Writers whose panel has gone, kept until their last write has ended.
    _closing: ClassVar[set[LayoutWriter]] = set()

    def __init__(
        self,
        database: Database,
        lease: DatabaseLease | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._database = database
        self._lease = lease
        self._waiting: tuple[list[Any], bool] | None = None  # (entries, held)
        self._closed = False
        self.finished.connect(self._on_written)
        self.failed.connect(self._on_written)

    @property
    def is_writing(self) -> bool:
        """Whether a layout is being written or waits to be."""
        return self.is_busy or self._waiting is not None

    def write(self, entries: list[Any]) -> None:
        """Save ``entries`` now, or right after the write under way (nothing once closed)."""
        if self._closed:
            return
        held = self._hold()
        if self._lease is not None and not held:
            return  # the window has left this database (and saved it when it did)
        if not self.is_busy:
            self._start(entries, held)
            return
        if self._waiting is not None and self._waiting[1]:
            assert self._lease is not None
            self._lease.let_go()  # the older layout waiting is replaced
        self._waiting = (entries, held)

    def close(self) -> None:
        """The panel is done: end once the layouts asked for have been written."""
        if self._closed:
            return
        self._closed = True
        if not self.is_writing:
            self.shutdown(wait=False)
            return
        # The panel (this writer's parent) may be deleted before the write ends.
        self.setParent(None)
        LayoutWriter._closing.add(self)

    def _hold(self) -> bool:
        if self._lease is None:
            return False
        try:
            self._lease.hold()
        except Cancelled:
            return False
        return True

    def _start(self, entries: list[Any], held: bool) -> None:
        self.start(_write, self._database, entries, self._lease if held else None)

    @Slot(object)
    def _on_written(self, _outcome: object) -> None:
        if self._waiting is not None:
            entries, held = self._waiting
            self._waiting = None
            self._start(entries, held)
            return
        if self._closed:
            self.shutdown(wait=False)
            if self in LayoutWriter._closing:
                LayoutWriter._closing.discard(self)
                self.deleteLater()
