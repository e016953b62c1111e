"""The real 'Online Retail II' export on PostgreSQL gives exactly what it gives on SQLite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clmdesk.cli import main
from clmdesk.services.importing import import_files, list_batches, undo_batch
from clmdesk.storage.database import Database, open_database
from tests.postgres.parity import cli_exports, table_rows, tables

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TODAY = dt.date(2024, 1, 1)


def test_real_file_import_classify_export_undo(
    retail_file: Path, db_path: Path, postgres_head_url: str, tmp_path: Path
) -> None:
    lite = open_database(db_path)
    pg = open_database(postgres_head_url)
    try:
        databases: tuple[Database, Database] = (lite, pg)
        first = [
            import_files(db, [retail_file], classify=False, today=TODAY)
            for db in databases
        ]
        assert first[0].counts() == first[1].counts()
        assert first[0].imported == 34_766 - 601 - 441
        assert first[0].revenue_cents == 121_634_867
        assert tables(lite) == tables(pg)

        # Classification and both exports, through the command line.
        for url in (str(db_path), postgres_head_url):
            assert main(["classify", "--db", url]) == 0
        assert tables(lite) == tables(pg)
        exports = [
            cli_exports(url, tmp_path / name, "2011-12-09")
            for name, url in (("sqlite", str(db_path)), ("pg", postgres_head_url))
        ]
        assert exports[0]["stages"].count(b"\n") > 200
        assert exports[0] == exports[1]

        # A second import adds nothing.
        before = tables(pg)
        again = [
            import_files(db, [retail_file], classify=False, today=TODAY)
            for db in databases
        ]
        assert again[0].counts() == again[1].counts()
        assert again[1].imported == 0
        after = tables(pg)
        for table in ("customers", "order_lines", "orders", "customer_field_fills"):
            assert after[table] == before[table]
        assert tables(lite) == after

        # Undo of the first import empties the business on both.
        previews = [undo_batch(db, list_batches(db)[0].id) for db in databases]
        assert previews[0] == previews[1]
        assert previews[1].lines == first[1].lines_imported
        assert table_rows(pg, "order_lines") == []
        assert table_rows(pg, "customers") == []
        assert tables(lite) == tables(pg)
    finally:
        lite.close()
        pg.close()
