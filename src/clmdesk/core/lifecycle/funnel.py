"""The five CLM stages per month, quarter or year, with their rates (core layer).

DOMAIN.md "The five CLM stages": reach (campaigns), acquisition
(registrations), conversion (first purchases), retention (bought in the
previous period and again) and loyalty (referrers and NPS promoters). Each
figure says whether its source exists at all ("no data"), and a rate with a
zero denominator is "—", distinct from 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from clmdesk.core.lifecycle.inputs import NO_DAY, EngineInput, distinct_sorted
from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    from clmdesk.core.lifecycle.history import History

__all__ = [
    "FigureStatus",
    "Funnel",
    "FunnelFigure",
    "FunnelInput",
    "FunnelPeriod",
    "Granularity",
    "compute_funnel",
    "period_bounds",
]

NO_DATA_REACH = define(
    "lifecycle.funnel.no_data.reach",
    "No campaign data yet: import a sheet of campaigns (date, channel, people reached, cost) to see the reach.",
)
NO_DATA_ACQUISITION = define(
    "lifecycle.funnel.no_data.acquisition",
    "No registration dates yet: import customers with a registration date column to see acquisition.",
)
NO_DATA_CONVERSION = define(
    "lifecycle.funnel.no_data.conversion",
    "No purchases yet: import your sales to see conversion.",
)
NO_DATA_RETENTION = define(
    "lifecycle.funnel.no_data.retention",
    "No purchases yet: import your sales to see retention.",
)
NO_DATA_LOYALTY = define(
    "lifecycle.funnel.no_data.loyalty",
    "No referrals or NPS answers yet: import customers with a “referred by” column or dated NPS answers to see loyalty.",
)

PROMOTER_MIN_SCORE = 9


class Granularity(StrEnum):
    """Length of a funnel period."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


class FigureStatus(StrEnum):
    """Why a count or rate has, or has no, value.

    ``OK``: a number (possibly 0). ``NO_DATA``: no source rows of this kind
    exist at all. ``ZERO_DENOMINATOR``: the rate's denominator is 0 (shown
    "—"). ``NOT_APPLICABLE``: no such figure (reach has no rate; the first
    period has no retention).
    """

    OK = "ok"
    NO_DATA = "no_data"
    ZERO_DENOMINATOR = "zero_denominator"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class FunnelFigure:
    """One stage of the funnel in one period.

    Attributes
    ----------
    count, count_status
        The count (``None`` unless the status is ``OK``).
    rate, rate_status
        count ÷ denominator as a fraction (1.0 = 100 %), ``None`` unless OK.
    denominator
        The rate's denominator when known.
    """

    count: int | None
    count_status: FigureStatus
    rate: float | None = None
    rate_status: FigureStatus = FigureStatus.NOT_APPLICABLE
    denominator: int | None = None


@dataclass(frozen=True)
class FunnelPeriod:
    """The five figures of one period.

    Attributes
    ----------
    start_day, end_day
        First and last day of the calendar period.
    label
        ``"2024-03"``, ``"2024-Q1"`` or ``"2024"``.
    partial
        The current period (containing L) when L is before its last day.
    snapshot_index
        The period's last snapshot in the history (``None`` when none).
    """

    start_day: int
    end_day: int
    label: str
    partial: bool
    snapshot_index: int | None
    reach: FunnelFigure
    acquisition: FunnelFigure
    conversion: FunnelFigure
    retention: FunnelFigure
    loyalty: FunnelFigure


@dataclass(frozen=True, eq=False)
class FunnelInput:
    """Sources of the funnel besides orders and registrations (arrays).

    Attributes
    ----------
    campaign_day, campaign_reached
        Per campaign row: day and people reached.
    nps_customer, nps_day, nps_score
        Per dated NPS answer.
    referrer, referred_registered_day
        Per referral whose referrer is a known customer: the referrer's
        index and the referred customer's registration day (:data:`NO_DAY`
        when unknown; such a referral cannot be placed in a period).
    """

    campaign_day: npt.NDArray[np.int32] = field(
        default_factory=lambda: np.zeros(0, np.int32)
    )
    campaign_reached: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, np.int64)
    )
    nps_customer: npt.NDArray[np.int32] = field(
        default_factory=lambda: np.zeros(0, np.int32)
    )
    nps_day: npt.NDArray[np.int32] = field(
        default_factory=lambda: np.zeros(0, np.int32)
    )
    nps_score: npt.NDArray[np.int16] = field(
        default_factory=lambda: np.zeros(0, np.int16)
    )
    referrer: npt.NDArray[np.int32] = field(
        default_factory=lambda: np.zeros(0, np.int32)
    )
    referred_registered_day: npt.NDArray[np.int32] = field(
        default_factory=lambda: np.zeros(0, np.int32)
    )


