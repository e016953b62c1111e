"""Deriving orders from imported lines (storage layer).

DOMAIN.md: with an order id, one order is one distinct (customer, order id);
without one, one distinct (customer, calendar day), so that a same-day
purchase and return net into one order. Its date is its earliest line's
date and its amount the sum of its lines.

An undo rebuilds the table; an import into a table that holds orders
re-derives only the orders of the customers it added lines to
(:func:`refresh_orders`), so that a month's few hundred lines do not
regroup a million stored ones.  On PostgreSQL the id sequence follows
SQLite's rule (the next id is one more than the largest left), so both
backends number the orders alike; a full rebuild restarts it, or a large
business would run its ids past 2**31 after some thousand imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection

__all__ = ["rebuild_orders", "refresh_orders"]

_REBUILD = text(
    """
    INSERT INTO orders (customer_id, order_ref, day, amount_cents, line_count)
    SELECT customer_id, order_ref, MIN(day), SUM(amount_cents), COUNT(*)
    FROM order_lines
    GROUP BY customer_id, order_ref, CASE WHEN order_ref IS NULL THEN day END
    """
)
# SQLite's GROUP BY hands the groups over sorted by their key, so the ids
# follow (customer, order ref in byte order, day); PostgreSQL may hash them
# in any order: sort them the same way there, for ids that do not depend on
# the backend (and orders stored customer by customer).
_REBUILD_SORTED = text(
    """
    INSERT INTO orders (customer_id, order_ref, day, amount_cents, line_count)
    SELECT customer_id, order_ref, MIN(day), SUM(amount_cents), COUNT(*)
    FROM order_lines
    GROUP BY customer_id, order_ref, CASE WHEN order_ref IS NULL THEN day END
    ORDER BY customer_id, order_ref COLLATE "C" NULLS FIRST,
             CASE WHEN order_ref IS NULL THEN day END NULLS FIRST
    """
)

_RESTART_IDS = text("SELECT setval(pg_get_serial_sequence('orders', 'id'), 1, false)")


def rebuild_orders(connection: Connection) -> int:
    """Replace the ``orders`` table with orders derived from ``order_lines``.

    Runs inside the caller's write transaction.

    Returns
    -------
    int
        The number of orders.
    """
    connection.execute(text("DELETE FROM orders"))
    if connection.dialect.name == "postgresql":
        # Safe under the writers' lock: nobody else inserts orders meanwhile.
        connection.execute(_RESTART_IDS)
        connection.execute(_REBUILD_SORTED)
    else:
        connection.execute(_REBUILD)
    return int(connection.execute(text("SELECT COUNT(*) FROM orders")).scalar_one())


# Customers per statement of a refresh (well under SQLite's parameter limit).
_CHUNK = 500
# A refresh pays an index lookup per customer; beyond this share of the
# customers, one grouped scan of every line is cheaper.
_REFRESH_SHARE = 0.2
# SQLite compares texts by their bytes, PostgreSQL's "C" collation too.
_INSERT_GROUPED = """
    INSERT INTO orders (customer_id, order_ref, day, amount_cents, line_count)
    SELECT customer_id, order_ref, MIN(day), SUM(amount_cents), COUNT(*)
    FROM order_lines
    WHERE customer_id IN ({marks})
    GROUP BY customer_id, order_ref, CASE WHEN order_ref IS NULL THEN day END
    ORDER BY customer_id, order_ref{collate} NULLS FIRST,
             CASE WHEN order_ref IS NULL THEN day END NULLS FIRST
"""
_NEXT_ID = text(
    "SELECT setval(pg_get_serial_sequence('orders', 'id'),"
    " COALESCE((SELECT MAX(id) FROM orders), 0) + 1, false)"
)


def refresh_orders(connection: Connection, customer_ids: Iterable[int]) -> None:
    """Re-derive the orders of ``customer_ids`` from their lines; other customers' stay.

    The re-derived orders take new ids after the largest one left, customer
    by customer, on both backends.  When the customers are a large share of
    all, the whole table is rebuilt instead (:func:`rebuild_orders`).  Runs
    inside the caller's write transaction.
    """
    customers = sorted(set(customer_ids))
    if not customers:
        return
    total = int(connection.execute(text("SELECT COUNT(*) FROM customers")).scalar_one())
    if len(customers) > _REFRESH_SHARE * total:
        rebuild_orders(connection)
        return
    postgres = connection.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"  # the driver's placeholder
    chunks = [customers[i : i + _CHUNK] for i in range(0, len(customers), _CHUNK)]
    for chunk in chunks:
        marks = ", ".join([mark] * len(chunk))
        connection.exec_driver_sql(
            f"DELETE FROM orders WHERE customer_id IN ({marks})", tuple(chunk)
        )
    if postgres:
        connection.execute(_NEXT_ID)
    collate = ' COLLATE "C"' if postgres else ""
    for chunk in chunks:
        marks = ", ".join([mark] * len(chunk))
        connection.exec_driver_sql(
            _INSERT_GROUPED.format(marks=marks, collate=collate), tuple(chunk)
        )
