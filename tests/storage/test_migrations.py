"""Schema migrations: fresh, upgrade with backup, failure restores, newer refused."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from importlib import resources
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from clmdesk.storage.database import DatabaseError, open_database
from clmdesk.storage.line_identity import digests_from_halves
from clmdesk.storage.migrate import HEAD_REVISION, SCRIPT_LOCATION
from clmdesk.storage.tables import Base


def _revision(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT version_num FROM alembic_version").fetchone()[
            0
        ]


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        }


def test_head_constant_matches_shipped_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_fresh_database_gets_head_schema(db_path: Path) -> None:
    open_database(db_path).close()
    assert _revision(db_path) == HEAD_REVISION
    assert set(Base.metadata.tables) <= _tables(db_path)
    assert not list(db_path.parent.glob("*.backup-*"))


def _database_at(
    db_path: Path, revision: str, script_location: str = SCRIPT_LOCATION
) -> None:
    from alembic import command

    database = open_database(db_path, migrate=False)
    config = Config()
    config.set_main_option("script_location", script_location)
    with database.write() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    database.close()


def _schema_differences(db_path: Path) -> list[object]:
    """What Alembic's autogenerate finds between tables.py and the database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    database = open_database(db_path, migrate=False)
    try:
        with database.read() as connection:
            return list(
                compare_metadata(MigrationContext.configure(connection), Base.metadata)
            )
    finally:
        database.close()


def _database_at_first_revision(db_path: Path) -> None:
    _database_at(db_path, "0001")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO customers (id, key, name) VALUES (1, '12346', 'Maria Silva')"
        )


def test_older_database_is_upgraded_with_data_and_backup(db_path: Path) -> None:
    _database_at_first_revision(db_path)
    assert _revision(db_path) == "0001"
    open_database(db_path).close()
    assert _revision(db_path) == HEAD_REVISION
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT key, name FROM customers").fetchall() == [
            ("12346", "Maria Silva")
        ]
    backups = list(db_path.parent.glob("business.backup-0001-*.sqlite3"))
    assert len(backups) == 1
    assert _revision(backups[0]) == "0001"


def test_failed_migration_restores_the_backup(db_path: Path, tmp_path: Path) -> None:
    _database_at_first_revision(db_path)
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

    database = open_database(db_path, migrate=False)
    with pytest.raises(DatabaseError) as raised:
        upgrade_to_head(database, script_location=str(scripts))
    database.close()
    assert "restored" in str(raised.value)
    assert _revision(db_path) == "0001"
    assert "half_done" not in _tables(db_path)
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM customers").fetchone()[0] == 1


def test_database_from_a_newer_version_is_refused(db_path: Path) -> None:
    open_database(db_path).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseError) as raised:
        open_database(db_path)
    assert "newer version of clmdesk" in str(raised.value)
    assert raised.value.message.params["revision"] == "9999"


def test_migrated_schema_matches_the_tables(db_path: Path, tmp_path: Path) -> None:
    open_database(db_path).close()
    assert _schema_differences(db_path) == []
    upgraded = tmp_path / "upgraded.sqlite3"
    _database_at_first_revision(upgraded)
    open_database(upgraded).close()
    assert _schema_differences(upgraded) == []


def _indexes(path: Path, table: str) -> dict[str, str]:
    with sqlite3.connect(path) as connection:
        return {
            name: sql or ""
            for name, sql in connection.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
                (table,),
            )
        }


def test_line_identities_move_to_a_named_unique_index_with_the_data(
    db_path: Path,
) -> None:
    """0004: the unnamed UNIQUE constraint becomes ux_order_lines_identity; lines kept."""
    _database_at(db_path, "0003")
    lines = [
        (1, 1, 1, "A", 19_000, 36_000, 1_000, bytes(range(16))),
        (2, 1, 1, None, 19_001, None, -250, bytes(range(1, 17))),
    ]
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO import_batches (id, created_at, status, files_json, counts_json, mappings_json)"
            " VALUES (1, '2024-01-01T00:00:00+00:00', 'done', '[]', '{}', '[]')"
        )
        connection.execute("INSERT INTO customers (id, key) VALUES (1, '12346')")
        connection.executemany(
            "INSERT INTO order_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?)", lines
        )
    assert "sqlite_autoindex_order_lines_1" in _indexes(db_path, "order_lines")
    open_database(db_path).close()
    assert _revision(db_path) == HEAD_REVISION
    indexes = _indexes(db_path, "order_lines")
    assert set(indexes) == {"ux_order_lines_identity", "ix_order_lines_customer_day"}
    assert indexes["ux_order_lines_identity"].startswith("CREATE UNIQUE INDEX")
    with sqlite3.connect(db_path) as connection:
        connection.execute("PRAGMA foreign_keys = ON")
        stored = connection.execute(
            "SELECT id, batch_id, customer_id, order_ref, day, seconds, amount_cents,"
            " identity_a, identity_b FROM order_lines ORDER BY id"
        ).fetchall()
        assert [row[:7] for row in stored] == [line[:7] for line in lines]
        assert digests_from_halves(row[7:] for row in stored) == [
            line[7] for line in lines
        ]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert list(db_path.parent.glob("business.backup-0003-*.sqlite3"))


def _line_digests(db_path: Path) -> list[bytes]:
    with sqlite3.connect(db_path) as connection:
        return digests_from_halves(
            connection.execute(
                "SELECT identity_a, identity_b FROM order_lines ORDER BY id"
            ).fetchall()
        )


