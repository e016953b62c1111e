"""The background task runner: results, failures, cancel, supersede."""

from __future__ import annotations

import threading

import pytest

from clmdesk.core.tasks import IsCancelled, Progress, check_cancelled
from clmdesk.workers.runner import TaskRunner


def add(a: int, b: int, *, progress: Progress, is_cancelled: IsCancelled) -> int:
    progress(1, 1)
    return a + b


def boom(*, progress: Progress, is_cancelled: IsCancelled) -> None:
    raise ValueError("bad file")


def wait_for_cancel(
    gate: threading.Event, *, progress: Progress, is_cancelled: IsCancelled
) -> str:
    gate.set()
    while True:
        check_cancelled(is_cancelled)
        threading.Event().wait(0.005)


@pytest.fixture
def runner(qtbot):
    task_runner = TaskRunner()
    yield task_runner
    task_runner.shutdown()


def test_result_arrives_on_the_gui_thread(qtbot, runner: TaskRunner) -> None:
    seen: list[object] = []
    runner.finished.connect(
        lambda result: seen.append(
            (result, threading.current_thread() is threading.main_thread())
        )
    )
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(add, 2, 3)
    assert seen == [(5, True)]
    assert not runner.is_busy


def test_failure_is_reported(qtbot, runner: TaskRunner) -> None:
    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.start(boom)
    assert isinstance(blocker.args[0], ValueError)


def test_cancel_stops_the_task_and_drops_its_result(qtbot, runner: TaskRunner) -> None:
    gate = threading.Event()
    results: list[object] = []
    runner.finished.connect(results.append)
    runner.start(wait_for_cancel, gate)
    assert gate.wait(5)
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        runner.cancel()
    runner.shutdown()
    assert results == []


def test_new_task_supersedes_the_running_one(qtbot, runner: TaskRunner) -> None:
    gate = threading.Event()
    results: list[object] = []
    runner.finished.connect(results.append)
    runner.start(wait_for_cancel, gate)
    assert gate.wait(5)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.start(add, 1, 1)
    assert results == [2]


def test_a_task_done_at_once_is_reported_after_it_started(
    qtbot, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import Future

    def done_at_once(fn, *args, **kwargs):
        # As if the worker finished before start() attached its callback.
        future: Future[object] = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    monkeypatch.setattr(runner._executor, "submit", done_at_once)
    events: list[object] = []
    runner.started.connect(lambda: events.append("started"))
    runner.busy_changed.connect(lambda busy: events.append(("busy", busy)))
    runner.finished.connect(lambda result: events.append(("finished", result)))
    runner.start(add, 2, 3)
    assert events == ["started", ("busy", True)]  # nothing re-entrant inside start()
    qtbot.waitUntil(lambda: ("finished", 5) in events, timeout=5000)
    assert events == ["started", ("busy", True), ("busy", False), ("finished", 5)]
    assert not runner.is_busy
