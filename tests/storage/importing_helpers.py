"""Building normalised sheets by hand for storage-level import tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import numpy as np

from clmdesk.core.importing import (
    NO_DAY,
    NO_TIME,
    CustomerColumns,
    KeySource,
    NormalizedSheet,
    OrderColumns,
    RejectedRow,
    Role,
)
from clmdesk.core.messages import Message
from clmdesk.storage.database import Database

__all__ = ["customers_sheet", "day", "orders_sheet"]


def day(value: date | str) -> int:
    """Day number of a date or ISO text."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value.toordinal() - 719163


def _source(key: str) -> int:
    if "@" in key:
        return KeySource.EMAIL
    return KeySource.CUSTOMER_ID


def orders_sheet(
    lines: Sequence[tuple[str | None, str | None, str, float]],
    *,
    file: str = "orders.xlsx",
    sheet: str = "Sheet1",
    rejected: int = 0,
    sources: Sequence[int] | None = None,
    with_refs: bool = True,
) -> NormalizedSheet:
    """An orders sheet from (customer key or None, order ref, ISO date[time], amount) tuples."""
    kept = [line for line in lines if line[0] is not None]
    anonymous = tuple(i + 2 for i, line in enumerate(lines) if line[0] is None)
    rows = np.array(
        [i + 2 for i, line in enumerate(lines) if line[0] is not None], np.int64
    )
    days, seconds = [], []
    for _, _, when, _ in kept:
        moment = datetime.fromisoformat(when)
        days.append(day(moment.date()))
        seconds.append(
            moment.hour * 3600 + moment.minute * 60 + moment.second
            if "T" in when or " " in when
            else NO_TIME
        )
    keys = [str(line[0]) for line in kept]
    key_sources = np.array(
        sources if sources is not None else [_source(k) for k in keys], np.int8
    )
    orders = OrderColumns(
        row_numbers=rows,
        customer_key=keys,
        key_source=key_sources,
        email=None,
        document=None,
        order_ref=[line[1] for line in kept] if with_refs else None,
        day=np.array(days, np.int32),
        seconds=np.array(seconds, np.int32),
        amount_cents=np.array([round(line[3] * 100) for line in kept], np.int64),
    )
    distinct: dict[str, int] = {}
    for key, source in zip(keys, key_sources.tolist(), strict=True):
        distinct.setdefault(key, source)
    customers = CustomerColumns(
        row_numbers=np.arange(len(distinct), dtype=np.int64),
        key=list(distinct),
        key_source=np.array(list(distinct.values()), np.int8),
    )
    reject = tuple(
        RejectedRow(file, sheet, 1000 + i, Message("test.bad", {}), ())
        for i in range(rejected)
    )
    return NormalizedSheet(
        file=file,
        sheet=sheet,
        role=Role.ORDERS,
        rows_read=len(lines) + rejected,
        rows_valid=len(kept),
        orders=orders,
        customers=customers,
        anonymous_row_numbers=anonymous,
        rejected=reject,
    )


def customers_sheet(
    rows: Sequence[dict[str, object]],
    *,
    file: str = "customers.xlsx",
    sheet: str = "Clientes",
) -> NormalizedSheet:
    """A customers sheet from dicts with 'key' and optional text fields / 'registered' ISO date."""
    fields = (
        "name",
        "email",
        "phone",
        "document",
        "city",
        "state",
        "channel",
        "referred_by",
    )
    present = {f for row in rows for f in row if f in fields}
    columns = CustomerColumns(
        row_numbers=np.arange(2, len(rows) + 2, dtype=np.int64),
        key=[str(row["key"]) for row in rows],
        key_source=np.array(
            [int(row.get("source", _source(str(row["key"])))) for row in rows],
            np.int8,  # type: ignore[call-overload]
        ),
        **{f: [row.get(f) for row in rows] for f in present},  # type: ignore[arg-type]
        registered_day=np.array(
            [
                day(str(row["registered"])) if row.get("registered") else NO_DAY
                for row in rows
            ],
            np.int32,
        ),
    )
    return NormalizedSheet(
        file=file,
        sheet=sheet,
        role=Role.CUSTOMERS,
        rows_read=len(rows),
        rows_valid=len(rows),
        customers=columns,
    )


def store_median_gap_of_45_5(database: Database) -> None:
    """Twenty customers buying twice: ten 45 days apart, ten 46 (median 45.5, C = 46)."""
    from clmdesk.storage.bulk import bulk_insert

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
