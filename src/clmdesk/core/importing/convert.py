"""Converting a planned sheet into normalised columns (core layer).

:func:`convert_sheet` applies a :class:`SheetPlan` to the rows of a
:class:`RawSheet`, one column at a time (see :mod:`.values`; the columns
themselves, their types and distinct values come from :mod:`.columns`,
shared with planning), validates the rows with numpy masks, and accounts
for every data row: valid, anonymous (no customer key) or rejected with a
reason.  It never raises for bad data.

Customer details (name, phone, city…) are read on each customer's first
rows only: the first row of each key usually has them, so only those cells
are converted, then the rows of the keys still without a value.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from clmdesk.core.importing.columns import (
    ColumnData,
    chunked_array,
    chunked_list,
    index_of,
    pause_if_due,
    sheet_columns,
)
from clmdesk.core.importing.messages import (
    ROW_AMOUNT_EMPTY,
    ROW_DATE_EMPTY,
    ROW_DATE_FUTURE,
    ROW_DATE_TOO_OLD,
    ROW_NO_KEY,
    ROW_NOT_A_DATE,
    ROW_NOT_A_NUMBER,
    ROW_NOT_A_SCORE,
    ROW_NUMBER_TOO_LARGE,
    ROW_VALUE_EMPTY,
)
from clmdesk.core.importing.plan import FIRST_ROWS_FIELDS
from clmdesk.core.importing.records import (
    NO_DAY,
    NO_INT,
    CampaignColumns,
    CustomerColumns,
    Field,
    KeySource,
    NormalizedSheet,
    NpsColumns,
    NumberFormat,
    OrderColumns,
    RejectedRow,
    Role,
    TextCodes,
)
from clmdesk.core.importing.values import (
    DateColumn,
    NumberColumn,
    TextColumn,
    convert_dates,
    convert_numbers,
    detect_date_order,
    detect_decimal_mark,
    document_texts,
    email_texts,
    free_texts,
    id_texts,
    phone_texts,
    product_cents,
    state_texts,
)
from clmdesk.core.messages import Message

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from clmdesk.core.importing.records import Cell, ColumnPlan, RawSheet, SheetPlan

__all__ = ["FIRST_DAY", "convert_sheet", "day_number"]

_Value = TypeVar("_Value", bound=np.generic)

#: Day number of 1900-01-01: earlier dates are placeholders, not real dates.
FIRST_DAY = date(1900, 1, 1).toordinal() - 719163

_TEXT_CONVERTERS: dict[Field, Callable[[ColumnData], TextColumn]] = {
    Field.NAME: free_texts,
    Field.EMAIL: email_texts,
    Field.PHONE: phone_texts,
    Field.DOCUMENT: document_texts,
    Field.CITY: free_texts,
    Field.STATE: state_texts,
    Field.CHANNEL: free_texts,
    Field.REFERRED_BY: id_texts,
    Field.STATUS: free_texts,
    Field.CUSTOMER_ID: id_texts,
    Field.ORDER_ID: id_texts,
}
_CUSTOMER_TEXT = (
    Field.NAME, Field.EMAIL, Field.PHONE, Field.DOCUMENT, Field.CITY, Field.STATE,
    Field.CHANNEL, Field.REFERRED_BY,
)  # fmt: skip


def day_number(day: date) -> int:
    """Days since 1970-01-01 of a calendar date."""
    return day.toordinal() - 719163


def _iso(day: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=int(day))).isoformat()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Sheet:
    """The plan's columns of the data rows (shared with planning), plus the rejection ledger."""

    def __init__(self, sheet: RawSheet, plan: SheetPlan, today: date) -> None:
        self.plan = plan
        self.sheet = sheet
        self.start = 0 if plan.header_row is None else plan.header_row + 1
        self.data = sheet_columns(sheet, self.start)
        self.count = self.data.count
        numbers = sheet.row_numbers[self.start :]
        self.numbers = (
            np.arange(numbers.start, numbers.stop, numbers.step, dtype=np.int64)
            if isinstance(numbers, range)
            else chunked_array(
                lambda part: np.fromiter(part, dtype=np.int64, count=len(part)),
                numbers,
                np.int64,
            )
        )
        self.today = day_number(today)
        self.columns: dict[Field, ColumnPlan] = {
            c.field: c for c in plan.columns if c.field is not None
        }
        self.reasons: dict[int, Message] = {}
        self._dates: dict[Field, DateColumn | None] = {}
        self._texts: dict[Field, TextColumn] = {}

    def has(self, field: Field) -> bool:
        return field in self.columns

    def name(self, field: Field) -> str:
        column = self.columns.get(field)
        if column is None:
            return "—"
        return column.header or _column_letter(column.index)

    def column(self, field: Field) -> ColumnData:
        return self.data[self.columns[field].index]

    def reject(
        self, mask: npt.NDArray[np.bool_], message_id: str, **params: object
    ) -> None:
        """Give every row in ``mask`` without a reason yet this reason."""
        for index in np.flatnonzero(mask).tolist():
            if index not in self.reasons:
                self.reasons[index] = Message(message_id, dict(params))

    def reject_values(
        self,
        mask: npt.NDArray[np.bool_],
        field: Field,
        message_id: str,
        column: Sequence[Cell],
    ) -> None:
        name = self.name(field)
        for index in np.flatnonzero(mask).tolist():
            if index not in self.reasons:
                value = column[index]
                self.reasons[index] = Message(
                    message_id, {"column": name, "value": str(value)}
                )

    def dates(
        self, field: Field, required: bool, months: bool = False
    ) -> DateColumn | None:
        if field in self._dates:
            return self._dates[field]
        self._dates[field] = result = self._convert_dates(field, required, months)
        pause_if_due()
        return result

    def _convert_dates(
        self, field: Field, required: bool, months: bool
    ) -> DateColumn | None:
        if not self.has(field):
            if required:
                self.reject(np.ones(self.count, np.bool_), ROW_DATE_EMPTY, column="—")
            return None
        data = self.column(field)
        order = self.columns[field].date_order
        if order is None and self.columns[field].source == "user":
            # A column mapped in the wizard without refine_plan: decide here.
            order = detect_date_order(data.distinct_texts())[0]
        result = convert_dates(data, order, months=months)
        name = self.name(field)
        if required:
            self.reject(result.empty, ROW_DATE_EMPTY, column=name)
        self.reject_values(result.bad, field, ROW_NOT_A_DATE, data.cells)
        valid = ~(result.empty | result.bad)
        for index in np.flatnonzero(valid & (result.day < FIRST_DAY)).tolist():
            self.reasons.setdefault(
                index,
                Message(
                    ROW_DATE_TOO_OLD, {"column": name, "date": _iso(result.day[index])}
                ),
            )
        for index in np.flatnonzero(valid & (result.day > self.today)).tolist():
            self.reasons.setdefault(
                index,
                Message(
                    ROW_DATE_FUTURE,
                    {
                        "column": name,
                        "date": _iso(result.day[index]),
                        "today": _iso(self.today),
                    },
                ),
            )
        return result

    def mark(self, field: Field, data: ColumnData) -> NumberFormat:
        """The column's decimal mark: the plan's, else decided from the values and locale."""
        planned = self.columns[field].number_format
        if planned is not None or self.columns[field].source != "user":
            # Planned columns went through refine_plan: None means no text numbers.
            return planned or NumberFormat.DECIMAL_POINT
        detected, _ = detect_decimal_mark(data.distinct_texts())
        if detected is not None:
            return detected
        brazilian = self.plan.locale == "pt_BR"
        return NumberFormat.DECIMAL_COMMA if brazilian else NumberFormat.DECIMAL_POINT

    def numbers_of(self, field: Field) -> NumberColumn | None:
        if not self.has(field):
            return None
        data = self.column(field)
        result = convert_numbers(data, self.mark(field, data))
        self.reject_values(result.bad, field, ROW_NOT_A_NUMBER, data.cells)
        pause_if_due()
        return result

    def cents(self, field: Field, required: bool) -> npt.NDArray[np.int64] | None:
        numbers = self.numbers_of(field)
        if numbers is None:
            return None
        cents, too_large = numbers.cents()
        self.reject_values(too_large, field, ROW_NUMBER_TOO_LARGE, numbers.column)
        if required:
            self.reject(numbers.empty, ROW_AMOUNT_EMPTY, column=self.name(field))
        return cents

    def text(self, field: Field) -> TextColumn | None:
        if not self.has(field):
            return None
        known = self._texts.get(field)
        if known is None:
            known = self._texts[field] = _TEXT_CONVERTERS[field](self.column(field))
            pause_if_due()
        return known

    def converted(self, field: Field) -> TextColumn | None:
        """The field's texts if already converted, else ``None``."""
        return self._texts.get(field)

    def cells_at(self, field: Field, rows: npt.NDArray[np.intp]) -> list[Cell]:
        """The field's cells in the data rows at ``rows``."""
        index = self.columns[field].index
        source = self.sheet.rows

        def cells(part: Sequence[int]) -> list[Cell]:
            return [
                row[index] if index < len(row) else ""
                for row in map(source.__getitem__, part)
            ]

        return chunked_list(cells, (rows + self.start).tolist())

    def keys(self) -> tuple[TextColumn, npt.NDArray[np.int8], dict[Field, TextColumn]]:
        """Customer key per row (id, else e-mail, else document) and the alias columns."""
        sources: dict[Field, TextColumn] = {}
        for field in (Field.CUSTOMER_ID, Field.EMAIL, Field.DOCUMENT):
            values = self.text(field)
            if values is not None:
                sources[field] = values
        # One code space for the keys of every source: the same text is one key.
        texts: list[str] = []
        index: dict[str, int] | None = None
        codes = np.full(self.count, -1, dtype=np.intp)
        origin = np.zeros(self.count, dtype=np.int8)
        missing = np.ones(self.count, dtype=np.bool_)
        # The first source present wins; the next ones only fill the rows still empty.
        for field, code in (
            (Field.CUSTOMER_ID, KeySource.CUSTOMER_ID),
            (Field.EMAIL, KeySource.EMAIL),
            (Field.DOCUMENT, KeySource.DOCUMENT),
        ):
            values = sources.get(field)
            if values is None:
                continue
            if not texts:  # the first source: its texts are distinct already
                texts = list(values.texts)
                remap = np.arange(len(texts), dtype=np.intp)
            else:
                if index is None:
                    index = index_of(texts)
                for text in values.texts:
                    if text not in index:
                        index[text] = len(texts)
                        texts.append(text)
                remap = np.fromiter(
                    (index[text] for text in values.texts),
                    dtype=np.intp,
                    count=len(values.texts),
                )
            fills = missing & values.present
            origin[fills] = code
            codes[fills] = remap[values.codes[fills]]
            missing &= ~fills
            pause_if_due()
            if not missing.any():
                break
        return TextColumn(codes, texts), origin, sources

    def rejected_mask(self) -> npt.NDArray[np.bool_]:
        mask = np.zeros(self.count, dtype=np.bool_)
        if self.reasons:
            mask[list(self.reasons)] = True
        return mask

    def rejected_rows(self) -> tuple[RejectedRow, ...]:
        rows = self.sheet.rows
        return tuple(
            RejectedRow(
                file=self.plan.file,
                sheet=self.plan.sheet,
                row_number=int(self.numbers[index]),
                reason=self.reasons[index],
                values=tuple(rows[self.start + index]),
            )
            for index in sorted(self.reasons)
        )


