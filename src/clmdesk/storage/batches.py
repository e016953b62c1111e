"""Import history and undo (storage layer).

Every import is one row of ``import_batches``; its lines, NPS answers and
campaigns carry its id, the customers it created carry it in
``created_batch_id`` and the fields it filled in existing customers are in
``customer_field_fills``.  Undoing a batch removes exactly that: its lines
(and so the orders that consisted only of them), its answers and
campaigns, the customers it created that nothing else references (no line,
answer or field fill of another batch), and the fields it filled unless
they were changed since.  The batch row stays, marked ``undone``, so the
history keeps its record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
)
from clmdesk.storage.orders import refresh_orders

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Connection

__all__ = [
    "BatchFile",
    "BatchRecord",
    "UndoError",
    "UndoPreview",
    "list_batches",
    "preview_undo",
    "undo_batch",
]

UNKNOWN_BATCH = define(
    "import.undo.unknown_batch", "There is no import number {batch}."
)
ALREADY_UNDONE = define(
    "import.undo.already_undone", "The import number {batch} was already undone."
)

_IN_CHUNK = 900
# Customer columns an import may fill (customer_field_fills.field values).
_FILLABLE = frozenset(
    {
        "name",
        "email",
        "phone",
        "document",
        "city",
        "state",
        "registered_day",
        "channel",
        "referred_by_key",
        "nps_score_undated",
    }
)


class UndoError(Exception):
    """A batch cannot be undone; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


@dataclass(frozen=True)
class BatchFile:
    """A file an import read: base name, size in bytes, hex SHA-256."""

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BatchRecord:
    """One import of the history.

    Attributes
    ----------
    id
        The batch id.
    created_at
        ISO-8601 UTC time of the import.
    status
        ``"done"`` or ``"undone"``.
    files
        The files it read.
    counts
        The counts it recorded (``rows_read``, ``imported``,
        ``already_imported``, ``anonymous``, ``rejected``, ``customers_new``,
        ``orders_new``… and ``sheets``, the per-sheet accounting).
    mappings
        Each sheet's role and column mapping.
    """

    id: int
    created_at: str
    status: str
    files: tuple[BatchFile, ...]
    counts: dict[str, Any]
    mappings: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class UndoPreview:
    """What undoing a batch removes (or removed).

    Attributes
    ----------
    batch_id
        The batch.
    lines
        Order lines it added.
    orders
        Orders that consist only of its lines (they disappear).
    orders_changed
        Orders that also have lines of other batches (they shrink).
    customers
        Customers it created that nothing else references (deleted).
    customers_kept
        Customers it created that later imports use (kept).
    fields
        Customer fields it filled that still hold its value (cleared).
    nps_answers, campaigns
        Rows it added.
    revenue_cents
        Net amount of its lines.
    """

    batch_id: int
    lines: int
    orders: int
    orders_changed: int
    customers: int
    customers_kept: int
    fields: int
    nps_answers: int
    campaigns: int
    revenue_cents: int


