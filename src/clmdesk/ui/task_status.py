"""Status-bar progress and cancel for the window's background work (ui layer)."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

__all__ = ["TaskSource", "TaskStatusWidget"]


class TaskSource(Protocol):
    """What the widget follows: a ``TaskRunner``, or anything with its signals and ``cancel``."""

    progress_changed: Any  # Signal(int done, int total)
    busy_changed: Any  # Signal(bool busy)

    def cancel(self) -> None: ...


class TaskStatusWidget(QWidget):
    """Shows what a task is doing, its progress bar and, while it may be stopped, a Cancel button.

    The bar is indeterminate until the task reports a total. GUI thread only.
    """

    def __init__(self, runner: TaskSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        # %p is the percentage; pt-BR writes a space before the sign.
        self.bar.setFormat(self.tr("%p%"))
        self.cancel_button = QToolButton()
        self.cancel_button.setText(self.tr("Cancel"))
        self.cancel_button.setToolTip(self.tr("Stop this task (Esc)"))
        self.cancel_button.clicked.connect(runner.cancel)
        # Esc anywhere in the window stops the task, while Cancel is offered.
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self._escape.setEnabled(False)
        self._busy = False
        self._escape.activated.connect(self.cancel_button.click)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        runner.progress_changed.connect(self._on_progress)
        runner.busy_changed.connect(self._on_busy)
        self.setVisible(False)

    def set_task_name(self, text: str) -> None:
        """Name what the task is doing, e.g. "Classifying customers…" (may change while it runs)."""
        self.label.setText(text)

    def set_cancellable(self, cancellable: bool) -> None:
        """Offer Cancel or not: work that cannot be stopped offers none (every task starts cancellable)."""
        self.cancel_button.setVisible(cancellable)
        self._escape.setEnabled(cancellable and self._busy)

    def show_stopping(self, text: str) -> None:
        """Say ``text`` with a busy bar and no Cancel while a cancelled task winds down.

        The runner forgot the task when it was cancelled; its worker still
        rolls back. Shown until the runner starts another task.
        """
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.cancel_button.setVisible(False)
        self._escape.setEnabled(False)
        self.setVisible(True)

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if total <= 0:
            self.bar.setRange(0, 0)
            return
        self.bar.setRange(0, 1000)
        self.bar.setValue(min(1000, int(1000 * done / total)))

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self._busy = busy
        self.setVisible(busy)
        self._escape.setEnabled(busy)
        if busy:
            self.bar.setRange(0, 0)
            self.cancel_button.setVisible(True)
