"""Snapshot dates, the partial last month, existence over time, and the automatic cycle."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from clmdesk.core.lifecycle.cycle import (
    DEFAULT_CYCLE_DAYS,
    customer_gap_medians,
    estimate_cycle,
    fixed_cycle,
    round_half_up,
)
from clmdesk.core.lifecycle.history import compute_history, month_end, snapshot_days
from clmdesk.core.lifecycle.model import default_model
from clmdesk.core.tasks import Cancelled
from tests.core.lifecycle.lifecycle_reference import (
    RefOrder,
    automatic_cycle,
    engine_input,
    to_date,
    to_day,
)


def _dates(days) -> list[str]:
    return [to_date(int(d)).isoformat() for d in days]


def test_month_ends_plus_partial_last_snapshot() -> None:
    days, partial = snapshot_days(
        to_day(dt.date(2023, 11, 15)), to_day(dt.date(2024, 3, 10))
    )
    assert _dates(days) == [
        "2023-11-30",
        "2023-12-31",
        "2024-01-31",
        "2024-02-29",
        "2024-03-10",
    ]
    assert partial


def test_last_day_on_a_month_end_is_not_partial() -> None:
    days, partial = snapshot_days(
        to_day(dt.date(2024, 1, 1)), to_day(dt.date(2024, 2, 29))
    )
    assert _dates(days) == ["2024-01-31", "2024-02-29"]
    assert not partial


def test_single_month() -> None:
    days, partial = snapshot_days(
        to_day(dt.date(2024, 5, 3)), to_day(dt.date(2024, 5, 20))
    )
    assert _dates(days) == ["2024-05-20"]
    assert partial
    days, partial = snapshot_days(
        to_day(dt.date(2024, 5, 31)), to_day(dt.date(2024, 5, 31))
    )
    assert _dates(days) == ["2024-05-31"]
    assert not partial


def test_month_end_helper() -> None:
    assert to_date(month_end(to_day(dt.date(1999, 2, 3)))) == dt.date(1999, 2, 28)
    assert to_date(month_end(to_day(dt.date(1960, 12, 31)))) == dt.date(1960, 12, 31)


def test_history_span_uses_returns_and_registrations() -> None:
    start = to_day(dt.date(2022, 1, 10))
    orders = [RefOrder(0, start, 1000), RefOrder(0, start + 40, -200)]
    registered = [None, to_day(dt.date(2022, 4, 2))]
    data = engine_input(["a", "b"], registered, orders)
    history = compute_history(data, default_model(), 30)
    assert _dates(history.snapshot_days) == [
        "2022-01-31",
        "2022-02-28",
        "2022-03-31",
        "2022-04-02",
    ]
    assert history.partial_last
    # b exists only from its registration; a from its first purchase.
    assert history.stages[:, 1].tolist() == [-1, -1, -1, 0]
    assert (history.stages[:, 0] >= 0).all()
    assert history.counts.sum(axis=1).tolist() == [1, 1, 1, 2]


def test_customer_appears_only_from_first_purchase_or_registration() -> None:
    start = to_day(dt.date(2021, 1, 5))
    orders = [RefOrder(0, start, 500), RefOrder(1, start + 70, 500)]
    registered = [None, start + 35, start + 100]
    data = engine_input(["a", "b", "c"], registered, orders)
    history = compute_history(data, default_model(), 30)
    days = history.snapshot_days
    for s, day in enumerate(days):
        assert (history.stages[s, 0] >= 0) == (day >= start)
        assert (history.stages[s, 1] >= 0) == (day >= start + 35)
        assert (history.stages[s, 2] >= 0) == (day >= start + 100)
    # b is a prospect between registration and first purchase.
    prospect = default_model().index("prospect")
    s = int(np.searchsorted(days, start + 35))
    assert history.stages[s, 1] == prospect


def test_no_data_means_no_history() -> None:
    data = engine_input(["a"], [None], [])
    history = compute_history(data, default_model(), 30)
    assert history.n_snapshots == 0
    assert history.last_day is None
    assert history.final is None


def test_history_reports_progress_and_cancels() -> None:
    start = to_day(dt.date(2020, 1, 1))
    orders = [RefOrder(0, start + 30 * i, 100) for i in range(12)]
    data = engine_input(["a"], [None], orders)
    seen: list[tuple[int, int]] = []
    history = compute_history(
        data, default_model(), 30, lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (history.n_snapshots, history.n_snapshots)
    calls = iter([False, False, True])
    with pytest.raises(Cancelled):
        compute_history(data, default_model(), 30, is_cancelled=lambda: next(calls))


def test_round_half_up_is_not_bankers_rounding() -> None:
    assert round_half_up(30.5) == 31
    assert round_half_up(31.5) == 32
    assert round_half_up(30.25) == 30
    assert round_half_up(30.75) == 31


def _buyers_with_gaps(
    gap_lists: list[list[int]], start: int = 20_000
) -> list[RefOrder]:
    orders = []
    for customer, gaps in enumerate(gap_lists):
        day = start
        orders.append(RefOrder(customer, day, 100))
        for gap in gaps:
            day += gap
            orders.append(RefOrder(customer, day, 100))
    return orders


def test_cycle_uses_distinct_dates_and_median_rules() -> None:
    # Customer 0: dates d, d, d+10, d+30 -> distinct gaps 10, 20 -> g = 15.
    orders = [
        RefOrder(0, 100, 5),
        RefOrder(0, 100, 7),
        RefOrder(0, 110, 1),
        RefOrder(0, 130, 1),
    ]
    # Returns do not count as purchase dates.
    orders += [RefOrder(0, 105, -50)]
    # Customer 1: gaps 3, 9, 4 -> median 4.
    orders += _buyers_with_gaps([[], [3, 9, 4]], start=200)[1:]
    data = engine_input(["a", "b"], [None, None], orders)
    assert sorted(customer_gap_medians(data).tolist()) == [4.0, 15.0]


def test_cycle_fallback_below_twenty_customers() -> None:
    orders = _buyers_with_gaps([[40]] * 19 + [[]] * 5)
    data = engine_input([f"c{i}" for i in range(24)], [None] * 24, orders)
    estimate = estimate_cycle(data)
    assert estimate.days == DEFAULT_CYCLE_DAYS
    assert estimate.fallback
    assert estimate.qualifying_customers == 19
    assert "19" in estimate.explain().english()


@pytest.mark.parametrize(
    ("gaps", "expected", "clamped"),
    [
        ([[30]] * 10 + [[31]] * 10, 31, False),  # median 30.5 -> 31 (not 30)
        ([[31]] * 10 + [[32]] * 10, 32, False),  # median 31.5 -> 32 (not 32 by luck)
        ([[2]] * 20, 7, True),
        ([[500]] * 25, 365, True),
        (
            [[10, 11]] * 10 + [[40]] * 10,
            25,
            False,
        ),  # g = 10.5 and 40: median 25.25 -> 25
    ],
)
def test_cycle_rounding_and_clamping(gaps, expected, clamped) -> None:
    orders = _buyers_with_gaps(gaps)
    data = engine_input([f"c{i}" for i in range(len(gaps))], [None] * len(gaps), orders)
    estimate = estimate_cycle(data)
    assert estimate.days == expected == automatic_cycle(orders)
    assert estimate.clamped is clamped
    assert estimate.automatic
    assert not estimate.fallback


def test_fixed_cycle() -> None:
    assert fixed_cycle(45).days == 45
    assert not fixed_cycle(45).automatic
    assert fixed_cycle(45).explain().english() == "Fixed by you: 45 days."
    with pytest.raises(ValueError, match="cycle days"):
        fixed_cycle(0)
