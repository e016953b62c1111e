"""Opening and sharing a PostgreSQL database: clear errors, one writer, consistent reads."""

from __future__ import annotations

import sys
import threading
import time

import psycopg
import pytest
from sqlalchemy import create_engine, text

import clmdesk.storage.importing as storing
from clmdesk.storage.database import (
    PG_WRITER_LOCK,
    DatabaseError,
    database_url,
    open_database,
)
from clmdesk.storage.importing import ImportWriteError, import_sheets
from tests.storage.importing_helpers import orders_sheet
from tests.storage.test_importing import BATCH, LINES

pytestmark = pytest.mark.postgres


def test_an_unreachable_server_is_one_clear_error() -> None:
    with pytest.raises(DatabaseError) as raised:
        open_database("postgresql+psycopg://ana:secret@127.0.0.1:1/shop")
    message = raised.value.message
    assert message.id == "storage.cannot_open"
    assert message.params["location"] == "postgresql+psycopg://ana:***@127.0.0.1:1/shop"
    assert "secret" not in str(raised.value)
    assert "refused" in message.params["error"]


def test_a_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(DatabaseError) as raised:
        open_database("postgresql+psycopg://ana:secret@server/shop")
    assert raised.value.message.id == "storage.driver_missing"
    assert raised.value.message.params["package"] == "psycopg"
    assert "uv sync --extra postgres" in str(raised.value)
    assert "secret" not in str(raised.value)


def test_bare_postgresql_urls_use_psycopg(postgres_head_url: str) -> None:
    assert database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    bare = postgres_head_url.replace("postgresql+psycopg://", "postgresql://")
    database = open_database(bare)
    try:
        assert database.engine.dialect.driver == "psycopg"
    finally:
        database.close()


def test_a_read_sees_one_state_while_another_computer_writes(
    postgres_head_url: str,
) -> None:
    database = open_database(postgres_head_url)
    other = create_engine(postgres_head_url)
    try:
        with database.read() as connection:
            before = connection.execute(text("SELECT COUNT(*) FROM customers")).scalar()
            with other.begin() as writer:
                writer.execute(text("INSERT INTO customers (key) VALUES ('k1')"))
            after = connection.execute(text("SELECT COUNT(*) FROM customers")).scalar()
        assert before == after == 0
        with database.read() as connection:
            assert (
                connection.execute(text("SELECT COUNT(*) FROM customers")).scalar() == 1
            )
    finally:
        other.dispose()
        database.close()


def test_a_write_waits_for_another_computers_write(postgres_head_url: str) -> None:
    database = open_database(postgres_head_url)
    other = create_engine(postgres_head_url)
    events: list[str] = []

    def write() -> None:
        with database.write() as connection:
            events.append("writing")
            connection.execute(text("INSERT INTO customers (key) VALUES ('mine')"))

    thread = threading.Thread(target=write)
    try:
        with other.begin() as elsewhere:
            elsewhere.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})")
            thread.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with other.connect() as probe:
                    if probe.exec_driver_sql(
                        "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    ).scalar():
                        break
                time.sleep(0.05)
            assert events == []
            elsewhere.execute(text("INSERT INTO customers (key) VALUES ('theirs')"))
            events.append("their commit")
        thread.join(timeout=60)
        assert events == ["their commit", "writing"]
        with database.read() as connection:
            assert (
                connection.execute(text("SELECT COUNT(*) FROM customers")).scalar() == 2
            )
    finally:
        other.dispose()
        database.close()


def test_server_errors_become_one_import_error(
    postgres_head_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(postgres_head_url)
    try:

        def lost(*_args: object) -> None:
            raise psycopg.OperationalError("server closed the connection unexpectedly")

        monkeypatch.setattr(storing, "_insert_orders", lost)
        with pytest.raises(ImportWriteError) as raised:
            import_sheets(database, [orders_sheet(LINES)], BATCH)
        assert "server closed the connection" in raised.value.message.english()
        with database.read() as connection:
            for table in ("import_batches", "customers", "order_lines"):
                assert (
                    connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                    == 0
                )
    finally:
        database.close()


def test_a_cancelled_bulk_copy_leaves_nothing(postgres_head_url: str) -> None:
    from clmdesk.core.tasks import Cancelled
    from clmdesk.storage.bulk import bulk_insert

    database = open_database(postgres_head_url)
    written: list[int] = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(20_000):
            written.append(i)
            yield (i + 1, f"k{i}", None if i % 2 else 19_000 + i)

    try:
        with pytest.raises(Cancelled), database.write() as connection:
            bulk_insert(
                connection,
                "customers",
                ("id", "key", "registered_day"),
                rows(),
                is_cancelled=lambda: len(written) > 12_000,
            )
        assert 12_000 < len(written) < 20_000
        with database.read() as connection:
            assert (
                connection.execute(text("SELECT COUNT(*) FROM customers")).scalar() == 0
            )
        with database.write() as connection:
            assert (
                bulk_insert(
                    connection, "customers", ("id", "key"), [(7, "x"), (9, "y")]
                )
                == 2
            )
            new = connection.execute(
                text("INSERT INTO customers (key) VALUES ('z') RETURNING id")
            ).scalar()
        assert new == 10
    finally:
        database.close()


def test_a_write_gives_up_like_sqlite_when_another_computer_keeps_writing(
    postgres_head_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import clmdesk.storage.database as database_module

    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 300)
    database = open_database(postgres_head_url)
    other = create_engine(postgres_head_url)
    try:
        with other.begin() as elsewhere:
            elsewhere.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})")
            with pytest.raises(ImportWriteError) as raised:
                import_sheets(database, [orders_sheet(LINES)], BATCH)
        assert "lock timeout" in raised.value.message.english()
        # Once it is free, writing works, without the short timeout left behind.
        assert import_sheets(database, [orders_sheet(LINES)], BATCH).batch_id == 1
        with database.read() as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "0"
    finally:
        other.dispose()
        database.close()
