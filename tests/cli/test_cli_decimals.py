"""``clmdesk classify`` writes the median gap with the language's decimal mark."""

from __future__ import annotations

import pytest

from clmdesk.cli import main
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.database import open_database


@pytest.fixture
def db_file(db_path):
    # Twenty customers buying twice: ten 45 days apart, ten 46 days apart, so
    # the median gap is 45.5 and C = 46.
    database = open_database(db_path)
    customers = [(i + 1, f"c{i + 1}", None) for i in range(20)]
    orders = []
    for customer_id, _, _ in customers:
        gap = 45 if customer_id <= 10 else 46
        orders += [(customer_id, 19_800, 1000, 1), (customer_id, 19_800 + gap, 1000, 1)]
    with database.write() as connection:
        bulk_insert(connection, "customers", ("id", "key", "registered_day"), customers)
        bulk_insert(
            connection,
            "orders",
            ("customer_id", "day", "amount_cents", "line_count"),
            orders,
        )
    database.close()
    return db_path


@pytest.mark.parametrize(
    ("language", "expected", "wrong"),
    [
        ("en", "(median 45.5 days).", "45,5"),
        ("pt_BR", "(mediana de 45,5 dias).", "45.5"),
    ],
)
def test_classify_writes_the_median_for_the_language(
    db_file, capsys, language: str, expected: str, wrong: str
) -> None:
    argv = ["--lang", language, "classify", "--db", str(db_file)]
    assert main([*argv, "--cycle-days", "auto"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.endswith(expected)
    assert wrong not in first
