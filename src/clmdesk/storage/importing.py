"""Writing normalised sheets into the database: one import batch (storage layer).

:func:`write_import` takes the :class:`~clmdesk.core.importing.NormalizedSheet`
values of one import and applies DOMAIN.md's data rules:

* customers met again are merged: empty fields are filled (each fill is
  recorded in ``customer_field_fills`` for undo), a non-empty field is never
  overwritten and a different value is reported as a :class:`FieldConflict`;
* a customer's e-mail and document are aliases of its key: rows keyed by
  e-mail or document attach to the customer that has it.  Customers keyed
  by id are resolved first, so within one import the order of the files
  does not matter;
* a line whose identity digest already exists (an earlier batch, or an
  earlier sheet or file of this import) is skipped as "already imported";
  identical lines within one sheet are distinct (their ``n`` differs);
* NPS answers and campaigns follow the same rule with their own identities.

The same function computes a dry run (``batch=None``): every decision is
made by the same code from the same reads, and only the final inserts are
left out, so the dry run's counts equal the import's.

Writing is one transaction (``Database.write(bulk=True)``: on SQLite the
foreign keys go unchecked, since every id written comes from this import's
own customer book). Rows go column by column to the DBAPI as multi-row
``INSERT … VALUES`` statements on SQLite (``COPY`` on PostgreSQL), in the
sheets' order. When ``order_lines`` (or ``customers``) starts empty, its
indexes, the unique identity index included, are dropped for the load and
built once after it (a rollback restores them; a duplicate identity fails
the build and the import), and the orders are inserted from the grouping
already computed here instead of re-aggregated in SQL; otherwise only the
orders of the customers given lines are regrouped. Work on whole
columns runs a slice at a time, so that no single call holds the GIL long
enough to freeze the window.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, compress, islice, repeat
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from clmdesk.core.importing import (
    NO_DAY,
    NO_INT,
    NO_TIME,
    CustomerColumns,
    KeySource,
    NormalizedSheet,
    Role,
    TextCodes,
)
from clmdesk.core.importing.columns import pause_if_due
from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
    sub_progress,
)
from clmdesk.storage.app_settings import get_setting, set_setting
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.line_identity import (
    IDENTITY_COLUMNS,
    digests_from_halves,
    first_halves,
    identity_halves,
)
from clmdesk.storage.orders import refresh_orders

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

    import numpy.typing as npt
    from sqlalchemy import Connection

    from clmdesk.storage.database import Database

__all__ = [
    "CUSTOMER_FIELDS",
    "REMEMBERED_MAPPINGS",
    "BatchInfo",
    "FieldConflict",
    "FileRecord",
    "ImportWriteError",
    "SheetOutcome",
    "WriteOutcome",
    "dry_run_import",
    "import_sheets",
    "read_remembered_mappings",
    "write_import",
]

WRITE_FAILED = define(
    "import.write_failed",
    "The import could not be saved in the database {location} ({error}). Nothing was changed.",
)

#: ``app_settings`` key of the mappings users confirmed, by header signature.
REMEMBERED_MAPPINGS = "import_mappings"


class ImportWriteError(Exception):
    """The database refused the import (locked, full, read-only…); nothing was written."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


#: Customer fields an import may fill, as (CustomerColumns attribute, customers column).
CUSTOMER_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "name"),
    ("email", "email"),
    ("phone", "phone"),
    ("document", "document"),
    ("city", "city"),
    ("state", "state"),
    ("registered_day", "registered_day"),
    ("channel", "channel"),
    ("referred_by", "referred_by_key"),
    ("nps_score", "nps_score_undated"),
)
_COLUMNS = tuple(column for _, column in CUSTOMER_FIELDS)

# Rows per executemany call between two cancellation checks.
_CHUNK = 50_000
# Bound parameters per "IN (...)" query (SQLite's historic limit is 999).
_IN_CHUNK = 900
# Page cache during an import (negative: KiB), about 64 MB.
_CACHE_KIB = -65_536
# Conflicts kept with their details; beyond this only the count grows.
MAX_CONFLICTS = 1000


@dataclass(frozen=True)
class FileRecord:
    """A file read by an import, as recorded in its batch.

    Attributes
    ----------
    name
        Base name of the file.
    size
        Size in bytes.
    sha256
        Hex SHA-256 of its bytes.
    """

    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BatchInfo:
    """What an import records about itself in ``import_batches``.

    Attributes
    ----------
    created_at
        ISO-8601 UTC time of the import.
    files
        The files read.
    mappings
        JSON-ready description of each sheet's role and column mapping.
    """

    created_at: str
    files: tuple[FileRecord, ...]
    mappings: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class FieldConflict:
    """A customer field that already held a different value; the stored value was kept.

    Attributes
    ----------
    customer_key
        Key of the customer.
    field
        The customers column (``"email"``, ``"name"``…).
    kept
        The value kept (already stored, or filled earlier in this import).
    offered
        The different value the sheet had.
    file, sheet
        Where the offered value came from.
    """

    customer_key: str
    field: str
    kept: str
    offered: str
    file: str
    sheet: str


@dataclass(frozen=True)
class SheetOutcome:
    """Where the rows of one sheet went.

    ``rows_read == imported + already_imported + anonymous + rejected``.
    """

    file: str
    sheet: str
    role: str
    rows_read: int
    imported: int
    already_imported: int
    anonymous: int
    rejected: int


@dataclass(frozen=True)
class WriteOutcome:
    """What an import wrote (or, for a dry run, would write).

    Attributes
    ----------
    batch_id
        The new ``import_batches`` row, or None for a dry run.
    sheets
        Per-sheet row accounting, in import order.
    customers_new
        Customers created.
    customers_known
        Customers that already existed and were met again.
    fields_filled
        Empty fields of known customers filled by this import.
    conflicts
        Up to :data:`MAX_CONFLICTS` fields offered a value different from the
        stored one (the stored one is kept).
    conflict_count
        The number of such fields.
    lines_imported
        Order lines added.
    revenue_cents
        Net amount of the lines added.
    orders_new
        Orders that did not exist before.
    orders_updated
        Existing orders that received new lines.
    returns_new
        New orders whose net amount is negative (returns/cancellations).
    zero_value_new
        New orders of zero value (still purchases).
    nps_answers
        Dated NPS answers added.
    campaigns
        Campaign rows added.
    """

    batch_id: int | None
    sheets: tuple[SheetOutcome, ...]
    customers_new: int = 0
    customers_known: int = 0
    fields_filled: int = 0
    conflicts: tuple[FieldConflict, ...] = ()
    conflict_count: int = 0
    lines_imported: int = 0
    revenue_cents: int = 0
    orders_new: int = 0
    orders_updated: int = 0
    returns_new: int = 0
    zero_value_new: int = 0
    nps_answers: int = 0
    campaigns: int = 0

    @property
    def rows_read(self) -> int:
        """Rows read over every sheet."""
        return sum(s.rows_read for s in self.sheets)

    @property
    def imported(self) -> int:
        """Rows imported over every sheet."""
        return sum(s.imported for s in self.sheets)

    @property
    def already_imported(self) -> int:
        """Rows skipped as already imported over every sheet."""
        return sum(s.already_imported for s in self.sheets)

    @property
    def anonymous(self) -> int:
        """Rows without a customer over every sheet."""
        return sum(s.anonymous for s in self.sheets)

    @property
    def rejected(self) -> int:
        """Rows rejected over every sheet."""
        return sum(s.rejected for s in self.sheets)

    def counts(self) -> dict[str, int]:
        """Every count by name (what the batch stores in ``counts_json``)."""
        return {
            "rows_read": self.rows_read,
            "imported": self.imported,
            "already_imported": self.already_imported,
            "anonymous": self.anonymous,
            "rejected": self.rejected,
            "customers_new": self.customers_new,
            "customers_known": self.customers_known,
            "fields_filled": self.fields_filled,
            "conflicts": self.conflict_count,
            "lines_imported": self.lines_imported,
            "revenue_cents": self.revenue_cents,
            "orders_new": self.orders_new,
            "orders_updated": self.orders_updated,
            "returns_new": self.returns_new,
            "zero_value_new": self.zero_value_new,
            "nps_answers": self.nps_answers,
            "campaigns": self.campaigns,
        }


