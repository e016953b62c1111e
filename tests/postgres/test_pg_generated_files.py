"""Generated spreadsheets on PostgreSQL and on SQLite: same counts, same rows, same exports.

The files hold what differs between the two backends: customer keys whose
order depends on the collation (case, accents, digits), amounts beyond a
32-bit integer of cents, orders without an order id (grouped by day),
customers met again with new fields, dated and undated NPS answers and
campaigns.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from clmdesk.cli import main
from clmdesk.services.importing import (
    import_files,
    list_batches,
    preview_undo,
    undo_batch,
)
from clmdesk.storage.customers import iter_customer_export_rows
from clmdesk.storage.database import Database, open_database
from tests.postgres.parity import cli_exports, table_rows, tables

pytestmark = pytest.mark.postgres

TODAY = dt.date(2024, 12, 31)
# Byte order and a linguistic collation disagree on every neighbour here.
KEYS = ["b-02", "A-01", "a-03", "Álvaro", "Zé", "ze", "10", "9", "_x", "Ábaco"]


def _write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, table in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in table:
            sheet.append(row)
    workbook.save(path)
    return path


def _write_csv(path: Path, table: list[list[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(table)
    return path


def _files(folder: Path) -> tuple[Path, Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    customers = _write_xlsx(
        folder / "clientes.xlsx",
        {
            "Clientes": [
                [
                    "Cliente",
                    "Nome",
                    "E-mail",
                    "Cidade",
                    "Data de cadastro",
                    "Canal",
                    "Indicado por",
                ],
                *[
                    [
                        key,
                        f"Pessoa {i}",
                        f"p{i}@example.com" if i % 3 else None,
                        "São Paulo" if i % 2 else None,
                        dt.datetime(2022, 1 + i, 3) if i < 9 else None,
                        "Instagram" if i % 2 else "Loja",
                        KEYS[0] if i == 4 else None,
                    ]
                    for i, key in enumerate(KEYS)
                ]
                + [
                    [
                        "novo",
                        "Sem compras",
                        None,
                        None,
                        dt.datetime(2024, 11, 2),
                        None,
                        None,
                    ]
                ],
            ],
            "NPS": [
                ["Cliente", "Data NPS", "Nota NPS"],
                [KEYS[0], dt.datetime(2024, 3, 1), 9],
                [KEYS[1], dt.datetime(2024, 3, 2), 4],
                [KEYS[1], dt.datetime(2024, 3, 2), 4],
            ],
            "Campanhas": [
                ["Data da campanha", "Canal", "Alcance", "Custo"],
                [dt.datetime(2024, 2, 1), "Instagram", 5000, 350.5],
                [dt.datetime(2024, 5, 1), "E-mail", 1200, None],
            ],
        },
    )
    lines: list[list[Any]] = [["Cliente", "Data", "Pedido", "Valor"]]
    for i, key in enumerate(KEYS):
        for month in range(1, 1 + (i % 5) * 2 + 1):
            lines.append(
                [
                    key,
                    f"2024-{month:02d}-{10 + i:02d}",
                    f"P-{i}-{month}",
                    f"{12.5 * (i + month):.2f}",
                ]
            )
    # Beyond 2**31 cents, in one line and in one customer's sum.
    lines.append([KEYS[2], "2024-06-01", "BIG-1", "25000000.00"])
    lines.append([KEYS[2], "2024-06-02", "BIG-2", "19999999.99"])
    lines.append([KEYS[3], "2024-06-03", "RET-1", "-25000000.00"])
    lines.append([KEYS[3], "2024-06-03", "RET-1", "1.00"])
    orders = _write_csv(folder / "vendas.csv", lines)
    # No order ids: one order per customer and day; customers met again.
    no_ids = _write_csv(
        folder / "balcao.csv",
        [
            ["Cliente", "Data", "Valor", "E-mail", "Cidade"],
            [KEYS[0], "2024-07-01", "10.00", "outra@example.com", "Recife"],
            [KEYS[0], "2024-07-01", "-4.00", None, None],
            [KEYS[0], "2024-07-01", "-4.00", None, None],
            [KEYS[4], "2024-07-02", "0.00", None, "Natal"],
            ["recém-chegado", "2024-07-03", "99.99", None, None],
            [KEYS[1], "2024-07-04", "5.00", None, "Fortaleza"],
        ],
    )
    return customers, orders, no_ids


def test_generated_files_give_the_same_database_and_exports(
    db_path: Path, postgres_head_url: str, tmp_path: Path
) -> None:
    files = _files(tmp_path / "files")
    lite = open_database(db_path)
    pg = open_database(postgres_head_url)
    databases: tuple[Database, Database] = (lite, pg)
    try:
        summaries = [
            [import_files(db, [path], today=TODAY, classify=False) for path in files]
            for db in databases
        ]
        for one, other in zip(*summaries, strict=True):
            assert one.counts() == other.counts()
            assert one.conflicts == other.conflicts
        assert summaries[1][0].nps_answers == 3
        assert summaries[1][0].campaigns == 2
        assert summaries[1][2].fields_filled >= 1
        assert summaries[1][2].conflict_count >= 1
        assert tables(lite) == tables(pg)
        big = table_rows(pg, "customer_field_fills")
        assert big, "the later files filled fields of known customers"
        amounts = [row[4] for row in table_rows(pg, "orders")]
        assert max(amounts) > 2**31
        assert min(amounts) < -(2**31)

        for url in (str(db_path), postgres_head_url):
            assert main(["classify", "--db", url, "--cycle-days", "30"]) == 0
        assert tables(lite) == tables(pg)
        stages = table_rows(pg, "customer_stages")
        assert max(row[5] for row in stages) > 2**31
        exports = [
            cli_exports(str(db_path), tmp_path / "sqlite", "2024-12-31"),
            cli_exports(postgres_head_url, tmp_path / "pg", "2024-12-31"),
        ]
        assert exports[0] == exports[1]
        keys = [
            line.split(b",")[0].decode()
            for line in exports[1]["stages"].splitlines()[1:]
        ]
        assert keys == sorted(keys)
        # The customer list (File > Export…) is in code-point order too.
        listed = [
            [row.key for row in iter_customer_export_rows(db)] for db in databases
        ]
        assert listed[0] == listed[1] == sorted(listed[1])
        assert [row.monetary_cents for row in iter_customer_export_rows(pg)] == [
            row.monetary_cents for row in iter_customer_export_rows(lite)
        ]

        # Importing everything again adds nothing.
        before = tables(pg)
        again = [
            import_files(db, list(files), today=TODAY, classify=False)
            for db in databases
        ]
        assert again[0].counts() == again[1].counts()
        assert (again[1].imported, again[1].customers_new, again[1].nps_answers) == (
            0,
            0,
            0,
        )
        after = tables(pg)
        for table in ("customers", "order_lines", "orders", "nps_answers", "campaigns"):
            assert after[table] == before[table]
        assert tables(lite) == after

        # Undo the file without order ids, then the orders file.
        for position in (2, 1):
            batch = [list_batches(db)[position].id for db in databases]
            previews = [
                preview_undo(db, b) for db, b in zip(databases, batch, strict=True)
            ]
            assert previews[0] == previews[1]
            done = [undo_batch(db, b) for db, b in zip(databases, batch, strict=True)]
            assert done == previews
            assert tables(lite) == tables(pg)
        assert table_rows(pg, "order_lines") == []
    finally:
        lite.close()
        pg.close()
