"""Opening databases: pragmas, writer lock, URLs."""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import text

from clmdesk.core.tasks import Cancelled
from clmdesk.storage.database import (
    PAGE_SIZE,
    database_url,
    open_database,
    sqlite_path,
)
from clmdesk.storage.orders import rebuild_orders

if TYPE_CHECKING:
    from pathlib import Path


def test_fresh_sqlite_file_uses_wal_foreign_keys_and_busy_timeout(
    db_path: Path,
) -> None:
    database = open_database(db_path)
    with database.read() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert connection.exec_driver_sql("PRAGMA page_size").scalar() == PAGE_SIZE
    database.close()
    assert db_path.is_file()


def test_an_existing_file_keeps_its_page_size(db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("CREATE TABLE kept (id INTEGER)")
    open_database(db_path, migrate=False).close()
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("PRAGMA page_size").fetchone()[0] == 4096


def test_database_url_accepts_paths_and_urls(tmp_path: Path) -> None:
    assert database_url(tmp_path / "a.sqlite3").startswith("sqlite:///")
    url = "postgresql+psycopg://user:secret@localhost/shop"
    assert database_url(url) == url
    assert sqlite_path(url) is None
    assert (
        sqlite_path(database_url(tmp_path / "a.sqlite3"))
        == (tmp_path / "a.sqlite3").resolve()
    )


def test_write_rolls_back_on_cancel(db_path: Path) -> None:
    database = open_database(db_path)

    def cancelled_import() -> None:
        with database.write() as connection:
            connection.execute(
                text("INSERT INTO app_settings (key, value_json) VALUES ('a', '1')")
            )
            raise Cancelled

    with pytest.raises(Cancelled):
        cancelled_import()
    with database.read() as connection:
        assert (
            connection.execute(text("SELECT COUNT(*) FROM app_settings")).scalar() == 0
        )
    database.close()


def test_writes_from_two_threads_are_serialised(db_path: Path) -> None:
    database = open_database(db_path)
    errors: list[BaseException] = []

    def writer(prefix: str) -> None:
        try:
            for index in range(20):
                with database.write() as connection:
                    connection.execute(
                        text(
                            "INSERT INTO app_settings (key, value_json) VALUES (:k, '1')"
                        ),
                        {"k": f"{prefix}{index}"},
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with database.read() as connection:
        assert (
            connection.execute(text("SELECT COUNT(*) FROM app_settings")).scalar() == 40
        )
    database.close()


def test_orders_are_derived_from_lines(db_path: Path) -> None:
    database = open_database(db_path)
    with database.write() as connection:
        connection.execute(
            text(
                "INSERT INTO import_batches (id, created_at, status, files_json, counts_json, mappings_json) VALUES (1, 'now', 'done', '[]', '{}', '[]')"
            )
        )
        connection.execute(
            text("INSERT INTO customers (id, key) VALUES (1, 'a'), (2, 'b')")
        )
        rows = [
            # two lines of one invoice on two days: one order dated at the first line
            (1, "INV1", 100, 1000, 1),
            (1, "INV1", 101, 500, 2),
            # no invoice: a purchase and a return on the same day net into one order
            (2, None, 200, 3000, 3),
            (2, None, 200, -1000, 4),
            (2, None, 201, 700, 5),
        ]
        connection.execute(
            text(
                "INSERT INTO order_lines (batch_id, customer_id, order_ref, day, amount_cents, identity_a, identity_b) VALUES (1, :c, :r, :d, :a, :i, 0)"
            ),
            [{"c": c, "r": r, "d": d, "a": a, "i": i} for c, r, d, a, i in rows],
        )
        assert rebuild_orders(connection) == 3
        orders = connection.execute(
            text(
                "SELECT customer_id, order_ref, day, amount_cents, line_count FROM orders ORDER BY customer_id, day"
            )
        ).all()
    assert [tuple(row) for row in orders] == [
        (1, "INV1", 100, 1500, 2),
        (2, None, 200, 2000, 2),
        (2, None, 201, 700, 1),
    ]
    database.close()


def test_a_bulk_write_leaves_foreign_keys_unchecked_only_inside(db_path: Path) -> None:
    database = open_database(db_path)

    def checked() -> int:
        with database.read() as connection:
            return int(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())

    try:
        with database.write(bulk=True) as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
            # An order line of a customer that does not exist (yet).
            connection.exec_driver_sql(
                "INSERT INTO import_batches (id, created_at, status, files_json, counts_json, mappings_json)"
                " VALUES (1, 'now', 'done', '[]', '{}', '[]')"
            )
            connection.exec_driver_sql(
                "INSERT INTO order_lines (batch_id, customer_id, day, amount_cents, identity_a, identity_b)"
                " VALUES (1, 7, 19000, 100, 0, 0)"
            )
            connection.exec_driver_sql(
                "INSERT INTO customers (id, key) VALUES (7, 'k')"
            )
        assert checked() == 1
        with pytest.raises(Cancelled), database.write(bulk=True):
            raise Cancelled
        assert checked() == 1
        with database.write() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    finally:
        database.close()


def test_a_write_to_another_database_does_not_wait_for_this_ones(
    tmp_path: Path,
) -> None:
    """The writer lock is per database: the window's next database need not wait."""
    import threading
    import time

    first = open_database(tmp_path / "first.sqlite3")
    second = open_database(tmp_path / "second.sqlite3")
    again = open_database(tmp_path / "first.sqlite3")
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.write():
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=hold)
    writer.start()
    try:
        assert holding.wait(5)
        started = time.perf_counter()
        with second.write() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        assert time.perf_counter() - started < 1.0
        # The same file, opened twice, still has one writer at a time.
        blocked = threading.Event()

        def write_again() -> None:
            with again.write():
                blocked.set()

        other = threading.Thread(target=write_again)
        other.start()
        assert not blocked.wait(0.3)
        release.set()
        other.join(10)
        assert blocked.is_set()
    finally:
        release.set()
        writer.join(10)
        for database in (first, second, again):
            database.close()
