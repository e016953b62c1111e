"""Hand-off types of the import: raw sheets in, plans, normalised columns out (core layer).

The import runs in three steps, and these frozen types are what passes
between them::

    fileio.readers.read_file(path)       -> RawWorkbook (RawSheet per sheet)
    core.importing.plan_workbook(raw)    -> FilePlan    (SheetPlan per sheet)
    core.importing.convert_sheet(sheet, plan, today) -> NormalizedSheet

``fileio.plan_file(path, options)`` does the first two at once.  The wizard
shows and edits the :class:`SheetPlan` (``SheetPlan.with_mapping``), the
write half stores the :class:`NormalizedSheet`.

Conventions shared by every array below:

* dates are ``int`` day numbers, days since 1970-01-01
  (``date.toordinal() - 719163``); a missing date is :data:`NO_DAY`;
* a missing time of day is :data:`NO_TIME`, otherwise seconds since midnight;
* money is ``int`` cents (``numpy.int64``); a missing amount is :data:`NO_INT`;
* text columns are plain lists of ``str | None`` (``None`` = empty cell),
  already trimmed and normalised (ids ``12346.0`` -> ``"12346"``, e-mails
  lower-cased, documents and phones reduced to digits);
* ``row_numbers`` are the 1-based row numbers of the source sheet (the
  numbers a person sees in Excel, or the line number of a CSV), so every
  report can point at the exact row.

Every source data row (a non-empty row below the header row) ends up in
exactly one place: a valid row of the role's columns, an anonymous row (no
customer key; counted and reported, not stored) or a :class:`RejectedRow`.
``NormalizedSheet.rows_read == rows_valid + anonymous_rows + len(rejected)``
always holds.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    import numpy.typing as npt

    from clmdesk.core.messages import Message

__all__ = [
    "NO_DAY",
    "NO_INT",
    "NO_TIME",
    "CampaignColumns",
    "Cell",
    "ColumnPlan",
    "CustomerColumns",
    "DateOrder",
    "Field",
    "FilePlan",
    "ImportOptions",
    "KeySource",
    "NormalizedSheet",
    "NpsColumns",
    "NumberFormat",
    "OrderColumns",
    "RawSheet",
    "RawWorkbook",
    "RejectedRow",
    "Role",
    "SavedMapping",
    "SheetPlan",
    "TextCodes",
]

#: A cell value as the readers hand it over.  ``""`` (or ``None``) is an
#: empty cell; calamine gives ``float`` for every number, ``date``/``datetime``
#: for date-formatted cells; CSV gives ``str`` only.
Cell = str | float | int | bool | date | datetime | time | timedelta | None

#: Day number of a missing date (``numpy.int32`` arrays).
NO_DAY = np.iinfo(np.int32).min
#: Seconds-of-day of a value without a time of day (``numpy.int32`` arrays).
NO_TIME = -1
#: A missing integer (cents, counts) in ``numpy.int64`` arrays.
NO_INT = np.iinfo(np.int64).min


class Role(StrEnum):
    """What a sheet holds."""

    ORDERS = "orders"
    CUSTOMERS = "customers"
    NPS = "nps"
    CAMPAIGNS = "campaigns"
    IGNORE = "ignore"


class Field(StrEnum):
    """A field a column can be mapped to (DOMAIN.md "Data").

    ``DATE`` is the date of the row's event: the order date in an orders
    sheet, the answer date in an NPS sheet, the date or month of a campaign.
    A customers sheet uses ``REGISTERED`` (and ``NPS_DATE`` for the date of an
    NPS score kept on the customer).
    """

    CUSTOMER_ID = "customer_id"
    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    DOCUMENT = "document"
    CITY = "city"
    STATE = "state"
    REGISTERED = "registered"
    CHANNEL = "channel"
    REFERRED_BY = "referred_by"
    NPS_SCORE = "nps_score"
    NPS_DATE = "nps_date"
    ORDER_ID = "order_id"
    DATE = "date"
    AMOUNT = "amount"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"
    STATUS = "status"
    REACHED = "reached"
    COST = "cost"


class KeySource(IntEnum):
    """Which column gave a row its customer key (DOMAIN.md identity rules)."""

    NONE = 0
    CUSTOMER_ID = 1
    EMAIL = 2
    DOCUMENT = 3


class DateOrder(StrEnum):
    """How a text date column orders day and month (``yyyy-mm-dd`` is unambiguous)."""

    DAY_FIRST = "day_first"
    MONTH_FIRST = "month_first"


class NumberFormat(StrEnum):
    """Decimal mark of a column's text numbers (real numeric cells need none)."""

    DECIMAL_POINT = "point"  # 1,234.56
    DECIMAL_COMMA = "comma"  # 1.234,56


