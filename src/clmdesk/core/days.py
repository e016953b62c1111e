"""Calendar dates as integer day numbers (core layer).

The engine and the database count days since 1970-01-01, so dates load
straight into numpy and compare as integers.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["EPOCH", "day_number", "from_day_number"]

EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = EPOCH.toordinal()


def day_number(value: date) -> int:
    """Days since 1970-01-01 of a calendar date (a datetime's time is ignored)."""
    return value.toordinal() - _EPOCH_ORDINAL


def from_day_number(day: int) -> date:
    """The calendar date of a day number."""
    return EPOCH + timedelta(days=int(day))
