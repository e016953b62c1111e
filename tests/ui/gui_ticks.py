"""How long the GUI thread was kept waiting, from a timer ticking every few milliseconds.

A GUI thread busy with something (or waiting for the GIL) misses ticks for
that long: the longest gap between two ticks is the longest freeze.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Slot


class GuiTicks(QObject):
    """Ticks on the GUI thread and keeps the longest gap (ms) since ``start``."""

    def __init__(self, interval_ms: int) -> None:
        super().__init__()
        self.interval_ms = interval_ms
        self.longest = self.duration = 0.0
        self.started = self.last = self.on_time_since = time.perf_counter()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.longest, self.duration = 0.0, 0.0
        self.started = self.last = self.on_time_since = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.tick()
        self.timer.stop()
        self.duration = (self.last - self.started) * 1000

    @Slot(bool)
    def stop_when_idle(self, busy: bool) -> None:
        """For a ``busy_changed(bool)`` signal: stop measuring once the work ends."""
        if not busy:
            self.stop()

    def settle(self, qtbot: Any, quiet_ms: float) -> None:
        """Start, and wait until nothing else keeps the GUI thread busy for ``quiet_ms``."""
        self.start()
        qtbot.waitUntil(
            lambda: (time.perf_counter() - self.on_time_since) * 1000 >= quiet_ms,
            timeout=10_000,
        )

    @Slot()
    def tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self.last) * 1000
        self.longest = max(self.longest, gap)
        if gap > 2 * self.interval_ms:
            self.on_time_since = now
        self.last = now
