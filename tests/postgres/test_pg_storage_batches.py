"""The import history and undo tests of tests/storage, on PostgreSQL."""

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


reuse(globals(), "tests.storage.test_batches", left_out=set())
