"""What a report says: business, as-of date, stages with their counts, C and its basis."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from clmdesk.core.days import day_number
from clmdesk.core.lifecycle import default_model
from clmdesk.core.lifecycle.cycle import EXPLAIN_AUTO, EXPLAIN_FIXED
from clmdesk.services.demo import ensure_demo_database
from clmdesk.services.panel import empty_panel_data
from clmdesk.services.report_data import (
    CYCLE_STORED,
    NO_CLASSIFICATION,
    ReportDataError,
    cycle_of_panel,
    load_report_data,
    report_from_panel,
)
from clmdesk.storage.database import open_database


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_database(
        tmp_path_factory.mktemp("demo") / "demo.sqlite3", customers=300
    )


def test_report_data_of_the_stored_classification(demo_path: Path) -> None:
    database = open_database(demo_path)
    try:
        data = load_report_data(database, prepared=date(2026, 11, 2))
    finally:
        database.close()
    panel = data.panel
    assert data.business_name == "Loja Exemplo"
    assert data.as_of_day == int(panel.snapshot_days[-1])
    assert data.previous_day == int(panel.snapshot_days[-2])
    assert data.prepared_day == day_number(date(2026, 11, 2))
    assert [s.stage.key for s in data.stages] == list(data.model.keys)
    assert sum(s.customers for s in data.stages) == data.customers
    assert data.customers == int(panel.counts[-1].sum())
    shares = [s.share for s in data.stages if s.share is not None]
    assert sum(shares) == pytest.approx(1.0)
    champion = next(s for s in data.stages if s.stage.key == "champion")
    assert champion.change == champion.customers - int(
        panel.counts[-2][data.model.index("champion")]
    )
    assert data.group_totals()["active"] == data.group_total("active")
    # C with what it was computed from, as stored by the classification.
    assert data.cycle.days == panel.cycle_days
    assert data.cycle.automatic
    assert data.cycle.qualifying_customers > 0
    assert data.cycle_explanation.id == EXPLAIN_AUTO
    assert data.kpis is not None


def test_an_empty_history_cannot_be_reported() -> None:
    with pytest.raises(ReportDataError) as raised:
        report_from_panel(empty_panel_data(default_model(), "Shop"))
    assert raised.value.message.id == NO_CLASSIFICATION


def test_cycle_explanations(demo_path: Path) -> None:
    database = open_database(demo_path)
    try:
        panel = load_report_data(database).panel
    finally:
        database.close()
    fixed = dataclasses.replace(panel, cycle_automatic=False, cycle_days=30)
    cycle, explanation = cycle_of_panel(fixed)
    assert (cycle.days, cycle.automatic, explanation.id) == (30, False, EXPLAIN_FIXED)
    # An automatic C that the current orders no longer give is kept, not re-explained.
    stale = dataclasses.replace(panel, cycle_days=panel.cycle_days + 1)
    cycle, explanation = cycle_of_panel(stale)
    assert cycle.days == panel.cycle_days + 1
    assert explanation.id == CYCLE_STORED
    single = dataclasses.replace(
        panel,
        snapshot_days=panel.snapshot_days[-1:],
        counts=panel.counts[-1:],
        stages=np.asarray(panel.stages)[-1:],
    )
    data = report_from_panel(single)
    assert data.previous_day is None
    assert all(s.change is None for s in data.stages)


def test_a_business_without_a_name_is_named_after_its_file(
    demo_path: Path, tmp_path: Path
) -> None:
    from clmdesk.services.report_data import with_fallback_name

    database = open_database(demo_path)
    try:
        data = load_report_data(database)
    finally:
        database.close()
    unnamed = dataclasses.replace(data, business_name="")
    other = open_database(tmp_path / "Padaria Central.sqlite3")
    try:
        assert with_fallback_name(unnamed, other).business_name == "Padaria Central"
        assert with_fallback_name(data, other).business_name == "Loja Exemplo"
    finally:
        other.close()
    assert with_fallback_name(unnamed, None).business_name == ""
