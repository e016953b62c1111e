"""Pausing Python's cyclic garbage collector around bulk work (core layer).

An import builds millions of small objects (rows, cells, column values) that
hold no reference cycles.  Each automatic collection walks every object alive
with the GIL held: hundreds of them over a million rows cost seconds, and any
one of them freezes the window while a worker imports.  Reference counting
frees everything meanwhile, so the collector is paused while such work runs.

One counter for the whole process: pauses nest and overlap across threads
(reading, planning and importing pause it, sometimes inside one another), and
only the end of the last one resumes the collector, and only if it was
enabled before the first.  What is still alive at that moment is frozen
(``gc.freeze``): the first collection afterwards would otherwise walk every
row the work kept, holding the GIL.  ``gc.unfreeze`` hands those objects back
to the collector (the import wizard does so when it closes).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import threading
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = ["collector_paused", "without_collection"]

_F = TypeVar("_F", bound="Callable[..., Any]")

_lock = threading.Lock()
_pauses = 0
_was_enabled = True


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic garbage collection for the block (re-entrant, any thread)."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.freeze()
                gc.enable()


def without_collection(function: _F) -> _F:
    """Run ``function`` with automatic garbage collection paused (see :func:`collector_paused`)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with collector_paused():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
