"""The open database as the work on it shares it: leases and leased runners (ui layer).

The main window owns one :class:`DatabaseLease` per open database and hands
it to what works on that database: its own tasks, the control panel, the
import, import history and stage model dialogs. Their work holds the
database open while it runs, so the window can let go of a database (switch
to another, or close it) at once, without waiting on the GUI thread: the
database closes once the last of its work has ended.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any

from clmdesk.core.tasks import Cancelled
from clmdesk.services.workspace import DatabaseInfo, describe_database
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Future

    from PySide6.QtCore import QObject

    from clmdesk.core.tasks import IsCancelled, Progress
    from clmdesk.storage.database import Database

__all__ = ["DatabaseLease", "LeasedTaskRunner"]


class DatabaseLease:
    """The window's open database as the work on it shares it.

    Work holds the database open while it runs: tasks (:meth:`run`) and
    readings (:meth:`read`, :meth:`describe`) on workers, dialogs and
    writes that must not be dropped (:meth:`hold`, then :meth:`let_go`).
    Releasing closes the database at once, or, while work still holds it,
    as soon as the last of it ends: a task's transaction has then been
    committed or rolled back, and no connection is left open until the
    garbage collector finds it, holding the file. Work that would start
    after the release is cancelled.

    Readings are not waited for on quitting (:attr:`is_busy`): they write
    nothing and are cancelled at their next step.

    Thread contract: created, held and released on the GUI thread; ``run``,
    ``read`` and ``describe`` on workers; ``let_go`` on any thread.
    ``on_idle(lease)`` is called, on whichever thread lets go, each time
    the last task or holder of the database ends.
    """

    def __init__(
        self, database: Database, on_idle: Callable[[DatabaseLease], None]
    ) -> None:
        self.database = database
        self._on_idle = on_idle
        self._lock = threading.Lock()
        self._tasks = 0
        self._readings = 0
        self._released = False

    @property
    def is_busy(self) -> bool:
        """Whether a task or a holder still holds the database (readings aside)."""
        with self._lock:
            return self._tasks > 0

    @property
    def is_released(self) -> bool:
        """Whether the window is done with the database (it closes once its work ended)."""
        with self._lock:
            return self._released

    def run(
        self,
        task: Callable[..., Any],
        /,
        *args: Any,
        progress: Progress,
        is_cancelled: IsCancelled,
        **kwargs: Any,
    ) -> Any:
        """Worker: ``task(*args)`` under the task contract, holding the database until it returns."""
        self._take(reading=False)
        try:
            return task(*args, progress=progress, is_cancelled=is_cancelled, **kwargs)
        finally:
            self._let_go(reading=False)

    def read(
        self,
        task: Callable[..., Any],
        /,
        *args: Any,
        progress: Progress,
        is_cancelled: IsCancelled,
        **kwargs: Any,
    ) -> Any:
        """Worker: as :meth:`run`, for a task that only reads (not waited for on quitting)."""
        self._take(reading=True)
        try:
            return task(*args, progress=progress, is_cancelled=is_cancelled, **kwargs)
        finally:
            self._let_go(reading=True)

    def holding(
        self, task: Callable[..., Any], *, reading: bool = False
    ) -> Callable[..., Any]:
        """``task`` as a task that holds the database while it runs (:meth:`run` or :meth:`read`)."""
        return functools.partial(self.read if reading else self.run, task)

    def describe(
        self, *, progress: Progress, is_cancelled: IsCancelled
    ) -> tuple[Database, DatabaseInfo]:
        """Worker: what the database holds, tagged with the database it describes."""
        self._take(reading=True)
        try:
            return self.database, describe_database(self.database)
        finally:
            self._let_go(reading=True)

    def hold(self) -> None:
        """GUI thread: hold the database until :meth:`let_go`; raises Cancelled once released.

        For a dialog while it is open, and for a write handed to a worker
        that must still happen if the window lets go of the database before
        the worker starts (the worker then lets go when the write ended).
        """
        self._take(reading=False)

    def let_go(self) -> None:
        """Any thread: what :meth:`hold` was called for is done."""
        self._let_go(reading=False)

    def release(self) -> None:
        """GUI thread: the window is done with the database; it closes once its work ended."""
        with self._lock:
            if self._released:
                return
            self._released = True
            close = not (self._tasks or self._readings)
        if close:
            self.database.close()

    def _take(self, *, reading: bool) -> None:
        with self._lock:
            if self._released:
                raise Cancelled  # the window has moved on: nothing to do
            if reading:
                self._readings += 1
            else:
                self._tasks += 1

    def _let_go(self, *, reading: bool) -> None:
        with self._lock:
            if reading:
                self._readings -= 1
            else:
                self._tasks -= 1
            idle = not reading and not self._tasks
            close = self._released and not (self._tasks or self._readings)
        if close:
            self.database.close()
        if idle:
            self._on_idle(self)


class LeasedTaskRunner(TaskRunner):
    """A task runner whose tasks hold the database of :attr:`lease` until they end.

    Callers start tasks as on any runner (``start(fn, *args)``). Without a
    lease the tasks run as on a plain runner. With ``reading``, the tasks
    only read (see :meth:`DatabaseLease.read`). GUI thread only.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        lease: DatabaseLease | None = None,
        *,
        reading: bool = False,
    ) -> None:
        super().__init__(parent)
        self.lease = lease
        self.reading = reading

    def start(self, fn: Any, *args: Any, **kwargs: Any) -> Future[Any]:
        """Start ``fn`` in the background, holding the database; cancels the running task."""
        if self.lease is None:
            return super().start(fn, *args, **kwargs)
        held = self.lease.read if self.reading else self.lease.run
        return super().start(held, fn, *args, **kwargs)
