"""The whole monthly history of stages in one pass over the orders (core layer).

DOMAIN.md "History": with L the latest date of any order or registration,
snapshots are the last day of every month from the month of the earliest
order or registration up to the month before L's month, plus L itself
(partial unless L is a month's last day).

The orders are sorted by day, so the orders of each snapshot are the next
slice of the arrays: running per-customer totals (purchase count, latest
purchase, net cents) are advanced slice by slice with ``bincount`` and
``maximum.at``, and every snapshot is classified with one table lookup. The
loop runs over snapshots, never over customers or orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from clmdesk.core.lifecycle.inputs import NO_DAY, EngineInput
from clmdesk.core.lifecycle.measures import NO_RECENCY, Measures, top_value_mask
from clmdesk.core.lifecycle.model import GROUP_KEYS, StageModel
from clmdesk.core.lifecycle.rules import compile_model
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
)

__all__ = [
    "NOT_EXISTING",
    "History",
    "compute_history",
    "empty_history",
    "month_end",
    "snapshot_days",
]

NOT_EXISTING = -1


def month_end(day: int) -> int:
    """Day number of the last day of ``day``'s month."""
    month = np.datetime64(int(day), "D").astype("datetime64[M]")
    return int(((month + 1).astype("datetime64[D]") - 1).astype(np.int64))


def snapshot_days(first_day: int, last_day: int) -> tuple[npt.NDArray[np.int32], bool]:
    """Snapshot dates between the earliest and latest data date.

    Parameters
    ----------
    first_day, last_day
        Earliest and latest day of any order or registration (L = ``last_day``).

    Returns
    -------
    (days, partial)
        int32 month ends from ``first_day``'s month up to the month before
        L's month, then L; ``partial`` is true unless L is a month's last day.
    """
    first_month = np.datetime64(int(first_day), "D").astype("datetime64[M]")
    last_month = np.datetime64(int(last_day), "D").astype("datetime64[M]")
    months = np.arange(first_month, last_month, dtype="datetime64[M]")
    ends = ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)
    days = np.append(ends, int(last_day)).astype(np.int32)
    return days, month_end(last_day) != int(last_day)


@dataclass(frozen=True, eq=False)
class History:
    """Stages of every customer at every snapshot.

    Attributes
    ----------
    model
        The stage model used.
    cycle_days
        The purchase cycle C used.
    snapshot_days
        int32 day numbers, ascending; the last one is L.
    partial_last
        Whether the last snapshot is a partial month.
    counts
        int64 ``(snapshots, stages)``: customers per stage, model order.
    stages
        int8 ``(snapshots, customers)``: stage index, ``-1`` = not existing.
    top_thresholds
        float64 per snapshot: the top-value threshold in cents (NaN when
        nobody has bought yet or the model ignores value).
    final
        Measures at L (``None`` without any data).
    """

    model: StageModel
    cycle_days: int
    snapshot_days: npt.NDArray[np.int32]
    partial_last: bool
    counts: npt.NDArray[np.int64]
    stages: npt.NDArray[np.int8]
    top_thresholds: npt.NDArray[np.float64]
    final: Measures | None

    @property
    def n_snapshots(self) -> int:
        """Number of snapshots (0 without data)."""
        return len(self.snapshot_days)

    @property
    def last_day(self) -> int | None:
        """L, the last snapshot's day, or ``None`` without data."""
        return int(self.snapshot_days[-1]) if self.n_snapshots else None

    def snapshot_index(self, day: int) -> int:
        """Index of the snapshot dated ``day`` (``KeyError`` when none)."""
        i = int(np.searchsorted(self.snapshot_days, day))
        if i >= self.n_snapshots or int(self.snapshot_days[i]) != day:
            raise KeyError(day)
        return i

    def is_partial(self, index: int) -> bool:
        """Whether snapshot ``index`` is a partial month (only the last may be)."""
        return self.partial_last and index == self.n_snapshots - 1

    def group_counts(self) -> npt.NDArray[np.int64]:
        """int64 ``(snapshots, 4)``: customers per group, in :data:`GROUP_KEYS` order."""
        result = np.zeros((self.n_snapshots, len(GROUP_KEYS)), dtype=np.int64)
        for stage_index, group_index in enumerate(self.model.group_index_array()):
            result[:, group_index] += self.counts[:, stage_index]
        return result

    def group_stages(self, index: int) -> npt.NDArray[np.int8]:
        """int8 group index per customer at snapshot ``index`` (``-1`` = not existing)."""
        lookup = np.array([*self.model.group_index_array(), -1], dtype=np.int8)
        result: npt.NDArray[np.int8] = lookup[self.stages[index]]
        return result


