"""Schema migrations: fresh, upgrade with backup, failure restores, newer refused."""

from __future__ import annotations

import shutil
import sqlite3
from importlib import resources
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from clmdesk.storage.database import DatabaseError, open_database
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


def _database_at_first_revision(db_path: Path) -> None:
    from alembic import command

    database = open_database(db_path, migrate=False)
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    with database.write() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    database.close()
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
