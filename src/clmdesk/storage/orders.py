"""Deriving orders from imported lines (storage layer).

DOMAIN.md: with an order id, one order is one distinct (customer, order id);
without one, one distinct (customer, calendar day), so that a same-day
purchase and return net into one order. Its date is its earliest line's
date and its amount the sum of its lines.

Every import and undo rebuilds the table. On PostgreSQL the id sequence is
restarted with it (as SQLite does by itself once the table is empty), or a
large business would run its ids past 2**31 after some thousand imports.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

if TYPE_CHECKING:
    from sqlalchemy import Connection

__all__ = ["rebuild_orders"]

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
