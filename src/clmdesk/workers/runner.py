"""Run Qt-free tasks off the GUI thread and report back on it (workers layer).

A task is a plain function from ``services``/``core`` called as
``fn(*args, progress=..., is_cancelled=..., **kwargs)`` (see
:mod:`clmdesk.core.tasks`). :class:`TaskRunner` runs one task at a time on
its own single-thread executor; starting a new task cancels the one still
running (its late result is dropped), and progress is throttled so a chatty
task cannot flood the event loop.

Thread contract: create and use a runner on the GUI thread only. Its
signals are always delivered on the GUI thread, because they are emitted on
an object living there and Qt queues cross-thread emissions.
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from clmdesk.core.tasks import Cancelled

__all__ = ["TaskRunner"]

_PROGRESS_INTERVAL_S = 0.05


class _Ticket:
    """One started task: its cancel flag and progress throttle (shared with the worker)."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.cancel_event = threading.Event()
        self._last_emit = 0.0
        self._last_permille = -1

    def should_emit(self, done: int, total: int) -> bool:
        permille = (1000 * done // total) if total > 0 else -1
        now = time.monotonic()
        if done >= total > 0 or (
            permille != self._last_permille
            and now - self._last_emit >= _PROGRESS_INTERVAL_S
        ):
            self._last_emit = now
            self._last_permille = permille
            return True
        return False


class TaskRunner(QObject):
    """Runs one background task at a time for its owner.

    Signals
    -------
    started()
        A task started.
    progress_changed(done, total)
        Throttled progress of the current task.
    finished(result)
        The current task returned ``result``.
    failed(exception)
        The current task raised; the exception object is passed on.
    cancelled()
        The current task stopped because it was cancelled.
    busy_changed(bool)
        Whether a task is running.
    """

    started = Signal()
    progress_changed = Signal(int, int)
    finished = Signal(object)
    failed = Signal(object)
    cancelled = Signal()
    busy_changed = Signal(bool)

    # Internal: worker thread -> GUI thread hand-over.
    _progress_from_worker = Signal(int, int, int)
    _done_from_worker = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="clmdesk-task"
        )
        self._generation = 0
        self._current: _Ticket | None = None
        # Queued even when emitted on the GUI thread: a task done before its
        # callback is attached reports from inside start(), and must still
        # be heard after start() returned, after ``started``.
        queued = Qt.ConnectionType.QueuedConnection
        self._progress_from_worker.connect(self._on_worker_progress, queued)
        self._done_from_worker.connect(self._on_worker_done, queued)

    @property
    def is_busy(self) -> bool:
        """Whether a task is running."""
        return self._current is not None

    def start(self, fn: Any, *args: Any, **kwargs: Any) -> Future[Any]:
        """Start ``fn`` in the background, cancelling any task still running.

        Returns the worker's future, done once the worker is through with the
        task: it ran, or it was cancelled before it started and never will.
        """
        self.cancel()
        self._generation += 1
        ticket = _Ticket(self._generation)
        self._current = ticket

        def progress(done: int, total: int) -> None:
            if ticket.should_emit(done, total):
                _emit_if_alive(
                    self._progress_from_worker, ticket.generation, int(done), int(total)
                )

        def run() -> Any:
            if ticket.cancel_event.is_set():
                raise Cancelled
            return fn(
                *args,
                progress=progress,
                is_cancelled=ticket.cancel_event.is_set,
                **kwargs,
            )

        self.started.emit()
        self.busy_changed.emit(True)
        future = self._executor.submit(run)
        future.add_done_callback(
            lambda done: _emit_if_alive(self._done_from_worker, ticket.generation, done)
        )
        return future

    @Slot()
    def cancel(self) -> None:
        """Ask the running task to stop; its result, if any, is dropped."""
        ticket = self._current
        if ticket is None:
            return
        ticket.cancel_event.set()
        self._current = None
        self.cancelled.emit()
        self.busy_changed.emit(False)

    def shutdown(self, wait: bool = True) -> None:
        """Cancel the running task and stop the executor (on close)."""
        self.cancel()
        self._executor.shutdown(wait=wait, cancel_futures=True)

    @Slot(int, int, int)
    def _on_worker_progress(self, generation: int, done: int, total: int) -> None:
        if self._current is not None and generation == self._current.generation:
            self.progress_changed.emit(done, total)

    @Slot(int, object)
    def _on_worker_done(self, generation: int, future: Future[Any]) -> None:
        if self._current is None or generation != self._current.generation:
            return  # superseded or cancelled: the owner already moved on
        self._current = None
        self.busy_changed.emit(False)
        exception = future.exception()
        if isinstance(exception, Cancelled):
            self.cancelled.emit()
        elif exception is not None:
            self.failed.emit(exception)
        else:
            self.finished.emit(future.result())


def _emit_if_alive(signal: Any, *args: Any) -> None:
    """Emit from a worker thread, dropping the report if its owner was deleted meanwhile."""
    # The runner's C++ object may be gone (its window closed): nobody listens then.
    with contextlib.suppress(RuntimeError):
        signal.emit(*args)
