"""Planning a sheet: header row, column mapping, role and value formats (core layer).

The planner never converts data; it decides how :func:`convert_sheet`
will.  Steps, per sheet:

1. the header row: among the first rows, the one whose cells best match
   known headers; failing that, the first full row of labels above rows of
   values; failing that, no header (every row is data);
2. a remembered mapping when the header signature is known;
3. header synonyms, then value sniffing for columns the headers leave
   unmapped (e-mails, CPF/CNPJ, phones, states, dates; and, when the
   headers mapped no money, numbers: ids, quantities, prices, amounts);
4. the role, from the mapped fields;
5. per mapped column, the date order and decimal mark, from all its
   distinct text values (:func:`~clmdesk.core.importing.columns.sheet_columns`
   keeps the column's cells, types and distinct values for the conversion).
"""

from __future__ import annotations

import dataclasses
from itertools import islice
from typing import TYPE_CHECKING

from clmdesk.core.importing.columns import sheet_columns
from clmdesk.core.importing.headers import header_signature, match_header
from clmdesk.core.importing.messages import (
    PLAN_AMBIGUOUS_DATES,
    PLAN_EMPTY_SHEET,
    PLAN_MISSING_AMOUNT,
    PLAN_MISSING_DATE,
    PLAN_MISSING_KEY,
    PLAN_NO_COLUMNS,
)
from clmdesk.core.importing.records import (
    ColumnPlan,
    Field,
    FilePlan,
    ImportOptions,
    NumberFormat,
    RawSheet,
    RawWorkbook,
    Role,
    SheetPlan,
)
from clmdesk.core.importing.sniff import (
    ColumnProfile,
    looks_like_value,
    profile_column,
)
from clmdesk.core.importing.values import (
    detect_date_order,
    detect_decimal_mark,
    is_blank,
)
from clmdesk.core.messages import Message

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clmdesk.core.importing.records import Cell

__all__ = [
    "DATE_FIELDS",
    "FIRST_ROWS_FIELDS",
    "NUMBER_FIELDS",
    "column_values",
    "data_rows",
    "find_header_row",
    "plan_sheet",
    "plan_workbook",
    "refine_plan",
]

DATE_FIELDS = frozenset({Field.DATE, Field.REGISTERED, Field.NPS_DATE})
NUMBER_FIELDS = frozenset(
    {
        Field.AMOUNT,
        Field.QUANTITY,
        Field.UNIT_PRICE,
        Field.COST,
        Field.REACHED,
        Field.NPS_SCORE,
    }
)
KEY_FIELDS = (Field.CUSTOMER_ID, Field.EMAIL, Field.DOCUMENT)
CUSTOMER_DETAIL_FIELDS = frozenset(
    {
        Field.NAME, Field.EMAIL, Field.PHONE, Field.DOCUMENT, Field.CITY, Field.STATE,
        Field.REGISTERED, Field.CHANNEL, Field.REFERRED_BY,
    }
)  # fmt: skip
#: Fields conversion reads on each customer's first rows only (not on every row).
FIRST_ROWS_FIELDS = frozenset(
    {Field.NAME, Field.PHONE, Field.CITY, Field.STATE, Field.REFERRED_BY}
)
_HEADER_SCAN = 30
_SAMPLE = 2000


def plan_workbook(
    workbook: RawWorkbook, options: ImportOptions | None = None
) -> FilePlan:
    """Plan every sheet of a workbook.

    Parameters
    ----------
    workbook
        As read by :func:`clmdesk.fileio.readers.read_file`.
    options
        Language, remembered mappings, date-order decisions.

    Returns
    -------
    FilePlan
    """
    options = options or ImportOptions()
    return FilePlan(
        workbook=workbook,
        sheets=tuple(plan_sheet(sheet, options) for sheet in workbook.sheets),
    )


def data_rows(
    sheet: RawSheet, plan: SheetPlan
) -> tuple[Sequence[Sequence[Cell]], Sequence[int]]:
    """The data rows of a sheet under a plan (rows below the header) and their row numbers."""
    start = 0 if plan.header_row is None else plan.header_row + 1
    return sheet.rows[start:], sheet.row_numbers[start:]


