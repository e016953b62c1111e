"""The status-bar task widget: progress, Cancel, and Esc to stop."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from clmdesk.ui.task_status import TaskStatusWidget
from clmdesk.workers.runner import TaskRunner
from tests.ui.test_runner import wait_for_cancel


@pytest.fixture
def window(qtbot):
    runner = TaskRunner()
    main = QMainWindow()
    status = TaskStatusWidget(runner, main)
    main.statusBar().addPermanentWidget(status)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    main.activateWindow()
    yield main, status, runner
    runner.shutdown()


def test_escape_stops_a_cancellable_task(qtbot, window) -> None:
    main, status, runner = window
    gate = threading.Event()
    runner.start(wait_for_cancel, gate)
    assert gate.wait(5)
    assert status.isVisible()
    assert status.cancel_button.isVisible()
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        qtbot.keyClick(main, Qt.Key.Key_Escape)
    assert not runner.is_busy
    assert not status.isVisible()


def test_escape_does_nothing_while_the_task_cannot_be_stopped(qtbot, window) -> None:
    main, status, runner = window
    gate = threading.Event()
    runner.start(wait_for_cancel, gate)
    assert gate.wait(5)
    status.set_cancellable(False)
    qtbot.keyClick(main, Qt.Key.Key_Escape)
    qtbot.wait(50)
    assert runner.is_busy
    status.set_cancellable(True)
    with qtbot.waitSignal(runner.cancelled, timeout=5000):
        qtbot.keyClick(main, Qt.Key.Key_Escape)
