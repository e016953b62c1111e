"""The demo business written to PostgreSQL, and the panel's data service reading it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import text

from clmdesk.core.demo import DEFAULT_END_DATE, DEFAULT_SEED, generate_demo
from clmdesk.services.classification import classify
from clmdesk.services.demo import ensure_demo_database, is_demo_database
from clmdesk.services.panel import (
    build_panel_data,
    load_contact_book,
    load_panel_layout,
    save_panel_layout,
)
from clmdesk.storage.app_settings import read_setting, write_setting
from clmdesk.storage.bulk import write_demo_business
from clmdesk.storage.customers import iter_customer_export_rows
from clmdesk.storage.database import Database, open_database
from tests.postgres.conftest import PostgresServer
from tests.postgres.parity import tables
from tests.postgres.reuse import reuse

pytestmark = pytest.mark.postgres

CUSTOMERS = 400


def _write_demo(database: Database, customers: int) -> None:
    demo = generate_demo(
        seed=DEFAULT_SEED, end_date=DEFAULT_END_DATE, customers=customers
    )
    write_demo_business(database, demo)
    classify(database)


@pytest.fixture(scope="module")
def demo_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = ensure_demo_database(
        tmp_path_factory.mktemp("pg-demo") / "demo.sqlite3", customers=CUSTOMERS
    )
    database = open_database(path)
    yield database
    database.close()


@pytest.fixture(scope="module")
def demo_db(postgres_server: PostgresServer) -> Iterator[Database]:
    """The demo business, classified, in a PostgreSQL database (what test_panel reads)."""
    name = postgres_server.create_database(migrated=True)
    database = open_database(postgres_server.url(name))
    try:
        _write_demo(database, CUSTOMERS)
        yield database
    finally:
        database.close()
        postgres_server.drop_database(name)


@pytest.fixture(scope="module")
def panel(demo_db: Database):  # type: ignore[no-untyped-def]
    return build_panel_data(demo_db)


reuse(
    globals(),
    "tests.services.test_panel",
    left_out={
        # They open SQLite files of their own, or no database at all.
        "test_empty_database_gives_empty_panel",
        "test_layout_is_stored_with_the_business",
        "test_demo_panel_data_in_memory",
    },
)


def test_the_demo_is_written_as_on_sqlite(
    demo_db: Database, demo_sqlite: Database
) -> None:
    assert is_demo_database(demo_db)
    assert tables(demo_db) == tables(demo_sqlite)
    listed = [list(iter_customer_export_rows(db)) for db in (demo_sqlite, demo_db)]
    assert [(r.key, r.stage_key, r.monetary_cents, r.last_day) for r in listed[0]] == [
        (r.key, r.stage_key, r.monetary_cents, r.last_day) for r in listed[1]
    ]


def test_the_panel_reads_what_it_reads_on_sqlite(
    demo_db: Database, demo_sqlite: Database, panel
) -> None:  # type: ignore[no-untyped-def]
    other = build_panel_data(demo_sqlite)
    assert panel.business_name == other.business_name
    assert panel.cycle_days == other.cycle_days
    np.testing.assert_array_equal(panel.snapshot_days, other.snapshot_days)
    np.testing.assert_array_equal(panel.counts, other.counts)
    np.testing.assert_array_equal(panel.stages, other.stages)
    np.testing.assert_array_equal(panel.customer_ids, other.customer_ids)
    assert panel.attention == other.attention
    assert load_contact_book(demo_db) == load_contact_book(demo_sqlite)


def test_explicit_demo_ids_leave_room_for_new_rows(postgres_head_url: str) -> None:
    database = open_database(postgres_head_url)
    try:
        _write_demo(database, 120)
        with database.write() as connection:
            batch = connection.execute(
                text(
                    "INSERT INTO import_batches (created_at, status, files_json, counts_json, mappings_json)"
                    " VALUES ('2024-01-01T00:00:00+00:00', 'done', '[]', '{}', '[]') RETURNING id"
                )
            ).scalar_one()
            customer = connection.execute(
                text("INSERT INTO customers (key) VALUES ('new one') RETURNING id")
            ).scalar_one()
        assert batch == 2
        assert customer == 121
    finally:
        database.close()


def test_an_empty_database_gives_an_empty_panel(postgres_head_url: str) -> None:
    database = open_database(postgres_head_url)
    try:
        data = build_panel_data(database)
    finally:
        database.close()
    assert data.is_empty
    assert data.kpis is None


def test_layout_and_settings_are_stored_and_replaced(postgres_head_url: str) -> None:
    database = open_database(postgres_head_url)
    try:
        assert load_panel_layout(database) is None
        first = [{"type_id": "kpi_cards", "version": 1, "settings": {}, "geometry": {}}]
        second = [
            *first,
            {"type_id": "funnel", "version": 1, "settings": {"x": "ç"}, "geometry": {}},
        ]
        save_panel_layout(database, first)
        save_panel_layout(database, second)
        write_setting(database, "business_name", "Padaria São João")
        write_setting(database, "business_name", "Padaria Sé")
    finally:
        database.close()
    reopened = open_database(postgres_head_url)
    try:
        stored = load_panel_layout(reopened)
        assert stored is not None
        assert json.loads(stored) == second
        assert read_setting(reopened, "business_name") == "Padaria Sé"
    finally:
        reopened.close()
