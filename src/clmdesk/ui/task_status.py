"""Status-bar progress and cancel for the window's background task (ui layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

if TYPE_CHECKING:
    from clmdesk.workers.runner import TaskRunner

__all__ = ["TaskStatusWidget"]


class TaskStatusWidget(QWidget):
    """Shows what the runner is doing, a determinate progress bar and a Cancel button."""

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop this task (Esc)"))
        self.cancel_button.clicked.connect(runner.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        runner.progress_changed.connect(self._on_progress)
        runner.busy_changed.connect(self._on_busy)
        self.setVisible(False)

    def set_task_name(self, text: str) -> None:
        """Name the task being run, e.g. "Classifying customers…"."""
        self.label.setText(text)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.bar.setRange(0, 0)
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(min(1000, int(1000 * done / total)))

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.setVisible(busy)
        if busy:
            self.bar.setRange(0, 0)
