"""Property tests: the vectorised engine against the slow per-customer reference."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from clmdesk.core.lifecycle.cycle import estimate_cycle
from clmdesk.core.lifecycle.history import compute_history
from clmdesk.core.lifecycle.measures import measures_at
from clmdesk.core.lifecycle.model import (
    Bound,
    RecencyUnit,
    Rule,
    Stage,
    StageModel,
    default_model,
    last_purchase_model,
)
from tests.core.lifecycle.lifecycle_reference import (
    RefOrder,
    automatic_cycle,
    classify_all,
    engine_input,
    snapshot_dates,
    to_day,
)

BASE = to_day(dt.date(2020, 1, 17))


def three_stage_model() -> StageModel:
    return StageModel(
        stages=(
            Stage(
                "waiting",
                "prospects",
                "Waiting",
                "Esperando",
                "#cccccc",
                Rule(max_frequency=0),
            ),
            Stage(
                "buying",
                "active",
                "Buying",
                "Comprando",
                "#00aa00",
                Rule(recency_at_most=Bound(1.5)),
            ),
            Stage("gone", "inactive", "Gone", "Foram", "#555555", Rule()),
        ),
        preset="custom",
    )


def mixed_model() -> StageModel:
    """Value and registration conditions plus a catch-all, in days and cycles."""
    return StageModel(
        stages=(
            Stage("prospect", "prospects", "P", "P", "#111111", Rule(max_frequency=0, registered=True)),
            Stage("vip", "active", "V", "V", "#222222", Rule(min_frequency=2, top_value=True, recency_at_most=Bound(60, RecencyUnit.DAYS))),
            Stage("member", "active", "M", "M", "#333333", Rule(registered=True, recency_at_most=Bound(2))),
            Stage("walk_in", "attention", "W", "W", "#444444", Rule(registered=False, max_frequency=2, recency_at_most=Bound(2))),
            Stage("rest", "inactive", "R", "R", "#555555", Rule()),
        ),
        top_percentile=50.0,
    )  # fmt: skip


MODELS = [default_model(), last_purchase_model(), three_stage_model(), mixed_model()]

amounts = st.one_of(
    st.sampled_from([0, 1, 100, 2_500, -1, -100, -4_000]),
    st.integers(-20_000, 50_000),
)


@st.composite
def datasets(draw):
    n = draw(st.integers(1, 7))
    orders = draw(
        st.lists(
            st.builds(
                RefOrder,
                customer=st.integers(0, n - 1),
                day=st.integers(BASE, BASE + 420),
                cents=amounts,
            ),
            max_size=30,
        )
    )
    registered = draw(
        st.lists(
            st.one_of(st.none(), st.integers(BASE - 40, BASE + 460)),
            min_size=n,
            max_size=n,
        )
    )
    return n, orders, registered


@settings(max_examples=150, deadline=None)
@given(
    data=datasets(),
    model_index=st.integers(0, len(MODELS) - 1),
    cycle=st.integers(1, 120),
)
def test_engine_equals_reference(data, model_index, cycle) -> None:
    n, orders, registered = data
    model = MODELS[model_index]
    keys = [f"k{i}" for i in range(n)]
    history = compute_history(engine_input(keys, registered, orders), model, cycle)
    days, partial = snapshot_dates(orders, registered)
    assert history.snapshot_days.tolist() == days
    assert history.partial_last == partial
    for s, day in enumerate(days):
        expected = classify_all(model.to_json(), n, orders, registered, cycle, day)
        got = [model.stages[i].key if i >= 0 else None for i in history.stages[s]]
        assert got == expected, f"snapshot {s} ({day})"


@settings(max_examples=100, deadline=None)
@given(
    data=datasets(),
    model_index=st.integers(0, len(MODELS) - 1),
    cycle=st.integers(1, 120),
)
def test_every_existing_customer_in_exactly_one_stage(data, model_index, cycle) -> None:
    n, orders, registered = data
    model = MODELS[model_index]
    engine = engine_input([f"k{i}" for i in range(n)], registered, orders)
    history = compute_history(engine, model, cycle)
    for s, day in enumerate(history.snapshot_days):
        m = measures_at(engine, int(day))
        stages = history.stages[s]
        # Existing customers have one stage index in range; the others -1.
        assert ((stages >= 0) == m.exists).all()
        assert (stages < len(model.stages)).all()
        assert history.counts[s].sum() == m.exists.sum()
        assert (
            history.counts[s].tolist()
            == np.bincount(stages[stages >= 0], minlength=len(model.stages)).tolist()
        )


@settings(max_examples=100, deadline=None)
@given(data=datasets())
def test_frequency_and_purchase_value_never_decrease(data) -> None:
    n, orders, registered = data
    engine = engine_input([f"k{i}" for i in range(n)], registered, orders)
    history = compute_history(engine, default_model(), 30)
    purchases_only = engine_input(
        [f"k{i}" for i in range(n)], registered, [o for o in orders if o.cents >= 0]
    )
    previous_f = np.zeros(n, dtype=np.int64)
    previous_m = np.zeros(n, dtype=np.int64)
    for day in history.snapshot_days:
        f = measures_at(engine, int(day)).frequency
        m = measures_at(purchases_only, int(day)).monetary
        assert (f >= previous_f).all()
        assert (m >= previous_m).all()
        previous_f, previous_m = f, m


@settings(max_examples=100, deadline=None)
@given(data=datasets(), seed=st.integers(0, 2**32 - 1), model_index=st.integers(0, 3))
def test_permuting_rows_changes_nothing(data, seed, model_index) -> None:
    n, orders, registered = data
    model = MODELS[model_index]
    keys = [f"k{i}" for i in range(n)]
    rng = np.random.default_rng(seed)
    shuffled = [orders[i] for i in rng.permutation(len(orders))]
    a = compute_history(engine_input(keys, registered, orders), model, 30)
    b = compute_history(engine_input(keys, registered, shuffled), model, 30)
    np.testing.assert_array_equal(a.stages, b.stages)
    np.testing.assert_array_equal(a.counts, b.counts)
    # Renumbering the customers permutes the columns and nothing else.
    perm = rng.permutation(n)  # new index of old customer i is perm[i]
    inverse = np.argsort(perm)
    c = compute_history(
        engine_input(
            [keys[j] for j in inverse],
            [registered[j] for j in inverse],
            [RefOrder(int(perm[o.customer]), o.day, o.cents) for o in shuffled],
        ),
        model,
        30,
    )
    np.testing.assert_array_equal(c.stages[:, perm], a.stages)
    np.testing.assert_array_equal(c.counts, a.counts)


@settings(max_examples=60, deadline=None)
@given(
    gap_lists=st.lists(
        st.lists(st.integers(0, 400), min_size=0, max_size=5), min_size=0, max_size=40
    )
)
def test_automatic_cycle_equals_reference(gap_lists) -> None:
    orders = []
    for customer, gaps in enumerate(gap_lists):
        day = BASE
        orders.append(RefOrder(customer, day, 100))
        for gap in gaps:
            day += gap
            orders.append(RefOrder(customer, day, 0 if gap % 3 else 100))
    keys = [f"k{i}" for i in range(len(gap_lists))]
    engine = engine_input(keys, [None] * len(keys), orders)
    assert estimate_cycle(engine).days == automatic_cycle(orders)


def many_edges_model() -> StageModel:
    """More than eight recency thresholds: the engine's searchsorted path."""
    stages = [
        Stage("prospect", "prospects", "P", "P", "#111111", Rule(max_frequency=0))
    ]
    bounds = [None, *range(10, 130, 10)]
    for i, (low, high) in enumerate(zip(bounds, [*bounds[1:], None], strict=True)):
        rule = Rule(
            recency_above=None if low is None else Bound(low, RecencyUnit.DAYS),
            recency_at_most=None if high is None else Bound(high, RecencyUnit.DAYS),
        )
        stages.append(Stage(f"band_{i}", "active", f"B{i}", f"B{i}", "#222222", rule))
    return StageModel(stages=tuple(stages))