def empty_history(model: StageModel, cycle_days: int, n_customers: int) -> History:
    """The history of a database with no orders and no registrations."""
    return History(
        model=model,
        cycle_days=cycle_days,
        snapshot_days=np.zeros(0, dtype=np.int32),
        partial_last=False,
        counts=np.zeros((0, len(model.stages)), dtype=np.int64),
        stages=np.zeros((0, n_customers), dtype=np.int8),
        top_thresholds=np.zeros(0, dtype=np.float64),
        final=None,
    )


def compute_history(
    data: EngineInput,
    model: StageModel,
    cycle_days: int,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> History:
    """Classify every customer at every snapshot.

    Parameters
    ----------
    data
        Customers and orders.
    model
        A validated stage model.
    cycle_days
        The purchase cycle C.
    progress, is_cancelled
        Progress per snapshot; cancellation is checked per snapshot.

    Returns
    -------
    History
        Runs on whatever thread calls it; holds no reference to ``data``.
    """
    span = data.span
    n = data.n_customers
    if span is None:
        return empty_history(model, cycle_days, n)
    days, partial = snapshot_days(*span)
    n_snap = len(days)
    compiled = compile_model(model, cycle_days)
    uses_top = model.uses_top_value()
    bounds = np.searchsorted(data.order_day, days, side="right")
    exact_float = data.exact_float_sums

    frequency = np.zeros(n, dtype=np.int32)
    latest = np.full(n, -1, dtype=np.int32)
    money_float = np.zeros(n, dtype=np.float64)
    money_int = np.zeros(n, dtype=np.int64)
    no_top = np.zeros(n, dtype=np.bool_)
    stages = np.empty((n_snap, n), dtype=np.int8)
    counts = np.zeros((n_snap, len(model.stages)), dtype=np.int64)
    thresholds = np.full(n_snap, np.nan, dtype=np.float64)
    customers_all, days_all, cents_all = (
        data.order_customer,
        data.order_day,
        data.order_cents,
    )
    purchase_all = data.is_purchase

    percentile = float(model.top_percentile)
    registered_day = data.registered_day
    start = 0
    for s in range(n_snap):
        check_cancelled(is_cancelled)
        end = int(bounds[s])
        monetary = money_float if exact_float else money_int
        if end > start:
            customer = customers_all[start:end]
            purchase = purchase_all[start:end]
            buyers = customer[purchase]
            if len(buyers):
                frequency += np.bincount(buyers, minlength=n).astype(np.int32)
                np.maximum.at(latest, buyers, days_all[start:end][purchase])
            if exact_float:
                money_float += np.bincount(
                    customer, weights=cents_all[start:end], minlength=n
                )
            else:
                np.add.at(money_int, customer, cents_all[start:end])
        start = end
        day = int(days[s])
        if uses_top:
            top, threshold = top_value_mask(monetary, frequency, percentile)
            if threshold is not None:
                thresholds[s] = threshold
        else:
            top = no_top
        # Without purchases latest is -1, so R is day + 1: harmless, as the
        # table ignores R where F = 0.
        recency = np.int32(day) - latest
        row = compiled.classify(frequency, recency, top, registered_day <= day)
        stages[s] = row
        # int8 -> uint8 sends -1 (not existing) to 255, beyond the stages.
        counts[s] = np.bincount(row.view(np.uint8), minlength=256)[: len(model.stages)]
        progress(s + 1, n_snap)

    stages.setflags(write=False)
    counts.setflags(write=False)
    last = int(days[-1])
    final = _final_measures(
        data, last, frequency, latest, money_float, money_int, exact_float
    )
    return History(
        model=model,
        cycle_days=cycle_days,
        snapshot_days=days,
        partial_last=partial,
        counts=counts,
        stages=stages,
        top_thresholds=thresholds,
        final=final,
    )


def _final_measures(
    data: EngineInput,
    day: int,
    frequency: npt.NDArray[np.int32],
    latest: npt.NDArray[np.int32],
    money_float: npt.NDArray[np.float64],
    money_int: npt.NDArray[np.int64],
    exact_float: bool,
) -> Measures:
    """Measures at L from the running totals (every order is on or before L)."""
    has = frequency > 0
    last_day = np.where(has, latest, NO_DAY).astype(np.int32)
    registered = data.registered_day <= day
    return Measures(
        as_of=day,
        frequency=frequency.copy(),
        first_day=data.first_purchase_day.copy(),
        last_day=last_day,
        recency=np.where(has, np.int32(day) - latest, NO_RECENCY).astype(np.int32),
        monetary=money_float.astype(np.int64) if exact_float else money_int.copy(),
        registered=registered,
        exists=has | registered,
    )
