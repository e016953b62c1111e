"""The customer list with stages: every customer, by key, with the stored stage and measures."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from clmdesk.core.tasks import Cancelled
from clmdesk.services.demo import ensure_demo_database
from clmdesk.storage.customers import count_customers, iter_customer_export_rows
from clmdesk.storage.database import open_database


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_database(
        tmp_path_factory.mktemp("demo") / "demo.sqlite3", customers=300
    )


def test_every_customer_by_key_with_the_stored_stage(demo_path: Path) -> None:
    database = open_database(demo_path)
    try:
        progress: list[tuple[int, int]] = []
        rows = list(
            iter_customer_export_rows(
                database, progress=lambda done, total: progress.append((done, total))
            )
        )
        assert len(rows) == count_customers(database) == 300
        keys = [row.key for row in rows]
        assert keys == sorted(keys)
        with database.read() as connection:
            stored = dict(
                connection.execute(
                    text("SELECT customer_id, stage_key FROM customer_stages")
                ).all()
            )
        assert {row.customer_id: row.stage_key for row in rows if row.stage_key} == {
            k: v for k, v in stored.items() if v is not None
        }
        for row in rows:
            if row.frequency:
                assert row.first_day is not None
                assert row.last_day is not None
                assert row.first_day <= row.last_day
                assert row.recency_days is not None
                assert row.recency_days >= 0
            else:
                assert row.recency_days is None
        assert any(row.email for row in rows)
        assert any(row.phone for row in rows)
        assert progress[0] == (0, 300)
        assert progress[-1] == (300, 300)
    finally:
        database.close()


def test_unclassified_customers_have_no_stage(tmp_path: Path) -> None:
    database = open_database(tmp_path / "new.sqlite3")
    try:
        with database.write() as connection:
            connection.execute(
                text(
                    "INSERT INTO customers (key, name, email) VALUES "
                    "('b2', 'Bruna', 'b@example.com'), ('a1', 'Ana', NULL)"
                )
            )
        rows = list(iter_customer_export_rows(database))
        assert [row.key for row in rows] == ["a1", "b2"]
        assert all(row.stage_key is None and row.group_key is None for row in rows)
        assert all(row.frequency == 0 and row.monetary_cents == 0 for row in rows)
        assert rows[1].email == "b@example.com"
    finally:
        database.close()


def test_cancel_stops_the_listing(demo_path: Path) -> None:
    database = open_database(demo_path)
    try:
        with pytest.raises(Cancelled):
            list(iter_customer_export_rows(database, is_cancelled=lambda: True))
    finally:
        database.close()
