"""``clmdesk classify`` writes the median gap with the language's decimal mark."""

from __future__ import annotations

import pytest

from clmdesk.cli import main
from clmdesk.storage.database import open_database
from tests.storage.importing_helpers import store_median_gap_of_45_5


@pytest.fixture
def db_file(db_path):
    database = open_database(db_path)
    store_median_gap_of_45_5(database)
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