def _loads(text: str | None, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except ValueError:
        return default


def _file(item: Any) -> BatchFile:
    if isinstance(item, dict):
        return BatchFile(
            str(item.get("name", "")),
            int(item.get("size", 0) or 0),
            str(item.get("sha256", "")),
        )
    return BatchFile(str(item), 0, "")


def list_batches(connection: Connection) -> list[BatchRecord]:
    """Every import batch, oldest first.

    Parameters
    ----------
    connection
        Any connection (reads only).
    """
    rows = connection.exec_driver_sql(
        "SELECT id, created_at, status, files_json, counts_json, mappings_json"
        " FROM import_batches ORDER BY id"
    ).all()
    batches = []
    for batch_id, created_at, status, files, counts, mappings in rows:
        loaded_counts = _loads(counts, {})
        loaded_mappings = _loads(mappings, [])
        batches.append(
            BatchRecord(
                id=int(batch_id),
                created_at=str(created_at),
                status=str(status),
                files=tuple(_file(item) for item in _loads(files, [])),
                counts=loaded_counts if isinstance(loaded_counts, dict) else {},
                mappings=tuple(m for m in loaded_mappings if isinstance(m, dict))
                if isinstance(loaded_mappings, list)
                else (),
            )
        )
    return batches


def _mark(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def _query(connection: Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    """Run ``sql`` written with ``?`` placeholders on the DBAPI; return every row."""
    return list(
        connection.exec_driver_sql(
            sql.replace("?", _mark(connection)), tuple(params)
        ).all()
    )


def _order_keys(rows: Sequence[Any]) -> set[tuple[int, str | None, int | None]]:
    return {(int(c), r, None if r is not None else int(d)) for c, r, d in rows}


def _customers_of_batch(connection: Connection, batch_id: int) -> tuple[list[int], int]:
    """(customers created by the batch that nothing else references, those kept)."""
    rows = _query(
        connection,
        """
        SELECT c.id,
               EXISTS (SELECT 1 FROM order_lines l WHERE l.customer_id = c.id AND l.batch_id <> ?)
            OR EXISTS (SELECT 1 FROM nps_answers a WHERE a.customer_id = c.id
                       AND (a.batch_id IS NULL OR a.batch_id <> ?))
            OR EXISTS (SELECT 1 FROM customer_field_fills f WHERE f.customer_id = c.id
                       AND f.batch_id <> ?)
        FROM customers c WHERE c.created_batch_id = ?
        """,
        (batch_id, batch_id, batch_id, batch_id),
    )
    removed = [int(customer_id) for customer_id, used in rows if not used]
    return removed, len(rows) - len(removed)


def _fields_to_clear(
    connection: Connection, batch_id: int, removed: set[int]
) -> list[tuple[int, str]]:
    """(customer, field) pairs the batch filled that still hold its value."""
    fills = _query(
        connection,
        "SELECT customer_id, field, value FROM customer_field_fills WHERE batch_id = ?",
        (batch_id,),
    )
    by_field: dict[str, list[tuple[int, str | None]]] = {}
    for customer_id, field, value in fills:
        if int(customer_id) not in removed and field in _FILLABLE:
            by_field.setdefault(str(field), []).append((int(customer_id), value))
    clear = []
    for field, entries in sorted(by_field.items()):
        ids = [customer_id for customer_id, _ in entries]
        current: dict[int, Any] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for customer_id, value in _query(
                connection,
                f"SELECT id, {field} FROM customers WHERE id IN ({marks})",
                chunk,
            ):
                current[int(customer_id)] = value
        for customer_id, value in entries:
            now = current.get(customer_id)
            if now is not None and str(now) == value:
                clear.append((customer_id, field))
    return clear


@dataclass(frozen=True)
class _UndoPlan:
    preview: UndoPreview
    customers: list[int]
    fields: list[tuple[int, str]]


def _plan_undo(connection: Connection, batch_id: int) -> _UndoPlan:
    found = _query(
        connection, "SELECT status FROM import_batches WHERE id = ?", (batch_id,)
    )
    if not found:
        raise UndoError(Message(UNKNOWN_BATCH, {"batch": batch_id}))
    if found[0][0] == "undone":
        raise UndoError(Message(ALREADY_UNDONE, {"batch": batch_id}))
    lines, revenue = _query(
        connection,
        "SELECT COUNT(*), COALESCE(SUM(amount_cents), 0) FROM order_lines WHERE batch_id = ?",
        (batch_id,),
    )[0]
    own = _order_keys(
        _query(
            connection,
            "SELECT DISTINCT customer_id, order_ref, day FROM order_lines WHERE batch_id = ?",
            (batch_id,),
        )
    )
    customers_with_lines = sorted({key[0] for key in own})
    others: set[tuple[int, str | None, int | None]] = set()
    for start in range(0, len(customers_with_lines), _IN_CHUNK):
        chunk = customers_with_lines[start : start + _IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        others |= _order_keys(
            _query(
                connection,
                "SELECT DISTINCT customer_id, order_ref, day FROM order_lines"
                f" WHERE batch_id <> ? AND customer_id IN ({marks})",
                (batch_id, *chunk),
            )
        )
    removed, kept = _customers_of_batch(connection, batch_id)
    fields = _fields_to_clear(connection, batch_id, set(removed))
    answers = _query(
        connection, "SELECT COUNT(*) FROM nps_answers WHERE batch_id = ?", (batch_id,)
    )
    campaigns = _query(
        connection, "SELECT COUNT(*) FROM campaigns WHERE batch_id = ?", (batch_id,)
    )
    preview = UndoPreview(
        batch_id=batch_id,
        lines=int(lines),
        orders=len(own - others),
        orders_changed=len(own & others),
        customers=len(removed),
        customers_kept=kept,
        fields=len(fields),
        nps_answers=int(answers[0][0]),
        campaigns=int(campaigns[0][0]),
        revenue_cents=int(revenue),
    )
    return _UndoPlan(preview, removed, fields)


def preview_undo(connection: Connection, batch_id: int) -> UndoPreview:
    """What :func:`undo_batch` would remove, without changing anything.

    Raises
    ------
    UndoError
        The batch does not exist or was already undone.
    """
    return _plan_undo(connection, batch_id).preview


def undo_batch(
    connection: Connection,
    batch_id: int,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> UndoPreview:
    """Undo one import inside the caller's write transaction.

    Parameters
    ----------
    connection
        A connection inside ``Database.write()``; a cancel or failure rolls
        everything back.
    batch_id
        The batch to undo.
    progress, is_cancelled
        The task contract (a handful of steps).

    Returns
    -------
    UndoPreview
        What was removed (equal to :func:`preview_undo` just before).

    Raises
    ------
    UndoError
        The batch does not exist or was already undone.
    """
    steps = 6
    progress(0, steps)
    plan = _plan_undo(connection, batch_id)
    mark = _mark(connection)
    progress(1, steps)
    check_cancelled(is_cancelled)
    touched = [
        int(row[0])
        for row in connection.exec_driver_sql(
            f"SELECT DISTINCT customer_id FROM order_lines WHERE batch_id = {mark}",
            (batch_id,),
        )
    ]
    for table in ("order_lines", "nps_answers", "campaigns"):
        connection.exec_driver_sql(
            f"DELETE FROM {table} WHERE batch_id = {mark}", (batch_id,)
        )
    progress(2, steps)
    check_cancelled(is_cancelled)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        by_field: dict[str, list[tuple[int]]] = {}
        for customer_id, field in plan.fields:
            by_field.setdefault(field, []).append((customer_id,))
        for field, ids in by_field.items():
            cursor.executemany(
                f"UPDATE customers SET {field} = NULL WHERE id = {mark}", ids
            )
        cursor.execute(
            f"DELETE FROM customer_field_fills WHERE batch_id = {mark}", (batch_id,)
        )
        progress(3, steps)
        check_cancelled(is_cancelled)
        cursor.executemany(
            f"DELETE FROM customers WHERE id = {mark}", [(c,) for c in plan.customers]
        )
    finally:
        cursor.close()
    progress(4, steps)
    check_cancelled(is_cancelled)
    # Only the customers that lose lines have orders to regroup.
    refresh_orders(connection, touched)
    progress(5, steps)
    connection.exec_driver_sql(
        f"UPDATE import_batches SET status = 'undone' WHERE id = {mark}", (batch_id,)
    )
    check_cancelled(is_cancelled)
    progress(steps, steps)
    return plan.preview