@dataclass(frozen=True)
class RawSheet:
    """One sheet (or CSV file) as read, before any interpretation.

    Attributes
    ----------
    file
        Display name of the source file (its base name).
    name
        Sheet name; for a CSV file, the file's base name.
    rows
        The non-empty rows in source order, each a sequence of cells.  Rows
        may have different lengths (CSV); missing trailing cells are empty.
    row_numbers
        1-based source row number of each entry of ``rows``.
    width
        The largest row length.
    locale_hint
        ``"pt_BR"`` when the reader saw Brazilian signs (``;`` delimiter,
        Windows-1252 text), else ``""``; planning also looks at the values.
    """

    file: str
    name: str
    rows: Sequence[Sequence[Cell]]
    row_numbers: Sequence[int]
    width: int
    locale_hint: str = ""

    @property
    def cells(self) -> int:
        """Number of cells read (rows x width), the figure the cell cap counts."""
        return len(self.rows) * self.width


@dataclass(frozen=True)
class RawWorkbook:
    """Every sheet of one file, as read.

    Attributes
    ----------
    path
        The file's full path, as given.
    file
        Display name (base name).
    size
        Size in bytes.
    sha256
        Hex SHA-256 of the file's bytes (for the import batch).
    sheets
        The sheets in workbook order; empty sheets are kept (with no rows)
        so that the plan can say they are empty.
    """

    path: str
    file: str
    size: int
    sha256: str
    sheets: tuple[RawSheet, ...]


@dataclass(frozen=True)
class ImportOptions:
    """Knobs of reading and planning.

    Attributes
    ----------
    language
        The interface language, ``"pt_BR"`` or ``"en"``; a pt-BR user makes an
        all-ambiguous date column day-first without asking.
    max_cells
        Cap on the actual cells read per file (declared dimensions are
        ignored); a file above it is refused with a clear message.
    remembered
        Mappings the user confirmed earlier, by header signature
        (:attr:`SheetPlan.signature`); a sheet with a known signature is
        planned with the remembered mapping.
    date_orders
        Decisions the user made in the wizard for ambiguous date columns,
        by ``(sheet name, column index)``.
    """

    language: str = "en"
    max_cells: int = 20_000_000
    remembered: Mapping[str, SavedMapping] = field(default_factory=dict)
    date_orders: Mapping[tuple[str, int], DateOrder] = field(default_factory=dict)


