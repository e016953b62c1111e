"""Reading the customer list with each customer's stage at the latest snapshot (storage layer).

The customer-list export (File ▸ Export…) writes every customer, with the
stage, group and measures that the stored classification gave it at the
latest snapshot L (table ``customer_stages``) and the contact details that
people need to act on the list. Rows are streamed in chunks so that a
list of a hundred thousand customers never sits in memory twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clmdesk.storage.database import Database

__all__ = [
    "CustomerExportRow",
    "count_customers",
    "iter_customer_export_rows",
]

_CHUNK = 2000

_ROWS = """
    SELECT c.id, c.key, c.name, c.email, c.phone, c.city, c.state,
           s.stage_key, s.group_key, s.frequency, s.recency_days,
           s.monetary_cents, s.first_day, s.last_day
    FROM customers AS c
    LEFT JOIN customer_stages AS s ON s.customer_id = c.id
    ORDER BY c.key{collate}
    """
# Code-point order: SQLite compares bytes by itself; PostgreSQL follows the
# server's (usually linguistic) collation unless told "C".
_COLLATE = {"postgresql": ' COLLATE "C"'}


@dataclass(frozen=True)
class CustomerExportRow:
    """One customer as the exported list shows it.

    Attributes
    ----------
    customer_id, key
        Database id and customer key.
    name, email, phone, city, state
        Contact details as imported (``None`` when unknown).
    stage_key, group_key
        Stable keys of the stage and group at the latest snapshot; ``None``
        when the customer has no stage there (returns only) or the data was
        never classified.
    frequency
        Purchases up to the latest snapshot (0 when unclassified).
    recency_days
        Days since the last purchase at the latest snapshot (``None``
        without purchases).
    monetary_cents
        Net amount of all orders up to the latest snapshot, in cents.
    first_day, last_day
        First and last purchase as day numbers (``None`` without purchases).
    """

    customer_id: int
    key: str
    name: str | None
    email: str | None
    phone: str | None
    city: str | None
    state: str | None
    stage_key: str | None
    group_key: str | None
    frequency: int
    recency_days: int | None
    monetary_cents: int
    first_day: int | None
    last_day: int | None


def _optional_int(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def count_customers(database: Database) -> int:
    """Number of customers in the database.

    Parameters
    ----------
    database
        The open business database.
    """
    with database.read() as connection:
        return int(
            connection.execute(text("SELECT COUNT(*) FROM customers")).scalar_one()
        )


def iter_customer_export_rows(
    database: Database,
    *,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> Iterator[CustomerExportRow]:
    """Yield every customer with its stage and measures, by customer key.

    Parameters
    ----------
    database
        The open business database.
    progress, is_cancelled
        The task contract of :mod:`clmdesk.core.tasks`; progress counts
        customers read, and cancel is checked once per chunk.

    Yields
    ------
    CustomerExportRow
        One per customer, in code-point order of the customer key.

    Raises
    ------
    clmdesk.core.tasks.Cancelled
        When ``is_cancelled()`` became true.

    Notes
    -----
    Runs on any thread; the connection stays open while the caller
    iterates, so consume the iterator promptly.
    """
    total = count_customers(database)
    done = 0
    progress(0, total)
    with database.read() as connection:
        collate = _COLLATE.get(connection.dialect.name, "")
        result = connection.execute(text(_ROWS.format(collate=collate)))
        while True:
            check_cancelled(is_cancelled)
            chunk = result.fetchmany(_CHUNK)
            if not chunk:
                break
            for row in chunk:
                yield CustomerExportRow(
                    customer_id=int(row[0]),
                    key=str(row[1]),
                    name=row[2],
                    email=row[3],
                    phone=row[4],
                    city=row[5],
                    state=row[6],
                    stage_key=row[7],
                    group_key=row[8],
                    frequency=int(row[9] or 0),
                    recency_days=_optional_int(row[10]),
                    monetary_cents=int(row[11] or 0),
                    first_day=_optional_int(row[12]),
                    last_day=_optional_int(row[13]),
                )
            done += len(chunk)
            progress(done, max(total, done))