def test_line_identities_become_two_integers_that_still_recognise_imported_lines(
    db_path: Path, tmp_path: Path
) -> None:
    """0006: each 16-byte digest becomes its two signed 64-bit halves, bit for bit.

    A file imported before the upgrade adds nothing when imported again
    after it, and the halves stay unique together.
    """
    from clmdesk.services.importing import import_files

    sales = tmp_path / "vendas.csv"
    sales.write_text(
        "Cliente;Data;Pedido;Valor\n"
        "1;05/01/2024;A1;100,00\n1;05/01/2024;A1;100,00\n"
        "2;06/01/2024;B7;-50,00\n3;07/02/2024;;12,34\n",
        encoding="utf-8",
    )
    # The digests this version's import computes for the file.
    reference = tmp_path / "reference.sqlite3"
    with contextlib.closing(open_database(reference)) as database:
        import_files(database, [sales], classify=False)
    digests = _line_digests(reference)
    assert len(set(digests)) == 4
    # The same lines stored at 0005, as a 16-byte blob, plus extreme digests.
    extremes = [b"\xff" * 16, bytes(range(16)), b"\x80" + b"\x00" * 14 + b"\x7f"]
    _database_at(db_path, "0005")
    with sqlite3.connect(reference) as source, sqlite3.connect(db_path) as target:
        for table in ("import_batches", "customers"):
            cursor = source.execute(f"SELECT * FROM {table}")
            names = [column[0] for column in cursor.description]
            target.executemany(
                f"INSERT INTO {table} ({', '.join(names)})"
                f" VALUES ({', '.join('?' * len(names))})",
                cursor.fetchall(),
            )
        lines = source.execute(
            "SELECT batch_id, customer_id, order_ref, day, seconds, amount_cents"
            " FROM order_lines ORDER BY id"
        ).fetchall()
        target.executemany(
            "INSERT INTO order_lines (batch_id, customer_id, order_ref, day, seconds,"
            " amount_cents, identity) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*line, digest)
                for line, digest in zip(
                    lines + [lines[0]] * 3, digests + extremes, strict=True
                )
            ],
        )
    open_database(db_path).close()
    assert _revision(db_path) == HEAD_REVISION
    assert _line_digests(db_path) == digests + extremes
    with sqlite3.connect(db_path) as connection:
        assert connection.execute(
            "SELECT identity_a, identity_b FROM order_lines ORDER BY id DESC LIMIT 3"
        ).fetchall()[::-1] == [
            (-1, -1),
            (0x0706050403020100, 0x0F0E0D0C0B0A0908),
            (0x80, 0x7F00000000000000),
        ]
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(
                "INSERT INTO order_lines (batch_id, customer_id, day, amount_cents,"
                " identity_a, identity_b) VALUES (1, 1, 19002, 5, -1, -1)"
            )
    assert _schema_differences(db_path) == []
    with contextlib.closing(open_database(db_path)) as database:
        again = import_files(database, [sales], classify=False)
    assert (again.imported, again.already_imported) == (0, 4)


def test_a_postgresql_only_upgrade_makes_no_backup(
    db_path: Path, tmp_path: Path
) -> None:
    """0003 changes column types on PostgreSQL only: a SQLite file is not copied for it."""
    scripts = tmp_path / "scripts"
    shutil.copytree(
        Path(str(resources.files("clmdesk.storage").joinpath("migrations"))), scripts
    )
    for later in scripts.glob("versions/000[4-9]_*.py"):
        later.unlink()
    _database_at(db_path, "0002")
    from clmdesk.storage.migrate import upgrade_to_head

    database = open_database(db_path, migrate=False)
    upgrade_to_head(database, script_location=str(scripts))
    database.close()
    assert _revision(db_path) == "0003"
    assert not list(db_path.parent.glob("*.backup-*"))


def test_classification_runs_gain_an_empty_data_fingerprint(db_path: Path) -> None:
    """0005: a stored run is kept, without a fingerprint (judged by its day)."""
    _database_at(db_path, "0004")
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO classification_runs (id, computed_at, cycle_days, cycle_automatic,"
            " cycle_basis_json, model_json, latest_day, customer_ids)"
            " VALUES (1, '2024-01-01T00:00:00.000000Z', 90, 1, '{}', '{}', 19000, x'')"
        )
    open_database(db_path).close()
    assert _revision(db_path) == HEAD_REVISION
    with sqlite3.connect(db_path) as connection:
        assert connection.execute(
            "SELECT id, latest_day, data_fingerprint FROM classification_runs"
        ).fetchall() == [(1, 19000, None)]
    assert _schema_differences(db_path) == []


def test_line_identity_halves_go_back_to_the_same_digests(db_path: Path) -> None:
    """0006's downgrade rebuilds each 16-byte digest from its halves, bit for bit."""
    from alembic import command

    from clmdesk.storage.line_identity import identity_halves

    digests = [bytes(range(16)), b"\xff" * 16, b"\x80" + b"\x00" * 14 + b"\x7f"]
    open_database(db_path).close()
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "INSERT INTO import_batches (id, created_at, status, files_json, counts_json, mappings_json)"
            " VALUES (1, '2024-01-01T00:00:00+00:00', 'done', '[]', '{}', '[]')"
        )
        connection.execute("INSERT INTO customers (id, key) VALUES (1, 'k')")
        connection.executemany(
            "INSERT INTO order_lines (batch_id, customer_id, day, amount_cents,"
            " identity_a, identity_b) VALUES (1, 1, 19000, 5, ?, ?)",
            zip(*identity_halves(digests), strict=True),
        )
    database = open_database(db_path, migrate=False)
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    with database.write() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    database.close()
    with sqlite3.connect(db_path) as connection:
        assert [
            row[0]
            for row in connection.execute(
                "SELECT identity FROM order_lines ORDER BY id"
            )
        ] == digests
