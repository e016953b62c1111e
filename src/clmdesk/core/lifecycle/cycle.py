"""The purchase cycle C, automatic or fixed (core layer).

DOMAIN.md "The lifecycle model": for each customer take the distinct
calendar dates of their purchases over all data; customers with at least two
qualify, each with g = the median of the gaps between consecutive dates. C =
floor(median of all g + 0.5), clamped to 7..365; 90 when fewer than 20
customers qualify. ``floor(x + 0.5)`` is spelled out because Python's and
numpy's ``round`` go half to even.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from clmdesk.core.lifecycle.inputs import distinct_sorted
from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    from clmdesk.core.lifecycle.inputs import EngineInput

__all__ = [
    "AUTO_CYCLE_RANGE",
    "DEFAULT_CYCLE_DAYS",
    "FIXED_CYCLE_RANGE",
    "MIN_QUALIFYING",
    "CycleEstimate",
    "customer_gap_medians",
    "estimate_cycle",
    "fixed_cycle",
    "round_half_up",
]

AUTO_CYCLE_RANGE = (7, 365)
FIXED_CYCLE_RANGE = (1, 3650)
DEFAULT_CYCLE_DAYS = 90
MIN_QUALIFYING = 20

EXPLAIN_AUTO = define(
    "lifecycle.cycle.auto",
    "Automatic: {days} days, the median time between purchases of {customers} customers who bought on two or more different days (median {median} days).",
)
EXPLAIN_AUTO_CLAMPED = define(
    "lifecycle.cycle.auto_clamped",
    "Automatic: {days} days; the median time between purchases of {customers} customers who bought on two or more different days is {median} days, kept within {low} to {high} days.",
)
EXPLAIN_FALLBACK = define(
    "lifecycle.cycle.fallback",
    "Automatic: {days} days, the standard value, because only {customers} customers bought on two or more different days (at least {needed} are needed to measure it).",
)
EXPLAIN_FIXED = define("lifecycle.cycle.fixed", "Fixed by you: {days} days.")


@dataclass(frozen=True)
class CycleEstimate:
    """The C in use and what it was computed from.

    Attributes
    ----------
    days
        C in days.
    automatic
        ``False`` when the user fixed it.
    qualifying_customers
        Customers with purchases on at least two distinct dates.
    median_gap
        Median of the per-customer median gaps (before rounding and
        clamping), or ``None`` when it was not used.
    clamped
        Whether the rounded median fell outside 7..365.
    fallback
        Whether fewer than 20 customers qualified (C = 90).
    """

    days: int
    automatic: bool
    qualifying_customers: int = 0
    median_gap: float | None = None
    clamped: bool = False
    fallback: bool = False

    def explain(self) -> Message:
        """One sentence saying what C is and where it comes from."""
        if not self.automatic:
            return Message(EXPLAIN_FIXED, {"days": self.days})
        if self.fallback:
            return Message(
                EXPLAIN_FALLBACK,
                {
                    "days": self.days,
                    "customers": self.qualifying_customers,
                    "needed": MIN_QUALIFYING,
                },
            )
        # The median goes out as a number: whoever shows the message writes
        # it for its reader (45,5 in pt-BR), and a whole 45.0 as "45".
        median: float | str = "" if self.median_gap is None else float(self.median_gap)
        if self.clamped:
            low, high = AUTO_CYCLE_RANGE
            return Message(
                EXPLAIN_AUTO_CLAMPED,
                {
                    "days": self.days,
                    "customers": self.qualifying_customers,
                    "median": median,
                    "low": low,
                    "high": high,
                },
            )
        return Message(
            EXPLAIN_AUTO,
            {
                "days": self.days,
                "customers": self.qualifying_customers,
                "median": median,
            },
        )


def round_half_up(value: float) -> int:
    """``floor(value + 0.5)``, DOMAIN's rounding."""
    return math.floor(value + 0.5)


def fixed_cycle(days: int) -> CycleEstimate:
    """A C fixed by the user (checked against :data:`FIXED_CYCLE_RANGE`)."""
    low, high = FIXED_CYCLE_RANGE
    if not low <= days <= high:
        raise ValueError(f"cycle days must be within {low}..{high}, got {days}")
    return CycleEstimate(days=int(days), automatic=False)


def customer_gap_medians(data: EngineInput) -> npt.NDArray[np.float64]:
    """g per qualifying customer: median gap in days between distinct purchase dates.

    Vectorised: one sort of (customer, day), distinct pairs, gaps within each
    customer, a second sort of (customer, gap), then the middle one or two
    gaps of each customer's run.
    """
    purchase = data.is_purchase
    customer = data.order_customer[purchase].astype(np.int64)
    day = data.order_day[purchase].astype(np.int64)
    if not len(day):
        return np.zeros(0, dtype=np.float64)
    # Days fit in 32 bits (offset by 2**31), customers above them.
    pairs = distinct_sorted((customer << 32) | (day + 2**31))
    cust = pairs >> 32
    same = cust[1:] == cust[:-1]
    gaps = (pairs[1:] - pairs[:-1])[same]
    gap_cust = cust[1:][same]
    if not len(gaps):
        return np.zeros(0, dtype=np.float64)
    ordered = np.sort((gap_cust << 32) | gaps)
    run_cust = ordered >> 32
    run_gap = ordered & 0xFFFFFFFF
    starts = np.flatnonzero(np.r_[True, run_cust[1:] != run_cust[:-1]])
    counts = np.diff(np.r_[starts, len(ordered)])
    low = run_gap[starts + (counts - 1) // 2]
    high = run_gap[starts + counts // 2]
    result: npt.NDArray[np.float64] = (low + high) / 2.0
    return result


def estimate_cycle(data: EngineInput) -> CycleEstimate:
    """The automatic C of DOMAIN.md, with what it was computed from.

    Parameters
    ----------
    data
        Customers and orders (all data; one C serves every snapshot).
    """
    g = customer_gap_medians(data)
    qualifying = len(g)
    if qualifying < MIN_QUALIFYING:
        return CycleEstimate(
            days=DEFAULT_CYCLE_DAYS,
            automatic=True,
            qualifying_customers=qualifying,
            fallback=True,
        )
    median = float(np.median(g))
    rounded = round_half_up(median)
    low, high = AUTO_CYCLE_RANGE
    days = min(max(rounded, low), high)
    return CycleEstimate(
        days=days,
        automatic=True,
        qualifying_customers=qualifying,
        median_gap=median,
        clamped=days != rounded,
    )
