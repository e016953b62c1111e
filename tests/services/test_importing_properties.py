"""Property tests: for random sheets, every row is accounted for and the dry run tells the truth."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clmdesk.services.importing import ImportFailed, dry_run, plan_files, run_import
from clmdesk.storage.database import open_database

TODAY = date(2024, 12, 31)

customers = st.one_of(
    st.sampled_from(
        ["", "1", "2", "007", "12346.0", "ana@example.com", " Ana@Example.com "]
    ),
    st.integers(1, 40).map(str),
)
dates = st.one_of(
    st.dates(date(1890, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat()),
    st.dates(date(2000, 1, 1), date(2024, 12, 31)).map(
        lambda d: d.strftime("%d/%m/%Y")
    ),
    st.sampled_from(["", "not a date", "31/02/2024", "2024-13-01", "01/01/1900"]),
)
amounts = st.one_of(
    st.decimals(-1000, 100_000, places=2, allow_nan=False).map(str),
    st.sampled_from(["", "abc", "1.234,56", "(12,00)", "R$ 10,00", "1e400", "-0"]),
)
order_ids = st.one_of(st.just(""), st.integers(1, 30).map(lambda n: f"P{n}"))
row = st.tuples(customers, dates, amounts, order_ids)
headers = st.sampled_from(
    [
        ["Cliente", "Data", "Valor", "Pedido"],
        ["Customer ID", "InvoiceDate", "Amount", "Invoice"],
        ["E-mail", "Data da venda", "Valor total (R$)", "Nota fiscal"],
        ["a", "b", "c", "d"],
    ]
)
sheet = st.tuples(headers, st.lists(row, max_size=30))


def write_csv(
    path: Path, header: list[str], rows: list[tuple[str, ...]], delimiter: str
) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    sheets=st.lists(sheet, min_size=1, max_size=3),
    delimiter=st.sampled_from([",", ";"]),
)
def test_accounting_holds_and_the_dry_run_equals_the_import(
    sheets: list[tuple[list[str], list[tuple[str, ...]]]], delimiter: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        paths = [
            write_csv(base / f"sheet{i}.csv", header, rows, delimiter)
            for i, (header, rows) in enumerate(sheets)
        ]
        database = open_database(base / "db.sqlite3")
        try:
            try:
                plans = plan_files(paths)
            except ImportFailed:
                return  # an empty or unreadable file: refused as a whole, documented
            forecast = dry_run(database, plans, today=TODAY)
            summary = run_import(database, plans, today=TODAY, remember=False)
            assert summary.counts() == forecast.counts()
            assert summary.sheets == forecast.sheets
            for outcome in (summary, *summary.sheets):
                assert outcome.rows_read == (
                    outcome.imported
                    + outcome.already_imported
                    + outcome.anonymous
                    + outcome.rejected
                )
            assert summary.rejected == len(summary.rejected_rows)
            expected_rows = sum(
                s.data_rows for plan in plans for s in plan.sheets if s.role != "ignore"
            )
            assert summary.rows_read == expected_rows
            with database.read() as connection:
                lines = connection.exec_driver_sql(
                    "SELECT COUNT(*) FROM order_lines"
                ).scalar()
            assert lines == summary.lines_imported

            again = run_import(database, plans, today=TODAY, remember=False)
            assert again.lines_imported == 0
            assert again.customers_new == 0
            assert again.orders_new == 0
            assert again.rows_read == summary.rows_read
        finally:
            database.close()
