"""The real 'Online Retail II' export: imported, classified, and checked independently.

The expected counts are computed here straight from the workbook with
openpyxl and plain Python, following DOMAIN.md word by word: line amounts
in decimal from each cell's shortest form, rounded half-up to cents; lines
deduplicated across the two overlapping sheets by their identity (numbered
within a sheet); one order per (customer, invoice) dated by its earliest
line; negative orders are returns; the automatic C; the default stages at
the last snapshot L.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pytest

from clmdesk.services.classification import classify
from clmdesk.services.exports import export_history, export_stages
from clmdesk.services.importing import import_files
from clmdesk.storage.database import open_database
from clmdesk.storage.history import load_latest_run

pytestmark = pytest.mark.slow

DEFAULT_ORDER = (
    "prospect",
    "champion",
    "loyal",
    "promising",
    "new",
    "cant_lose",
    "at_risk",
    "about_to_sleep",
    "hibernating",
    "lost",
)


def _text_id(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _orders_from_workbook(path) -> dict[tuple[str, str], tuple[dt.date, int]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        seen: set[tuple] = set()
        lines = []
        for sheet in workbook.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [str(h).strip() for h in next(rows)]
            col = {name: header.index(name) for name in header}
            numbered: Counter[tuple] = Counter()
            for row in rows:
                if row is None or all(v is None for v in row):
                    continue
                customer = row[col["Customer ID"]]
                if customer is None or str(customer).strip() == "":
                    continue  # anonymous sale
                signature = tuple(row)
                numbered[signature] += 1
                identity = (signature, numbered[signature])
                if identity in seen:
                    continue  # the sheets overlap at their boundary
                seen.add(identity)
                lines.append(row)
        orders: dict[tuple[str, str], list] = {}
        for row in lines:
            key = _text_id(row[col["Customer ID"]])
            invoice = _text_id(row[col["Invoice"]])
            moment = row[col["InvoiceDate"]]
            amount = Decimal(repr(row[col["Quantity"]])) * Decimal(
                repr(row[col["Price"]])
            )
            cents = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            entry = orders.setdefault((key, invoice), [moment, 0])
            entry[0] = min(entry[0], moment)
            entry[1] += cents
        return {k: (v[0].date(), v[1]) for k, v in orders.items()}
    finally:
        workbook.close()


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def _expected(
    orders: dict[tuple[str, str], tuple[dt.date, int]],
) -> tuple[int, dict[str, int]]:
    per_customer: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
    for (key, _invoice), (day, cents) in orders.items():
        per_customer[key].append((day, cents))
    last_day = max(day for day, _ in orders.values())
    # Automatic C.
    gaps = []
    for entries in per_customer.values():
        dates = sorted({day for day, cents in entries if cents >= 0})
        if len(dates) >= 2:
            gaps.append(_median([(b - a).days for a, b in itertools.pairwise(dates)]))
    cycle = 90 if len(gaps) < 20 else min(max(math.floor(_median(gaps) + 0.5), 7), 365)
    # Measures at L (no registrations in this file: only buyers exist).
    measures = {}
    for key, entries in per_customer.items():
        purchases = [day for day, cents in entries if cents >= 0]
        monetary = sum(cents for _, cents in entries)
        if purchases:
            measures[key] = (len(purchases), (last_day - max(purchases)).days, monetary)
    threshold = np.percentile(
        np.array([m for _, _, m in measures.values()]), 80, method="linear"
    )
    counts = dict.fromkeys(DEFAULT_ORDER, 0)
    for f, r, m in measures.values():
        top = m >= threshold
        if r <= cycle:
            stage = (
                ("champion" if top else "loyal")
                if f >= 4
                else ("promising" if f >= 2 else "new")
            )
        elif r <= 2 * cycle:
            stage = "cant_lose" if top else ("at_risk" if f >= 2 else "about_to_sleep")
        elif r <= 4 * cycle:
            stage = "hibernating"
        else:
            stage = "lost"
        counts[stage] += 1
    return cycle, counts


def test_real_file_last_snapshot_counts(retail_file, db_path, tmp_path) -> None:
    database = open_database(db_path)
    try:
        import_files(database, [retail_file], classify=False, today=dt.date(2024, 1, 1))
        result = classify(database)
        run = load_latest_run(database)
        assert run is not None
        cycle, expected = _expected(_orders_from_workbook(retail_file))
        assert result.cycle.days == cycle
        assert result.last_counts() == expected
        assert (
            dict(zip(run.model.keys, run.counts[-1].tolist(), strict=True)) == expected
        )
        # The history export's last rows and a stage export at L agree.
        history = tmp_path / "history.csv"
        export_history(database, history)
        last_rows = history.read_text(encoding="utf-8").splitlines()[
            -len(DEFAULT_ORDER) :
        ]
        assert {r.split(",")[1]: int(r.split(",")[3]) for r in last_rows} == expected
        stages = tmp_path / "stages.csv"
        table = export_stages(database, int(run.snapshot_days[-1]), stages)
        assert Counter(row[1] for row in table.rows) == Counter(
            {k: v for k, v in expected.items() if v}
        )
    finally:
        database.close()