def _take_text(
    values: TextColumn | None, keep: npt.NDArray[np.intp]
) -> list[str | None] | None:
    return None if values is None else values.tolist(keep)


def _text_codes(
    values: TextColumn | None, keep: npt.NDArray[np.intp]
) -> TextCodes | None:
    return None if values is None else TextCodes(values.codes[keep], values.texts)


class _Keys:
    """The distinct customer keys of the kept rows, in order of first appearance.

    Attributes
    ----------
    codes
        Their codes in the key column.
    rows
        The first kept row of each.
    keys
        Their texts.
    """

    def __init__(self, key: TextColumn, keep: npt.NDArray[np.intp]) -> None:
        self.keep = keep
        self.size = len(key.texts)
        self.kept_codes = key.codes[keep]
        first = self._first_positions(np.ones(len(keep), dtype=np.bool_))
        used = np.flatnonzero(first < len(keep))
        self.codes = used[np.argsort(first[used])]
        self.rows = keep[first[self.codes]]
        self.keys: list[str] = key.texts_of(self.codes)  # type: ignore[assignment]

    def __len__(self) -> int:
        return len(self.keys)

    def _first_positions(self, kept: npt.NDArray[np.bool_]) -> npt.NDArray[np.intp]:
        """Per key code, the first position in ``keep`` where ``kept``, else ``len(keep)``."""
        first = np.full(self.size, len(self.keep), dtype=np.intp)
        positions = np.flatnonzero(kept)
        np.minimum.at(first, self.kept_codes[positions], positions)
        return first

    def first(
        self,
        values: npt.NDArray[_Value],
        present: npt.NDArray[np.bool_],
        missing: object,
    ) -> npt.NDArray[_Value]:
        """Per key (in :attr:`keys` order), ``values`` at its first kept row where ``present``."""
        first = self._first_positions(present[self.keep])[self.codes]
        found = first < len(self.keep)
        result = np.full(len(self.codes), missing, dtype=values.dtype)
        result[found] = values[self.keep[first[found]]]
        return result

    def rows_of(self, positions: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        """The kept rows of the keys at ``positions`` (of :attr:`keys`), in row order."""
        wanted = np.zeros(self.size, dtype=np.bool_)
        wanted[self.codes[positions]] = True
        rows: npt.NDArray[np.intp] = self.keep[wanted[self.kept_codes]]
        return rows


def convert_sheet(sheet: RawSheet, plan: SheetPlan, today: date) -> NormalizedSheet:
    """Convert a planned sheet into normalised columns.

    Parameters
    ----------
    sheet
        The raw sheet the plan was made for.
    plan
        Its plan (possibly edited in the wizard).
    today
        The import day; later dates are rejected as implausible, as are
        dates before 1900-01-01.

    Returns
    -------
    NormalizedSheet
        Valid rows as columns, anonymous rows and rejected rows with reasons;
        ``rows_read == rows_valid + anonymous_rows + len(rejected)``.  A sheet
        planned as :attr:`Role.IGNORE` reads no rows.
    """
    work = _Sheet(sheet, plan, today)
    if plan.role == Role.IGNORE or not work.count:
        return NormalizedSheet(
            file=plan.file, sheet=plan.sheet, role=plan.role, rows_read=0, rows_valid=0
        )
    # Every column the conversion reads on every row, in one pass over the rows.
    work.data.load(
        column.index
        for field, column in work.columns.items()
        if field not in FIRST_ROWS_FIELDS
    )
    if plan.role == Role.ORDERS:
        return _orders(work)
    if plan.role == Role.CUSTOMERS:
        return _customers(work)
    if plan.role == Role.NPS:
        return _nps(work)
    return _campaigns(work)


def _split(
    work: _Sheet, key: TextColumn | None
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Indices of valid keyed rows and of valid anonymous rows."""
    valid = ~work.rejected_mask()
    if key is None:
        return np.flatnonzero(valid), np.zeros(0, dtype=np.intp)
    keyed = key.present
    return np.flatnonzero(valid & keyed), np.flatnonzero(valid & ~keyed)


def _orders(work: _Sheet) -> NormalizedSheet:
    dates = work.dates(Field.DATE, required=True)
    if work.has(Field.AMOUNT):
        amount = work.cents(Field.AMOUNT, required=True)
        quantity = work.numbers_of(Field.QUANTITY)
        price = work.numbers_of(Field.UNIT_PRICE)
    else:
        quantity = work.numbers_of(Field.QUANTITY)
        price = work.numbers_of(Field.UNIT_PRICE)
        if price is None:
            amount = None
            work.reject(np.ones(work.count, np.bool_), ROW_AMOUNT_EMPTY, column="—")
        else:
            work.reject(
                price.empty, ROW_AMOUNT_EMPTY, column=work.name(Field.UNIT_PRICE)
            )
            if quantity is not None:
                work.reject(
                    quantity.empty, ROW_VALUE_EMPTY, column=work.name(Field.QUANTITY)
                )
            amount = product_cents(quantity, price)
            overflow = (amount == NO_INT) & ~(price.empty | price.bad)
            if quantity is not None:
                overflow &= ~(quantity.empty | quantity.bad)
            work.reject_values(
                overflow, Field.UNIT_PRICE, ROW_NUMBER_TOO_LARGE, price.column
            )
    work.dates(
        Field.REGISTERED, required=False
    )  # a bad registration date rejects the line too
    key, origin, sources = work.keys()
    order_ref = work.text(Field.ORDER_ID)
    status = work.text(Field.STATUS)
    channel = work.text(Field.CHANNEL)
    keep, anonymous = _split(work, key)
    assert (dates is not None and amount is not None) or not len(keep)
    orders = OrderColumns(
        row_numbers=work.numbers[keep],
        customer_key=key.tolist(keep),  # type: ignore[arg-type]
        key_source=origin[keep],
        email=_take_text(sources.get(Field.EMAIL), keep),
        document=_take_text(sources.get(Field.DOCUMENT), keep),
        order_ref=_take_text(order_ref, keep),
        day=dates.day[keep] if dates is not None else np.zeros(0, np.int32),
        seconds=dates.seconds[keep] if dates is not None else np.zeros(0, np.int32),
        amount_cents=amount[keep] if amount is not None else np.zeros(0, np.int64),
        quantity=quantity.values[keep] if quantity is not None else None,
        unit_price=price.values[keep] if price is not None else None,
        status=_take_text(status, keep),
        channel=_take_text(channel, keep),
        customer_key_codes=_text_codes(key, keep),
        order_ref_codes=_text_codes(order_ref, keep),
    )
    customers = _customers_of_keys(work, _Keys(key, keep), origin, sources)
    return _result(work, len(keep), anonymous, orders=orders, customers=customers)


def _result(
    work: _Sheet, valid: int, anonymous: npt.NDArray[np.intp], **parts: object
) -> NormalizedSheet:
    rejected = work.rejected_rows()
    result = NormalizedSheet(
        file=work.plan.file,
        sheet=work.plan.sheet,
        role=work.plan.role,
        rows_read=work.count,
        rows_valid=valid,
        anonymous_row_numbers=tuple(work.numbers[anonymous].tolist()),
        rejected=rejected,
        **parts,  # type: ignore[arg-type]
    )
    if result.rows_read != result.rows_valid + result.anonymous_rows + len(rejected):
        raise AssertionError("every source row must be accounted for")
    return result


def _first_texts(work: _Sheet, field: Field, keys: _Keys) -> list[str | None]:
    """Per key, the first text of ``field`` among its kept rows, converting few cells.

    The first row of each key usually has the value: only those cells are
    read and converted, then every row of the keys still without one.
    """
    convert = _TEXT_CONVERTERS[field]
    texts = convert(ColumnData(work.cells_at(field, keys.rows)))
    result = texts.texts_of(texts.codes)
    missing = np.flatnonzero(~texts.present)
    if len(missing):
        rows = keys.rows_of(missing)
        later = convert(ColumnData(work.cells_at(field, rows)))
        present = np.zeros(work.count, dtype=np.bool_)
        present[rows[later.present]] = True
        codes = np.full(work.count, -1, dtype=np.intp)
        codes[rows] = later.codes
        found = keys.first(codes, present, -1)[missing]
        for position, text in zip(missing.tolist(), later.texts_of(found), strict=True):
            result[position] = text
    return result


def _customers_of_keys(
    work: _Sheet,
    keys: _Keys,
    origin: npt.NDArray[np.int8],
    sources: dict[Field, TextColumn],
    extra: dict[str, object] | None = None,
) -> CustomerColumns:
    """One customer per distinct key of the kept rows, fields from their first non-empty value."""
    fields: dict[str, object] = {}
    for field in _CUSTOMER_TEXT:
        if not work.has(field):
            continue
        values = sources.get(field)
        if values is None:
            values = work.converted(field)
        if values is None:
            fields[field.value] = _first_texts(work, field, keys)
        else:
            codes = keys.first(values.codes, values.present, -1)
            fields[field.value] = values.texts_of(codes)
        pause_if_due()
    if work.has(Field.REGISTERED):
        registered = work.dates(Field.REGISTERED, required=False)
        assert registered is not None
        fields["registered_day"] = keys.first(
            registered.day, registered.day != NO_DAY, NO_DAY
        ).astype(np.int32)
    fields.update(extra or {})
    return CustomerColumns(
        row_numbers=work.numbers[keys.rows],
        key=keys.keys,
        key_source=origin[keys.rows],
        **fields,  # type: ignore[arg-type]
    )


def _scores(work: _Sheet, required: bool) -> npt.NDArray[np.int8] | None:
    if not work.has(Field.NPS_SCORE):
        return None
    data = work.column(Field.NPS_SCORE)
    numbers = convert_numbers(data, work.mark(Field.NPS_SCORE, data))
    values = numbers.values
    valid = ~np.isnan(values)
    in_range = (
        valid
        & (values >= 0)
        & (values <= 10)
        & (np.mod(np.where(valid, values, 0), 1) == 0)
    )
    wrong = numbers.bad | (valid & ~in_range)
    if required:
        wrong |= numbers.empty
    work.reject_values(wrong, Field.NPS_SCORE, ROW_NOT_A_SCORE, data.cells)
    return np.where(in_range, np.where(valid, values, -1), -1).astype(np.int8)


def _customers(work: _Sheet) -> NormalizedSheet:
    key, origin, sources = work.keys()
    scores = _scores(work, required=False)
    nps_dates = work.dates(Field.NPS_DATE, required=False)
    work.dates(Field.REGISTERED, required=False)  # validates before rows are split
    work.reject(~key.present, ROW_NO_KEY)
    keep, anonymous = _split(work, key)
    keys = _Keys(key, keep)
    extra: dict[str, object] = {}
    if scores is not None:
        answered = scores >= 0
        # The first answered row of each key gives its score and the day of that row.
        rows = keys.first(np.arange(work.count), answered, -1)
        extra["nps_score"] = np.where(rows >= 0, scores[rows], -1).astype(np.int8)
        days = (
            nps_dates.day[rows]
            if nps_dates is not None
            else np.full(len(rows), NO_DAY, np.int32)
        )
        extra["nps_day"] = np.where(rows >= 0, days, NO_DAY).astype(np.int32)
    customers = _customers_of_keys(work, keys, origin, sources, extra)
    return _result(work, len(keep), anonymous, customers=customers)


def _nps(work: _Sheet) -> NormalizedSheet:
    dates = work.dates(Field.DATE, required=False)
    scores = _scores(work, required=True)
    work.dates(Field.REGISTERED, required=False)
    if scores is None:
        work.reject(np.ones(work.count, np.bool_), ROW_VALUE_EMPTY, column="—")
        scores = np.full(work.count, -1, np.int8)
    key, origin, sources = work.keys()
    keep, anonymous = _split(work, key)
    nps = NpsColumns(
        row_numbers=work.numbers[keep],
        customer_key=key.tolist(keep),  # type: ignore[arg-type]
        key_source=origin[keep],
        day=dates.day[keep]
        if dates is not None
        else np.full(len(keep), NO_DAY, np.int32),
        score=scores[keep],
    )
    customers = _customers_of_keys(work, _Keys(key, keep), origin, sources)
    return _result(work, len(keep), anonymous, nps=nps, customers=customers)


def _campaigns(work: _Sheet) -> NormalizedSheet:
    dates = work.dates(Field.DATE, required=True, months=True)
    reached_numbers = work.numbers_of(Field.REACHED)
    reached_all = np.full(work.count, NO_INT, np.int64)
    if reached_numbers is not None:
        reached_all, too_large = reached_numbers.integers()
        work.reject_values(
            too_large, Field.REACHED, ROW_NUMBER_TOO_LARGE, reached_numbers.column
        )
    cost = work.cents(Field.COST, required=False)
    channel = work.text(Field.CHANNEL)
    keep, _ = _split(work, None)
    reached = reached_all[keep]
    campaigns = CampaignColumns(
        row_numbers=work.numbers[keep],
        day=dates.day[keep] if dates is not None else np.zeros(0, np.int32),
        channel=_take_text(channel, keep) or [None] * len(keep),
        reached=reached,
        cost_cents=cost[keep]
        if cost is not None
        else np.full(len(keep), NO_INT, np.int64),
    )
    return _result(work, len(keep), np.zeros(0, dtype=np.intp), campaigns=campaigns)
