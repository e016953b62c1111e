"""``clmdesk import`` end to end with real files in tmp_path."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from clmdesk.cli import main


def orders_xlsx(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Vendas"
    sheet.append(["Relatório de vendas"])  # a title row above the header
    sheet.append([])
    sheet.append(
        ["Pedido", "Data", "Código do cliente", "Quantidade", "Preço unitário"]
    )
    sheet.append([1, "02/01/2024", 12346.0, 2, 9.95])
    sheet.append([1, "02/01/2024", 12346.0, 2, 9.95])  # rung up twice: both kept
    sheet.append([2, "03/01/2024", None, 1, 5.0])  # anonymous
    sheet.append([3, "31/12/2099", 12347.0, 1, 5.0])  # implausible date: rejected
    sheet.append(["C4", "04/01/2024", 12347.0, -1, 5.0])  # a return
    workbook.save(path)
    return path


def count(db: Path, sql: str) -> int:
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute(sql).fetchone()[0])
    finally:
        connection.close()


def test_import_prints_where_every_row_went(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = orders_xlsx(tmp_path / "vendas.xlsx")
    db = tmp_path / "shop.sqlite3"
    assert main(["import", str(source), "--db", str(db), "--no-classify"]) == 0
    out = capsys.readouterr().out
    assert "Read 5 rows from 1 file(s), 1 sheet(s)." in out
    assert "imported:          3" in out
    assert "already imported:  0" in out
    assert "anonymous:         1" in out
    assert "rejected:          1" in out
    assert "vendas.xlsx / Vendas, row 7:" in out
    assert "2099-12-31" in out
    assert "Orders: 2 new (1 returns, 0 zero-value purchases)" in out
    assert "Net amount of the lines imported: 34.80" in out
    assert "Customers: 2 new" in out
    assert count(db, "SELECT COUNT(*) FROM order_lines") == 3

    assert main(["import", str(source), "--db", str(db), "--no-classify"]) == 0
    again = capsys.readouterr().out
    assert "imported:          0" in again
    assert "already imported:  3 (skipped)" in again
    assert count(db, "SELECT COUNT(*) FROM order_lines") == 3


def test_import_speaks_portuguese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = orders_xlsx(tmp_path / "vendas.xlsx")
    db = tmp_path / "loja.sqlite3"
    assert (
        main(
            ["--lang", "pt_BR", "import", str(source), "--db", str(db), "--no-classify"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Lidas 5 linhas" in out
    assert "34,80" in out


def test_a_file_it_cannot_understand_fails_in_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "ok.csv"
    with open(good, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["Cliente", "Data", "Valor"], ["1", "2024-01-02", "10"]]
        )
    bad = tmp_path / "relatorio.xlsx"
    bad.write_bytes(b"PK\x03\x04\x14\x00 truncated zip")
    db = tmp_path / "shop.sqlite3"
    code = main(["import", str(good), str(bad), "--db", str(db), "--no-classify"])
    captured = capsys.readouterr()
    assert code != 0
    error_lines = captured.err.strip().splitlines()
    assert len(error_lines) == 1
    assert error_lines[0].startswith("clmdesk import: relatorio.xlsx")
    assert captured.out == ""
    assert count(db, "SELECT COUNT(*) FROM import_batches") == 0


def test_import_then_classify_in_a_fresh_process(tmp_path: Path) -> None:
    source = orders_xlsx(tmp_path / "vendas.xlsx")
    db = tmp_path / "shop.sqlite3"
    done = subprocess.run(
        [sys.executable, "-m", "clmdesk", "import", str(source), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        env={**__import__("os").environ, "CLMDESK_LANG": "en"},
    )
    assert done.returncode == 0, done.stderr
    assert "imported:          3" in done.stdout
    assert "Customer stages recalculated." in done.stdout
    assert count(db, "SELECT COUNT(*) FROM classification_runs") == 1


def test_a_file_without_recognisable_columns_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "notas.csv"
    junk.write_text("foo,bar\nhello,world\nx,y\n", encoding="utf-8")
    db = tmp_path / "shop.sqlite3"
    assert main(["import", str(junk), "--db", str(db), "--no-classify"]) == 1
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "clmdesk import: notas.csv: no sheet has columns clmdesk recognises"
        " (customer, date, amount, e-mail…); nothing was imported."
    )
    assert count(db, "SELECT COUNT(*) FROM import_batches") == 0


class _Terminal:
    """A standard error that says it is a terminal, keeping what was written."""

    def __init__(self) -> None:
        self.text = ""

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def test_on_a_terminal_a_progress_line_runs_and_is_wiped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from clmdesk.commands import import_ as command

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(command.ProgressLine, "INTERVAL_S", 0.0)
    source = orders_xlsx(tmp_path / "pedidos.xlsx")

    assert main(["import", str(source), "--db", str(tmp_path / "shop.sqlite3")]) == 0

    out = capsys.readouterr().out
    assert "imported:          3" in out
    drawn = terminal.text
    assert "\rImporting… 100%" not in drawn  # stages are recalculated next:
    assert "\rRecalculating the customer stages…" in drawn
    assert "\rImporting… " in drawn
    # Wiped at the end: the last thing written blanks the line.
    assert drawn.endswith("\r")
    assert drawn.rsplit("\r", 2)[-2].strip() == ""


def test_off_a_terminal_nothing_but_the_summary_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = orders_xlsx(tmp_path / "pedidos.xlsx")
    assert main(["import", str(source), "--db", str(tmp_path / "s.sqlite3")]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err
    assert "imported:          3" in captured.out