@settings(max_examples=60, deadline=None)
@given(data=datasets())
def test_many_thresholds_equal_reference(data) -> None:
    n, orders, registered = data
    model = many_edges_model()
    history = compute_history(
        engine_input([f"k{i}" for i in range(n)], registered, orders), model, 30
    )
    for s, day in enumerate(history.snapshot_days.tolist()):
        expected = classify_all(model.to_json(), n, orders, registered, 30, day)
        assert [
            model.stages[i].key if i >= 0 else None for i in history.stages[s]
        ] == expected


@settings(max_examples=400, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.integers(-(2**50), 2**50),
            st.integers(-3, 3),
            st.sampled_from([0, 10**15, -(10**15)]),
        ),
        min_size=1,
        max_size=60,
    ),
    percent=st.one_of(
        st.sampled_from([0.0, 80.0, 80, 100, 50, 20.0, 99.9, 33.3, 66.66666666666667]),
        st.floats(0, 100),
    ),
    as_float=st.booleans(),
)
def test_linear_percentile_is_numpys(values, percent, as_float) -> None:
    from clmdesk.core.lifecycle.measures import linear_percentile

    array = np.array(values, dtype=np.float64 if as_float else np.int64)
    expected = float(np.percentile(array, percent, method="linear"))
    assert linear_percentile(array.copy(), percent) == expected
