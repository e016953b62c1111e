"""The classification storage tests of tests/storage, on PostgreSQL."""

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
    "tests.storage.test_history_store",
    left_out={
        # They compare with a second SQLite file beside the first.
        "test_customer_stages_rewrite_only_what_changed",
        "test_customer_stages_follow_a_later_order",
    },
)
