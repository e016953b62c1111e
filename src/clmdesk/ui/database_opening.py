"""Opening a business database off the GUI thread, step by step (ui layer).

Opening may create the file, back it up and apply pending migrations
(seconds on a large database), or wait on a PostgreSQL server until its
connect timeout. :class:`DatabaseOpener` runs it on a
:class:`~clmdesk.workers.runner.TaskRunner` and tells the window, on the GUI
thread, which step it is in (:class:`OpeningStep`).

Until an upgrade starts an opening may be abandoned: the window then simply
does not switch. Once the backup copy or the scripts started it cannot: the
upgrade completes, or restores its backup on failure
(:func:`~clmdesk.storage.migrate.upgrade_to_head`), whatever the window does.

Each opening gets its own runner: an abandoned connect keeps its thread
until the driver gives up, and the next opening must not queue behind it.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from clmdesk.core.tasks import Cancelled
from clmdesk.services.workspace import DatabaseInfo, describe_database
from clmdesk.storage.database import Database, cannot_open, open_database
from clmdesk.storage.location import risky_location
from clmdesk.storage.migrate import UPGRADE_STEPS
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Callable

    from clmdesk.core.messages import Message
    from clmdesk.core.tasks import IsCancelled, Progress
    from clmdesk.services.panel import SavedPanelLayout

# OpeningStep follows upgrade_to_head's steps: backup copy, scripts, done.
assert UPGRADE_STEPS == 2

__all__ = [
    "DatabaseOpener",
    "OpenedDatabase",
    "OpeningStep",
    "open_for_window",
    "shown_location",
]


class OpeningStep(IntEnum):
    """What an opening is doing; every step from ``BACKING_UP`` on is an upgrade."""

    CONNECTING = 0
    BACKING_UP = 1
    UPGRADING = 2
    UPGRADED = 3


@dataclass(frozen=True)
class OpenedDatabase:
    """An open, up-to-date database and what the window shows of it at once."""

    target: str
    is_demo: bool
    database: Database
    info: DatabaseInfo
    warning: Message | None
    panel_layout: SavedPanelLayout | None = None


class _Attempt:
    """One opening, shared by the GUI thread and its worker.

    The lock makes "abandon" and "the upgrade starts" exclusive: either the
    opening is abandoned before the upgrade touches anything, or the upgrade
    started and the opening can no longer be abandoned.
    """

    def __init__(self, report_step: Callable[[OpeningStep], None]) -> None:
        self._lock = threading.Lock()
        self._report_step = report_step
        self.abandoned = False
        self.upgrading = False

    def abandon(self) -> bool:
        """GUI thread: give the opening up, unless its upgrade started."""
        with self._lock:
            if not self.upgrading:
                self.abandoned = True
            return self.abandoned

    def check(self) -> None:
        """Worker: raise :class:`Cancelled` when the opening was abandoned."""
        with self._lock:
            if self.abandoned:
                raise Cancelled

    def upgrade_progress(self, done: int, total: int) -> None:
        """Worker: the upgrade's ``progress``; its first call is the point of no return."""
        with self._lock:
            if not self.upgrading:
                if self.abandoned:
                    raise Cancelled  # nothing changed yet (see upgrade_to_head)
                self.upgrading = True
        if done >= total:
            self._report_step(OpeningStep.UPGRADED)
        elif done == 0:
            self._report_step(OpeningStep.BACKING_UP)
        else:
            self._report_step(OpeningStep.UPGRADING)