@dataclass(frozen=True)
class SavedMapping:
    """A confirmed mapping, stored by header signature (JSON-friendly).

    Attributes
    ----------
    role
        The sheet's role.
    fields
        One entry per column: the field's value (``Field.value``) or ``None``.
    """

    role: Role
    fields: tuple[str | None, ...]

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable form (for ``app_settings``)."""
        return {"role": self.role.value, "fields": list(self.fields)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SavedMapping:
        """Rebuild a mapping saved with :meth:`to_json`."""
        return cls(Role(data["role"]), tuple(data["fields"]))


@dataclass(frozen=True)
class ColumnPlan:
    """How one column is read.

    Attributes
    ----------
    index
        0-based column index in the sheet.
    header
        The header text as written (``""`` without a header row).
    field
        The field it is mapped to, or ``None`` (not imported).
    confidence
        1.0 for an exact header synonym, ~0.8 for a header keyword, ~0.5 for
        a mapping guessed from the values alone, 1.0 when remembered.
    source
        ``"header"``, ``"keyword"``, ``"values"``, ``"remembered"``, ``"user"``
        or ``""`` (unmapped).
    date_order
        For a text-date column: the order used.  ``None`` if the column has
        no ambiguous-format text dates.
    date_order_ambiguous
        True when no value settled day-first versus month-first and nothing
        else decided it (the wizard should ask; conversion uses ``date_order``).
    number_format
        For a column with text numbers: the decimal mark used.
    date_order_chosen
        True when the user chose ``date_order`` (kept by ``refine_plan``).
    """

    index: int
    header: str
    field: Field | None = None
    confidence: float = 0.0
    source: str = ""
    date_order: DateOrder | None = None
    date_order_ambiguous: bool = False
    number_format: NumberFormat | None = None
    date_order_chosen: bool = False


@dataclass(frozen=True)
class SheetPlan:
    """What a sheet is and how to read it; shown and edited in the wizard.

    Attributes
    ----------
    file, sheet
        Where the sheet comes from.
    header_row
        0-based index into ``RawSheet.rows`` of the header row, or ``None``
        when the sheet has no header (every row is data).
    header_row_number
        The header's 1-based source row number (``None`` without header).
    role
        The detected (or chosen) role.
    columns
        One :class:`ColumnPlan` per column, in order.
    signature
        :func:`clmdesk.core.importing.headers.header_signature` of the header.
    confidence
        0..1, how sure the detection is (lowest confidence of the fields the
        role needs; 0 for ``IGNORE``).
    issues
        Messages about the plan for the wizard and the CLI (e.g. an empty
        sheet, no recognisable columns, a missing date column).
    data_rows
        Number of data rows (non-empty rows below the header).
    locale
        ``"pt_BR"`` when the sheet looks Brazilian (headers, decimal commas,
        ``;``), else ``""``.
    """

    file: str
    sheet: str
    header_row: int | None
    header_row_number: int | None
    role: Role
    columns: tuple[ColumnPlan, ...]
    signature: str
    confidence: float
    issues: tuple[Message, ...] = ()
    data_rows: int = 0
    locale: str = ""

    @property
    def mapping(self) -> dict[Field, int]:
        """Field -> column index of every mapped column."""
        return {c.field: c.index for c in self.columns if c.field is not None}

    @property
    def ambiguous_date_columns(self) -> tuple[int, ...]:
        """Indices of date columns whose day/month order the user should confirm."""
        return tuple(c.index for c in self.columns if c.date_order_ambiguous)

    def saved_mapping(self) -> SavedMapping:
        """The mapping to remember under :attr:`signature` once confirmed."""
        return SavedMapping(
            self.role,
            tuple(c.field.value if c.field is not None else None for c in self.columns),
        )

    def with_mapping(
        self,
        fields: Mapping[int, Field | None] | None = None,
        role: Role | None = None,
        date_orders: Mapping[int, DateOrder] | None = None,
    ) -> SheetPlan:
        """Return a copy with columns re-mapped, the role or date orders changed.

        A field given to one column is taken away from any other column that
        had it.  Changes count as the user's choice (``source="user"``,
        confidence 1).  Call :func:`clmdesk.core.importing.refine_plan`
        afterwards to recompute number formats and date orders of newly
        mapped columns.
        """
        fields = dict(fields or {})
        date_orders = dict(date_orders or {})
        taken = {f for f in fields.values() if f is not None}
        columns = []
        for column in self.columns:
            new = column
            if column.index in fields:
                new = dataclasses.replace(
                    new, field=fields[column.index], confidence=1.0, source="user"
                )
            elif column.field in taken:
                new = dataclasses.replace(new, field=None, confidence=0.0, source="")
            if column.index in date_orders:
                new = dataclasses.replace(
                    new,
                    date_order=date_orders[column.index],
                    date_order_ambiguous=False,
                    date_order_chosen=True,
                )
            columns.append(new)
        return dataclasses.replace(
            self, columns=tuple(columns), role=role if role is not None else self.role
        )


@dataclass(frozen=True)
class FilePlan:
    """The plan of every sheet of one file, with the data it was made from.

    Attributes
    ----------
    workbook
        The raw data (kept so that conversion needs no second read).
    sheets
        One :class:`SheetPlan` per sheet of ``workbook``, same order.
    """

    workbook: RawWorkbook
    sheets: tuple[SheetPlan, ...]

    def pairs(self) -> list[tuple[RawSheet, SheetPlan]]:
        """(raw sheet, plan) pairs, ready for ``convert_sheet``."""
        return list(zip(self.workbook.sheets, self.sheets, strict=True))


@dataclass(frozen=True)
class RejectedRow:
    """A source row that cannot be imported, and why.

    Attributes
    ----------
    file, sheet
        Where it comes from.
    row_number
        1-based source row number.
    reason
        Why (a :class:`~clmdesk.core.messages.Message` naming the column and value).
    values
        The row's cells as read (for the rejected-rows export).
    """

    file: str
    sheet: str
    row_number: int
    reason: Message
    values: tuple[Cell, ...]


@dataclass(frozen=True)
class CustomerColumns:
    """Customers as columns; one entry per distinct customer key.

    In a customers sheet the entries follow the valid rows (a key met twice
    gives one entry whose empty fields are filled from later rows, first
    non-empty value wins).  An orders or NPS sheet also yields one entry per
    key it mentions, with whatever customer fields that sheet maps.  Fields
    the sheet does not map are ``None`` (the attribute, not the values).

    Attributes
    ----------
    row_numbers
        Source row of each entry's first row.
    key, key_source
        The customer key and where it came from (:class:`KeySource` values).
    name, email, phone, document, city, state, channel, referred_by
        Normalised text, ``None`` per empty value.
    registered_day
        Registration day numbers (``NO_DAY`` when empty).
    nps_score, nps_day
        An NPS score kept on the customer (``-1`` when empty) and its day
        (``NO_DAY`` when undated: DOMAIN says it is kept but placed in no period).
    """

    row_numbers: npt.NDArray[np.int64]
    key: list[str]
    key_source: npt.NDArray[np.int8]
    name: list[str | None] | None = None
    email: list[str | None] | None = None
    phone: list[str | None] | None = None
    document: list[str | None] | None = None
    city: list[str | None] | None = None
    state: list[str | None] | None = None
    channel: list[str | None] | None = None
    referred_by: list[str | None] | None = None
    registered_day: npt.NDArray[np.int32] | None = None
    nps_score: npt.NDArray[np.int8] | None = None
    nps_day: npt.NDArray[np.int32] | None = None

    def __len__(self) -> int:
        return len(self.key)


@dataclass(frozen=True)
class TextCodes:
    """A text column of lines as codes into texts: the list column's values, factorised.

    ``texts[codes[i]]`` is the i-th value (``None`` where the code is -1).
    Code by code, columns of a million lines are hashed or looked up once
    per distinct text instead of once per line.
    """

    codes: npt.NDArray[np.intp]
    texts: Sequence[str]


@dataclass(frozen=True)
class OrderColumns:
    """Valid order lines (one per valid, non-anonymous source row).

    Attributes
    ----------
    row_numbers
        Source row of each line.
    customer_key, key_source
        The line's customer key (never empty here) and its origin.
    email, document
        Normalised aliases on the line (``None`` when the sheet does not map them).
    order_ref
        Normalised order id (``"536365"``) or ``None`` per line; the
        attribute is ``None`` when no order-id column is mapped.
    day
        Calendar day of the line.
    seconds
        Time of day in seconds, or ``NO_TIME``.
    amount_cents
        Line amount in cents: the amount column if mapped, else quantity x
        unit price (a unit price alone counts as quantity 1), computed in
        decimal from each cell's shortest decimal form, rounded half-up.
    quantity, unit_price
        The mapped values as numbers (``nan`` when empty), for line identity;
        ``None`` when not mapped.
    status, channel
        Normalised text, for line identity; ``None`` when not mapped.
    customer_key_codes, order_ref_codes
        The same values as ``customer_key`` and ``order_ref``, factorised,
        when the converter has them (``None`` otherwise).
    """

    row_numbers: npt.NDArray[np.int64]
    customer_key: list[str]
    key_source: npt.NDArray[np.int8]
    email: list[str | None] | None
    document: list[str | None] | None
    order_ref: list[str | None] | None
    day: npt.NDArray[np.int32]
    seconds: npt.NDArray[np.int32]
    amount_cents: npt.NDArray[np.int64]
    quantity: npt.NDArray[np.float64] | None = None
    unit_price: npt.NDArray[np.float64] | None = None
    status: list[str | None] | None = None
    channel: list[str | None] | None = None
    customer_key_codes: TextCodes | None = None
    order_ref_codes: TextCodes | None = None

    def __len__(self) -> int:
        return len(self.customer_key)

    @functools.cached_property
    def identities(self) -> list[bytes]:
        """The lines' identity digests (:func:`~clmdesk.core.importing.line_identities`).

        Computed once: a dry run and the import that reuses its conversion
        share them.
        """
        from clmdesk.core.importing.identity import line_identities

        return line_identities(self)


@dataclass(frozen=True)
class NpsColumns:
    """Valid NPS answers.

    Attributes
    ----------
    row_numbers, customer_key, key_source
        As in :class:`OrderColumns`.
    day
        Answer day, or ``NO_DAY`` for an undated answer (kept on the customer).
    score
        0..10.
    """

    row_numbers: npt.NDArray[np.int64]
    customer_key: list[str]
    key_source: npt.NDArray[np.int8]
    day: npt.NDArray[np.int32]
    score: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.customer_key)


@dataclass(frozen=True)
class CampaignColumns:
    """Valid campaign rows (no customer key: campaigns are never anonymous).

    Attributes
    ----------
    row_numbers
        Source rows.
    day
        The campaign's date; a month (``2024-03``, ``mar/2024``) is its first day.
    channel
        Normalised text or ``None``.
    reached
        People reached, or ``NO_INT``.
    cost_cents
        Cost in cents, or ``NO_INT``.
    """

    row_numbers: npt.NDArray[np.int64]
    day: npt.NDArray[np.int32]
    channel: list[str | None]
    reached: npt.NDArray[np.int64]
    cost_cents: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.row_numbers)


@dataclass(frozen=True)
class NormalizedSheet:
    """One sheet converted: valid rows as columns, anonymous and rejected rows counted.

    Attributes
    ----------
    file, sheet, role
        Origin and role (from the plan).
    rows_read
        Data rows read (non-empty rows below the header).
    rows_valid
        Rows of the role kept (order lines, customer rows, answers,
        campaigns); ``rows_read == rows_valid + anonymous_rows + len(rejected)``.
    orders, nps, campaigns
        The valid rows of the role, or ``None`` for another role.
    customers
        Customers described by the sheet: every valid row of a customers
        sheet, or the distinct keys of an orders/NPS sheet (with their
        customer fields), else ``None``.
    anonymous_row_numbers
        Source rows that are valid but have no customer key.
    rejected
        Rows that cannot be imported, with the reason.
    """

    file: str
    sheet: str
    role: Role
    rows_read: int
    rows_valid: int
    orders: OrderColumns | None = None
    customers: CustomerColumns | None = None
    nps: NpsColumns | None = None
    campaigns: CampaignColumns | None = None
    anonymous_row_numbers: tuple[int, ...] = ()
    rejected: tuple[RejectedRow, ...] = ()

    @property
    def anonymous_rows(self) -> int:
        """Number of valid rows without a customer key."""
        return len(self.anonymous_row_numbers)
