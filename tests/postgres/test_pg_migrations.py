"""Schema migrations on PostgreSQL: fresh, upgrade with data, failure changes nothing, newer refused."""

from __future__ import annotations

import shutil
import threading
import time
from importlib import resources
from pathlib import Path

import pytest
from alembic.config import Config
from sqlalchemy import Connection, create_engine, inspect, text

from clmdesk.storage.database import PG_WRITER_LOCK, DatabaseError, open_database
from clmdesk.storage.migrate import HEAD_REVISION, SCRIPT_LOCATION
from clmdesk.storage.tables import Base

pytestmark = pytest.mark.postgres


def _revision(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(
                connection.execute(
                    text("SELECT version_num FROM alembic_version")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_fresh_database_gets_head_schema(postgres_url: str) -> None:
    database = open_database(postgres_url)
    try:
        assert not database.is_sqlite
        assert database.path is None
        with database.read() as connection:
            tables = set(inspect(connection).get_table_names())
    finally:
        database.close()
    assert set(Base.metadata.tables) <= tables
    assert _revision(postgres_url) == HEAD_REVISION
    # Opening again finds it up to date.
    open_database(postgres_url).close()
    assert _revision(postgres_url) == HEAD_REVISION


def test_database_from_a_newer_version_is_refused(postgres_url: str) -> None:
    open_database(postgres_url).close()
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(DatabaseError) as raised:
        open_database(postgres_url)
    assert "newer version of clmdesk" in str(raised.value)
    assert raised.value.message.params["revision"] == "9999"
    assert "password" not in raised.value.message.params["location"]


def _at_revision(
    url: str,
    revision: str,
    script_location: str = SCRIPT_LOCATION,
    *,
    down: bool = False,
) -> None:
    """Upgrade (or with ``down``, downgrade) the database to ``revision``."""
    from alembic import command

    database = open_database(url, migrate=False)
    config = Config()
    config.set_main_option("script_location", script_location)
    try:
        with database.write() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        database.close()


def _column_types(url: str, table: str) -> dict[str, str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                column["name"]: str(column["type"])
                for column in inspect(connection).get_columns(table)
            }
    finally:
        engine.dispose()


def test_older_database_is_upgraded_with_its_data(
    postgres_url: str, tmp_path: Path
) -> None:
    _at_revision(postgres_url, "0002")
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (id, key, name) VALUES (1, '12346', 'Maria Silva')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO orders (customer_id, order_ref, day, amount_cents, line_count)"
                " VALUES (1, 'A', 19000, 2147483647, 1)"
            )
        )
    engine.dispose()
    assert _column_types(postgres_url, "orders")["amount_cents"] == "INTEGER"
    database = open_database(postgres_url)
    try:
        with database.write() as connection:
            connection.execute(
                text("UPDATE orders SET amount_cents = amount_cents * 3")
            )
        with database.read() as connection:
            assert connection.execute(
                text(
                    "SELECT c.name, o.amount_cents FROM customers c JOIN orders o ON o.customer_id = c.id"
                )
            ).all() == [("Maria Silva", 3 * 2147483647)]
    finally:
        database.close()
    assert _revision(postgres_url) == HEAD_REVISION
    for table, column in (
        ("order_lines", "amount_cents"),
        ("orders", "amount_cents"),
        ("campaigns", "cost_cents"),
        ("customer_stages", "monetary_cents"),
    ):
        assert _column_types(postgres_url, table)[column] == "BIGINT"
    # No file anywhere to back up: nothing written beside the tests' files.
    assert not list(tmp_path.glob("*.backup-*"))


def test_failed_migration_changes_nothing(postgres_url: str, tmp_path: Path) -> None:
    _at_revision(postgres_url, "0001")
    engine = create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (id, key) VALUES (1, 'k')"))
    scripts = tmp_path / "scripts"
    shutil.copytree(
        Path(str(resources.files("clmdesk.storage").joinpath("migrations"))), scripts
    )
    (scripts / "versions" / "9999_broken.py").write_text(
        f"""
revision = "9999"
down_revision = "{HEAD_REVISION}"
branch_labels = None
depends_on = None
from alembic import op
def upgrade():
    op.execute("CREATE TABLE half_done (id INTEGER)")
    op.execute("DELETE FROM customers")
    raise RuntimeError("disk full")
def downgrade():
    pass
""",
        encoding="utf-8",
    )
    from clmdesk.storage.migrate import upgrade_to_head

    database = open_database(postgres_url, migrate=False)
    try:
        with pytest.raises(DatabaseError) as raised:
            upgrade_to_head(database, script_location=str(scripts))
    finally:
        database.close()
    assert "Nothing was changed" in str(raised.value)
    assert "disk full" in str(raised.value)
    assert _revision(postgres_url) == "0001"
    with engine.connect() as connection:
        assert not inspect(connection).has_table("half_done")
        assert not inspect(connection).has_table("classification_runs")
        assert connection.execute(text("SELECT COUNT(*) FROM customers")).scalar() == 1
    engine.dispose()


def test_computers_opening_a_new_shared_database_at_once(postgres_url: str) -> None:
    """One computer upgrades while another opens: the second waits, then finds it done."""
    from alembic import command

    engine = create_engine(postgres_url)
    opened: list[BaseException | None] = []

    def open_it() -> None:
        try:
            open_database(postgres_url).close()
            opened.append(None)
        except BaseException as exc:  # reported below
            opened.append(exc)

    opener = threading.Thread(target=open_it)
    try:
        with engine.begin() as upgrading:
            upgrading.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})")
            config = Config()
            config.set_main_option("script_location", SCRIPT_LOCATION)
            config.attributes["connection"] = upgrading
            command.upgrade(config, "head")
            # Commit only once the other computer waits for this upgrade.
            opener.start()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and opener.is_alive():
                with engine.connect() as probe:
                    waiting = probe.exec_driver_sql(
                        "SELECT COUNT(*) FROM pg_locks WHERE NOT granted"
                    ).scalar()
                if waiting:
                    break
                time.sleep(0.05)
        opener.join(timeout=120)
    finally:
        engine.dispose()
    assert opened == [None]
    assert _revision(postgres_url) == HEAD_REVISION