# --------------------------------------------------------------------------
# Low-level helpers


def _placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.name == "sqlite" else "%s"


def _cursor(connection: Connection) -> Any:
    """A DBAPI cursor on the connection's own transaction."""
    return connection.connection.driver_connection.cursor()  # type: ignore[union-attr]


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _select_in(
    connection: Connection, sql: str, values: Sequence[Any]
) -> list[tuple[Any, ...]]:
    """Run ``sql`` (with one ``{in}`` slot) for ``values`` in chunks; return all rows."""
    mark = _placeholder(connection)
    cursor = _cursor(connection)
    rows: list[tuple[Any, ...]] = []
    try:
        for chunk in _chunks(values, _IN_CHUNK):
            cursor.execute(sql.format(**{"in": ",".join([mark] * len(chunk))}), chunk)
            rows.extend(cursor.fetchall())
    finally:
        cursor.close()
    return rows


def _scalar(connection: Connection, sql: str) -> Any:
    return connection.exec_driver_sql(sql).scalar()


# A plain multi-row insert, which PostgreSQL takes faster as a COPY.
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \([?, ]+\)")


def _executemany(
    connection: Connection, sql: str, rows: Iterable[Sequence[Any]]
) -> None:
    if connection.dialect.name == "postgresql":
        plain = _PLAIN_INSERT.fullmatch(sql)
        if plain is not None:
            columns = [c.strip() for c in plain.group(2).split(",")]
            bulk_insert(connection, plain.group(1), columns, rows)
            return
    statement = sql.replace("?", _placeholder(connection))
    cursor = _cursor(connection)
    try:
        rows = iter(rows)
        while batch := list(islice(rows, _BATCH_ROWS)):
            cursor.executemany(statement, batch)
            pause_if_due()
    finally:
        cursor.close()


# Bound parameters per multi-row INSERT on SQLite: within the 999 that
# every SQLite build accepts.
_MAX_PARAMS = 999
# Rows per executemany call: short calls with a pause between them
# (pause_if_due) give a thread waiting for the GIL (the window's) its turn,
# whatever the driver does with the GIL within a call.
_BATCH_ROWS = 8_192


