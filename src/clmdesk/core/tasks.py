"""Progress and cancellation contract for long-running work (core layer).

A long task is a plain function ``fn(inputs, progress, is_cancelled)``.
``progress(done, total)`` may be called often; callers throttle. The task
checks ``is_cancelled()`` once per chunk and raises :class:`Cancelled`.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "Cancelled",
    "IsCancelled",
    "Progress",
    "check_cancelled",
    "never_cancelled",
    "no_progress",
    "sub_progress",
]

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside a task when the user asked it to stop."""


def no_progress(done: int, total: int) -> None:
    """Progress callback that ignores everything."""


def never_cancelled() -> bool:
    """Cancellation callback for work that cannot be cancelled."""
    return False


def check_cancelled(is_cancelled: IsCancelled) -> None:
    """Raise :class:`Cancelled` when ``is_cancelled()`` is true."""
    if is_cancelled():
        raise Cancelled


def sub_progress(
    progress: Progress, start: int, end: int, scale: int = 1000
) -> Progress:
    """Map a sub-task's ``(done, total)`` onto ``start..end`` of a ``scale``-step parent.

    Mirrors Orange's ``wrap_callback``: a service made of steps gives each
    step its own slice of one progress bar.
    """

    def report(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        progress(start + round((end - start) * fraction), scale)

    return report
