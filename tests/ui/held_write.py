"""Another write transaction held open on a helper thread, and the GUI thread watched meanwhile.

While it is held, every other write of the process waits for the writer
lock (an import or a classification holding it for seconds, in the app): a
save made on the GUI thread would freeze the window until it ends.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from tests.ui.gui_ticks import GuiTicks

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from clmdesk.storage.database import Database

#: The GUI thread counts as blocked when it misses ticks for longer than this.
LIMIT_MS = 50.0
TICK_MS = 5
#: How long the GUI thread is watched while the other write is held.
WATCH_MS = 300
#: How long the GUI thread must have kept its ticks before the action.
QUIET_MS = 150


class OtherWrite:
    """``with OtherWrite(database):`` holds a write transaction until :meth:`end` (or the block's end)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.entered = threading.Event()
        self.ended = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._hold, name="other-writer")

    def _hold(self) -> None:
        try:
            with self.database.write():
                self.entered.set()
                self._release.wait(30)
        finally:
            self.ended.set()

    def __enter__(self) -> OtherWrite:
        self._thread.start()
        assert self.entered.wait(10), "the other write never started"
        return self

    def end(self) -> None:
        """Commit the other write: the writes waiting behind it go on."""
        self._release.set()
        self._thread.join(10)

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.end()


def longest_gap(
    qtbot: Any, action: Callable[[], object], watch_ms: int = WATCH_MS
) -> float:
    """Run ``action`` on the GUI thread, let the event loop run ``watch_ms``; the longest gap (ms).

    A tick timer runs from before ``action`` on (once the thread is quiet):
    an action that blocks shows as a gap as long as it blocked.
    """
    ticks = GuiTicks(TICK_MS)
    # What the event loop still had to do (painting a page just built…) is
    # not what is measured: wait until the thread is quiet first.
    ticks.settle(qtbot, QUIET_MS)
    ticks.start()
    action()
    qtbot.wait(watch_ms)
    ticks.stop()
    return ticks.longest
