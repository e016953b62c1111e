"""The panel's data service: snapshot from the stored classification, customer lists, layout storage."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pytest

from clmdesk.core.lifecycle import (
    GROUP_KEYS,
    Granularity,
    compute_history,
    default_model,
    estimate_cycle,
    measures_at,
)
from clmdesk.services.demo import ensure_demo_database
from clmdesk.services.panel import (
    ATTENTION_PREVIEW,
    Contact,
    CustomerQuery,
    QueryKind,
    build_panel_data,
    customer_list,
    database_contacts,
    demo_panel_data,
    load_panel_layout,
    save_panel_layout,
)
from clmdesk.storage.database import open_database
from clmdesk.storage.history import load_inputs

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from clmdesk.services.panel import PanelData
    from clmdesk.storage.database import Database


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = ensure_demo_database(
        tmp_path_factory.mktemp("panel") / "demo.sqlite3", customers=400
    )
    database = open_database(path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def panel(demo_db: Database) -> PanelData:
    return build_panel_data(demo_db)


def test_panel_data_matches_the_engine(demo_db: Database, panel: PanelData) -> None:
    loaded = load_inputs(demo_db)
    cycle = estimate_cycle(loaded.engine)
    history = compute_history(loaded.engine, default_model(), cycle.days)
    assert panel.business_name == "Loja Exemplo"
    assert panel.currency == "BRL"
    assert panel.cycle_days == cycle.days
    np.testing.assert_array_equal(panel.snapshot_days, history.snapshot_days)
    np.testing.assert_array_equal(panel.counts, history.counts)
    np.testing.assert_array_equal(panel.stages, history.stages)
    np.testing.assert_array_equal(panel.customer_ids, loaded.customer_ids)
    assert panel.partial_last == history.partial_last
    assert len(panel.descriptions) == len(panel.model.stages)
    assert Granularity.MONTH in panel.funnels
    assert panel.kpis is not None
    groups = panel.group_counts(panel.n_snapshots - 1)
    assert panel.kpis.active_customers.value == groups["active"]
    assert panel.kpis.need_attention.value == groups["attention"]
    assert set(groups) == set(GROUP_KEYS)
    # Read-only: widgets cannot change what others see.
    with pytest.raises(ValueError, match="read-only"):
        panel.counts[0, 0] = 1


def test_attention_list_is_the_attention_group_by_value(panel: PanelData) -> None:
    assert panel.inputs is not None
    last = panel.n_snapshots - 1
    attention = [i for i, s in enumerate(panel.model.stages) if s.group == "attention"]
    members = np.flatnonzero(np.isin(panel.stages[last], attention))
    assert panel.attention_total == len(members)
    assert len(panel.attention) == min(len(members), ATTENTION_PREVIEW)
    values = [row.monetary_cents for row in panel.attention]
    assert values == sorted(values, reverse=True)
    assert all(
        row.stage_key in {panel.model.stages[i].key for i in attention}
        for row in panel.attention
    )
    # Contacts come from the customers table.
    assert any(row.name for row in panel.attention)


def test_customer_list_of_a_segment_is_exactly_those_customers(
    demo_db: Database, panel: PanelData
) -> None:
    index = panel.n_snapshots - 5
    day = int(panel.snapshot_days[index])
    key = "promising"
    result = customer_list(
        panel, CustomerQuery(QueryKind.STAGE, day, key), database_contacts(demo_db)
    )
    expected = panel.customer_ids[
        np.flatnonzero(panel.stages[index] == panel.model.index(key))
    ]
    assert sorted(r.customer_id for r in result.rows) == sorted(expected.tolist())
    assert len(result.rows) == int(panel.counts[index, panel.model.index(key)])
    assert panel.inputs is not None
    measures = measures_at(panel.inputs, day)
    position = {int(c): i for i, c in enumerate(panel.customer_ids)}
    for row in result.rows:
        i = position[row.customer_id]
        assert row.frequency == int(measures.frequency[i])
        assert row.monetary_cents == int(measures.monetary[i])
        assert row.stage_key == key
        assert (
            2 <= row.frequency <= 3
        )  # "promising": two or three purchases at that month
    values = [r.monetary_cents for r in result.rows]
    assert values == sorted(values, reverse=True)


def test_customer_list_of_a_movement_and_of_attention(
    demo_db: Database, panel: PanelData
) -> None:
    contacts = database_contacts(demo_db)
    a, b = panel.n_snapshots - 2, panel.n_snapshots - 1
    moves = panel.movements(a, b)
    row, column = np.unravel_index(
        int(np.argmax(moves.matrix[1:, :])), moves.matrix[1:, :].shape
    )
    query = CustomerQuery(
        QueryKind.MOVEMENT,
        int(panel.snapshot_days[b]),
        panel.model.stages[int(column)].key,
        int(panel.snapshot_days[a]),
        panel.model.stages[int(row)].key,
    )
    result = customer_list(panel, query, contacts)
    assert len(result.rows) == int(moves.matrix[int(row) + 1, int(column)])
    not_yet = customer_list(
        panel,
        CustomerQuery(QueryKind.MOVEMENT, query.day, "new", query.from_day, None),
        contacts,
    )
    assert len(not_yet.rows) == int(moves.matrix[0, panel.model.index("new")])
    everyone = customer_list(
        panel, CustomerQuery(QueryKind.ATTENTION, int(panel.snapshot_days[b])), contacts
    )
    assert len(everyone.rows) == panel.attention_total
    assert [r.customer_id for r in everyone.rows[: len(panel.attention)]] == [
        r.customer_id for r in panel.attention
    ]


def test_unknown_stage_or_day_raise_key_error(panel: PanelData) -> None:
    with pytest.raises(KeyError):
        customer_list(panel, CustomerQuery(QueryKind.STAGE, 1, "new"), lambda ids: {})
    with pytest.raises(KeyError):
        customer_list(
            panel,
            CustomerQuery(QueryKind.STAGE, int(panel.snapshot_days[-1]), "nope"),
            lambda ids: {},
        )


def test_empty_database_gives_empty_panel(tmp_path: Path) -> None:
    database = open_database(tmp_path / "empty.sqlite3")
    try:
        data = build_panel_data(database)
    finally:
        database.close()
    assert data.is_empty
    assert data.kpis is None
    assert data.latest_day is None
    assert [s.key for s in data.model.stages] == list(default_model().keys)


def test_layout_is_stored_with_the_business(tmp_path: Path) -> None:
    path = tmp_path / "business.sqlite3"
    database = open_database(path)
    assert load_panel_layout(database) is None
    layout = [
        {
            "type_id": "kpi_cards",
            "version": 1,
            "settings": {},
            "geometry": {"column_span": 4, "row_span": 1},
        }
    ]
    save_panel_layout(database, layout)
    database.close()
    reopened = open_database(path)
    try:
        text = load_panel_layout(reopened)
    finally:
        reopened.close()
    assert text is not None
    assert json.loads(text) == layout


def test_demo_panel_data_in_memory() -> None:
    data, contacts = demo_panel_data(customers=200)
    assert not data.is_empty
    ids = [int(i) for i in data.customer_ids[:3]]
    found = contacts(ids)
    assert set(found) == set(ids)
    assert all(isinstance(c, Contact) for c in found.values())