def column_values(rows: Sequence[Sequence[Cell]], index: int) -> list[Cell]:
    """One column of ``rows`` as a list (``""`` where a short row has no cell)."""
    try:
        return [row[index] for row in rows]
    except IndexError:
        return [row[index] if index < len(row) else "" for row in rows]


def _is_label(value: Cell) -> bool:
    return (
        isinstance(value, str) and not is_blank(value) and not looks_like_value(value)
    )


def find_header_row(rows: Sequence[Sequence[Cell]]) -> int | None:
    """Index of the header row among ``rows``, or ``None`` when there is none.

    Title lines above the header ("Relatório de vendas", "Gerado em …") have
    fewer cells than the header and are skipped.
    """
    head = list(islice(rows, _HEADER_SCAN))
    if not head:
        return None
    filled = [sum(1 for v in row if not is_blank(v)) for row in head]
    widest = max(filled)
    best, best_score = None, 0.0
    for index, row in enumerate(head):
        if filled[index] < min(2, widest):
            continue
        matched = sum(
            m[1] for v in row if _is_label(v) and (m := match_header(v)) is not None
        )
        if matched > best_score:
            best, best_score = index, matched
    if best is not None and best_score >= min(1.5, max(widest, 1) * 0.5):
        return best
    for index, row in enumerate(head[:-1]):
        if filled[index] < max(2, (widest + 1) // 2) and widest >= 2:
            continue
        cells = [v for v in row if not is_blank(v)]
        if not cells or not all(_is_label(v) for v in cells):
            continue
        below = head[index + 1 : index + 6]
        if any(looks_like_value(v) for r in below for v in r):
            return index
    return best


def _headers(sheet: RawSheet, header_row: int | None) -> list[Cell]:
    if header_row is None:
        return [""] * sheet.width
    row = list(sheet.rows[header_row])
    return row + [""] * (sheet.width - len(row))


def plan_sheet(sheet: RawSheet, options: ImportOptions | None = None) -> SheetPlan:
    """Plan one sheet.

    Parameters
    ----------
    sheet
        The raw sheet.
    options
        Language, remembered mappings, date-order decisions.

    Returns
    -------
    SheetPlan
        Always a plan: an empty or unrecognisable sheet gets role
        :attr:`Role.IGNORE` and an issue saying why.
    """
    options = options or ImportOptions()
    if not sheet.rows:
        return SheetPlan(
            file=sheet.file,
            sheet=sheet.name,
            header_row=None,
            header_row_number=None,
            role=Role.IGNORE,
            columns=(),
            signature=header_signature([]),
            confidence=0.0,
            issues=(Message(PLAN_EMPTY_SHEET, {"sheet": sheet.name}),),
        )
    header_row = find_header_row(sheet.rows)
    headers = _headers(sheet, header_row)
    signature = header_signature(headers)
    start = 0 if header_row is None else header_row + 1
    sample_rows = sheet.rows[start : start + _SAMPLE]
    columns = [
        ColumnPlan(index=i, header="" if is_blank(h) else str(h).strip())
        for i, h in enumerate(headers)
    ]
    remembered = options.remembered.get(signature)
    languages: list[str] = []
    if remembered is not None and len(remembered.fields) == len(columns):
        columns = [
            dataclasses.replace(
                c,
                field=Field(f) if f else None,
                confidence=1.0 if f else 0.0,
                source="remembered" if f else "",
            )
            for c, f in zip(columns, remembered.fields, strict=True)
        ]
        role = remembered.role
    else:
        columns = _map_by_headers(columns, languages)
        profiles = [
            profile_column(column_values(sample_rows, c.index)) for c in columns
        ]
        columns = _map_by_values(columns, profiles)
        role = _decide_role(columns)
        columns = _fit_to_role(columns, role)
    plan = SheetPlan(
        file=sheet.file,
        sheet=sheet.name,
        header_row=header_row,
        header_row_number=None if header_row is None else sheet.row_numbers[header_row],
        role=role,
        columns=tuple(columns),
        signature=signature,
        confidence=0.0,
        data_rows=len(sheet.rows) - start,
        locale=_sheet_locale(sheet, languages, options),
    )
    return refine_plan(sheet, plan, options)


def refine_plan(
    sheet: RawSheet, plan: SheetPlan, options: ImportOptions | None = None
) -> SheetPlan:
    """Recompute formats, confidence and issues of a plan (after the wizard edited it).

    Detects, from every distinct value of each mapped column, the date
    order of date columns and the decimal mark of number columns; a date
    order the user chose (``options.date_orders`` or ``source="user"``
    columns already carrying one) is kept.
    """
    options = options or ImportOptions()
    data = sheet_columns(sheet, 0 if plan.header_row is None else plan.header_row + 1)
    # Conversion will want every mapped column on every row, but for the
    # customer details (it reads those on each customer's first rows only).
    data.load(
        c.index
        for c in plan.columns
        if c.field is not None and c.field not in FIRST_ROWS_FIELDS
    )
    brazilian = plan.locale == "pt_BR" or options.language == "pt_BR"
    marks: dict[int, NumberFormat | None] = {}
    for column in plan.columns:
        if column.field in NUMBER_FIELDS:
            distinct = data[column.index].distinct_texts()
            mark, _undecided = detect_decimal_mark(distinct)
            if mark is None and distinct:
                mark = (
                    NumberFormat.DECIMAL_COMMA
                    if brazilian
                    else NumberFormat.DECIMAL_POINT
                )
            marks[column.index] = mark
            # Decimal commas are a Brazilian sign for the dates too.
            brazilian = brazilian or mark == NumberFormat.DECIMAL_COMMA
    columns = []
    issues: list[Message] = []
    for column in plan.columns:
        new = dataclasses.replace(
            column,
            date_order=None,
            date_order_chosen=False,
            date_order_ambiguous=False,
            number_format=marks.get(column.index),
        )
        if column.field in DATE_FIELDS:
            distinct = data[column.index].distinct_texts()
            order, ambiguous = detect_date_order(distinct)
            chosen = options.date_orders.get((plan.sheet, column.index))
            if chosen is None and column.date_order_chosen:
                chosen = column.date_order
            if chosen is not None and order is not None:
                order, ambiguous = chosen, False
            elif ambiguous and brazilian:
                ambiguous = False
            new = dataclasses.replace(
                new,
                date_order=order,
                date_order_ambiguous=ambiguous,
                date_order_chosen=column.date_order_chosen or chosen is not None,
            )
            if ambiguous:
                issues.append(
                    Message(
                        PLAN_AMBIGUOUS_DATES,
                        {
                            "sheet": plan.sheet,
                            "column": column.header or str(column.index + 1),
                            "order": "dd/mm/yyyy",
                        },
                    )
                )
        columns.append(new)
    plan = dataclasses.replace(plan, columns=tuple(columns))
    issues = _role_issues(plan) + issues
    return dataclasses.replace(plan, issues=tuple(issues), confidence=_confidence(plan))


def _map_by_headers(
    columns: list[ColumnPlan], languages: list[str]
) -> list[ColumnPlan]:
    best: dict[Field, tuple[float, int]] = {}
    matches: dict[int, tuple[Field, float]] = {}
    for column in columns:
        found = match_header(column.header) if column.header else None
        if found is None:
            continue
        field_, confidence, language = found
        if language:
            languages.append(language)
        matches[column.index] = (field_, confidence)
        known = best.get(field_)
        # The most certain column wins a field; on a tie, the leftmost.
        if known is None or confidence > known[0]:
            best[field_] = (confidence, column.index)
    result = []
    for column in columns:
        match = matches.get(column.index)
        if match and best[match[0]][1] == column.index:
            source = "header" if match[1] >= 1.0 else "keyword"
            column = dataclasses.replace(
                column, field=match[0], confidence=match[1], source=source
            )
        result.append(column)
    return result


def _map_by_values(
    columns: list[ColumnPlan], profiles: list[ColumnProfile]
) -> list[ColumnPlan]:
    taken = {c.field for c in columns if c.field is not None}
    result = list(columns)

    def assign(index: int, field_: Field) -> None:
        result[index] = dataclasses.replace(
            result[index], field=field_, confidence=0.5, source="values"
        )
        taken.add(field_)

    free = [c.index for c in columns if c.field is None and profiles[c.index].filled]
    _split_customer_code_and_name(result, profiles, free, taken)
    free = [i for i in free if result[i].field is None]
    for index in free:
        p = profiles[index]
        for share, field_ in (
            (p.email, Field.EMAIL),
            (p.document, Field.DOCUMENT),
            (p.phone, Field.PHONE),
            (p.state, Field.STATE),
            (p.date, Field.DATE),
        ):
            if share >= 0.8 and field_ not in taken:
                assign(index, field_)
                break
    if taken & {Field.AMOUNT, Field.UNIT_PRICE}:
        return result
    # Headers mapped no money: read the numbers.
    numeric = [i for i in free if result[i].field is None and profiles[i].number >= 0.9]
    decimals = [i for i in numeric if profiles[i].integral < 0.8]
    integers = [i for i in numeric if profiles[i].integral >= 0.8]
    ids = [
        i for i in integers if profiles[i].minimum >= 0 and profiles[i].maximum >= 1000
    ]
    quantities = [i for i in integers if i not in ids and profiles[i].small >= 0.95]
    if decimals:
        if len(decimals) >= 2 and quantities:
            assign(decimals[0], Field.UNIT_PRICE)
            assign(quantities[0], Field.QUANTITY)
        else:
            assign(decimals[0], Field.AMOUNT)
    # The customer-id column is the key whenever there is one (DOMAIN.md identity);
    # an e-mail or document guessed from values does not stop the search.
    has_key = any(c.field in KEY_FIELDS and c.source != "values" for c in result)
    ids.sort(key=lambda i: profiles[i].contiguous)
    for index in ids:
        p = profiles[index]
        if p.contiguous >= 0.9 and Field.ORDER_ID not in taken and len(ids) > 1:
            assign(index, Field.ORDER_ID)
        elif not has_key and Field.CUSTOMER_ID not in taken:
            assign(index, Field.CUSTOMER_ID)
            has_key = True
    for index in free:
        if (
            result[index].field is None
            and profiles[index].name >= 0.8
            and Field.NAME not in taken
        ):
            assign(index, Field.NAME)
    return result


def _split_customer_code_and_name(
    result: list[ColumnPlan],
    profiles: list[ColumnProfile],
    free: list[int],
    taken: set[Field],
) -> None:
    """Tell the customer's code from its name when both headers say customer id.

    ERPs export the code ("Código do cliente") and the name ("Cliente") side
    by side; both headers mean customer id and the first one takes it.  The
    column whose values look like names becomes the name, the other one the
    key.
    """
    rivals = [
        i
        for i in free
        if result[i].header
        and (found := match_header(result[i].header)) is not None
        and found[0] is Field.CUSTOMER_ID
    ]
    if not rivals or Field.NAME in taken:
        return
    key = next(
        (
            c.index
            for c in result
            if c.field is Field.CUSTOMER_ID and c.source != "values"
        ),
        None,
    )
    if key is None:
        return
    names = [i for i in rivals if profiles[i].name >= 0.8]
    if profiles[key].name >= 0.8:
        codes = [i for i in rivals if profiles[i].name < 0.5]
        if not codes:
            return
        # The key column holds names: the code column takes the key.
        winner = result[key]
        result[codes[0]] = dataclasses.replace(
            result[codes[0]],
            field=Field.CUSTOMER_ID,
            confidence=winner.confidence,
            source=winner.source,
        )
        names = [key]
    if names:
        result[names[0]] = dataclasses.replace(
            result[names[0]], field=Field.NAME, confidence=0.5, source="values"
        )
        taken.add(Field.NAME)


def _decide_role(columns: Sequence[ColumnPlan]) -> Role:
    fields = {c.field for c in columns if c.field is not None}
    money = bool(fields & {Field.AMOUNT, Field.UNIT_PRICE})
    key = bool(fields & set(KEY_FIELDS))
    if (Field.DATE in fields and money) or (
        Field.ORDER_ID in fields and (money or Field.DATE in fields)
    ):
        return Role.ORDERS
    if Field.NPS_SCORE in fields and key:
        # An NPS sheet is keys, dates and scores; with customer details it is a customers sheet.
        details = fields & (CUSTOMER_DETAIL_FIELDS - {Field.EMAIL, Field.DOCUMENT})
        return Role.CUSTOMERS if details else Role.NPS
    if fields & {Field.REACHED, Field.COST} and (Field.DATE in fields) and not key:
        return Role.CAMPAIGNS
    if key:
        return Role.CUSTOMERS
    return Role.IGNORE


def _fit_to_role(columns: list[ColumnPlan], role: Role) -> list[ColumnPlan]:
    """Give generic fields their meaning in the role (a customers sheet's date is its registration)."""
    fields = {c.field for c in columns}
    renames: dict[Field, Field] = {}
    if (
        role == Role.CUSTOMERS
        and Field.DATE in fields
        and Field.REGISTERED not in fields
    ):
        renames[Field.DATE] = Field.REGISTERED
    if role == Role.NPS and Field.NPS_DATE in fields and Field.DATE not in fields:
        renames[Field.NPS_DATE] = Field.DATE
    if role == Role.CAMPAIGNS and Field.AMOUNT in fields and Field.COST not in fields:
        renames[Field.AMOUNT] = Field.COST
    if not renames:
        return columns
    return [
        dataclasses.replace(c, field=renames[c.field]) if c.field in renames else c
        for c in columns
    ]


def _required(role: Role) -> tuple[tuple[Field, ...], ...]:
    if role == Role.ORDERS:
        return ((Field.DATE,), (Field.AMOUNT, Field.UNIT_PRICE), KEY_FIELDS)
    if role == Role.CUSTOMERS:
        return (KEY_FIELDS,)
    if role == Role.NPS:
        return (KEY_FIELDS, (Field.NPS_SCORE,))
    if role == Role.CAMPAIGNS:
        return ((Field.DATE,), (Field.REACHED, Field.COST))
    return ()


def _confidence(plan: SheetPlan) -> float:
    if plan.role == Role.IGNORE:
        return 0.0
    by_field = {c.field: c.confidence for c in plan.columns if c.field is not None}
    scores = []
    for choices in _required(plan.role):
        present = [by_field[f] for f in choices if f in by_field]
        scores.append(max(present) if present else 0.2)
    return min(scores) if scores else 0.0


def _role_issues(plan: SheetPlan) -> list[Message]:
    params = {"sheet": plan.sheet}
    fields = {c.field for c in plan.columns if c.field is not None}
    if plan.role == Role.IGNORE:
        return [Message(PLAN_NO_COLUMNS, params)]
    issues = []
    if plan.role in (Role.ORDERS, Role.CAMPAIGNS) and Field.DATE not in fields:
        issues.append(Message(PLAN_MISSING_DATE, params))
    if plan.role == Role.ORDERS and not fields & {Field.AMOUNT, Field.UNIT_PRICE}:
        issues.append(Message(PLAN_MISSING_AMOUNT, params))
    if plan.role in (Role.ORDERS, Role.NPS, Role.CUSTOMERS) and not fields & set(
        KEY_FIELDS
    ):
        issues.append(Message(PLAN_MISSING_KEY, params))
    return issues


def _sheet_locale(sheet: RawSheet, languages: list[str], options: ImportOptions) -> str:
    if sheet.locale_hint == "pt_BR":
        return "pt_BR"
    pt, en = languages.count("pt"), languages.count("en")
    if pt > en:
        return "pt_BR"
    if en > pt:
        return ""
    return "pt_BR" if options.language == "pt_BR" else ""