def _batch_and_customer(connection: Connection) -> None:
    """Import batch 1 and customer 1, for lines to belong to."""
    connection.execute(
        text(
            "INSERT INTO import_batches (id, created_at, status, files_json, counts_json, mappings_json)"
            " VALUES (1, '2024-01-01T00:00:00+00:00', 'done', '[]', '{}', '[]')"
        )
    )
    connection.execute(text("INSERT INTO customers (id, key) VALUES (1, 'k')"))


def test_line_identities_move_to_a_named_unique_index_with_the_data(
    postgres_url: str,
) -> None:
    """0004 then 0006: one unique index, then the digest's two signed halves; lines kept."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.exc import IntegrityError

    from clmdesk.storage.line_identity import digests_from_halves

    _at_revision(postgres_url, "0003")
    engine = create_engine(postgres_url)
    digests = [bytes(range(16)), b"\xff" * 16, b"\x80" + b"\x00" * 14 + b"\x7f"]
    insert_line = text(
        "INSERT INTO order_lines (batch_id, customer_id, order_ref, day, amount_cents, identity)"
        " VALUES (1, 1, 'A', 19000, 1000, :identity)"
    )
    try:
        with engine.begin() as connection:
            _batch_and_customer(connection)
            for digest in digests:
                connection.execute(insert_line, {"identity": digest})
        open_database(postgres_url).close()
        assert _revision(postgres_url) == HEAD_REVISION
        with engine.connect() as connection:
            inspector = inspect(connection)
            assert inspector.get_unique_constraints("order_lines") == []
            indexes = {
                index["name"]: index for index in inspector.get_indexes("order_lines")
            }
            assert set(indexes) == {
                "ux_order_lines_identity",
                "ix_order_lines_customer_day",
            }
            assert indexes["ux_order_lines_identity"]["unique"]
            assert indexes["ux_order_lines_identity"]["column_names"] == [
                "identity_a",
                "identity_b",
            ]
            assert (
                compare_metadata(MigrationContext.configure(connection), Base.metadata)
                == []
            )
            halves = connection.execute(
                text("SELECT identity_a, identity_b FROM order_lines ORDER BY id")
            ).all()
            assert [tuple(row) for row in halves] == [
                (0x0706050403020100, 0x0F0E0D0C0B0A0908),
                (-1, -1),
                (0x80, 0x7F00000000000000),
            ]
            assert digests_from_halves(halves) == digests
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO order_lines (batch_id, customer_id, day, amount_cents,"
                    " identity_a, identity_b) VALUES (1, 1, 19000, 5, -1, -1)"
                )
            )
    finally:
        engine.dispose()


def test_line_identity_halves_go_back_to_the_same_digests(postgres_url: str) -> None:
    """0006's downgrade rebuilds each 16-byte digest from its halves, bit for bit."""
    from clmdesk.storage.line_identity import identity_halves

    digests = [bytes(range(16)), b"\xff" * 16, b"\x80" + b"\x00" * 14 + b"\x7f"]
    open_database(postgres_url).close()
    engine = create_engine(postgres_url)
    try:
        with engine.begin() as connection:
            _batch_and_customer(connection)
            for first, second in zip(*identity_halves(digests), strict=True):
                connection.execute(
                    text(
                        "INSERT INTO order_lines (batch_id, customer_id, day, amount_cents,"
                        " identity_a, identity_b) VALUES (1, 1, 19000, 5, :a, :b)"
                    ),
                    {"a": first, "b": second},
                )
        _at_revision(postgres_url, "0005", down=True)
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT identity FROM order_lines ORDER BY id")
            ).scalars()
            assert [bytes(digest) for digest in stored] == digests
    finally:
        engine.dispose()