def _insert_columns(
    connection: Connection,
    table: str,
    columns: Sequence[str],
    values: Sequence[Sequence[Any]],
    same: Mapping[str, int] | None = None,
    *,
    one_by_one: bool = False,
) -> None:
    """Insert rows given column by column (sequences of equal length).

    SQLite takes them as multi-row ``INSERT … VALUES (…), (…)`` statements
    (measured: about twice as fast as one row per statement when the rows
    go to the end of the table and its indexes), or one row per statement
    with ``one_by_one`` (faster when the rows land all over large indexes:
    measured 20 % for 100,000 lines added to 1,000,000); PostgreSQL as a
    ``COPY``. ``same`` gives columns that hold one integer in every row
    (written into the statement once instead of bound for each row).
    """
    count = len(values[0]) if values else 0
    if not count:
        return
    same = same or {}
    if connection.dialect.name != "sqlite":
        bulk_insert(
            connection,
            table,
            [*columns, *same],
            zip(*values, *([v] * count for v in same.values()), strict=True),
        )
        return
    width = len(columns)
    per_statement = 1 if one_by_one else max(1, _MAX_PARAMS // width)
    head = f"INSERT INTO {table} ({', '.join([*columns, *same])}) VALUES "
    row = "(" + ", ".join(["?"] * width + [str(int(v)) for v in same.values()]) + ")"
    full = count - count % per_statement
    cursor = _cursor(connection)
    try:
        if full:
            # One flat list of every value, row after row, cut into statements.
            flat: list[Any] = [None] * (width * full)
            for position, column in enumerate(values):
                flat[position::width] = column[:full]
            step = width * per_statement
            statement = head + ", ".join([row] * per_statement)
            batch = step * max(1, _BATCH_ROWS // per_statement)
            for first in range(0, len(flat), batch):
                cursor.executemany(
                    statement,
                    [
                        flat[start : start + step]
                        for start in range(first, min(first + batch, len(flat)), step)
                    ],
                )
                pause_if_due()
        if full < count:
            cursor.executemany(
                head + row, zip(*(column[full:] for column in values), strict=True)
            )
    finally:
        cursor.close()


def _text(value: Any) -> str:
    return str(value)


# Whole-column operations run a slice at a time: one C-level call over a
# million values would hold the GIL for tens of milliseconds and freeze the
# window while an import runs on a worker thread. Between slices the work
# pauses now and then (pause_if_due): numpy lets go of the GIL for a moment
# on large copies and takes it straight back, and CPython hands it to a
# waiting thread on request only when nobody took it for a whole switch
# interval, so without pauses the window could wait for the whole loop
# (measured: 100-190 ms at a time on a million lines).
_SLICE = 16_384

_T = TypeVar("_T")


def _distinct(values: Sequence[Any]) -> dict[Any, None]:
    """The distinct values in first-seen order (``dict.fromkeys``, a slice at a time)."""
    found: dict[Any, None] = {}
    for start in range(0, len(values), _SLICE):
        found.update(dict.fromkeys(values[start : start + _SLICE]))
        pause_if_due()
    return found


def _sliced_map(function: Callable[[Any], _T], values: Sequence[Any]) -> list[_T]:
    """``list(map(function, values))``, a slice at a time."""
    mapped: list[_T] = []
    for start in range(0, len(values), _SLICE):
        mapped.extend(map(function, values[start : start + _SLICE]))
        pause_if_due()
    return mapped


def _looked_up(
    table: Mapping[Any, int], values: Sequence[Any], dtype: type[np.int64]
) -> npt.NDArray[np.int64]:
    """``table[value]`` for every value, as an array (a slice at a time)."""
    result = np.empty(len(values), dtype)
    for start in range(0, len(values), _SLICE):
        part = values[start : start + _SLICE]
        result[start : start + len(part)] = np.fromiter(
            map(table.__getitem__, part), dtype, count=len(part)
        )
        pause_if_due()
    return result


# --------------------------------------------------------------------------
# Customers


@dataclass(slots=True, eq=False)
class _Customer:
    id: int
    key: str
    values: dict[str, Any]
    created: bool = False
    mentioned: bool = False


@dataclass
class _CustomerBook:
    """Customers this import touches: the stored ones it met and the ones it creates."""

    next_id: int
    by_id: dict[int, _Customer] = field(default_factory=dict)
    by_key: dict[str, _Customer] = field(default_factory=dict)
    by_email: dict[str, _Customer] = field(default_factory=dict)
    by_document: dict[str, _Customer] = field(default_factory=dict)
    fills: dict[tuple[int, str], Any] = field(default_factory=dict)
    conflicts: list[FieldConflict] = field(default_factory=list)
    conflict_count: int = 0
    fills_known: int = 0

    def add(self, customer: _Customer) -> None:
        self.by_id[customer.id] = customer
        self.by_key.setdefault(customer.key, customer)
        self._index_aliases(customer)

    def _index_aliases(self, customer: _Customer) -> None:
        email = customer.values.get("email")
        if email:
            known = self.by_email.get(email)
            if known is None or customer.id < known.id:
                self.by_email[email] = customer
        document = customer.values.get("document")
        if document:
            known = self.by_document.get(document)
            if known is None or customer.id < known.id:
                self.by_document[document] = customer

    def find(self, key: str, source: int) -> _Customer | None:
        """The customer a key refers to: by key, then (for e-mail/document keys) by alias."""
        found = self.by_key.get(key)
        if found is not None:
            return found
        if source == KeySource.EMAIL:
            return self.by_email.get(key)
        if source == KeySource.DOCUMENT:
            return self.by_document.get(key)
        return None

    def create_many(self, keys: Sequence[str]) -> list[_Customer]:
        """New customers for ``keys`` (distinct, not in :attr:`by_key`, not e-mails or documents)."""
        ids = range(self.next_id, self.next_id + len(keys))
        created = list(
            map(_Customer, ids, keys, map(dict, repeat(())), repeat(True), repeat(True))
        )
        self.next_id += len(created)
        self.by_id.update(zip(ids, created, strict=True))
        self.by_key.update(zip(keys, created, strict=True))
        return created

    def resolve(self, key: str, source: int) -> _Customer:
        """Find or create the customer of ``key``."""
        found = self.find(key, source)
        if found is None:
            found = _Customer(self.next_id, key, {}, created=True)
            self.next_id += 1
            # New and without aliases yet: add() without _index_aliases().
            self.by_id[found.id] = found
            self.by_key.setdefault(key, found)
            # A customer keyed by its e-mail or document carries it as an alias.
            if source == KeySource.EMAIL:
                self.merge(found, "email", key, "", "")
            elif source == KeySource.DOCUMENT:
                self.merge(found, "document", key, "", "")
        found.mentioned = True
        return found

    def merge(
        self, customer: _Customer, column: str, value: Any, file: str, sheet: str
    ) -> bool:
        """Fill an empty field; report a different non-empty one. True when filled."""
        current = customer.values.get(column)
        if current is None or current == "":
            customer.values[column] = value
            self.fills[(customer.id, column)] = value
            if not customer.created:
                self.fills_known += 1
            if column in ("email", "document"):
                self._index_aliases(customer)
            return True
        if current != value:
            self.conflict_count += 1
            if len(self.conflicts) < MAX_CONFLICTS:
                self.conflicts.append(
                    FieldConflict(
                        customer.key, column, _text(current), _text(value), file, sheet
                    )
                )
        return False


def _entry_fields(columns: CustomerColumns) -> list[tuple[str, list[Any]]]:
    """The mapped customer fields of a sheet's entries: (customers column, value per entry).

    Empty values are ``None``.  A dated NPS score becomes an NPS answer, so
    only an undated one is a field (``nps_score_undated``).
    """
    fields: list[tuple[str, list[Any]]] = []
    for attribute, column in CUSTOMER_FIELDS:
        values = getattr(columns, attribute)
        if values is None:
            continue
        if attribute == "registered_day":
            values = [None if v == NO_DAY else v for v in values.tolist()]
        elif attribute == "nps_score":
            days = (
                columns.nps_day.tolist()
                if columns.nps_day is not None
                else [NO_DAY] * len(values)
            )
            values = [
                v if v >= 0 and d == NO_DAY else None
                for v, d in zip(values.tolist(), days, strict=True)
            ]
        fields.append((column, values))
    return fields


def _load_customers(
    connection: Connection, sheets: Sequence[NormalizedSheet]
) -> _CustomerBook:
    """Load the stored customers any key, e-mail or document of the import can refer to."""
    next_id = int(_scalar(connection, "SELECT COALESCE(MAX(id), 0) FROM customers")) + 1
    book = _CustomerBook(next_id=next_id)
    if next_id == 1:
        return book
    wanted: set[str] = set()
    for sheet in sheets:
        for columns in (sheet.customers, sheet.orders, sheet.nps):
            if columns is None:
                continue
            wanted.update(
                columns.customer_key
                if not isinstance(columns, CustomerColumns)
                else columns.key
            )
            for alias in ("email", "document"):
                values = getattr(columns, alias, None)
                if values is not None:
                    wanted.update(v for v in values if v)
    ordered = sorted(wanted)
    select = (
        "SELECT id, key, "
        + ", ".join(_COLUMNS)
        + " FROM customers WHERE {column} IN ({{in}})"
    )
    seen: set[int] = set()
    rows: list[tuple[Any, ...]] = []
    for column in ("key", "email", "document"):
        for row in _select_in(connection, select.format(column=column), ordered):
            if row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
    for row in sorted(rows):
        book.add(
            _Customer(
                int(row[0]), str(row[1]), dict(zip(_COLUMNS, row[2:], strict=True))
            )
        )
    return book


_Resolved = dict[int, dict[str, _Customer]]


def _sources(key_source: npt.NDArray[np.int8]) -> npt.NDArray[np.int8]:
    """Key sources, a key of unknown origin counting as a customer id."""
    if (key_source == KeySource.NONE).any():
        return np.where(
            key_source == KeySource.NONE, KeySource.CUSTOMER_ID, key_source
        ).astype(np.int8)
    return key_source


def _resolve_customers(
    book: _CustomerBook, sheets: Sequence[NormalizedSheet]
) -> _Resolved:
    """Resolve every key of the import to a customer, merging their fields.

    Keys from a customer-id column come first (they define customers and
    their aliases), then e-mail keys, then document keys.

    Returns
    -------
    dict
        Key source (:class:`KeySource` value) -> key -> customer.
    """
    resolved: _Resolved = {int(source): {} for source in KeySource}
    fields_of: dict[int, list[tuple[str, list[Any]]]] = {}
    for source in (KeySource.CUSTOMER_ID, KeySource.EMAIL, KeySource.DOCUMENT):
        table = resolved[int(source)]
        for position, sheet in enumerate(sheets):
            entries = sheet.customers
            if entries is not None:
                match = _sources(entries.key_source) == source
                rows = None if match.all() else np.flatnonzero(match).tolist()
                keys = entries.key if rows is None else [entries.key[i] for i in rows]
                # Every key first, then the fields entry by entry: merging a
                # field never changes which customer a key of the same
                # source refers to (an e-mail key's e-mail is the key itself).
                customers = _resolve_keys(book, table, keys, source)
                if position not in fields_of:
                    fields_of[position] = _entry_fields(entries)
                fields = fields_of[position]
                if fields and customers:
                    indexes = range(len(keys)) if rows is None else rows
                    for customer, index in zip(customers, indexes, strict=True):
                        for column, values in fields:
                            value = values[index]
                            if value is not None and value != "":
                                book.merge(
                                    customer, column, value, sheet.file, sheet.sheet
                                )
            # Keys of lines and answers, should a sheet not list them all as entries.
            for columns in (sheet.orders, sheet.nps):
                if columns is None:
                    continue
                for key in _keys_of_source(
                    columns.customer_key, _sources(columns.key_source), source
                ):
                    if key not in table:
                        table[key] = book.resolve(key, source)
    return resolved


def _resolve_keys(
    book: _CustomerBook, table: dict[str, _Customer], keys: list[str], source: int
) -> list[_Customer]:
    """The customer of every key (found, or created in key order), remembered in ``table``."""
    found: list[_Customer | None] = _sliced_map(table.get, keys)
    if source == KeySource.CUSTOMER_ID and None in found:
        # Keys met for the first time: found by key alone (no alias), and
        # the new ones created at once, in key order.
        # Distinct first (a generator, so the window can take the GIL
        # between keys): far fewer distinct keys than lines.
        missing = list(
            dict.fromkeys(k for k, c in zip(keys, found, strict=True) if c is None)
        )
        known = dict(zip(missing, map(book.by_key.get, missing), strict=True))
        for customer in known.values():
            if customer is not None:
                customer.mentioned = True
        new = [key for key, customer in known.items() if customer is None]
        known.update(zip(new, book.create_many(new), strict=True))
        table.update(known)  # type: ignore[arg-type]  # no None left
        found = _sliced_map(table.get, keys)
    if None in found:
        for index, customer in enumerate(found):
            if customer is None:
                key = keys[index]
                customer = table.get(key)  # an earlier entry of the same key
                if customer is None:
                    customer = table[key] = book.resolve(key, source)
                found[index] = customer
    return found  # type: ignore[return-value]  # no None left


def _keys_of_source(
    keys: list[str], sources: npt.NDArray[np.int8], source: int
) -> Iterable[str]:
    """The distinct keys whose source is ``source``."""
    match = sources == source
    if match.all():
        return _distinct(keys)
    if not match.any():
        return ()
    return dict.fromkeys(keys[i] for i in np.flatnonzero(match).tolist())


def _customer_ids(
    resolved: _Resolved,
    keys: list[str],
    sources: npt.NDArray[np.int8],
    coded: TextCodes | None = None,
) -> npt.NDArray[np.int64]:
    """The customer id of every row, from its key and key source.

    ``coded``, the keys factorised, has each distinct key looked up once.
    """
    ids = np.empty(len(keys), np.int64)
    for source, table in resolved.items():
        match = sources == source
        if not match.any():
            continue
        id_of = {key: customer.id for key, customer in table.items()}
        if match.all() and coded is not None:
            # Every key of a line is resolved; other texts of the column are not.
            per_text = np.fromiter(
                (id_of.get(text, -1) for text in coded.texts),
                np.int64,
                count=len(coded.texts),
            )
            ids[:] = per_text[coded.codes]
        elif match.all():
            ids[:] = _looked_up(id_of, keys, np.int64)
        else:
            rows = np.flatnonzero(match)
            ids[rows] = [id_of[keys[i]] for i in rows.tolist()]
    return ids


# --------------------------------------------------------------------------
# Order lines


@dataclass
class _LinePlan:
    sheet: NormalizedSheet
    keep: npt.NDArray[np.bool_]
    customer_ids: npt.NDArray[np.int64]
    identities: list[bytes]


def _existing_identities(
    connection: Connection, identities: Sequence[list[bytes]]
) -> set[bytes]:
    """The identities among ``identities`` (one list per sheet) already stored.

    May hold a few more (stored lines whose ``identity_a`` alone matches):
    only membership of whole digests is asked of it.
    """
    if not _scalar(connection, "SELECT EXISTS (SELECT 1 FROM order_lines)"):
        return set()
    candidates = [digest for digests in identities for digest in digests]
    if not candidates:
        return set()
    columns = ", ".join(IDENTITY_COLUMNS)
    stored = int(_scalar(connection, "SELECT COUNT(*) FROM order_lines"))
    if stored <= len(candidates):
        cursor = _cursor(connection)
        try:
            cursor.execute(f"SELECT {columns} FROM order_lines")
            return set(digests_from_halves(cursor.fetchall()))
        finally:
            cursor.close()
    firsts, _ = identity_halves(candidates)
    rows = _select_in(
        connection,
        f"SELECT {columns} FROM order_lines WHERE {IDENTITY_COLUMNS[0]} IN ({{in}})",
        list(dict.fromkeys(firsts)),
    )
    return set(digests_from_halves(rows))


def _plan_lines(
    connection: Connection,
    sheets: Sequence[NormalizedSheet],
    resolved: _Resolved,
) -> list[_LinePlan]:
    """Identify every line and decide which are new.

    A line is skipped when its identity is stored already or was met in an
    earlier sheet of this import; lines within one sheet never collide
    (their n differs).
    """
    per_sheet = []
    for sheet in sheets:
        if sheet.orders is not None:
            per_sheet.append((sheet, sheet.orders.identities))
    seen = _existing_identities(connection, [digests for _, digests in per_sheet])
    plans = []
    for position, (sheet, identities) in enumerate(per_sheet):
        orders = sheet.orders
        assert orders is not None
        if seen:
            keep = np.fromiter(
                (digest not in seen for digest in identities),
                np.bool_,
                count=len(identities),
            )
        else:
            keep = np.ones(len(identities), np.bool_)
        if position + 1 < len(per_sheet):
            for start in range(0, len(identities), _SLICE):
                seen.update(identities[start : start + _SLICE])
                pause_if_due()
        ids = _customer_ids(
            resolved,
            orders.customer_key,
            _sources(orders.key_source),
            orders.customer_key_codes,
        )
        plans.append(_LinePlan(sheet, keep, ids, identities))
    return plans


@dataclass
class _NewLines:
    """The lines to add, every sheet's kept lines one after the other."""

    customer_id: npt.NDArray[np.int64]
    order_ref: Sequence[str | None]
    day: npt.NDArray[np.int64]
    seconds: npt.NDArray[np.int64]
    amount: npt.NDArray[np.int64]
    identities: Sequence[bytes]

    def __len__(self) -> int:
        return len(self.customer_id)


def _picked(values: Sequence[Any], positions: npt.NDArray[np.intp]) -> list[Any]:
    """``[values[i] for i in positions]``, a slice at a time."""
    picked: list[Any] = []
    for start in range(0, len(positions), _SLICE):
        part = positions[start : start + _SLICE].tolist()
        picked.extend(map(values.__getitem__, part))
        pause_if_due()
    return picked


def _kept(values: list[Any], keep: npt.NDArray[np.bool_], every: bool) -> list[Any]:
    return values if every else list(compress(values, keep.tolist()))


def _new_lines(plans: Sequence[_LinePlan]) -> _NewLines:
    """Gather the kept lines of every sheet (the lists themselves when nothing is left out)."""
    ids: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
    days: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
    seconds: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
    amounts: list[npt.NDArray[np.int64]] = [np.zeros(0, np.int64)]
    refs: list[list[str | None]] = []
    identities: list[list[bytes]] = []
    for plan in plans:
        orders = plan.sheet.orders
        assert orders is not None
        keep = plan.keep
        every = bool(keep.all())
        ids.append(plan.customer_ids if every else plan.customer_ids[keep])
        days.append(orders.day[keep].astype(np.int64))
        seconds.append(orders.seconds[keep].astype(np.int64))
        amounts.append(orders.amount_cents[keep].astype(np.int64))
        count = len(ids[-1])
        refs.append(
            [None] * count
            if orders.order_ref is None
            else _kept(orders.order_ref, keep, every)
        )
        identities.append(_kept(plan.identities, keep, every))
    return _NewLines(
        customer_id=np.concatenate(ids),
        order_ref=refs[0] if len(refs) == 1 else list(chain.from_iterable(refs)),
        day=np.concatenate(days),
        seconds=np.concatenate(seconds),
        amount=np.concatenate(amounts),
        identities=(
            identities[0]
            if len(identities) == 1
            else list(chain.from_iterable(identities))
        ),
    )


@dataclass
class _OrderGroups:
    customer_id: npt.NDArray[np.int64]
    order_ref: list[str | None]
    day: npt.NDArray[np.int64]
    amount: npt.NDArray[np.int64]
    lines: npt.NDArray[np.int64]


# Largest text array (bytes) sorted by numpy; beyond, sorted() is used.
_MAX_TEXT_ARRAY = 256 << 20


def _code_point_order(texts: Sequence[str]) -> npt.NDArray[np.intp]:
    """Positions of ``texts`` in code-point order (Python's str order).

    numpy sorts them without holding the GIL (``sorted`` of 300,000 order
    ids holds it for 0.2 s, a frozen window); the array is filled a slice
    at a time. numpy's fixed-width text drops trailing NUL characters, so
    texts with a NUL, or too long to fit the array, go through ``sorted``.
    """
    count = len(texts)
    width = max(map(len, texts), default=1) or 1
    if count * width * 4 > _MAX_TEXT_ARRAY or any("\x00" in text for text in texts):
        return np.array(sorted(range(count), key=texts.__getitem__), np.intp)
    array = np.empty(count, f"<U{width}")
    for start in range(0, count, _SLICE):
        array[start : start + _SLICE] = texts[start : start + _SLICE]
        pause_if_due()
    return np.argsort(array, kind="stable")


def _ref_ranks(refs: Sequence[str | None]) -> npt.NDArray[np.int64]:
    """Each ref's rank among the distinct refs in code-point order; -1 for no ref.

    Code-point order is UTF-8 byte order, so the orders come out as
    rebuild_orders numbers them.
    """
    distinct = _distinct(refs)
    distinct.pop(None, None)
    texts: list[str] = list(distinct)
    rank = np.empty(len(texts), np.int64)
    rank[_code_point_order(texts)] = np.arange(len(texts))
    rank_of: dict[str | None, int] = {None: -1}
    ranks = rank.tolist()
    for start in range(0, len(texts), _SLICE):
        rank_of.update(
            zip(
                texts[start : start + _SLICE],
                ranks[start : start + _SLICE],
                strict=True,
            )
        )
        pause_if_due()
    return _looked_up(rank_of, refs, np.int64)


def _group_orders(lines: _NewLines) -> _OrderGroups:
    """Group the lines into orders: (customer, order ref), or (customer, day) without one."""
    customer_id, day = lines.customer_id, lines.day
    ref_rank = _ref_ranks(lines.order_ref)
    # One int64 per order: customer id in the high half; in the low half the
    # day (offset to stay positive) of an order without ref, which sorts
    # first, or bit 31 and the ref's rank.
    low = np.where(ref_rank >= 0, (1 << 31) | ref_rank, day + (1 << 30))
    group_key = (customer_id << 32) | low
    order = np.argsort(group_key, kind="stable")
    ordered = group_key[order]
    starts = np.flatnonzero(
        np.concatenate(([True], ordered[1:] != ordered[:-1]))
        if len(ordered)
        else np.zeros(0, np.bool_)
    )
    first = order[starts]  # each order's first line (stable sort)
    return _OrderGroups(
        customer_id=customer_id[first],
        order_ref=_picked(lines.order_ref, first),
        day=np.minimum.reduceat(day[order], starts) if len(starts) else day[:0],
        amount=(
            np.add.reduceat(lines.amount[order], starts)
            if len(starts)
            else lines.amount[:0]
        ),
        lines=np.diff(np.append(starts, len(order))).astype(np.int64),
    )


_StoredOrders = dict[tuple[int, str | None, int | None], int]


def _stored_orders(
    connection: Connection, customer_ids: npt.NDArray[np.int64]
) -> _StoredOrders:
    """The stored orders of these customers, by (customer, ref, day without ref)."""
    existing: _StoredOrders = {}
    if len(customer_ids) and _scalar(connection, "SELECT COUNT(*) FROM orders"):
        customers = np.unique(customer_ids).tolist()
        for cid, ref, day, amount in _select_in(
            connection,
            "SELECT customer_id, order_ref, day, amount_cents FROM orders WHERE customer_id IN ({in})",
            customers,
        ):
            existing[(int(cid), ref, None if ref is not None else int(day))] = int(
                amount
            )
    return existing


def _count_orders(
    existing: _StoredOrders, groups: _OrderGroups
) -> tuple[int, int, int, int]:
    """(new, updated, new returns, new zero-value) orders once the lines are added."""
    if not existing:
        amounts = groups.amount
        return len(amounts), 0, int((amounts < 0).sum()), int((amounts == 0).sum())
    new = updated = returns = zero = 0
    for cid, ref, day, amount in zip(
        groups.customer_id.tolist(),
        groups.order_ref,
        groups.day.tolist(),
        groups.amount.tolist(),
        strict=True,
    ):
        old = existing.get((cid, ref, None if ref is not None else day))
        if old is not None:
            updated += 1
            continue
        new += 1
        returns += amount < 0
        zero += amount == 0
    return new, updated, returns, zero


# --------------------------------------------------------------------------
# NPS answers and campaigns


def _plan_nps(
    connection: Connection,
    book: _CustomerBook,
    sheets: Sequence[NormalizedSheet],
    resolved: _Resolved,
) -> tuple[list[tuple[int, int, int]], dict[int, tuple[int, int]]]:
    """Dated answers to add, and per NPS sheet (imported, already imported) row counts.

    An answer's identity is (customer, day, score, n); an undated score is a
    customer field (``nps_score_undated``).  Dated scores of a customers
    sheet also become answers.
    """
    answers: list[tuple[int, int, int]] = []
    counts: dict[int, tuple[int, int]] = {}
    wanted: list[list[tuple[int, int, int]]] = []
    for sheet in sheets:
        rows: list[tuple[int, int, int]] = []
        if sheet.nps is not None:
            nps = sheet.nps
            for source, key, day, score in zip(
                _sources(nps.key_source).tolist(),
                nps.customer_key,
                nps.day.tolist(),
                nps.score.tolist(),
                strict=True,
            ):
                rows.append((resolved[source][key].id, day, score))
        entries = sheet.customers
        if (
            sheet.role == Role.CUSTOMERS
            and entries is not None
            and entries.nps_score is not None
            and entries.nps_day is not None
        ):
            key_sources = _sources(entries.key_source).tolist()
            for index, (score, day) in enumerate(
                zip(entries.nps_score.tolist(), entries.nps_day.tolist(), strict=True)
            ):
                if score >= 0 and day != NO_DAY:
                    customer = resolved[key_sources[index]][entries.key[index]]
                    rows.append((customer.id, day, score))
        wanted.append(rows)
    stored: Counter[tuple[int, int, int]] = Counter()
    customers = sorted({row[0] for rows in wanted for row in rows if row[1] != NO_DAY})
    if customers and _scalar(connection, "SELECT COUNT(*) FROM nps_answers"):
        stored.update(
            (int(c), int(d), int(s))
            for c, d, s in _select_in(
                connection,
                "SELECT customer_id, day, score FROM nps_answers WHERE customer_id IN ({in})",
                customers,
            )
        )
    for index, (sheet, rows) in enumerate(zip(sheets, wanted, strict=True)):
        seen: Counter[tuple[int, int, int]] = Counter()
        added = skipped = 0
        for row in rows:
            customer_id, day, score = row
            if day == NO_DAY:
                if book.merge(
                    book.by_id[customer_id],
                    "nps_score_undated",
                    score,
                    sheet.file,
                    sheet.sheet,
                ):
                    added += 1
                else:
                    skipped += 1
                continue
            seen[row] += 1
            if seen[row] <= stored[row]:
                skipped += 1
                continue
            answers.append(row)
            added += 1
        # Later sheets see this sheet's answers as stored.
        for row, n in seen.items():
            stored[row] = max(stored[row], n)
        if sheet.role == Role.NPS:
            counts[index] = (added, skipped)
    return answers, counts


def _plan_campaigns(
    connection: Connection, sheets: Sequence[NormalizedSheet]
) -> tuple[list[tuple[int, str | None, int, int | None]], dict[int, tuple[int, int]]]:
    """Campaign rows to add and per sheet (imported, already imported); identity (day, channel, reached, cost, n)."""
    stored: Counter[tuple[int, str | None, int, int | None]] = Counter()
    if any(s.campaigns is not None for s in sheets):
        stored.update(
            (int(d), c, int(r), None if k is None else int(k))
            for d, c, r, k in connection.exec_driver_sql(
                "SELECT day, channel, reached, cost_cents FROM campaigns"
            ).all()
        )
    rows_out: list[tuple[int, str | None, int, int | None]] = []
    counts: dict[int, tuple[int, int]] = {}
    for index, sheet in enumerate(sheets):
        campaigns = sheet.campaigns
        if campaigns is None:
            continue
        seen: Counter[tuple[int, str | None, int, int | None]] = Counter()
        added = skipped = 0
        for day, channel, reached, cost in zip(
            campaigns.day.tolist(),
            campaigns.channel,
            campaigns.reached.tolist(),
            campaigns.cost_cents.tolist(),
            strict=True,
        ):
            row = (
                day,
                channel,
                0 if reached == NO_INT else reached,
                None if cost == NO_INT else cost,
            )
            seen[row] += 1
            if seen[row] <= stored[row]:
                skipped += 1
                continue
            rows_out.append(row)
            added += 1
        for row, n in seen.items():
            stored[row] = max(stored[row], n)
        counts[index] = (added, skipped)
    return rows_out, counts


# --------------------------------------------------------------------------
# Row accounting


def _customer_sheet_counts(
    sheet: NormalizedSheet, changed_ids: set[int], resolved: _Resolved
) -> tuple[int, int]:
    """(imported, already imported) rows of a customers sheet.

    An entry that created a customer or filled a field is imported; one that
    changed nothing is already imported.  Several rows of one key form one
    entry: the extra rows follow the sheet (imported if any entry changed
    something), which keeps every row accounted for.
    """
    entries = sheet.customers
    if entries is None:
        return 0, 0
    unchanged = sum(
        1
        for key, source in zip(
            entries.key, _sources(entries.key_source).tolist(), strict=True
        )
        if resolved[source][key].id not in changed_ids
    )
    imported = len(entries) - unchanged
    extra = sheet.rows_valid - len(entries)
    if imported:
        return imported + extra, unchanged
    return 0, unchanged + extra


# --------------------------------------------------------------------------
# Writing


def _by_identity(lines: _NewLines) -> _NewLines:
    """The lines in the unique identity index's order (by ``identity_a``).

    Added to a table that already holds lines, they then extend the
    identity index from left to right instead of at random places
    (measured: about 15 % faster for 100,000 lines added to 1,000,000). Not for a
    bulk load into an empty table: gathering the values from all over the
    heap costs more there than the index build saves.
    """
    heads = np.empty(len(lines), np.int64)
    for start in range(0, len(lines), _SLICE):
        part = lines.identities[start : start + _SLICE]
        heads[start : start + len(part)] = first_halves(part)
        pause_if_due()
    order = np.argsort(heads)
    return _NewLines(
        customer_id=lines.customer_id[order],
        order_ref=_picked(lines.order_ref, order),
        day=lines.day[order],
        seconds=lines.seconds[order],
        amount=lines.amount[order],
        identities=_picked(lines.identities, order),
    )


def _load_lines(
    connection: Connection,
    batch_id: int,
    lines: _NewLines,
    progress: Progress,
    is_cancelled: IsCancelled,
    *,
    indexed: bool,
) -> None:
    """Insert the lines; ``indexed`` when the table keeps its indexes during the load."""
    columns = (
        "customer_id",
        "order_ref",
        "day",
        "seconds",
        "amount_cents",
        *IDENTITY_COLUMNS,
    )
    done = 0
    for start in range(0, len(lines), _CHUNK):
        check_cancelled(is_cancelled)
        stop = min(start + _CHUNK, len(lines))
        count = stop - start
        seconds = lines.seconds[start:stop]
        if (seconds == NO_TIME).any():
            timed = seconds.astype(object)
            timed[seconds == NO_TIME] = None
            seconds_list: list[int | None] = timed.tolist()
        else:
            seconds_list = seconds.tolist()
        # In the sheets' order: values read one after the other bind much
        # faster than the same values gathered from all over the heap.
        _insert_columns(
            connection,
            "order_lines",
            columns,
            (
                lines.customer_id[start:stop].tolist(),
                lines.order_ref[start:stop],
                lines.day[start:stop].tolist(),
                seconds_list,
                lines.amount[start:stop].tolist(),
                *identity_halves(lines.identities[start:stop]),
            ),
            same={"batch_id": batch_id},
            one_by_one=indexed,
        )
        done += count
        progress(done, len(lines))


# The write's progress in thousandths: planning, the lines, their indexes,
# the orders (shares measured on a 1,000,000-line import into an empty
# database; a dry run only plans, then groups the orders).
_SCALE = 1000
_PLANNED = 250
_PLANNED_DRY = 750
_LOADED = 600
_INDEXED = 900


# (name, definition) of the indexes a bulk load builds after the rows.
_LINE_INDEXES = (
    (
        "ux_order_lines_identity",
        "UNIQUE INDEX ux_order_lines_identity ON order_lines (identity_a, identity_b)",
    ),
    (
        "ix_order_lines_customer_day",
        "INDEX ix_order_lines_customer_day ON order_lines (customer_id, day)",
    ),
)
_CUSTOMER_INDEXES = (
    (
        "ix_customers_created_batch_id",
        "INDEX ix_customers_created_batch_id ON customers (created_batch_id)",
    ),
    ("ix_customers_document", "INDEX ix_customers_document ON customers (document)"),
    ("ix_customers_email", "INDEX ix_customers_email ON customers (email)"),
    (
        "ix_customers_referred_by_key",
        "INDEX ix_customers_referred_by_key ON customers (referred_by_key)",
    ),
)
# Loading this many rows into an empty table is faster without its indexes,
# built once afterwards (SQLite DDL is transactional: a rollback restores
# them; a duplicate identity fails the unique index's build, and the
# import with it).
_BULK_ROWS = 10_000


@contextlib.contextmanager
def _indexes_rebuilt(
    connection: Connection,
    table: str,
    indexes: Sequence[tuple[str, str]],
    rows: int,
    progress: Progress = no_progress,
) -> Iterator[None]:
    """Drop ``indexes`` for a bulk load into an empty ``table``; build them after it.

    ``progress`` counts the indexes built.
    """
    bulk = (
        connection.dialect.name == "sqlite"
        and rows >= _BULK_ROWS
        and not _scalar(connection, f"SELECT EXISTS (SELECT 1 FROM {table})")
    )
    if bulk:
        for name, _ in indexes:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    yield
    if bulk:
        with _sorting(connection):
            for built, (_, definition) in enumerate(indexes, 1):
                connection.exec_driver_sql(f"CREATE {definition}")
                progress(built, len(indexes))


# Page cache (negative: KiB) while indexes are built after a bulk load:
# SQLite's default. An index build sorts its keys within the cache; in a
# small one it sorts runs that fit the CPU's caches and merges them, with
# helper threads (PRAGMA threads), which the large import cache prevented.
# Measured on 1,000,000 lines, both indexes: 0.9-1.0 s instead of 1.6-2.4 s
# alone; 1.5-2.0 s instead of 1.8-2.0 s in an import, whose orders are
# grouped on the other core meanwhile.
_SORT_CACHE_KIB = -2_000


@contextlib.contextmanager
def _sorting(connection: Connection) -> Iterator[None]:
    """SQLite settings for building indexes over many rows; the previous ones after."""
    cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
    threads = int(connection.exec_driver_sql("PRAGMA threads").scalar() or 0)
    helpers = max(1, min(3, (os.cpu_count() or 2) - 1))
    connection.exec_driver_sql(f"PRAGMA cache_size = {_SORT_CACHE_KIB}")
    connection.exec_driver_sql(f"PRAGMA threads = {helpers}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA threads = {threads}")
        connection.exec_driver_sql(f"PRAGMA cache_size = {cache}")


def write_import(
    connection: Connection,
    sheets: Sequence[NormalizedSheet],
    batch: BatchInfo | None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> WriteOutcome:
    """Store the sheets of one import, or compute what storing them would do.

    Parameters
    ----------
    connection
        For an import, a connection inside ``Database.write()`` (one
        transaction: a :class:`~clmdesk.core.tasks.Cancelled` or any failure
        raised from here rolls everything back).  For a dry run, any
        connection (``Database.read()``); nothing is written.
    sheets
        The converted sheets, in import order (earlier sheets win when a
        line appears twice).  Sheets with the role ``IGNORE`` are left out
        of the accounting.
    batch
        What to record in ``import_batches``; ``None`` for a dry run.
    progress
        ``progress(done, total)`` through the write's steps (planning, the
        lines, their indexes, the orders).
    is_cancelled
        Checked between chunks; raises ``Cancelled``.

    Returns
    -------
    WriteOutcome
        The counts; identical for a dry run and the import that follows it
        on an unchanged database.
    """
    sheets = [s for s in sheets if s.role != Role.IGNORE]
    planned = _PLANNED if batch is not None else _PLANNED_DRY
    progress(0, _SCALE)
    check_cancelled(is_cancelled)
    book = _load_customers(connection, sheets)
    resolved = _resolve_customers(book, sheets)
    progress(planned // 3, _SCALE)
    check_cancelled(is_cancelled)
    plans = _plan_lines(connection, sheets, resolved)
    lines = _new_lines(plans)
    progress(planned, _SCALE)
    check_cancelled(is_cancelled)
    answers, nps_counts = _plan_nps(connection, book, sheets, resolved)
    campaigns, campaign_counts = _plan_campaigns(connection, sheets)
    facts = _Facts(
        sheets,
        plans,
        book,
        resolved,
        lines,
        answers,
        nps_counts,
        campaigns,
        campaign_counts,
    )
    if batch is None:
        stored = _stored_orders(connection, lines.customer_id)
        outcome = _outcome(facts, stored, _group_orders(lines))
        progress(_SCALE, _SCALE)
        return outcome

    if connection.dialect.name == "sqlite":
        # A larger page cache keeps the identity index's random inserts in memory.
        cache = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
        connection.exec_driver_sql(f"PRAGMA cache_size = {_CACHE_KIB}")
        try:
            return _apply(connection, batch, facts, progress, is_cancelled)
        finally:
            connection.exec_driver_sql(f"PRAGMA cache_size = {int(cache)}")
    return _apply(connection, batch, facts, progress, is_cancelled)


@dataclass
class _Facts:
    """What an import found out before writing anything."""

    sheets: Sequence[NormalizedSheet]
    plans: Sequence[_LinePlan]
    book: _CustomerBook
    resolved: _Resolved
    lines: _NewLines
    answers: Sequence[tuple[int, int, int]]
    nps_counts: Mapping[int, tuple[int, int]]
    campaigns: Sequence[tuple[int, str | None, int, int | None]]
    campaign_counts: Mapping[int, tuple[int, int]]


def _outcome(
    facts: _Facts, stored: _StoredOrders, groups: _OrderGroups
) -> WriteOutcome:
    """The counts of the import; ``stored`` as read before its orders are written."""
    sheets, book, resolved = facts.sheets, facts.book, facts.resolved
    orders_new, orders_updated, returns_new, zero_new = _count_orders(stored, groups)
    changed_ids = {c.id for c in book.by_id.values() if c.created}
    changed_ids.update(customer_id for customer_id, _ in book.fills)
    outcomes = []
    plan_of = {id(p.sheet): p for p in facts.plans}
    for index, sheet in enumerate(sheets):
        if sheet.role == Role.ORDERS and id(sheet) in plan_of:
            kept = int(plan_of[id(sheet)].keep.sum())
            imported, already = kept, sheet.rows_valid - kept
        elif sheet.role == Role.CUSTOMERS:
            imported, already = _customer_sheet_counts(sheet, changed_ids, resolved)
        elif sheet.role == Role.NPS:
            imported, already = facts.nps_counts.get(index, (0, 0))
        elif sheet.role == Role.CAMPAIGNS:
            imported, already = facts.campaign_counts.get(index, (0, 0))
        else:
            imported, already = 0, sheet.rows_valid
        outcomes.append(
            SheetOutcome(
                sheet.file,
                sheet.sheet,
                sheet.role.value,
                sheet.rows_read,
                imported,
                already,
                sheet.anonymous_rows,
                len(sheet.rejected),
            )
        )
    mentioned = [c for c in book.by_id.values() if c.mentioned]
    return WriteOutcome(
        batch_id=None,
        sheets=tuple(outcomes),
        customers_new=sum(1 for c in mentioned if c.created),
        customers_known=sum(1 for c in mentioned if not c.created),
        fields_filled=book.fills_known,
        conflicts=tuple(book.conflicts),
        conflict_count=book.conflict_count,
        lines_imported=len(facts.lines),
        revenue_cents=int(groups.amount.sum()),
        orders_new=orders_new,
        orders_updated=orders_updated,
        returns_new=returns_new,
        zero_value_new=zero_new,
        nps_answers=len(facts.answers),
        campaigns=len(facts.campaigns),
    )


def _apply(
    connection: Connection,
    batch: BatchInfo,
    facts: _Facts,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> WriteOutcome:
    book, lines = facts.book, facts.lines
    batch_id = _insert_batch(connection, batch)
    created = sum(1 for customer in book.by_id.values() if customer.created)
    with _indexes_rebuilt(connection, "customers", _CUSTOMER_INDEXES, created):
        _write_customers(connection, book, batch_id)
    check_cancelled(is_cancelled)
    lines_were_empty = not _scalar(
        connection, "SELECT EXISTS (SELECT 1 FROM order_lines)"
    )
    # The orders are grouped on a helper thread while SQLite, which lets go
    # of the GIL as it works, builds the lines' indexes or regroups the
    # stored orders (started after the lines are bound: binding holds the
    # GIL too).
    with ThreadPoolExecutor(1, thread_name_prefix="clmdesk-orders") as pool:
        # On a failure or cancel the pool's exit waits for the grouping.
        with _indexes_rebuilt(
            connection,
            "order_lines",
            _LINE_INDEXES,
            len(lines),
            sub_progress(progress, _LOADED, _INDEXED, _SCALE),
        ):
            _load_lines(
                connection,
                batch_id,
                lines if lines_were_empty else _by_identity(lines),
                sub_progress(progress, _PLANNED, _LOADED, _SCALE),
                is_cancelled,
                indexed=not lines_were_empty,
            )
            grouping = pool.submit(_group_orders, lines)
        progress(_INDEXED, _SCALE)
        check_cancelled(is_cancelled)
        # Read before the orders change, as the dry run reads them.
        stored = _stored_orders(connection, lines.customer_id)
        if len(lines) and not lines_were_empty:
            # Only the customers given lines have orders to regroup.
            refresh_orders(connection, np.unique(lines.customer_id).tolist())
        groups = grouping.result()
    if len(lines) and lines_were_empty:
        _insert_orders(connection, groups)
    outcome = _outcome(facts, stored, groups)
    _record_counts(connection, batch_id, outcome)
    _executemany(
        connection,
        "INSERT INTO nps_answers (batch_id, customer_id, day, score) VALUES (?, ?, ?, ?)",
        ((batch_id, c, d, s) for c, d, s in facts.answers),
    )
    _executemany(
        connection,
        "INSERT INTO campaigns (batch_id, day, channel, reached, cost_cents) VALUES (?, ?, ?, ?, ?)",
        ((batch_id, *row) for row in facts.campaigns),
    )
    progress(_SCALE, _SCALE)
    return dataclasses.replace(outcome, batch_id=batch_id)


def _insert_batch(connection: Connection, batch: BatchInfo) -> int:
    """Insert the batch row; its counts follow in :func:`_record_counts`."""
    files = [{"name": f.name, "size": f.size, "sha256": f.sha256} for f in batch.files]
    cursor = _cursor(connection)
    mark = _placeholder(connection)
    try:
        cursor.execute(
            "INSERT INTO import_batches (created_at, status, files_json, counts_json, mappings_json)"
            f" VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
            (
                batch.created_at,
                "done",
                json.dumps(files, ensure_ascii=False),
                "{}",
                json.dumps(list(batch.mappings), ensure_ascii=False),
            ),
        )
    finally:
        cursor.close()
    return int(_scalar(connection, "SELECT MAX(id) FROM import_batches"))


def _record_counts(
    connection: Connection, batch_id: int, outcome: WriteOutcome
) -> None:
    counts: dict[str, Any] = outcome.counts()
    counts["sheets"] = [dataclasses.asdict(s) for s in outcome.sheets]
    mark = _placeholder(connection)
    cursor = _cursor(connection)
    try:
        cursor.execute(
            f"UPDATE import_batches SET counts_json = {mark} WHERE id = {mark}",
            (json.dumps(counts, ensure_ascii=False), batch_id),
        )
    finally:
        cursor.close()


def _write_customers(
    connection: Connection, book: _CustomerBook, batch_id: int
) -> None:
    created = [c for c in book.by_id.values() if c.created]
    if created:
        # Column by column; a column empty for every new customer is left
        # to its default (NULL) instead of binding a None per row.
        names = ["id", "key"]
        values: list[Sequence[Any]] = [
            [c.id for c in created],
            [c.key for c in created],
        ]
        filled = set(chain.from_iterable(c.values for c in created))
        for column in _COLUMNS:
            if column in filled:
                column_values = [c.values.get(column) for c in created]
                if column_values.count(None) < len(column_values):
                    names.append(column)
                    values.append(column_values)
        _insert_columns(
            connection, "customers", names, values, same={"created_batch_id": batch_id}
        )
    if created and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('customers', 'id'), (SELECT MAX(id) FROM customers))"
        )
    # Fills of stored customers: one UPDATE per filled column.
    created_ids = {c.id for c in created}
    by_column: dict[str, list[tuple[Any, int]]] = {}
    for (customer_id, column), value in book.fills.items():
        if customer_id not in created_ids:
            by_column.setdefault(column, []).append((value, customer_id))
    for column, rows in by_column.items():
        _executemany(
            connection, f"UPDATE customers SET {column} = ? WHERE id = ?", rows
        )
    _executemany(
        connection,
        "INSERT INTO customer_field_fills (customer_id, field, batch_id, value) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (customer_id, field) DO UPDATE SET batch_id = excluded.batch_id, value = excluded.value",
        (
            (customer_id, column, batch_id, _text(value))
            for (customer_id, column), value in book.fills.items()
        ),
    )


def _insert_orders(connection: Connection, groups: _OrderGroups) -> None:
    """Insert orders straight from the grouping (``order_lines`` held only this import's lines)."""
    connection.exec_driver_sql("DELETE FROM orders")
    if connection.dialect.name == "postgresql":
        # As rebuild_orders: ids restart at 1, as SQLite's do in an empty table.
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), 1, false)"
        )
    _insert_columns(
        connection,
        "orders",
        ("customer_id", "order_ref", "day", "amount_cents", "line_count"),
        (
            groups.customer_id.tolist(),
            groups.order_ref,
            groups.day.tolist(),
            groups.amount.tolist(),
            groups.lines.tolist(),
        ),
    )


