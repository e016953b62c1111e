"""Sales written straight into a business database file, fast enough for a large one."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from clmdesk.storage.line_identity import identity_halves


def insert_sales(path: Path, lines: int, seed: int) -> None:
    """Add one import batch of ``lines`` order lines by ``lines // 10`` customers, and their orders.

    Through sqlite3, not the import: any schema revision from 0003 on takes
    it, and a few hundred thousand lines take seconds.
    """
    rng = random.Random(seed)
    customers = lines // 10
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO import_batches (id, created_at, status, files_json,"
            " counts_json, mappings_json)"
            " VALUES (1, '2024-01-01T00:00:00+00:00', 'done', '[]', '{}', '{}')"
        )
        connection.executemany(
            "INSERT INTO customers (id, key, name, created_batch_id) VALUES (?, ?, ?, 1)",
            ((i, f"C{i}", f"Customer {i}") for i in range(1, customers + 1)),
        )
        digests = [rng.randbytes(16) for _ in range(lines)]
        columns = {
            row[1] for row in connection.execute("PRAGMA table_info(order_lines)")
        }
        # The identity is one 16-byte blob before revision 0006, two halves since.
        if "identity" in columns:
            identity, values = "identity", "?"
            parts = [(digest,) for digest in digests]
        else:
            identity, values = "identity_a, identity_b", "?, ?"
            parts = list(zip(*identity_halves(digests), strict=True))
        connection.executemany(
            "INSERT INTO order_lines (id, batch_id, customer_id, order_ref, day,"
            f" amount_cents, {identity}) VALUES (?, 1, ?, ?, ?, ?, {values})",
            (
                (i, 1 + i % customers, f"N{i // 2}", 19_000 + i % 700, i % 5000, *part)
                for i, part in enumerate(parts, start=1)
            ),
        )
        connection.execute(
            "INSERT INTO orders (customer_id, order_ref, day, amount_cents, line_count)"
            " SELECT customer_id, order_ref, MIN(day), SUM(amount_cents), COUNT(*)"
            " FROM order_lines GROUP BY customer_id, order_ref"
        )
    connection.close()