@dataclass(frozen=True)
class Funnel:
    """The funnel over every period of the data.

    Attributes
    ----------
    granularity
        Month, quarter or year.
    periods
        Oldest first; the last one contains L.
    no_data_hints
        For each stage without any source rows (``"reach"``, ...), a message
        saying how to provide them.
    """

    granularity: Granularity
    periods: tuple[FunnelPeriod, ...]
    no_data_hints: dict[str, Message]

    def last_complete(self) -> int | None:
        """Index of the last period that is not partial, or ``None``."""
        for index in range(len(self.periods) - 1, -1, -1):
            if not self.periods[index].partial:
                return index
        return None


def _period_starts(
    first_day: int, last_day: int, granularity: Granularity
) -> npt.NDArray[np.int64]:
    unit = "datetime64[Y]" if granularity is Granularity.YEAR else "datetime64[M]"
    first = np.datetime64(int(first_day), "D").astype(unit)
    last = np.datetime64(int(last_day), "D").astype(unit)
    if granularity is Granularity.QUARTER:
        first_m = int(first.astype(np.int64))
        first = np.datetime64(first_m - first_m % 3, "M")
        starts = np.arange(first, last + 1, 3, dtype="datetime64[M]")
    else:
        starts = np.arange(first, last + 1, dtype=unit)
    return np.asarray(starts.astype("datetime64[D]").astype(np.int64))


def period_bounds(
    first_day: int, last_day: int, granularity: Granularity
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]:
    """Calendar periods covering ``first_day..last_day``.

    Returns
    -------
    (starts, ends, labels)
        First and last day (inclusive) of each period, and its label.
    """
    starts = _period_starts(first_day, last_day, granularity)
    step = {Granularity.MONTH: 1, Granularity.QUARTER: 3, Granularity.YEAR: 12}[
        granularity
    ]
    months = starts.astype("datetime64[D]").astype("datetime64[M]")
    ends = ((months + step).astype("datetime64[D]") - 1).astype(np.int64)
    labels = []
    for month in months:
        year, month_no = int(str(month)[:4]), int(str(month)[5:7])
        if granularity is Granularity.MONTH:
            labels.append(f"{year:04d}-{month_no:02d}")
        elif granularity is Granularity.QUARTER:
            labels.append(f"{year:04d}-Q{(month_no - 1) // 3 + 1}")
        else:
            labels.append(f"{year:04d}")
    return starts, np.asarray(ends), labels


def _period_of(
    days: npt.NDArray[np.integer], starts: npt.NDArray[np.int64], last_day: int
) -> npt.NDArray[np.intp]:
    """Period index per day; -1 outside the periods (before the first or after L)."""
    index = np.searchsorted(starts, days, side="right") - 1
    return np.where((days <= last_day) & (index >= 0), index, -1).astype(np.intp)


def _count_per_period(
    index: npt.NDArray[np.intp],
    n_periods: int,
    weights: npt.NDArray[np.generic] | None = None,
) -> npt.NDArray[np.int64]:
    keep = index >= 0
    w = None if weights is None else weights[keep]
    return np.bincount(index[keep], weights=w, minlength=n_periods).astype(np.int64)


