"""``clmdesk classify`` and ``clmdesk export`` end to end on a real database file."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from clmdesk.cli import main
from clmdesk.storage.app_settings import read_setting
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.database import open_database


def day(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - dt.date(1970, 1, 1)).days


@pytest.fixture
def db_file(db_path):
    database = open_database(db_path)
    with database.write() as connection:
        bulk_insert(
            connection,
            "customers",
            ("id", "key", "registered_day"),
            [(1, "c1", None), (2, "c2", day(2024, 1, 1)), (3, "c3", None)],
        )
        bulk_insert(
            connection,
            "orders",
            ("customer_id", "day", "amount_cents", "line_count"),
            [
                (1, day(2024, 1, 10), 1500, 1),
                (1, day(2024, 2, 10), 2500, 1),
                (3, day(2024, 3, 5), 999, 1),
            ],
        )
    database.close()
    return db_path


def test_classify_prints_cycle_and_last_counts(db_file, capsys) -> None:
    assert main(["classify", "--db", str(db_file), "--cycle-days", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Purchase cycle C: Fixed by you: 30 days."
    assert out[1] == "Snapshots: 3, from 2024-01-31 to 2024-03-05"
    assert out[2] == "Last snapshot: 2024-03-05 (partial month)"
    counts = {line.split()[0]: int(line.split()[2]) for line in out[3:]}
    assert counts == {
        "prospect": 1,
        "champion": 0,
        "loyal": 0,
        "promising": 1,
        "new": 1,
        "cant_lose": 0,
        "at_risk": 0,
        "about_to_sleep": 0,
        "hibernating": 0,
        "lost": 0,
    }
    database = open_database(db_file)
    try:
        assert read_setting(database, "cycle_days") == 30
    finally:
        database.close()


def test_classify_in_portuguese(db_file, capsys) -> None:
    assert (
        main(
            [
                "--lang",
                "pt_BR",
                "classify",
                "--db",
                str(db_file),
                "--cycle-days",
                "auto",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Ciclo de compra C: Automático: 90 dias" in out
    assert "Campeões" in out


def test_bad_cycle_is_a_one_line_error(db_file, capsys) -> None:
    assert main(["classify", "--db", str(db_file), "--cycle-days", "zero"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("clmdesk classify: The purchase cycle must be")


def test_export_stages_and_history(db_file, tmp_path, capsys) -> None:
    assert main(["classify", "--db", str(db_file), "--cycle-days", "30"]) == 0
    stages = tmp_path / "stages.csv"
    code = main(
        [
            "export",
            "stages",
            "--as-of",
            "2024-02-29",
            "--out",
            str(stages),
            "--db",
            str(db_file),
        ]
    )
    assert code == 0
    assert stages.read_bytes() == (
        b"customer_key,stage,group,frequency,recency_days,monetary,first_order,last_order\n"
        b"c1,promising,active,2,19,40.00,2024-01-10,2024-02-10\n"
        b"c2,prospect,prospects,0,,0.00,,\n"
    )
    assert f"Wrote 2 rows to {stages}" in capsys.readouterr().out
    history = tmp_path / "history.xlsx"
    assert main(["export", "history", "--out", str(history), "--db", str(db_file)]) == 0
    from openpyxl import load_workbook

    workbook = load_workbook(history)
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows[0] == ("as_of", "stage", "group", "customers")
    assert len(rows) == 1 + 3 * 10
    assert rows[1][0].date() == dt.date(2024, 1, 31)
    assert rows[1][1:] == ("prospect", "prospects", 1)
    assert rows[-1][1:] == ("lost", "inactive", 0)


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (
            ["export", "stages", "--as-of", "2024-02-30", "--out", "x.csv"],
            "clmdesk export: The date",
        ),
        (
            ["export", "stages", "--as-of", "20240201", "--out", "x.csv"],
            "clmdesk export: The date",
        ),
        (
            ["export", "history", "--out", "x.txt"],
            "clmdesk export: Cannot tell the file format",
        ),
        (
            ["export", "history", "--out", "/nonexistent/dir/x.csv"],
            "clmdesk export: Cannot write",
        ),
    ],
)
def test_export_errors_are_one_line(db_file, tmp_path, capsys, argv, start) -> None:
    argv = [a if a != "x.csv" else str(tmp_path / "x.csv") for a in argv]
    assert main([*argv, "--db", str(db_file)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(start)


def test_classify_in_a_fresh_process(db_file) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "clmdesk", "classify", "--db", str(db_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Last snapshot: 2024-03-05" in result.stdout
    assert "PySide6" not in result.stderr
