"""The classification service: settings, storing, superseding, cancelling, previews."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from sqlalchemy import text

from clmdesk.core.lifecycle.model import (
    Bound,
    Rule,
    Stage,
    StageModel,
    default_model,
    last_purchase_model,
)
from clmdesk.core.tasks import Cancelled
from clmdesk.services.classification import (
    ClassificationError,
    classify,
    load_inputs_for_preview,
    parse_cycle_setting,
    preview_last_snapshot,
    read_cycle_setting,
    read_stage_model,
    save_stage_settings,
)
from clmdesk.storage.app_settings import read_setting, write_setting
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.database import open_database
from clmdesk.storage.history import load_latest_run


def day(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - dt.date(1970, 1, 1)).days


def populate(database, customers, orders) -> None:
    """customers: (id, key, registered_day); orders: (customer id, day, cents)."""
    with database.write() as connection:
        bulk_insert(connection, "customers", ("id", "key", "registered_day"), customers)
        bulk_insert(
            connection,
            "orders",
            ("customer_id", "day", "amount_cents", "line_count"),
            ((c, d, a, 1) for c, d, a in orders),
        )


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
                Rule(recency_at_most=Bound(1)),
            ),
            Stage("gone", "inactive", "Gone", "Foram", "#555555", Rule()),
        )
    )


@pytest.fixture
def database(db_path):
    db = open_database(db_path)
    populate(
        db,
        [
            (1, "ana", day(2023, 12, 20)),
            (2, "bia", None),
            (3, "caio", None),
            (4, "duda", day(2024, 3, 3)),
        ],
        [
            (1, day(2024, 1, 3), 10_000),
            (1, day(2024, 1, 20), 5_000),
            (2, day(2024, 1, 15), 2_000),
            (2, day(2024, 3, 1), -500),
            (3, day(2024, 2, 28), 0),
        ],
    )
    yield db
    db.close()


def test_classify_defaults_and_stores(database) -> None:
    seen = []
    result = classify(database, progress=lambda d, t: seen.append((d, t)))
    assert not result.superseded
    assert result.run_id is not None
    # Fewer than 20 customers qualify: C = 90.
    assert (result.cycle.days, result.cycle.automatic, result.cycle.fallback) == (
        90,
        True,
        True,
    )
    assert result.model == default_model()
    assert result.latest_day == day(2024, 3, 3)
    assert result.last_counts() == {
        "prospect": 1,
        "champion": 0,
        "loyal": 0,
        "promising": 1,
        "new": 2,
        "cant_lose": 0,
        "at_risk": 0,
        "about_to_sleep": 0,
        "hibernating": 0,
        "lost": 0,
    }
    assert seen[-1] == (1000, 1000)
    run = load_latest_run(database)
    assert run is not None
    assert run.run_id == result.run_id
    np.testing.assert_array_equal(run.counts, result.history.counts)
    # No explicit cycle: the setting is left alone.
    assert read_setting(database, "cycle_days") is None


def test_explicit_cycle_is_stored_then_reused(database) -> None:
    result = classify(database, cycle="45")
    assert (result.cycle.days, result.cycle.automatic) == (45, False)
    assert read_setting(database, "cycle_days") == 45
    assert read_cycle_setting(database) == 45
    again = classify(database)
    assert again.cycle.days == 45
    back = classify(database, cycle="auto")
    assert back.cycle.automatic
    assert read_setting(database, "cycle_days") == "auto"
    run = load_latest_run(database)
    assert run is not None
    assert run.cycle.automatic


@pytest.mark.parametrize("value", ["0", "-3", "3651", "abc", "4.5", ""])
def test_bad_cycle_values(database, value: str) -> None:
    with pytest.raises(ClassificationError) as info:
        classify(database, cycle=value)
    assert info.value.message.id == "lifecycle.cycle.bad_value"


def test_parse_cycle_setting() -> None:
    assert parse_cycle_setting(None) is None
    assert parse_cycle_setting("AUTO") is None
    assert parse_cycle_setting(" 30 ") == 30
    assert parse_cycle_setting(7) == 7


def test_stored_model_is_used(database) -> None:
    save_stage_settings(database, last_purchase_model(), 60)
    assert read_stage_model(database) == last_purchase_model()
    result = classify(database)
    assert result.model == last_purchase_model()
    assert result.cycle.days == 60
    assert result.last_counts()["recent_0_3m"] == 3


def test_user_built_three_stage_model_goes_through(database) -> None:
    save_stage_settings(database, three_stage_model(), 30)
    result = classify(database)
    # L = 2024-03-03: ana last bought 2024-01-20 (> 30 days), bia 2024-01-15
    # (> 30), caio 2024-02-28 (<= 30), duda registered without purchases.
    assert result.last_counts() == {"waiting": 1, "buying": 1, "gone": 2}
    run = load_latest_run(database)
    assert run is not None
    assert run.model.keys == ("waiting", "buying", "gone")
    with database.read() as connection:
        rows = dict(
            connection.execute(
                text("SELECT customer_id, stage_key FROM customer_stages")
            ).all()
        )
    assert rows == {1: "gone", 2: "gone", 3: "buying", 4: "waiting"}


def test_model_with_a_gap_is_refused(database) -> None:
    model = default_model()
    broken = model.with_stages(s for s in model.stages if s.key != "lost")
    with pytest.raises(ClassificationError):
        save_stage_settings(database, broken, None)
    write_setting(database, "stage_model", json.loads(broken.to_json()))
    with pytest.raises(ClassificationError) as info:
        classify(database)
    assert info.value.message.id.startswith("lifecycle.model.gap")
    write_setting(database, "stage_model", {"stages": "nonsense"})
    with pytest.raises(ClassificationError):
        classify(database)


def test_cancel_stores_nothing(database) -> None:
    with pytest.raises(Cancelled):
        classify(database, is_cancelled=lambda: True)
    assert load_latest_run(database) is None


def test_empty_database(db_path) -> None:
    db = open_database(db_path.with_name("empty.sqlite3"))
    try:
        result = classify(db)
        assert result.history.n_snapshots == 0
        assert result.latest_day is None
        assert set(result.last_counts().values()) == {0}
        run = load_latest_run(db)
        assert run is not None
        assert run.n_snapshots == 0
    finally:
        db.close()


def test_preview_counts_at_the_last_snapshot(database) -> None:
    loaded = load_inputs_for_preview(database)
    preview = preview_last_snapshot(loaded, three_stage_model(), 30)
    assert preview.day == day(2024, 3, 3)
    assert preview.counts == {"waiting": 1, "buying": 1, "gone": 2}
    assert preview.cycle.days == 30
    wide = preview_last_snapshot(loaded, three_stage_model(), 60)
    assert wide.counts == {"waiting": 1, "buying": 3, "gone": 0}