def _distinct_pairs_per_period(
    customer: npt.NDArray[np.integer], index: npt.NDArray[np.intp], n_periods: int
) -> npt.NDArray[np.int64]:
    keep = index >= 0
    pairs = distinct_sorted(
        index[keep].astype(np.int64) * (2**32) + customer[keep].astype(np.int64)
    )
    return np.bincount(pairs // (2**32), minlength=n_periods).astype(np.int64)


def _figure(
    count: int, has_source: bool, denominator: int | None, has_denominator: bool
) -> FunnelFigure:
    if not has_source:
        return FunnelFigure(
            None, FigureStatus.NO_DATA, None, FigureStatus.NO_DATA, None
        )
    if denominator is None:
        return FunnelFigure(count, FigureStatus.OK)
    if not has_denominator:
        return FunnelFigure(count, FigureStatus.OK, None, FigureStatus.NO_DATA, None)
    if denominator == 0:
        return FunnelFigure(
            count, FigureStatus.OK, None, FigureStatus.ZERO_DENOMINATOR, 0
        )
    return FunnelFigure(
        count, FigureStatus.OK, count / denominator, FigureStatus.OK, denominator
    )


def compute_funnel(
    data: EngineInput,
    extra: FunnelInput,
    history: History,
    granularity: Granularity = Granularity.MONTH,
) -> Funnel:
    """The five CLM stages for every period from the first data date to L.

    Parameters
    ----------
    data
        Customers and orders.
    extra
        Campaigns, NPS answers and referrals.
    history
        The classified history (for the loyalty rate's denominator: customers
        in group ``active`` at the period's last snapshot).
    granularity
        Month, quarter or year.
    """
    span = data.span
    if span is None or history.n_snapshots == 0:
        return Funnel(granularity, (), _hints(data, extra))
    first_day, last_day = span
    if len(extra.campaign_day):
        first_day = min(first_day, int(extra.campaign_day.min()))
    starts, ends, labels = period_bounds(first_day, last_day, granularity)
    n_p = len(starts)

    reach = _count_per_period(
        _period_of(extra.campaign_day, starts, last_day), n_p, extra.campaign_reached
    )
    registered = data.registered_day[data.registered_day != NO_DAY]
    acquisition = _count_per_period(_period_of(registered, starts, last_day), n_p)
    first_purchase = data.first_purchase_day[data.first_purchase_day != NO_DAY]
    conversion = _count_per_period(_period_of(first_purchase, starts, last_day), n_p)

    purchase = data.is_purchase
    buyer = data.order_customer[purchase].astype(np.int64)
    buy_period = _period_of(data.order_day[purchase], starts, last_day).astype(np.int64)
    # Distinct (customer, period) pairs sorted by customer then period: a
    # retained customer is one whose next pair is the very next period.
    pairs = distinct_sorted(buyer * (n_p + 1) + buy_period)
    pair_customer, pair_period = pairs // (n_p + 1), pairs % (n_p + 1)
    buyers = np.bincount(pair_period, minlength=n_p)[:n_p].astype(np.int64)
    again = (pair_customer[1:] == pair_customer[:-1]) & (
        pair_period[1:] == pair_period[:-1] + 1
    )
    retained = np.bincount(pair_period[1:][again], minlength=n_p)[:n_p].astype(np.int64)

    promoters = extra.nps_score >= PROMOTER_MIN_SCORE
    loyal_customer = np.concatenate([extra.referrer, extra.nps_customer[promoters]])
    loyal_period = np.concatenate(
        [
            _period_of(extra.referred_registered_day, starts, last_day),
            _period_of(extra.nps_day[promoters], starts, last_day),
        ]
    )
    loyalty = _distinct_pairs_per_period(loyal_customer, loyal_period, n_p)

    snap_index = np.searchsorted(history.snapshot_days, ends, side="right") - 1
    active_group = history.model.stage_indices_in_group("active")
    active_counts = (
        history.counts[:, list(active_group)].sum(axis=1)
        if active_group
        else np.zeros(history.n_snapshots, np.int64)
    )

    has_reach = len(extra.campaign_day) > 0
    has_registrations = len(registered) > 0
    has_purchases = bool(purchase.any())
    has_loyalty = len(extra.referrer) > 0 or len(extra.nps_day) > 0

    periods = []
    for p in range(n_p):
        snap = int(snap_index[p])
        in_period = snap >= 0 and int(history.snapshot_days[snap]) >= int(starts[p])
        active = int(active_counts[snap]) if in_period else 0
        if p == 0:
            retention = (
                FunnelFigure(
                    None, FigureStatus.NOT_APPLICABLE, None, FigureStatus.NOT_APPLICABLE
                )
                if has_purchases
                else _figure(0, False, None, False)
            )
        else:
            retention = _figure(
                int(retained[p]), has_purchases, int(buyers[p - 1]), has_purchases
            )
        periods.append(
            FunnelPeriod(
                start_day=int(starts[p]),
                end_day=int(ends[p]),
                label=labels[p],
                partial=bool(ends[p] > last_day),
                snapshot_index=snap if in_period else None,
                reach=_figure(int(reach[p]), has_reach, None, False),
                acquisition=_figure(
                    int(acquisition[p]), has_registrations, int(reach[p]), has_reach
                ),
                conversion=_figure(
                    int(conversion[p]),
                    has_purchases,
                    int(acquisition[p]),
                    has_registrations,
                ),
                retention=retention,
                loyalty=_figure(int(loyalty[p]), has_loyalty, active, True),
            )
        )
    return Funnel(granularity, tuple(periods), _hints(data, extra))


def _hints(data: EngineInput, extra: FunnelInput) -> dict[str, Message]:
    hints: dict[str, Message] = {}
    if not len(extra.campaign_day):
        hints["reach"] = Message(NO_DATA_REACH)
    if not bool(np.any(data.registered_day != NO_DAY)):
        hints["acquisition"] = Message(NO_DATA_ACQUISITION)
    if not bool(data.is_purchase.any()):
        hints["conversion"] = Message(NO_DATA_CONVERSION)
        hints["retention"] = Message(NO_DATA_RETENTION)
    if not len(extra.referrer) and not len(extra.nps_day):
        hints["loyalty"] = Message(NO_DATA_LOYALTY)
    return hints