# --------------------------------------------------------------------------
# Whole units of work on a database


def read_remembered_mappings(database: Database) -> dict[str, dict[str, Any]]:
    """The mappings users confirmed, by header signature (JSON form)."""
    with database.read() as connection:
        stored = get_setting(connection, REMEMBERED_MAPPINGS, {})
    return dict(stored) if isinstance(stored, dict) else {}


def _failure(database: Database, error: BaseException) -> ImportWriteError:
    return ImportWriteError(
        Message(
            WRITE_FAILED,
            {
                "location": database.location,
                "error": str(error) or type(error).__name__,
            },
        )
    )


def _database_errors(database: Database) -> tuple[type[BaseException], ...]:
    from sqlalchemy.exc import SQLAlchemyError

    dbapi = database.engine.dialect.loaded_dbapi
    return (SQLAlchemyError, dbapi.Error)


def dry_run_import(
    database: Database,
    sheets: Sequence[NormalizedSheet],
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> WriteOutcome:
    """What :func:`import_sheets` would do now, computed on a read connection.

    Raises
    ------
    ImportWriteError
        The database could not be read.
    Cancelled
        ``is_cancelled()`` became true.
    """
    try:
        with database.read() as connection:
            return write_import(connection, sheets, None, progress, is_cancelled)
    except _database_errors(database) as error:
        raise _failure(database, error) from error


def import_sheets(
    database: Database,
    sheets: Sequence[NormalizedSheet],
    batch: BatchInfo,
    remember: Mapping[str, dict[str, Any]] | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> WriteOutcome:
    """Store one import in one write transaction (``BEGIN IMMEDIATE``).

    Parameters
    ----------
    database
        The business database.
    sheets, batch, progress, is_cancelled
        As for :func:`write_import`.
    remember
        Mappings to remember by header signature (merged into the stored
        ones in the same transaction).

    Raises
    ------
    ImportWriteError
        The database refused a write; everything was rolled back.
    Cancelled
        ``is_cancelled()`` became true; everything was rolled back.
    """
    try:
        with database.write(bulk=True) as connection:
            outcome = write_import(connection, sheets, batch, progress, is_cancelled)
            if remember:
                stored = get_setting(connection, REMEMBERED_MAPPINGS, {})
                merged = dict(stored) if isinstance(stored, dict) else {}
                merged.update(remember)
                set_setting(connection, REMEMBERED_MAPPINGS, merged)
            return outcome
    except _database_errors(database) as error:
        raise _failure(database, error) from error
