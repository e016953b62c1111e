"""On PostgreSQL an upgrade reports no backup step: the server's own backups apply."""

from __future__ import annotations

import pytest

from clmdesk.storage.database import open_database
from clmdesk.storage.migrate import HEAD_REVISION, upgrade_to_head
from tests.postgres.test_pg_migrations import _at_revision, _revision

pytestmark = pytest.mark.postgres


def test_an_upgrade_reports_the_scripts_and_done(postgres_url: str) -> None:
    _at_revision(postgres_url, "0002")
    steps: list[tuple[int, int]] = []
    database = open_database(postgres_url, migrate=False)
    try:
        upgrade_to_head(
            database, progress=lambda done, total: steps.append((done, total))
        )
    finally:
        database.close()
    assert steps == [(1, 2), (2, 2)]
    assert _revision(postgres_url) == HEAD_REVISION
