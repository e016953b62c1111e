"""Understanding spreadsheets: plans and normalised columns for the import (core layer).

Pure Python + numpy.  The readers in :mod:`clmdesk.fileio.readers` turn a
file into a :class:`RawWorkbook`; this package decides what each sheet is
and converts it, following DOMAIN.md "Data" to the letter.

Pipeline and hand-off API
-------------------------
``clmdesk.fileio.readers.plan_file(path, options=ImportOptions()) -> FilePlan``
    Read the file (raises :class:`clmdesk.fileio.errors.ReadError`, whose
    ``.message`` names the file) and plan each sheet.
    ``clmdesk.fileio.readers.read_file(path, options) -> RawWorkbook`` reads
    without planning.  ``FilePlan.workbook`` keeps the raw data so nothing
    is read twice.

:func:`plan_workbook` ``(workbook, options) -> FilePlan`` and :func:`plan_sheet` ``(sheet, options) -> SheetPlan``
    Find the header row (it may sit below title lines), map columns to
    :class:`Field` by header synonyms (pt/en; accents, case, punctuation and
    units such as ``(R$)`` ignored) and by value sniffing where headers say
    nothing, decide the :class:`Role`, and detect every mapped column's date
    order (day-first / month-first, or ambiguous) and decimal mark.  A sheet
    whose :attr:`SheetPlan.signature` is in ``options.remembered`` takes the
    remembered mapping.

``SheetPlan.with_mapping(fields, role, date_orders)`` then :func:`refine_plan` ``(sheet, plan, options)``
    What the wizard calls after the user edits a mapping: the edited columns
    become ``source="user"``, and :func:`refine_plan` redetects the formats of
    the columns now mapped and recomputes the role's issues.

:func:`convert_sheet` ``(sheet, plan, today) -> NormalizedSheet``
    Convert the whole sheet column by column (a format is detected once per
    column, then every value of the column is converted with it; unique
    values are parsed once).  Never raises for bad data: bad rows become
    :class:`RejectedRow` with a :class:`~clmdesk.core.messages.Message`
    reason; rows without a customer key are counted as anonymous.
    ``rows_read == rows_valid + anonymous_rows + len(rejected)`` always.
    ``today`` is the import day: later dates are rejected, as are dates
    before 1900-01-01.

:func:`line_identities` ``(orders) -> list[bytes]``
    DOMAIN.md line identity (customer key, order id, date and time, every
    mapped value, n-th identical line within the sheet) as compact digests,
    for "already imported" detection by the write half.

:func:`header_signature` ``(headers) -> str``
    Stable signature of a header row (normalised texts), the key under which
    a confirmed mapping (:meth:`SheetPlan.saved_mapping`) is remembered.

Conventions (day numbers, cents, ``NO_DAY``/``NO_TIME``/``NO_INT``, source
row numbers) are described in :mod:`clmdesk.core.importing.records`.

Decisions worth knowing
-----------------------
* Customer key per row: the customer-id column if mapped and not empty,
  else the e-mail, else the document (:class:`KeySource` says which).
* A row with a problem (empty or invalid date, invalid amount, implausible
  date, invalid NPS score) is rejected even if it also has no customer;
  otherwise a row with no key is anonymous.  In a customers sheet a row with
  no key is rejected (a customer without a key cannot be kept).
* Order amount: the amount column if mapped; else quantity x unit price; a
  unit price alone counts as quantity 1.  An empty quantity or price rejects
  the row.
* An e-mail without ``@`` is no e-mail (``None``); a document or phone
  keeps its digits only.
* A sheet planned as ``IGNORE`` reads no rows (``rows_read == 0``); its
  ``SheetPlan.data_rows`` still says how many it has, for the summary.
* Ids are ``str``; ``NO_TIME`` (-1) is "no time of day", ``NO_DAY`` and
  ``NO_INT`` are the int32/int64 minimums: test with ``==``, never with ``<``.
* An all-ambiguous text date column (every value fits both orders) is
  read day-first; the plan flags it ``date_order_ambiguous`` unless the
  sheet looks Brazilian or the user language is pt-BR.
"""

from __future__ import annotations

from clmdesk.core.importing.convert import convert_sheet, day_number
from clmdesk.core.importing.headers import (
    header_signature,
    match_header,
    normalize_header,
)
from clmdesk.core.importing.identity import IDENTITY_VERSION, line_identities
from clmdesk.core.importing.plan import plan_sheet, plan_workbook, refine_plan
from clmdesk.core.importing.records import (
    NO_DAY,
    NO_INT,
    NO_TIME,
    CampaignColumns,
    Cell,
    ColumnPlan,
    CustomerColumns,
    DateOrder,
    Field,
    FilePlan,
    ImportOptions,
    KeySource,
    NormalizedSheet,
    NpsColumns,
    NumberFormat,
    OrderColumns,
    RawSheet,
    RawWorkbook,
    RejectedRow,
    Role,
    SavedMapping,
    SheetPlan,
    TextCodes,
)

__all__ = [
    "IDENTITY_VERSION",
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
    "convert_sheet",
    "day_number",
    "header_signature",
    "line_identities",
    "match_header",
    "normalize_header",
    "plan_sheet",
    "plan_workbook",
    "refine_plan",
]
