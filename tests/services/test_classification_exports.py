"""Machine-readable stage and history exports, byte for byte."""

from __future__ import annotations

import datetime as dt

import pytest

from clmdesk.core.lifecycle.model import Bound, Rule, Stage, StageModel
from clmdesk.services.classification import classify, save_stage_settings
from clmdesk.services.exports import export_history, export_stages
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.database import open_database


def day(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - dt.date(1970, 1, 1)).days


CUSTOMERS = [
    # id, key, registered
    (1, "b-2", None),
    (2, "B1", day(2024, 1, 2)),
    (3, "=cmd", None),
    (4, "ação", None),
    (5, "a10", None),
    (6, "a9", day(2024, 2, 1)),
    (7, "zzz", day(2024, 2, 20)),
    (8, "ret", None),
]
ORDERS = [
    (1, day(2024, 1, 5), 12_345),
    (1, day(2024, 1, 6), 5),
    (1, day(2024, 2, 7), -20_000),
    (2, day(2024, 2, 10), 0),
    (3, day(2024, 1, 31), 99),
    (4, day(2024, 2, 1), 100_000),
    (5, day(2024, 1, 15), 1_000),
    (5, day(2024, 2, 15), 1_000),
    (5, day(2024, 2, 16), 1_000),
    (5, day(2024, 2, 17), 1_000),
    (8, day(2024, 1, 9), -700),
]


@pytest.fixture
def database(db_path):
    db = open_database(db_path)
    with db.write() as connection:
        bulk_insert(connection, "customers", ("id", "key", "registered_day"), CUSTOMERS)
        bulk_insert(
            connection,
            "orders",
            ("customer_id", "day", "amount_cents", "line_count"),
            ((c, d, a, 1) for c, d, a in ORDERS),
        )
    yield db
    db.close()


def test_stage_export_csv_bytes(database, tmp_path) -> None:
    classify(database, cycle="30")
    out = tmp_path / "stages.csv"
    table = export_stages(database, day(2024, 2, 15), out)
    assert table.cycle.days == 30
    # At 2024-02-15 (C = 30). Purchases of b-2: 01-05, 01-06 (F = 2, R = 40,
    # M = 12350 - 20000). zzz registers later and ret has returns only: absent.
    # Rows in code-point order: "=cmd" < "B1" < "a10" < "a9" < "ação" < "b-2";
    # the formula-like key is neutralised by the safe writer.
    expected = (
        "customer_key,stage,group,frequency,recency_days,monetary,first_order,last_order\n"
        "'=cmd,new,active,1,15,0.99,2024-01-31,2024-01-31\n"
        "B1,new,active,1,5,0.00,2024-02-10,2024-02-10\n"
        "a10,promising,active,2,0,20.00,2024-01-15,2024-02-15\n"
        "a9,prospect,prospects,0,,0.00,,\n"
        "ação,new,active,1,14,1000.00,2024-02-01,2024-02-01\n"
        "b-2,at_risk,attention,2,40,-76.50,2024-01-05,2024-01-06\n"
    )
    assert out.read_bytes() == expected.encode("utf-8")


def test_history_export_csv_bytes(database, tmp_path) -> None:
    three = StageModel(
        stages=(
            Stage(
                "waiting",
                "prospects",
                "Waiting",
                "Esperando",
                "#cccccc",
                Rule(max_frequency=0),
            ),
            Stage(
                "buying",
                "active",
                "Buying",
                "Comprando",
                "#00aa00",
                Rule(recency_at_most=Bound(1)),
            ),
            Stage("gone", "inactive", "Gone", "Foram", "#555555", Rule()),
        )
    )
    save_stage_settings(database, three, 20)
    classify(database)
    out = tmp_path / "history.csv"
    table = export_history(database, out)
    assert table.cycle.days == 20
    # Snapshots 2024-01-31, 2024-02-20 (partial; L is zzz's registration).
    # 01-31: B1 waiting (registered); b-2 (last 01-06, R 25 > 20) gone;
    # =cmd (R 0) and a10 (R 16) buying.
    # 02-20: waiting a9, zzz; buying =cmd (R 20 <= 20), B1 (R 10), a10 (R 3),
    # ação (R 19); gone b-2.
    expected = (
        "as_of,stage,group,customers\n"
        "2024-01-31,waiting,prospects,1\n"
        "2024-01-31,buying,active,2\n"
        "2024-01-31,gone,inactive,1\n"
        "2024-02-20,waiting,prospects,2\n"
        "2024-02-20,buying,active,4\n"
        "2024-02-20,gone,inactive,1\n"
    )
    assert out.read_text(encoding="utf-8") == expected
    stages = tmp_path / "stages.csv"
    export_stages(database, day(2024, 2, 20), stages)
    lines = stages.read_text(encoding="utf-8").splitlines()
    assert [tuple(line.split(",")[:2]) for line in lines[1:]] == [
        ("'=cmd", "buying"),
        ("B1", "buying"),
        ("a10", "buying"),
        ("a9", "waiting"),
        ("ação", "buying"),
        ("b-2", "gone"),
        ("zzz", "waiting"),
    ]


def test_exports_without_a_stored_classification(database, tmp_path) -> None:
    out = tmp_path / "history.csv"
    table = export_history(database, out)
    assert table.cycle.days == 90  # automatic, fewer than 20 qualify
    assert (
        out.read_text(encoding="utf-8").splitlines()[1]
        == "2024-01-31,prospect,prospects,1"
    )
    # Every stage of the model at every snapshot, zero counts included.
    assert len(table.rows) == 2 * 10


def test_stage_export_xlsx(database, tmp_path) -> None:
    from openpyxl import load_workbook

    classify(database, cycle="30")
    out = tmp_path / "stages.xlsx"
    export_stages(database, day(2024, 2, 15), out)
    workbook = load_workbook(out)
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows[0] == (
        "customer_key",
        "stage",
        "group",
        "frequency",
        "recency_days",
        "monetary",
        "first_order",
        "last_order",
    )
    assert [r[0] for r in rows[1:]] == ["=cmd", "B1", "a10", "a9", "ação", "b-2"]
    first = rows[1]
    assert first[1:5] == ("new", "active", 1, 15)
    assert first[5] == pytest.approx(0.99)
    assert first[6].date() == dt.date(2024, 1, 31)
    prospect = rows[4]
    assert prospect[4:] == (None, 0, None, None)
    assert rows[6][5] == pytest.approx(-76.5)
