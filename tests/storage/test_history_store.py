"""Loading the engine's inputs and storing/loading the classified history."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from sqlalchemy import text

from clmdesk.core.lifecycle.cycle import fixed_cycle
from clmdesk.core.lifecycle.history import compute_history
from clmdesk.core.lifecycle.inputs import NO_DAY
from clmdesk.core.lifecycle.model import default_model
from clmdesk.core.tasks import Cancelled
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.database import open_database
from clmdesk.storage.history import (
    load_all_snapshot_stages,
    load_inputs,
    load_latest_run,
    load_snapshot_customers,
    load_snapshot_stages,
    now_stamp,
    store_classification,
)


def day(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - dt.date(1970, 1, 1)).days


def populate(database, customers, orders, nps=(), campaigns=()) -> dict[str, int]:
    """customers: (id, key, registered_day, referred_by); orders: (customer id, day, cents)."""
    with database.write() as connection:
        bulk_insert(
            connection,
            "customers",
            ("id", "key", "registered_day", "referred_by_key"),
            customers,
        )
        bulk_insert(
            connection,
            "orders",
            ("customer_id", "order_ref", "day", "amount_cents", "line_count"),
            ((c, None, d, a, 1) for c, d, a in orders),
        )
        bulk_insert(connection, "nps_answers", ("customer_id", "day", "score"), nps)
        bulk_insert(connection, "campaigns", ("day", "channel", "reached"), campaigns)
    return {key: cid for cid, key, *_ in customers}


CUSTOMERS = [
    (10, "b", day(2024, 1, 5), None),
    (20, "a", None, "b"),
    (30, "c", day(2024, 3, 1), "b"),
    (40, "d", None, "nobody"),
]
ORDERS = [
    (20, day(2024, 1, 10), 1000),
    (20, day(2024, 2, 10), 2500),
    (10, day(2024, 2, 15), 700),
    (20, day(2024, 3, 5), -300),
    (40, day(2024, 3, 8), -50),
]


@pytest.fixture
def database(db_path):
    db = open_database(db_path)
    yield db
    db.close()


def test_load_inputs_as_arrays(database) -> None:
    populate(
        database,
        CUSTOMERS,
        ORDERS,
        nps=[(30, day(2024, 3, 2), 10)],
        campaigns=[(day(2024, 2, 1), "mail", 300)],
    )
    loaded = load_inputs(database)
    assert loaded.customer_ids.tolist() == [10, 20, 30, 40]
    engine = loaded.engine
    assert engine.customer_keys == ("b", "a", "c", "d")
    assert engine.registered_day.tolist() == [
        day(2024, 1, 5),
        NO_DAY,
        day(2024, 3, 1),
        NO_DAY,
    ]
    # Sorted by day, customers as engine indices.
    assert engine.order_day.tolist() == sorted(o[1] for o in ORDERS)
    assert engine.order_customer.tolist() == [1, 1, 0, 1, 3]
    assert engine.order_cents.tolist() == [1000, 2500, 700, -300, -50]
    assert engine.order_customer.dtype == np.int32
    assert engine.order_cents.dtype == np.int64
    funnel = loaded.funnel
    assert funnel.campaign_reached.tolist() == [300]
    assert funnel.nps_customer.tolist() == [2]
    # a and c were referred by b (index 0); d's referrer is unknown.
    assert funnel.referrer.tolist() == [0, 0]
    assert funnel.referred_registered_day.tolist() == [NO_DAY, day(2024, 3, 1)]


def test_load_inputs_of_an_empty_database(database) -> None:
    loaded = load_inputs(database)
    assert loaded.engine.n_customers == 0
    assert loaded.engine.n_orders == 0
    assert loaded.engine.span is None


def _store(database, model=None, cycle=30):
    loaded = load_inputs(database)
    history = compute_history(loaded.engine, model or default_model(), cycle)
    run_id = store_classification(
        database, history, fixed_cycle(cycle), loaded, now_stamp()
    )
    return loaded, history, run_id


def test_store_and_load_back(database) -> None:
    populate(database, CUSTOMERS, ORDERS)
    loaded, history, run_id = _store(database)
    assert run_id is not None
    run = load_latest_run(database)
    assert run is not None
    assert run.run_id == run_id
    assert run.model == default_model()
    assert (run.cycle.days, run.cycle.automatic) == (30, False)
    np.testing.assert_array_equal(run.snapshot_days, history.snapshot_days)
    np.testing.assert_array_equal(run.counts, history.counts)
    assert run.partial_last == history.partial_last
    assert run.latest_day == day(2024, 3, 8)
    np.testing.assert_array_equal(run.customer_ids, loaded.customer_ids)
    for s, snapshot in enumerate(history.snapshot_days):
        stages = load_snapshot_stages(database, run.run_id, int(snapshot))
        np.testing.assert_array_equal(stages, history.stages[s])
    np.testing.assert_array_equal(
        load_all_snapshot_stages(database, run), history.stages
    )
    with pytest.raises(KeyError):
        load_snapshot_stages(database, run.run_id, 12345)


def test_customer_stages_table(database) -> None:
    populate(database, CUSTOMERS, ORDERS)
    _store(database)
    with database.read() as connection:
        rows = connection.execute(
            text(
                "SELECT customer_id, stage_key, group_key, frequency, recency_days,"
                " monetary_cents, first_day, last_day FROM customer_stages ORDER BY customer_id"
            )
        ).all()
    L = day(2024, 3, 8)
    assert [tuple(r) for r in rows] == [
        (
            10,
            "new",
            "active",
            1,
            L - day(2024, 2, 15),
            700,
            day(2024, 2, 15),
            day(2024, 2, 15),
        ),
        (
            20,
            "promising",
            "active",
            2,
            L - day(2024, 2, 10),
            3200,
            day(2024, 1, 10),
            day(2024, 2, 10),
        ),
        (30, "prospect", "prospects", 0, None, 0, None, None),
        # Returns only: no stage, but the net amount is kept.
        (40, None, None, 0, None, -50, None, None),
    ]


def test_snapshot_customers(database) -> None:
    populate(database, CUSTOMERS, ORDERS)
    _, history, _ = _store(database)
    last = int(history.snapshot_days[-1])
    assert load_snapshot_customers(database, last, "promising").tolist() == [20]
    assert load_snapshot_customers(database, last, "prospect").tolist() == [30]
    assert load_snapshot_customers(database, last, "lost").tolist() == []
    with pytest.raises(KeyError):
        load_snapshot_customers(database, last, "unknown_stage")


def test_newer_run_supersedes_an_older_one(database) -> None:
    populate(database, CUSTOMERS, ORDERS)
    loaded = load_inputs(database)
    older_stamp = now_stamp()
    time.sleep(0.001)
    history = compute_history(loaded.engine, default_model(), 30)
    newer = store_classification(
        database, history, fixed_cycle(30), loaded, now_stamp()
    )
    assert newer is not None
    older = store_classification(
        database, history, fixed_cycle(45), loaded, older_stamp
    )
    assert older is None
    run = load_latest_run(database)
    assert run is not None
    assert (run.run_id, run.cycle.days) == (newer, 30)
    # Only one run is kept.
    with database.read() as connection:
        assert (
            connection.execute(
                text("SELECT COUNT(*) FROM classification_runs")
            ).scalar()
            == 1
        )


def test_run_over_changed_data_is_not_stored(database) -> None:
    populate(database, CUSTOMERS, ORDERS)
    loaded = load_inputs(database)
    history = compute_history(loaded.engine, default_model(), 30)
    with database.write() as connection:
        connection.execute(
            text(
                "INSERT INTO orders (customer_id, day, amount_cents, line_count) VALUES (30, :d, 5, 1)"
            ),
            {"d": day(2024, 3, 9)},
        )
    assert (
        store_classification(database, history, fixed_cycle(30), loaded, now_stamp())
        is None
    )
    assert load_latest_run(database) is None


def test_cancel_rolls_back(database) -> None:
    populate(database, CUSTOMERS, ORDERS)
    _, history, first = _store(database)
    loaded = load_inputs(database)
    with pytest.raises(Cancelled):
        store_classification(
            database,
            history,
            fixed_cycle(60),
            loaded,
            now_stamp(),
            is_cancelled=lambda: True,
        )
    run = load_latest_run(database)
    assert run is not None
    assert (run.run_id, run.cycle.days) == (first, 30)


def _table(database) -> list[tuple]:
    with database.read() as connection:
        return [
            tuple(r)
            for r in connection.execute(
                text("SELECT * FROM customer_stages ORDER BY customer_id")
            ).all()
        ]


def test_customer_stages_rewrite_only_what_changed(database) -> None:
    # Twelve customers, one purchase each, R = 0..110 days in steps of 10.
    L = day(2024, 6, 30)
    customers = [(i + 1, f"k{i:02d}", None, None) for i in range(12)]
    orders = [(i + 1, L - 10 * i, 100 * (i + 1)) for i in range(12)]
    populate(database, customers, orders)
    _store(database, cycle=30)
    first = _table(database)
    assert [r[1] for r in first[:5]] == ["new", "new", "new", "new", "about_to_sleep"]
    # C = 40 moves only R = 40 (k04) from about to sleep to new, and R = 70
    # and 80 (k07, k08) from hibernating to about to sleep: an in-place update.
    _store(database, cycle=40)
    second = _table(database)
    changed = [a[0] for a, b in zip(first, second, strict=True) if a != b]
    assert changed == [5, 8, 9]
    fresh = open_database(database.path.with_name("fresh.sqlite3"))
    try:
        populate(fresh, customers, orders)
        _store(fresh, cycle=40)
        assert _table(fresh) == second
    finally:
        fresh.close()
    # The same run again changes nothing.
    _store(database, cycle=40)
    assert _table(database) == second


def test_customer_stages_follow_a_later_order(database) -> None:
    # A new order after L moves L, hence every recency, and one customer's
    # measures; the table must equal one written from scratch.
    L = day(2024, 6, 30)
    customers = [(i + 1, f"k{i:02d}", None, None) for i in range(12)]
    orders = [(i + 1, L - 10 * i, 100 * (i + 1)) for i in range(12)]
    populate(database, customers, orders)
    _store(database, cycle=30)
    with database.write() as connection:
        connection.execute(
            text(
                "INSERT INTO orders (customer_id, day, amount_cents, line_count) VALUES (3, :d, 50, 1)"
            ),
            {"d": L + 5},
        )
    _store(database, cycle=30)
    updated = _table(database)
    assert updated[0][4] == 5  # k00: recency grew with L
    assert updated[2][3:5] == (2, 0)  # k02: the new order
    fresh = open_database(database.path.with_name("fresh.sqlite3"))
    try:
        populate(fresh, customers, [*orders, (3, L + 5, 50)])
        _store(fresh, cycle=30)
        assert _table(fresh) == updated
    finally:
        fresh.close()
