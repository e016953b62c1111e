"""The CLM funnel, the panel KPIs and movements on hand-built months."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from clmdesk.core.lifecycle.funnel import (
    FigureStatus,
    FunnelInput,
    Granularity,
    compute_funnel,
    period_bounds,
)
from clmdesk.core.lifecycle.history import compute_history
from clmdesk.core.lifecycle.kpis import compute_kpis
from clmdesk.core.lifecycle.model import default_model, last_purchase_model
from clmdesk.core.lifecycle.movements import NOT_YET_ROW, movements_between
from tests.core.lifecycle.lifecycle_reference import RefOrder, engine_input, to_day


def d(month: int, day: int, year: int = 2024) -> int:
    return to_day(dt.date(year, month, day))


KEYS = ["a", "b", "c", "d", "e", "f", "g"]
A, B, C_, D_, E, F, G = range(7)
REGISTERED = [d(1, 5), d(2, 10), d(3, 2), None, d(3, 10), None, d(1, 20)]
ORDERS = [
    RefOrder(A, d(1, 10), 1000),
    RefOrder(A, d(2, 3), 2000),
    RefOrder(A, d(3, 15), 3000),
    RefOrder(B, d(2, 12), 1500),
    RefOrder(B, d(3, 1), 2500),
    RefOrder(D_, d(3, 5), 700),
    RefOrder(D_, d(3, 6), 300),
    RefOrder(F, d(2, 20), 800),
    RefOrder(F, d(3, 10), -400),
]
L = d(3, 20)
EXTRA = FunnelInput(
    campaign_day=np.array([d(3, 1), d(3, 15), d(2, 1)], dtype=np.int32),
    campaign_reached=np.array([100, 50, 0], dtype=np.int64),
    nps_customer=np.array([B, D_, A], dtype=np.int32),
    nps_day=np.array([d(3, 12), d(3, 7), d(2, 1)], dtype=np.int32),
    nps_score=np.array([10, 8, 9], dtype=np.int16),
    # e was referred by a, g by b.
    referrer=np.array([A, B], dtype=np.int32),
    referred_registered_day=np.array([REGISTERED[E], REGISTERED[G]], dtype=np.int32),
)


@pytest.fixture
def setup():
    # A registration on L makes L the last data date (2024-03-20).
    registered = [*REGISTERED, L]
    data = engine_input([*KEYS, "h"], registered, ORDERS)
    history = compute_history(data, default_model(), 30)
    assert history.last_day == L
    return data, history


def test_monthly_funnel_rates(setup) -> None:
    data, history = setup
    funnel = compute_funnel(data, EXTRA, history, Granularity.MONTH)
    assert [p.label for p in funnel.periods] == ["2024-01", "2024-02", "2024-03"]
    assert [p.partial for p in funnel.periods] == [False, False, True]
    jan, feb, mar = funnel.periods

    assert (mar.reach.count, mar.reach.rate_status) == (
        150,
        FigureStatus.NOT_APPLICABLE,
    )
    # h registered on L counts too: c, e and h.
    assert (mar.acquisition.count, mar.acquisition.rate) == (3, 3 / 150)
    assert (mar.conversion.count, mar.conversion.rate) == (1, 1 / 3)
    assert (mar.retention.count, mar.retention.denominator, mar.retention.rate) == (
        2,
        3,
        2 / 3,
    )
    # Loyalty: a referred e (registered in March), b is a promoter in March;
    # d's 8 is not a promoter. Active at L: a, b, d (promising), f (new).
    assert (mar.loyalty.count, mar.loyalty.denominator, mar.loyalty.rate) == (2, 4, 0.5)

    assert (feb.reach.count, feb.reach.count_status) == (0, FigureStatus.OK)
    assert feb.acquisition.count == 1
    assert (feb.acquisition.rate, feb.acquisition.rate_status) == (
        None,
        FigureStatus.ZERO_DENOMINATOR,
    )
    # Conversion is a ratio of counts, not a cohort: it can exceed 100 %.
    assert (feb.conversion.count, feb.conversion.rate) == (2, 2.0)
    assert (feb.retention.count, feb.retention.rate) == (1, 1.0)
    assert (feb.loyalty.count, feb.loyalty.denominator) == (1, 3)

    assert jan.reach.count == 0
    assert (jan.acquisition.count, jan.acquisition.rate_status) == (
        2,
        FigureStatus.ZERO_DENOMINATOR,
    )
    assert (jan.conversion.count, jan.conversion.rate) == (1, 0.5)
    assert jan.retention.count_status == FigureStatus.NOT_APPLICABLE
    assert jan.retention.count is None
    # b referred g in January although b had not registered yet.
    assert (jan.loyalty.count, jan.loyalty.denominator, jan.loyalty.rate) == (1, 1, 1.0)
    assert funnel.no_data_hints == {}


def test_quarterly_and_yearly_funnel(setup) -> None:
    data, history = setup
    (q1,) = compute_funnel(data, EXTRA, history, Granularity.QUARTER).periods
    assert (q1.label, q1.partial) == ("2024-Q1", True)
    assert (q1.reach.count, q1.acquisition.count, q1.conversion.count) == (150, 6, 4)
    assert q1.conversion.rate == 4 / 6
    assert q1.retention.count_status == FigureStatus.NOT_APPLICABLE
    assert (q1.loyalty.count, q1.loyalty.denominator) == (2, 4)
    (year,) = compute_funnel(data, EXTRA, history, Granularity.YEAR).periods
    assert (year.label, year.partial, year.acquisition.count) == ("2024", True, 6)


def test_no_data_is_not_zero(setup) -> None:
    data, history = setup
    funnel = compute_funnel(data, FunnelInput(), history, Granularity.MONTH)
    mar = funnel.periods[-1]
    assert mar.reach.count_status == FigureStatus.NO_DATA
    assert mar.reach.count is None
    assert mar.acquisition.count == 3
    assert mar.acquisition.rate_status == FigureStatus.NO_DATA
    assert mar.loyalty.count_status == FigureStatus.NO_DATA
    assert set(funnel.no_data_hints) == {"reach", "loyalty"}
    unregistered = engine_input(KEYS, [None] * len(KEYS), ORDERS)
    history = compute_history(unregistered, default_model(), 30)
    funnel = compute_funnel(unregistered, FunnelInput(), history, Granularity.MONTH)
    assert funnel.periods[-1].acquisition.count_status == FigureStatus.NO_DATA
    assert funnel.periods[-1].conversion.rate_status == FigureStatus.NO_DATA
    assert "acquisition" in funnel.no_data_hints


def test_period_bounds_labels() -> None:
    starts, ends, labels = period_bounds(d(11, 15, 2023), d(2, 1), Granularity.QUARTER)
    assert labels == ["2023-Q4", "2024-Q1"]
    assert ends[0] == d(12, 31, 2023)
    assert starts[1] == d(1, 1)


def test_panel_kpis(setup) -> None:
    data, history = setup
    monthly = compute_funnel(data, EXTRA, history, Granularity.MONTH)
    kpis = compute_kpis(data, history, monthly)
    assert kpis is not None
    assert (kpis.as_of, kpis.previous_as_of) == (L, d(2, 29))
    assert (kpis.active_customers.value, kpis.active_customers.previous) == (4, 3)
    assert kpis.active_customers.change == 1
    assert kpis.need_attention.value == 0
    assert kpis.revenue_30d.value == 800 + 2500 + 700 + 300 - 400 + 3000
    assert (
        kpis.revenue_90d.value
        == 1000 + 2000 + 3000 + 1500 + 2500 + 700 + 300 + 800 - 400
    )
    assert kpis.average_ticket.value == 11_800 / 8
    assert (kpis.repeat_purchase_rate.value, kpis.repeat_purchase_rate.previous) == (
        0.75,
        1 / 3,
    )
    # The last complete month is February; January has no retention.
    assert (kpis.retention_rate.value, kpis.retention_rate.previous) == (1.0, None)
    assert (kpis.customers_lost.value, kpis.customers_lost.previous) == (0, 0)


def test_lost_customers_and_attention_list() -> None:
    keys = ["zeta", "alpha", "beta", "gamma", "new"]
    start = d(1, 1, 2020)
    orders = [
        RefOrder(0, start, 5000),
        RefOrder(1, start + 300, 9000),
        RefOrder(2, start + 300, 9000),
        RefOrder(3, start + 200, 100),
        RefOrder(4, start + 400, 100),
    ]
    data = engine_input(keys, [None] * 5, orders)
    model = last_purchase_model()
    history = compute_history(data, model, 30)
    kpis = compute_kpis(data, history)
    assert kpis is not None
    # L = start + 400; zeta's last purchase is 400 days ago: 1 to 2 years.
    assert model.stages[history.stages[-1, 0]].key == "lapsed_1_2y"
    # Attention list: by M descending, then key.
    assert [keys[i] for i in kpis.attention] == ["zeta"]
    default = compute_history(data, default_model(), 60)
    kpis = compute_kpis(data, default)
    assert kpis is not None
    names = [keys[i] for i in kpis.attention]
    assert names == ["alpha", "beta"]  # equal M: key order
    assert kpis.retention_rate.status == FigureStatus.NO_DATA  # no funnel given
    # gamma (last purchase 200 days before L, C = 60) became inactive at
    # start + 320 (> 2C); zeta long before.
    lost_total = 0
    for s in range(1, default.n_snapshots):
        groups_now = default.group_stages(s)
        groups_before = default.group_stages(s - 1)
        lost_total += int(((groups_now == 3) & (groups_before != 3)).sum())
    assert lost_total == 2


def test_movements_matrix_and_cells(setup) -> None:
    _data, history = setup
    n = len(history.model.stages)
    moves = movements_between(history.stages[-2], history.stages[-1], n, 0, 1)
    assert moves.matrix.shape == (n + 1, n)
    assert moves.matrix.sum() == (history.stages[-1] >= 0).sum()
    model = history.model
    # d first bought in March: not yet a customer in February.
    row, col = NOT_YET_ROW, model.index("promising")
    assert KEYS.index("d") in moves.customers(row, col).tolist()
    # b went from new (February) to promising (March).
    assert moves.customers(
        model.index("new") + 1, model.index("promising")
    ).tolist() == [B]
    for r in range(n + 1):
        for c in range(n):
            assert len(moves.customers(r, c)) == moves.matrix[r, c]
