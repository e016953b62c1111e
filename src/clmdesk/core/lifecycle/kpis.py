"""The control panel's KPI figures, relative to the latest snapshot L (core layer).

DOMAIN.md "The control panel": every KPI is computed at L and, for the
change shown beside it, at the previous snapshot P (the previous month).
A ratio with a zero denominator is ``None`` (shown "—").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from clmdesk.core.lifecycle.funnel import FigureStatus, Funnel, Granularity
from clmdesk.core.lifecycle.model import GROUP_KEYS

if TYPE_CHECKING:
    from clmdesk.core.lifecycle.history import History
    from clmdesk.core.lifecycle.inputs import EngineInput

__all__ = [
    "Kpi",
    "PanelKpis",
    "attention_list",
    "average_ticket",
    "compute_kpis",
    "repeat_purchase_rate",
    "revenue_between",
]

TICKET_DAYS = 90


@dataclass(frozen=True)
class Kpi:
    """A KPI at L and at the previous snapshot.

    Attributes
    ----------
    value
        At L; ``None`` for "—" (zero denominator) or not available.
    previous
        At the previous snapshot; ``None`` when there is none or "—".
    status
        ``FigureStatus.OK``, ``ZERO_DENOMINATOR`` ("—") or ``NO_DATA``.
    """

    value: float | int | None
    previous: float | int | None
    status: FigureStatus = FigureStatus.OK

    @property
    def change(self) -> float | int | None:
        """``value − previous`` when both exist."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True, eq=False)
class PanelKpis:
    """Every KPI card of the panel.

    Money is in cents; rates are fractions (1.0 = 100 %).

    Attributes
    ----------
    as_of, previous_as_of
        L and the previous snapshot day (``None`` with a single snapshot).
    attention
        Customer indices of group ``attention`` at L, by M descending then key.
    """

    as_of: int
    previous_as_of: int | None
    active_customers: Kpi
    need_attention: Kpi
    revenue_30d: Kpi
    revenue_90d: Kpi
    average_ticket: Kpi
    repeat_purchase_rate: Kpi
    retention_rate: Kpi
    customers_lost: Kpi
    attention: npt.NDArray[np.intp]


def revenue_between(data: EngineInput, after_day: int, upto_day: int) -> int:
    """Net cents of orders dated in ``(after_day, upto_day]``."""
    lo = int(np.searchsorted(data.order_day, after_day, side="right"))
    hi = int(np.searchsorted(data.order_day, upto_day, side="right"))
    return int(data.order_cents[lo:hi].sum(dtype=np.int64))


def average_ticket(
    data: EngineInput, day: int, days: int = TICKET_DAYS
) -> float | None:
    """Purchase revenue ÷ number of purchases in ``(day − days, day]`` (cents), ``None`` without purchases."""
    lo = int(np.searchsorted(data.order_day, day - days, side="right"))
    hi = int(np.searchsorted(data.order_day, day, side="right"))
    purchase = data.is_purchase[lo:hi]
    count = int(purchase.sum())
    if not count:
        return None
    return int(data.order_cents[lo:hi][purchase].sum(dtype=np.int64)) / count


def repeat_purchase_rate(data: EngineInput, day: int) -> float | None:
    """Customers with F >= 2 ÷ customers with F >= 1 at ``day``."""
    upto = data.orders_until(day)
    purchase = data.is_purchase[:upto]
    frequency = np.bincount(
        data.order_customer[:upto][purchase], minlength=data.n_customers
    )
    buyers = int((frequency >= 1).sum())
    if not buyers:
        return None
    return int((frequency >= 2).sum()) / buyers


def _lost(history: History, later: int, earlier: int) -> int:
    inactive = GROUP_KEYS.index("inactive")
    now = history.group_stages(later) == inactive
    before = history.group_stages(earlier) == inactive
    return int((now & ~before).sum())


def attention_list(data: EngineInput, history: History) -> npt.NDArray[np.intp]:
    """Group ``attention`` at L, by M descending then customer key (code points)."""
    if history.n_snapshots == 0 or history.final is None:
        return np.zeros(0, dtype=np.intp)
    attention = GROUP_KEYS.index("attention")
    members = np.flatnonzero(history.group_stages(history.n_snapshots - 1) == attention)
    if not len(members):
        return members
    keys = np.array([data.customer_keys[int(i)] for i in members])
    order = np.lexsort((keys, -history.final.monetary[members]))
    result: npt.NDArray[np.intp] = members[order]
    return result


def _ratio_kpi(value: float | None, previous: float | None) -> Kpi:
    status = FigureStatus.OK if value is not None else FigureStatus.ZERO_DENOMINATOR
    return Kpi(value, previous, status)


def compute_kpis(
    data: EngineInput, history: History, monthly: Funnel | None = None
) -> PanelKpis | None:
    """The panel KPIs at L with the previous snapshot's values.

    Parameters
    ----------
    data
        Customers and orders.
    history
        The classified history (L is its last snapshot).
    monthly
        The monthly funnel, for the retention rate of the last complete
        month; without it the retention KPI is "no data".

    Returns
    -------
    PanelKpis or None
        ``None`` when there is no history.
    """
    if history.n_snapshots == 0:
        return None
    last = history.n_snapshots - 1
    prev = last - 1 if last >= 1 else None
    day_l = int(history.snapshot_days[last])
    day_p = int(history.snapshot_days[prev]) if prev is not None else None
    groups = history.group_counts()
    active_g, attention_g = GROUP_KEYS.index("active"), GROUP_KEYS.index("attention")

    def group_kpi(g: int) -> Kpi:
        return Kpi(
            int(groups[last, g]), int(groups[prev, g]) if prev is not None else None
        )

    def revenue_kpi(n_days: int) -> Kpi:
        previous = (
            revenue_between(data, day_p - n_days, day_p) if day_p is not None else None
        )
        return Kpi(revenue_between(data, day_l - n_days, day_l), previous)

    ticket_prev = average_ticket(data, day_p) if day_p is not None else None
    repeat_prev = repeat_purchase_rate(data, day_p) if day_p is not None else None
    return PanelKpis(
        as_of=day_l,
        previous_as_of=day_p,
        active_customers=group_kpi(active_g),
        need_attention=group_kpi(attention_g),
        revenue_30d=revenue_kpi(30),
        revenue_90d=revenue_kpi(90),
        average_ticket=_ratio_kpi(average_ticket(data, day_l), ticket_prev),
        repeat_purchase_rate=_ratio_kpi(repeat_purchase_rate(data, day_l), repeat_prev),
        retention_rate=_retention_kpi(monthly),
        customers_lost=(
            Kpi(
                _lost(history, last, prev),
                _lost(history, prev, prev - 1) if prev >= 1 else None,
            )
            if prev is not None
            else Kpi(None, None, FigureStatus.NOT_APPLICABLE)
        ),
        attention=attention_list(data, history),
    )


def _retention_kpi(monthly: Funnel | None) -> Kpi:
    if monthly is None or monthly.granularity is not Granularity.MONTH:
        return Kpi(None, None, FigureStatus.NO_DATA)
    index = monthly.last_complete()
    if index is None:
        return Kpi(None, None, FigureStatus.NOT_APPLICABLE)
    figure = monthly.periods[index].retention
    previous = monthly.periods[index - 1].retention.rate if index >= 1 else None
    return Kpi(figure.rate, previous, figure.rate_status)