def open_for_window(
    target: str,
    is_demo: bool,
    attempt: _Attempt,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> OpenedDatabase:
    """Open and upgrade ``target``, then read what the window shows first.

    Runs on a worker; touches no widget. Steps go to ``attempt`` (the
    runner's throttled ``progress`` could drop a step that follows another
    closely, so it is not used).

    Raises
    ------
    DatabaseError
        The database cannot be opened or upgraded (as
        :func:`clmdesk.storage.database.open_database` reports it), or its
        data cannot be read (a damaged file: reported as one that cannot be
        opened).
    Cancelled
        The opening was abandoned before its upgrade started.
    """
    database = open_database(target, progress=attempt.upgrade_progress)
    try:
        attempt.check()
        info = describe_database(database)
        path = database.path
        warning = risky_location(path) if path is not None else None
        # Read here, not on the GUI thread when the panel is built.
        from clmdesk.services.panel import read_saved_panel_layout

        layout = read_saved_panel_layout(database)
        attempt.check()
    except BaseException as exc:
        database.close()
        if getattr(exc, "orig", None) is None:
            raise  # not the driver's: Cancelled, or a fault of ours
        raise cannot_open(database.location, exc) from exc
    return OpenedDatabase(target, is_demo, database, info, warning, layout)


def shown_location(target: str) -> str:
    """``target`` as the window may show it before opening: a URL loses its credentials."""
    scheme, separator, rest = target.partition("://")
    if not separator:
        return target
    return f"{scheme}://{rest.rpartition('@')[2]}"


class DatabaseOpener(QObject):
    """Opens one database at a time in the background for the main window.

    Thread contract: create and use on the GUI thread only; every signal
    arrives there.

    Signals
    -------
    busy_changed(bool)
        Whether an opening runs.
    progress_changed(int, int)
        Never emitted: steps have no measurable share (see ``step_changed``);
        present so that a task status widget can follow an opener as it
        follows a runner.
    step_changed(int)
        The running opening reached an :class:`OpeningStep`.
    opened(object)
        The :class:`OpenedDatabase`, now owned by the receiver.
    failed(str, object)
        The target and the exception (usually a ``DatabaseError``).
    cancelled()
        The opening was abandoned; nothing changed.
    """

    busy_changed = Signal(bool)
    progress_changed = Signal(int, int)
    step_changed = Signal(int)
    opened = Signal(object)
    failed = Signal(str, object)
    cancelled = Signal()

    # Internal: worker thread -> GUI thread, tagged with the opening's serial.
    _step_from_worker = Signal(int, int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serial = 0
        self._attempt: _Attempt | None = None
        self._runner: TaskRunner | None = None
        self._target = ""
        self.step = OpeningStep.CONNECTING
        # Abandoned runners may still be waiting on a server; kept (not
        # deleted) until then, as their worker emits on them when it ends.
        self._abandoned: list[TaskRunner] = []
        self._step_from_worker.connect(self._on_worker_step)

    @property
    def is_busy(self) -> bool:
        """Whether an opening runs."""
        return self._attempt is not None

    @property
    def is_upgrading(self) -> bool:
        """Whether the running opening started an upgrade (it cannot be abandoned).

        True from the moment the worker starts it, before ``step_changed`` tells.
        """
        return self._attempt is not None and self._attempt.upgrading

    @property
    def target(self) -> str:
        """What the running (or last) opening opens."""
        return self._target

    def start(self, target: str, *, is_demo: bool = False) -> bool:
        """Start opening ``target``, abandoning an opening still connecting.

        Returns False, starting nothing, while an upgrade runs.
        """
        self.cancel()
        if self._attempt is not None:
            return False  # its upgrade started (perhaps not yet reported)
        self._serial += 1
        serial = self._serial
        signal = self._step_from_worker

        def report_step(step: OpeningStep) -> None:
            # Worker thread: queued to _on_worker_step on the GUI thread. The
            # opener may be gone by then (its window closed): nobody listens.
            with contextlib.suppress(RuntimeError):
                signal.emit(serial, int(step))

        attempt = _Attempt(report_step)
        runner = TaskRunner(self)
        runner.finished.connect(self._on_finished)
        runner.failed.connect(self._on_failed)
        self._attempt, self._runner, self._target = attempt, runner, target
        self.step = OpeningStep.CONNECTING
        self.busy_changed.emit(True)
        self.step_changed.emit(int(self.step))
        # Last: an opening that ends at once (a file that is not a database)
        # may report its end from inside start(), before it returns.
        runner.start(open_for_window, target, is_demo, attempt)
        return True

    @Slot()
    def cancel(self) -> None:
        """Abandon the running opening, unless its upgrade started (then nothing happens)."""
        attempt, runner = self._attempt, self._runner
        if attempt is None or runner is None or not attempt.abandon():
            return
        self._attempt = self._runner = None
        runner.cancel()  # drops its late result
        runner.shutdown(wait=False)
        self._abandoned.append(runner)
        self.busy_changed.emit(False)
        self.cancelled.emit()

    def shutdown(self) -> None:
        """Abandon an opening still connecting (on close); an upgrade runs to its end."""
        self.cancel()

    @Slot(int, int)
    def _on_worker_step(self, serial: int, step: int) -> None:
        if self._attempt is None or serial != self._serial:
            return
        self.step = OpeningStep(step)
        self.step_changed.emit(step)

    def _finish(self) -> None:
        runner = self._runner
        self._attempt = self._runner = None
        if runner is not None:
            runner.shutdown(wait=False)  # its worker is done: the thread ends now
            runner.deleteLater()
        self.busy_changed.emit(False)

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        if self.sender() is not self._runner:
            return  # only the current opening's runner reports (defensive)
        self._finish()
        self.opened.emit(result)

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        if self.sender() is not self._runner:
            return
        self._finish()
        self.failed.emit(self._target, error)
