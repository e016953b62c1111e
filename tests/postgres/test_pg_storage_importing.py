"""The import-writing tests of tests/storage, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from clmdesk.storage.database import Database, open_database
from tests.postgres.reuse import reuse

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(postgres_head_url: str) -> Iterator[Database]:
    db = open_database(postgres_head_url)
    yield db
    db.close()


reuse(
    globals(),
    "tests.storage.test_importing",
    left_out={
        # Raises sqlite3's own error; PostgreSQL's errors are checked below.
        "test_database_errors_become_one_import_error",
        # SQLite's index list and integrity check.
        "test_a_bulk_load_keeps_the_indexes",
    },
)
