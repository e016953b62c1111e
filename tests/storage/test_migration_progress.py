"""An upgrade reports its steps: the backup copy, the scripts, done; a callback may stop it before it starts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from clmdesk.core.tasks import Cancelled
from clmdesk.storage.database import open_database
from clmdesk.storage.migrate import HEAD_REVISION, UPGRADE_STEPS, upgrade_to_head
from tests.storage.test_migrations import _database_at_first_revision, _revision


def _upgrade(path: Path, progress: object) -> None:
    database = open_database(path, migrate=False)
    try:
        upgrade_to_head(database, progress=progress)  # type: ignore[arg-type]
    finally:
        database.close()


def test_an_upgrade_reports_backup_scripts_and_done(db_path: Path) -> None:
    _database_at_first_revision(db_path)
    steps: list[tuple[int, int]] = []
    _upgrade(db_path, lambda done, total: steps.append((done, total)))
    assert UPGRADE_STEPS == 2
    assert steps == [(0, 2), (1, 2), (2, 2)]
    assert _revision(db_path) == HEAD_REVISION


def test_nothing_is_reported_without_an_upgrade(db_path: Path) -> None:
    steps: list[tuple[int, int]] = []
    _upgrade(db_path, lambda done, total: steps.append((done, total)))  # new file
    _upgrade(db_path, lambda done, total: steps.append((done, total)))  # at head
    assert steps == []
    assert _revision(db_path) == HEAD_REVISION


@pytest.mark.parametrize("stop_at", [0, 1])
def test_a_callback_raising_before_the_scripts_leaves_the_file_as_it_was(
    db_path: Path, stop_at: int
) -> None:
    _database_at_first_revision(db_path)

    def progress(done: int, total: int) -> None:
        if done == stop_at:
            raise Cancelled

    with pytest.raises(Cancelled):
        _upgrade(db_path, progress)
    assert _revision(db_path) == "0001"
    with sqlite3.connect(db_path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM customers").fetchone() == (1,)
    backups = list(db_path.parent.glob("business.backup-*"))
    assert len(backups) == stop_at  # stopped before the copy, or after it
