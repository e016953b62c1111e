"""Per-column value formats and whole-column conversion (core layer).

A generic parser per cell costs 10-20 s per million values, so nothing
here parses cell by cell.  A column (a :class:`~.columns.ColumnData`,
shared with planning) is converted in three moves:

1. factorise it: one code per cell into its distinct cells (numpy for
   real numbers, hashing in slices for the rest, see :mod:`.columns`);
2. decide the column's format once from the distinct values (day-first or
   month-first, decimal comma or point) and convert each distinct value
   once;
3. map the results back to the cells with one numpy ``take`` on the codes.

Columns of real numbers and real dates (what a workbook gives) skip the
distinct values: numpy reads the floats directly, and dates are taken
apart with a few C-speed passes (hashing a million datetimes costs more).

Money follows DOMAIN.md: each cell's shortest decimal form
(``repr(float)`` -> :class:`~decimal.Decimal`), rounded half-up to integer
cents; a line amount from quantity x unit price is computed exactly on
scaled integers (no float arithmetic), then rounded half-up once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from itertools import compress, repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from clmdesk.core.importing.columns import (
    ColumnData,
    Factor,
    chunked,
    chunked_array,
    chunked_list,
    column_data,
    factorize_objects,
    objects,
    take_list,
)
from clmdesk.core.importing.records import (
    NO_DAY,
    NO_INT,
    NO_TIME,
    DateOrder,
    NumberFormat,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    import numpy.typing as npt

    from clmdesk.core.importing.records import Cell

__all__ = [
    "ERROR_STRINGS",
    "DateColumn",
    "NumberColumn",
    "TextColumn",
    "convert_dates",
    "convert_numbers",
    "detect_date_order",
    "detect_decimal_mark",
    "document_column",
    "document_texts",
    "email_column",
    "email_texts",
    "free_texts",
    "id_column",
    "id_texts",
    "is_blank",
    "phone_column",
    "phone_texts",
    "product_cents",
    "state_column",
    "state_texts",
    "text_column",
]

#: Excel error texts (English and Brazilian Excel) that CSV exports keep as text.
ERROR_STRINGS = frozenset(
    {
        "#DIV/0!", "#N/A", "#N/D", "#NAME?", "#NOME?", "#NULL!", "#NULO!", "#NUM!", "#NÚM!",
        "#REF!", "#VALUE!", "#VALOR!", "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!",
        "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!", "#EXTERNAL!",
    }
)  # fmt: skip

_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
_EXCEL_EPOCH = 25569  # Excel 1900 serial of 1970-01-01
_PACK = 100_000  # packed date value: day * _PACK + seconds + 1 (0 = no time)
_EMPTY = -(2**62)
_BAD = -(2**62) + 1
_MAX_CENTS = 10**15

_ISO = re.compile(
    r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_DMY = re.compile(
    r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?)?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_SPLIT = re.compile(r"(\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4})(?:[T ]+(.+))?")
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
_TIME = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*([AaPp][Mm])?"
    r"\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_NAMES = {
    "jan": 1, "janeiro": 1, "january": 1, "fev": 2, "feb": 2, "fevereiro": 2, "february": 2,
    "mar": 3, "marco": 3, "março": 3, "march": 3, "abr": 4, "apr": 4, "abril": 4, "april": 4,
    "mai": 5, "may": 5, "maio": 5, "jun": 6, "junho": 6, "june": 6, "jul": 7, "julho": 7,
    "july": 7, "ago": 8, "aug": 8, "agosto": 8, "august": 8, "set": 9, "sep": 9, "sept": 9,
    "setembro": 9, "september": 9, "out": 10, "oct": 10, "outubro": 10, "october": 10,
    "nov": 11, "novembro": 11, "november": 11, "dez": 12, "dec": 12, "dezembro": 12,
    "december": 12,
}  # fmt: skip
_NAMED = re.compile(
    r"(\d{1,2})(?:\s+de\s+|[\s/.-]+)([A-Za-zçÇ]{3,9})\.?(?:\s+de\s+|[\s/.-]+)(\d{4}|\d{2})"
)
_MONTH_ONLY = (
    re.compile(r"(\d{4})[-/.](\d{1,2})"),  # 2024-03
    re.compile(r"(\d{1,2})[-/.](\d{4})"),  # 03/2024
)
_NAMED_MONTH = re.compile(r"([A-Za-zçÇ]{3,9})\.?(?:\s+de\s+|[\s/.-]+)(\d{4}|\d{2})")
_CURRENCY = re.compile(r"(?i)r\$|us\$|brl|usd|eur|[$€£\s\u00a0\u202f]")
_FAST_NUMBER = re.compile(r"-?[0-9][0-9.,]*")
_SIMPLE_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_PLAIN_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_MINUS = "-\u2212\u2013"


def is_blank(value: Cell) -> bool:
    """True for an empty cell: ``None``, blank text or an Excel error text."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or (text[0] == "#" and text.upper() in ERROR_STRINGS)
    return False


# --------------------------------------------------------------------- dates


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # DOMAIN.md: two-digit years 00-68 are 20xx, 69-99 are 19xx.
        year += 2000 if year <= 68 else 1900
    return year


def _seconds(
    hour: str | None, minute: str | None, second: str | None, ampm: str | None
) -> int:
    if hour is None or minute is None:
        return NO_TIME
    h, m, s = int(hour), int(minute), int(second or 0)
    if ampm:
        if h > 12 or h == 0:
            raise ValueError
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    if h > 23 or m > 59 or s > 59:
        raise ValueError
    return h * 3600 + m * 60 + s


def _day(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal() - _EPOCH_ORDINAL


def detect_date_order(values: Iterable[Cell]) -> tuple[DateOrder | None, bool]:
    """Decide day-first or month-first for a column's text dates.

    Parameters
    ----------
    values
        The column's distinct values (other types are ignored).

    Returns
    -------
    (order, ambiguous)
        ``order`` is ``None`` when the column has no ``nn/nn/yyyy`` texts.
        A first field above 12 proves day-first, a second field above 12
        proves month-first; the side with more proof wins.  When nothing
        proves either, ``(DAY_FIRST, True)``: the caller decides whether to
        ask.
    """
    day_first = month_first = seen = 0
    # Timestamps repeat their date part: look at each distinct date once.
    parts = {
        match.group(1)
        for value in values
        if type(value) is str and (match := _SPLIT.fullmatch(value.strip())) is not None
    }
    for part in parts:
        match = _DMY_DATE.fullmatch(part)
        if match is None:
            continue
        seen += 1
        first, second = int(match.group(1)), int(match.group(2))
        if first > 12 >= second:
            day_first += 1
        elif second > 12 >= first:
            month_first += 1
    if not seen:
        return None, False
    if day_first or month_first:
        return (
            DateOrder.DAY_FIRST if day_first >= month_first else DateOrder.MONTH_FIRST
        ), False
    return DateOrder.DAY_FIRST, True


@lru_cache(maxsize=65_536)
def _date_part(text: str, order: DateOrder) -> int:
    """Day number of ``yyyy-mm-dd`` or ``dd/mm/yyyy`` (by ``order``); ValueError otherwise."""
    match = _ISO_DATE.fullmatch(text)
    if match:
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _DMY_DATE.fullmatch(text)
    if match:
        a, b = int(match.group(1)), int(match.group(2))
        d, mo = (a, b) if order == DateOrder.DAY_FIRST else (b, a)
        return _day(_year(match.group(3)), mo, d)
    raise ValueError(text)


@lru_cache(maxsize=65_536)
def _time_part(text: str) -> int:
    """Seconds of ``hh:mm[:ss[.fff]] [AM|PM] [offset]`` (an offset is dropped); ValueError otherwise."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return _seconds(match.group(1), match.group(2), match.group(3), match.group(4))


def _parse_text_date(text: str, order: DateOrder, months: bool) -> int:
    """Packed day/seconds of a text date, or raise ValueError."""
    text = text.strip()
    # The usual shapes, split into a date part and a time part that repeat
    # across a column (a timestamp column has few distinct days): each part
    # is parsed once.
    match = _SPLIT.fullmatch(text)
    if match:
        day = _date_part(match.group(1), order)
        if match.group(2) is None:
            return day * _PACK
        return day * _PACK + _time_part(match.group(2)) + 1
    match = _ISO.fullmatch(text)
    if match:
        y, mo, d = int(match.group(1)), int(match.group(2)), int(match.group(3))
        seconds = _seconds(match.group(4), match.group(5), match.group(6), None)
        return _day(y, mo, d) * _PACK + seconds + 1
    match = _DMY.fullmatch(text)
    if match:
        a, b = int(match.group(1)), int(match.group(2))
        d, mo = (a, b) if order == DateOrder.DAY_FIRST else (b, a)
        seconds = _seconds(
            match.group(4), match.group(5), match.group(6), match.group(7)
        )
        return _day(_year(match.group(3)), mo, d) * _PACK + seconds + 1
    match = _NAMED.fullmatch(text)
    if match and match.group(2).lower() in _MONTH_NAMES:
        mo = _MONTH_NAMES[match.group(2).lower()]
        return _day(_year(match.group(3)), mo, int(match.group(1))) * _PACK
    match = _COMPACT.fullmatch(text)
    if match:
        return (
            _day(int(match.group(1)), int(match.group(2)), int(match.group(3))) * _PACK
        )
    if months:
        for pattern in _MONTH_ONLY:
            match = pattern.fullmatch(text)
            if match:
                first, second = match.group(1), match.group(2)
                year, month = (first, second) if len(first) == 4 else (second, first)
                return _day(int(year), int(month), 1) * _PACK
        match = _NAMED_MONTH.fullmatch(text)
        if match and match.group(1).lower() in _MONTH_NAMES:
            return (
                _day(_year(match.group(2)), _MONTH_NAMES[match.group(1).lower()], 1)
                * _PACK
            )
    digits = text.replace(",", ".")
    if _PLAIN_NUMBER.fullmatch(digits):
        return _parse_serial(float(digits))
    raise ValueError(text)


def _parse_serial(serial: float) -> int:
    """Packed value of an Excel serial day number, or an 8-digit ``yyyymmdd``."""
    if serial.is_integer() and 19000101 <= serial <= 29991231:
        text = str(int(serial))
        return _day(int(text[:4]), int(text[4:6]), int(text[6:])) * _PACK
    if not 0 <= serial < 2958466:
        raise ValueError(serial)
    whole = int(serial)
    # Serials below 60 predate Excel's phantom 1900-02-29.
    day = whole - _EXCEL_EPOCH + (1 if whole < 60 else 0)
    fraction = serial - whole
    if fraction:
        seconds = min(round(fraction * 86400), 86399)
        return day * _PACK + seconds + 1
    return day * _PACK


def _pack(value: Cell, order: DateOrder, months: bool) -> int:
    if value is None:
        return _EMPTY
    kind = type(value)
    if kind is datetime:
        assert isinstance(value, datetime)
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return (value.toordinal() - _EPOCH_ORDINAL) * _PACK + seconds + 1
    if kind is date:
        assert isinstance(value, date)
        return (value.toordinal() - _EPOCH_ORDINAL) * _PACK
    if kind is str:
        assert isinstance(value, str)
        if is_blank(value):
            return _EMPTY
        try:
            return _parse_text_date(value, order, months)
        except (ValueError, OverflowError):
            return _BAD
    if kind is float or kind is int:
        assert isinstance(value, (int, float))
        try:
            return _parse_serial(float(value))
        except (ValueError, OverflowError):
            return _BAD
    if isinstance(value, datetime):  # subclasses (e.g. pandas-like timestamps)
        return (
            (value.toordinal() - _EPOCH_ORDINAL) * _PACK
            + value.hour * 3600
            + value.minute * 60
            + value.second
            + 1
        )
    if isinstance(value, date):
        return (value.toordinal() - _EPOCH_ORDINAL) * _PACK
    return _BAD  # time, timedelta, bool: not a calendar date


def _packed_distinct(
    values: Sequence[Cell], order: DateOrder, months: bool
) -> npt.NDArray[np.int64]:
    """Packed value of each of a column's distinct cells (same order)."""
    texts = [v for v in values if type(v) is str]
    parsed: dict[str, int] = {}
    if len(texts) >= _VECTOR_MIN:
        parsed = _text_dates_vectorised(texts, order)
    if not parsed:
        return np.fromiter(
            (_pack(v, order, months) for v in values), dtype=np.int64, count=len(values)
        )
    return np.fromiter(
        (
            parsed[v] if type(v) is str and v in parsed else _pack(v, order, months)
            for v in values
        ),
        dtype=np.int64,
        count=len(values),
    )


# Fixed-width text dates parsed with numpy: (length, year slice, month slice,
# day-or-first slice, separators {position: allowed}, time slices or None).
_VECTOR_MIN = 512
_DIGIT_SHAPES: tuple[tuple[int, bool, dict[int, str], tuple[int, ...]], ...] = (
    # length, day/month text (else ISO), separator positions, time starts (h, m, s)
    (10, True, {2: "/.-", 5: "/.-"}, ()),
    (8, True, {2: "/.-", 5: "/.-"}, ()),
    (16, True, {2: "/.-", 5: "/.-", 10: " T", 13: ":"}, (11, 14)),
    (19, True, {2: "/.-", 5: "/.-", 10: " T", 13: ":", 16: ":"}, (11, 14, 17)),
    (10, False, {4: "-/.", 7: "-/."}, ()),
    (16, False, {4: "-/.", 7: "-/.", 10: " T", 13: ":"}, (11, 14)),
    (19, False, {4: "-/.", 7: "-/.", 10: " T", 13: ":", 16: ":"}, (11, 14, 17)),
)


def _two(digits: npt.NDArray[np.int64], start: int) -> npt.NDArray[np.int64]:
    pair: npt.NDArray[np.int64] = digits[:, start] * 10 + digits[:, start + 1]
    return pair


def _text_dates_vectorised(texts: list[str], order: DateOrder) -> dict[str, int]:
    """Packed values of the texts in a common fixed-width shape, at numpy speed.

    Texts of any other shape, or invalid ones, are left out for the
    general parser (which also produces the rejection).
    """
    found: dict[str, int] = {}
    sizes = set(map(len, texts))
    by_length: dict[int, list[str]] = {}
    if len(sizes) == 1:
        by_length[sizes.pop()] = texts
    else:
        for text in texts:
            by_length.setdefault(len(text), []).append(text)
    for length, day_month, separators, times in _DIGIT_SHAPES:
        group = by_length.get(length, [])
        if found and group:
            group = [t for t in group if t not in found]
        if len(group) < _VECTOR_MIN:
            continue
        raw = np.array(group, dtype=f"<U{length}").view(np.uint32)
        codes: npt.NDArray[np.int64] = raw.reshape(len(group), length).astype(np.int64)
        digits: npt.NDArray[np.int64] = codes - 48
        places = [p for p in range(length) if p not in separators]
        block = digits[:, places]
        ok = ((block >= 0) & (block <= 9)).all(axis=1)
        for position, allowed in separators.items():
            column = codes[:, position]
            fits = column == ord(allowed[0])
            for char in allowed[1:]:
                fits |= column == ord(char)
            ok &= fits
        if day_month:
            first, second = _two(digits, 0), _two(digits, 3)
            if length == 8:
                short = _two(digits, 6)
                year = np.where(short <= 68, 2000 + short, 1900 + short)
            else:
                year = _two(digits, 6) * 100 + _two(digits, 8)
            day, month = (
                (first, second) if order == DateOrder.DAY_FIRST else (second, first)
            )
        else:
            year = _two(digits, 0) * 100 + _two(digits, 2)
            month, day = _two(digits, 5), _two(digits, 8)
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        lengths = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        in_month = lengths[np.clip(month, 0, 12)] + ((month == 2) & leap)
        ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= in_month)
        seconds = np.zeros(len(group), dtype=np.int64)
        for start, unit, limit in zip(times, (3600, 60, 1), (24, 60, 60), strict=False):
            part = _two(digits, start)
            ok &= part < limit
            seconds += part * unit
        # Days since 1970-01-01 from the civil date (H. Hinnant's algorithm).
        y = year - (month <= 2)
        era = np.floor_divide(y, 400)
        yoe = y - era * 400
        doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
        doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
        days = era * 146097 + doe - 719468
        packed = days * _PACK + (seconds + 1 if times else 0)
        found.update(
            zip(compress(group, ok.tolist()), packed[ok].tolist(), strict=True)
        )
    return found


@dataclass(frozen=True)
class DateColumn:
    """A converted date column.

    Attributes
    ----------
    day
        Day numbers (``NO_DAY`` where empty or invalid).
    seconds
        Seconds of day (``NO_TIME`` where none).
    empty
        True where the cell is empty.
    bad
        True where the cell is not a date.
    """

    day: npt.NDArray[np.int32]
    seconds: npt.NDArray[np.int32]
    empty: npt.NDArray[np.bool_]
    bad: npt.NDArray[np.bool_]


def convert_dates(
    column: Sequence[Cell] | ColumnData,
    order: DateOrder | None = None,
    months: bool = False,
) -> DateColumn:
    """Convert a whole date column.

    Parameters
    ----------
    column
        The cells.
    order
        Day/month order of ``nn/nn/yyyy`` texts (default day-first).
    months
        Also accept a month alone (``2024-03``, ``03/2024``, ``mar/2024``)
        as its first day (campaigns).

    Returns
    -------
    DateColumn
        Real dates (1900 or 1904 system alike, already dates from the
        reader), Excel serial numbers, ``yyyymmdd``, and text in
        ``dd/mm/yyyy``, ``mm/dd/yyyy``, ``dd/mm/yy``, ``yyyy-mm-dd``,
        ``dd de março de 2024`` with or without a time; a UTC offset is
        dropped, not applied.
    """
    order = order or DateOrder.DAY_FIRST
    data = column_data(column)
    if any(issubclass(kind, date) for kind in data.kinds):
        # Real dates (what a workbook gives) are converted directly: hashing
        # a million datetimes to find the distinct ones costs more.
        return _real_dates(data, order, months)
    return _dates_of(data.factor, order, months)


def _dates_of(factor: Factor, order: DateOrder, months: bool) -> DateColumn:
    """Each distinct cell parsed once, then the results mapped back to the cells."""
    distinct = _unpack(_packed_distinct(factor.uniques, order, months))
    codes = factor.codes
    return DateColumn(
        day=distinct.day[codes],
        seconds=distinct.seconds[codes],
        empty=distinct.empty[codes],
        bad=distinct.bad[codes],
    )


def _unpack(packed: npt.NDArray[np.int64]) -> DateColumn:
    empty = packed == _EMPTY
    bad = packed == _BAD
    invalid = empty | bad
    safe = np.where(invalid, 0, packed)
    day, rest = np.divmod(safe, _PACK)
    return DateColumn(
        day=np.where(invalid, NO_DAY, day).astype(np.int32),
        seconds=np.where(invalid | (rest == 0), NO_TIME, rest - 1).astype(np.int32),
        empty=empty,
        bad=bad,
    )


def _real_dates(data: ColumnData, order: DateOrder, months: bool) -> DateColumn:
    """A column of real dates and datetimes, plus maybe some other cells (blanks…)."""
    kinds = data.kinds
    only_dates = all(issubclass(kind, date) for kind in kinds)
    with_time = any(issubclass(kind, datetime) for kind in kinds)
    # Dates among datetimes (calamine gives a date for a midnight value).
    mixed_time = with_time and not all(issubclass(k, datetime) for k in kinds)

    def convert(part: Sequence[Cell]) -> _RealDates:
        """Days and seconds of the real dates of a slice, which cells they are, the others."""
        real, flags, others = part, None, []
        if not only_dates:
            flags = np.fromiter(
                map(isinstance, part, repeat(date)), dtype=np.bool_, count=len(part)
            )
            real = list(compress(part, flags.tolist()))
            others = list(compress(part, (~flags).tolist()))
        days = np.fromiter(
            map(date.toordinal, real),  # type: ignore[arg-type]
            dtype=np.int64,
            count=len(real),
        )
        seconds = (
            _seconds_of_day(real, mixed_time)
            if with_time
            else np.full(len(real), NO_TIME, dtype=np.int64)
        )
        return days - _EPOCH_ORDINAL, seconds, flags, others

    parts = chunked(convert, data.cells)
    day = _joined([p[0] for p in parts], np.int32)
    seconds = _joined([p[1] for p in parts], np.int32)
    empty = np.zeros(len(data), dtype=np.bool_)
    bad = np.zeros(len(data), dtype=np.bool_)
    if only_dates:
        return DateColumn(day=day, seconds=seconds, empty=empty, bad=bad)
    is_date = np.concatenate([p[2] for p in parts])
    others = [cell for p in parts for cell in p[3]]
    rest = _dates_of(ColumnData(others).factor, order, months)
    result = DateColumn(
        day=np.empty(len(data), dtype=np.int32),
        seconds=np.empty(len(data), dtype=np.int32),
        empty=empty,
        bad=bad,
    )
    result.day[is_date], result.day[~is_date] = day, rest.day
    result.seconds[is_date], result.seconds[~is_date] = seconds, rest.seconds
    empty[~is_date], bad[~is_date] = rest.empty, rest.bad
    return result


_RealDates = tuple[
    "npt.NDArray[np.int64]",
    "npt.NDArray[np.int64]",
    "npt.NDArray[np.bool_] | None",
    "list[Cell]",
]


def _joined(parts: list[npt.NDArray[np.int64]], dtype: type) -> npt.NDArray[Any]:
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype)


def _seconds_of_day(cells: Sequence[Cell], mixed: bool) -> npt.NDArray[np.int64]:
    """Seconds since midnight of the datetimes; ``NO_TIME`` for the dates (when ``mixed``).

    A date has no ``hour``: ``getattr`` with a default gives -1 for it
    without raising, so plain dates among datetimes need no sorting out.
    """
    size = len(cells)
    total = np.zeros(size, dtype=np.int64)
    for name, unit in (("hour", 3600), ("minute", 60), ("second", 1)):
        parts = (
            map(getattr, cells, repeat(name), repeat(-1))
            if mixed
            else map(attrgetter(name), cells)
        )
        total += np.fromiter(parts, dtype=np.int64, count=size) * unit
    if mixed:
        total[total < 0] = NO_TIME  # -3600 - 60 - 1 for a date
    return total


# ------------------------------------------------------------------- numbers


def _clean_number_text(text: str) -> tuple[str, bool]:
    """Strip currency, spaces and sign marks; return (digits and separators, negative)."""
    if _SIMPLE_NUMBER.fullmatch(text):  # "1234,56", "1.234", "-12": the usual CSV cell
        return (text[1:], True) if text[0] == "-" else (text, False)
    text = text.strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    text = _CURRENCY.sub("", text)
    if text and text[-1] in _MINUS:
        negative, text = not negative, text[:-1]
    if text and text[0] in _MINUS:
        negative, text = not negative, text[1:]
    elif text.startswith("+"):
        text = text[1:]
    return text, negative


def detect_decimal_mark(values: Iterable[Cell]) -> tuple[NumberFormat | None, bool]:
    """Decide a column's decimal mark from its text numbers.

    Parameters
    ----------
    values
        The column's distinct values (non-text values are ignored).

    Returns
    -------
    (mark, ambiguous)
        ``mark`` is ``None`` when no text has a separator.  A text with both
        marks proves the last one; one mark repeated proves it is the
        thousands separator; a single mark not followed by exactly three
        digits proves it is decimal.  ``1.234`` alone proves nothing: then
        ``(None, True)`` and the caller picks by locale.
    """
    comma = point = 0
    undecided = False
    for value in values:
        if not isinstance(value, str):
            continue
        text, _ = _clean_number_text(value)
        if not text or (not text[0].isdigit() and text[0] not in ".,"):
            continue
        has_comma, has_point = "," in text, "." in text
        if has_comma and has_point:
            if text.rfind(",") > text.rfind("."):
                comma += 1
            else:
                point += 1
        elif has_comma or has_point:
            mark = "," if has_comma else "."
            if text.count(mark) > 1:
                comma, point = (comma, point + 1) if mark == "," else (comma + 1, point)
            elif len(text) - text.index(mark) - 1 != 3:
                comma, point = (comma + 1, point) if mark == "," else (comma, point + 1)
            else:
                undecided = True
    if comma or point:
        return (
            NumberFormat.DECIMAL_COMMA if comma > point else NumberFormat.DECIMAL_POINT
        ), False
    return None, undecided


def _decimal_of_text(text: str, mark: NumberFormat) -> Decimal:
    body, negative = _clean_number_text(text)
    body = body.replace("'", "")
    if mark == NumberFormat.DECIMAL_COMMA:
        body = body.replace(".", "").replace(",", ".")
    else:
        body = body.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(body):
        raise ValueError(text)
    number = Decimal(body)
    return -number if negative else number


def _decimal(value: Cell, mark: NumberFormat) -> Decimal | None:
    """Shortest decimal form of a cell; ``None`` for empty; raise ValueError when not a number."""
    kind = type(value)
    if kind is float:
        assert isinstance(value, float)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(value)
        return Decimal(repr(value))
    if kind is int:
        assert isinstance(value, int)
        return Decimal(value)
    if kind is str:
        assert isinstance(value, str)
        if is_blank(value):
            return None
        return _decimal_of_text(value, mark)
    if value is None:
        return None
    raise ValueError(value)


class NumberColumn:
    """A converted number column, with an exact view for money.

    Attributes
    ----------
    values
        The numbers as floats (``nan`` where empty or invalid).
    empty, bad
        Masks of empty cells and cells that are not numbers.
    column
        The cells it was converted from.
    """

    def __init__(
        self,
        values: npt.NDArray[np.float64],
        empty: npt.NDArray[np.bool_],
        bad: npt.NDArray[np.bool_],
        data: ColumnData,
        exact: list[Decimal | object | None] | None = None,
        bodies: list[str | None] | None = None,
    ) -> None:
        self.values = values
        self.empty = empty
        self.bad = bad
        self.data = data
        self.column = data.cells
        # Per distinct cell (``data.factor.uniques``): its exact value when
        # parsed the slow way (currency, parentheses…), else _NOT_A_NUMBER;
        # and the normalised plain text number ("-1234.56"), else None.
        self._exact = exact
        self._bodies = bodies

    @property
    def factor(self) -> Factor:
        """The column's cells as codes into its distinct cells."""
        return self.data.factor

    @property
    def table(self) -> dict[Cell, Decimal | None]:
        """Distinct cell -> exact :class:`~decimal.Decimal` (``None`` for empty or invalid).

        Numbers from a workbook take their shortest decimal form
        (``repr(float)``), so ``9.9499999999999993`` is ``9.95``.
        """
        return dict(zip(self.factor.uniques, self.exact_values(), strict=True))

    def exact_values(self) -> list[Decimal | None]:
        """The exact value of each distinct cell (``factor.uniques`` order), computed once."""
        known = self._exact
        if known is None:
            known = self._exact = [_NOT_A_NUMBER] * len(self.factor.uniques)
        if _NOT_A_NUMBER in known:
            bodies = self._bodies
            uniques = self.factor.uniques
            for position, number in enumerate(known):
                if number is _NOT_A_NUMBER:
                    body = bodies[position] if bodies is not None else None
                    known[position] = (
                        Decimal(body)
                        if body is not None
                        else _number_of_cell(uniques[position])
                    )
        return known  # type: ignore[return-value]

    def _exact_of(self, position: int) -> Decimal | None:
        known = self._exact
        if known is not None and known[position] is not _NOT_A_NUMBER:
            return known[position]  # type: ignore[return-value]
        body = self._bodies[position] if self._bodies is not None else None
        if body is not None:
            return Decimal(body)
        return _number_of_cell(self.factor.uniques[position])

    def max_decimals(self) -> int:
        """Most decimals of any value in its shortest decimal form (0 for whole numbers)."""
        factor = self.factor
        floats = len(factor.floats)
        most = _float_decimals(factor.uniques[:floats])
        bodies = self._bodies or []
        # Decimals of the plain text numbers: what follows the point, at C speed.
        most = max(
            most,
            max(
                map(
                    len,
                    map(
                        itemgetter(2),
                        map(
                            methodcaller("partition", "."),
                            [b for b in bodies if b is not None],
                        ),
                    ),
                ),
                default=0,
            ),
        )
        for position in range(floats, len(factor.uniques)):
            if bodies and bodies[position] is not None:
                continue
            number = self._exact_of(position)
            if number is not None and number.is_finite():
                most = max(most, -int(number.as_tuple().exponent))
        return most

    def cents(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Integer cents, rounded half-up (``NO_INT`` where empty/invalid), and a too-large mask.

        Most values sit within a hundredth of a cent of a whole cent (two
        decimals or fewer): those are rounded with numpy, which then equals
        the decimal result exactly.  The others (``0.125``, ``2.675``) go
        through :class:`~decimal.Decimal` from their shortest form, once per
        distinct value.
        """
        values = self.values
        valid = ~np.isnan(values)
        with np.errstate(invalid="ignore", over="ignore"):
            scaled = values * 100.0
            rounded = np.rint(scaled)
            safe = valid & (np.abs(scaled - rounded) < 0.01) & (np.abs(values) < 1e12)
        cents = np.where(safe, rounded, 0.0).astype(np.int64)
        cents[~valid] = NO_INT
        slow = valid & ~safe
        if slow.any():
            codes = self.factor.codes
            needed = np.unique(codes[slow])
            exact = np.zeros(len(self.factor.uniques), dtype=np.int64)
            for position in needed.tolist():
                number = self._exact_of(position)
                exact[position] = (
                    NO_INT
                    if number is None
                    else _clamp(
                        int((number * 100).to_integral_value(rounding=ROUND_HALF_UP))
                    )
                )
            cents[slow] = exact[codes[slow]]
        too_large = valid & (np.abs(cents) >= _MAX_CENTS) & (cents != NO_INT)
        # A slow value beyond any int64 was clamped to _MAX_CENTS: too large too.
        if too_large.any():
            cents[too_large] = NO_INT
        return cents, too_large

    def integers(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Whole numbers rounded half-up (``NO_INT`` where empty/invalid), and a too-large mask."""
        lookup = np.empty(len(self.factor.uniques), dtype=np.int64)
        for position, number in enumerate(self.exact_values()):
            whole = (
                NO_INT
                if number is None
                else int(number.to_integral_value(ROUND_HALF_UP))
            )
            lookup[position] = (
                whole if abs(whole) < _MAX_CENTS or whole == NO_INT else NO_INT + 1
            )
        raw = lookup[self.factor.codes]
        too_large = raw == NO_INT + 1
        return np.where(too_large, NO_INT, raw), too_large


def _clamp(cents: int) -> int:
    """``cents``, or ``_MAX_CENTS`` when its magnitude reaches it (it no longer fits)."""
    return cents if abs(cents) < _MAX_CENTS else _MAX_CENTS


def _float_decimals(values: Sequence[Cell]) -> int:
    """Most decimals among floats in their shortest decimal form (``repr``)."""
    texts = list(map(repr, values))
    plain = [t for t in texts if "e" not in t and "n" not in t]  # no 1e-05, nan, inf
    most = max(
        map(len, map(itemgetter(2), map(methodcaller("partition", "."), plain))),
        default=0,
    )
    for text in texts:
        if "e" in text and "n" not in text:
            most = max(most, -int(Decimal(text).as_tuple().exponent))
    return most


_NOT_A_NUMBER = object()


def _number_of_cell(value: Cell) -> Decimal | None:
    try:
        return _decimal(value, NumberFormat.DECIMAL_POINT)
    except (ValueError, InvalidOperation):
        return None


_DROP_SEPARATORS = str.maketrans("", "", ".,-")


def _plain_text_numbers(
    distinct: Sequence[Cell],
    comma: bool,
    floats: dict[Cell, float],
    bodies: dict[Cell, str],
) -> None:
    """Convert a column's plain text numbers a slice at a time ("1.234,56", "-12").

    When every text of a slice of the distinct values is digits with
    separators and a leading minus, the normalised texts go to numpy in one
    call; otherwise nothing happens for that slice and each of its values
    takes the per-value path (with the same result).
    """

    def convert(part: Sequence[Cell]) -> None:
        # Blank and error texts are empty cells, for the per-value path.
        texts: list[str] = [
            v for v in part if type(v) is str and v.strip() and v.lstrip()[0] != "#"
        ]
        if not texts:
            return
        joined = "".join(texts)
        if not joined.translate(_DROP_SEPARATORS).isdigit():
            return
        if joined.count("-") != sum(map(methodcaller("startswith", "-"), texts)):
            return
        if comma:
            normal = [t.replace(".", "").replace(",", ".") for t in texts]
        else:
            normal = [t.replace(",", "") for t in texts]
        try:
            numbers = np.array(normal, dtype=np.float64)
        except ValueError:
            return  # "1.2.3" or a lone "-": the per-value path says which
        if not np.isfinite(numbers).all():
            return
        floats.update(zip(texts, numbers.tolist(), strict=True))
        bodies.update(zip(texts, normal, strict=True))

    chunked(convert, distinct)


def _plain_digits(text: str) -> bool:
    """True for digits with ``.``/``,`` separators and an optional leading minus (string ops only)."""
    body = text[1:] if text[:1] == "-" else text
    return body[:1].isdigit() and body.replace(".", "").replace(",", "").isdigit()


def convert_numbers(
    column: Sequence[Cell] | ColumnData, mark: NumberFormat | None = None
) -> NumberColumn:
    """Convert a whole number column.

    Parameters
    ----------
    column
        The cells: numbers from a workbook, or text such as ``1234.56``,
        ``1.234,56``, ``R$ 1.234,56``, ``1,234.56``, ``(12,00)``, ``-12,00``.
    mark
        The column's decimal mark for text numbers (default: point).

    Returns
    -------
    NumberColumn
    """
    mark = mark or NumberFormat.DECIMAL_POINT
    data = column_data(column)
    count = len(data)
    floats = data.floats
    if floats is not None:
        # All real numbers (the usual workbook column): numpy converts at C speed.
        bad = ~np.isfinite(floats)
        values = floats
        if bad.any():
            values = np.where(bad, np.nan, floats)
        return NumberColumn(values, np.zeros(count, np.bool_), bad, data)
    factor = data.factor
    uniques = factor.uniques
    size = len(uniques)
    numbers = np.empty(size, dtype=np.float64)
    is_bad = np.zeros(size, dtype=np.bool_)
    exact: list[Decimal | object | None] = [_NOT_A_NUMBER] * size
    bodies: list[str | None] = [None] * size
    # Real numbers first (their own block of the distinct cells): numpy.
    real = len(factor.floats)
    numbers[:real] = factor.floats
    is_bad[:real] = ~np.isfinite(factor.floats)
    numbers[:real][is_bad[:real]] = np.nan
    comma = mark == NumberFormat.DECIMAL_COMMA
    plain_floats: dict[Cell, float] = {}
    plain_bodies: dict[Cell, str] = {}
    _plain_text_numbers(uniques[real:], comma, plain_floats, plain_bodies)
    nan = float("nan")
    infinite = (float("inf"), float("-inf"))
    for position in range(real, size):
        value = uniques[position]
        kind = type(value)
        if kind is str and value in plain_bodies:
            numbers[position] = plain_floats[value]
            bodies[position] = plain_bodies[value]
            continue
        if kind is float and value == value and value not in infinite:
            numbers[position] = value  # type: ignore[assignment]
            continue
        if kind is str and _plain_digits(value):  # type: ignore[arg-type]
            # Digits and separators only ("1.234,56", "-12"): no Decimal yet.
            text: str = value  # type: ignore[assignment]
            if comma:
                body = text.replace(".", "").replace(",", ".")
            else:
                body = text.replace(",", "")
            try:
                as_float = float(body)
            except ValueError:
                pass
            else:
                if as_float not in infinite:
                    numbers[position] = as_float
                    bodies[position] = body
                    continue
        try:
            number = _decimal(value, mark)
        except (ValueError, InvalidOperation, OverflowError):
            number = None
            is_bad[position] = True
        exact[position] = number
        if number is None:
            numbers[position] = nan
        else:
            as_float = float(number)
            if as_float in infinite:
                # Beyond any float (1E400): not a number we can use.
                numbers[position] = nan
                is_bad[position] = True
                exact[position] = None
            else:
                numbers[position] = as_float
    values = numbers[factor.codes]
    bad = is_bad[factor.codes]
    return NumberColumn(values, np.isnan(values) & ~bad, bad, data, exact, bodies)


def _scaled(numbers: NumberColumn) -> tuple[npt.NDArray[np.int64], int, int]:
    """Exact integers of a column at a common decimal scale, and the largest magnitude."""
    scale = numbers.max_decimals()
    if scale <= 8:
        # Floats of at most 8 decimals scale exactly with numpy once rounded;
        # check it against the exact values' bound before trusting it.
        valid = ~np.isnan(numbers.values)
        with np.errstate(invalid="ignore", over="ignore"):
            magnified = numbers.values * 10.0**scale
            rounded = np.rint(magnified)
        finite = np.where(valid, rounded, 0.0)
        largest_float = float(np.abs(finite).max()) if len(finite) else 0.0
        if largest_float < 2**52 and bool(
            np.all(np.abs(magnified[valid] - rounded[valid]) < 0.25)
        ):
            return finite.astype(np.int64), scale, int(largest_float)
    scaled = [
        0 if number is None else int(number.scaleb(scale))
        for number in numbers.exact_values()
    ]
    largest = max(map(abs, scaled), default=0)
    if largest >= 2**62:
        raise OverflowError
    array = np.array(scaled, dtype=np.int64)[numbers.factor.codes]
    return array, scale, largest


def product_cents(
    quantity: NumberColumn | None, price: NumberColumn
) -> npt.NDArray[np.int64]:
    """Line amounts in cents: quantity x unit price, exactly, rounded half-up once.

    Parameters
    ----------
    quantity
        The quantity column, or ``None`` (quantity 1).
    price
        The unit price column.

    Returns
    -------
    numpy.ndarray
        Cents (``NO_INT`` where either factor is empty or invalid, or the
        product does not fit).
    """
    if quantity is None:
        return price.cents()[0]
    invalid = quantity.empty | quantity.bad | price.empty | price.bad
    try:
        q, q_scale, q_max = _scaled(quantity)
        p, p_scale, p_max = _scaled(price)
    except OverflowError:
        return _product_slow(quantity, price, invalid)
    scale = q_scale + p_scale
    if q_max * p_max >= 2**62 or scale > 20:
        # Past int64 (the product, or 10**(scale-2) for a tiny factor such as 1e-225).
        return _product_slow(quantity, price, invalid)
    product = q * p
    if scale <= 2:
        cents = product * 10 ** (2 - scale)
    else:
        divisor = 10 ** (scale - 2)
        magnitude = (np.abs(product) + divisor // 2) // divisor
        cents = np.where(product < 0, -magnitude, magnitude)
    too_large = np.abs(cents) >= _MAX_CENTS
    return np.where(invalid | too_large, NO_INT, cents).astype(np.int64)


def _product_slow(
    quantity: NumberColumn, price: NumberColumn, invalid: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    result = np.full(len(quantity.column), NO_INT, dtype=np.int64)
    q_exact, p_exact = quantity.exact_values(), price.exact_values()
    q_codes, p_codes = quantity.factor.codes, price.factor.codes
    for index in np.flatnonzero(~invalid).tolist():
        q = q_exact[q_codes[index]]
        p = p_exact[p_codes[index]]
        assert q is not None
        assert p is not None
        cents = int((q * p * 100).to_integral_value(rounding=ROUND_HALF_UP))
        if abs(cents) < _MAX_CENTS:
            result[index] = cents
    return result


# ---------------------------------------------------------------------- text

_DIGITS = re.compile(r"\D+")
_ZERO_FRACTION = re.compile(r"(\d+)\.0+")


@dataclass(frozen=True)
class TextColumn:
    """A normalised text column, as codes into its distinct texts.

    Attributes
    ----------
    codes
        Per cell, the index of its text in ``texts``, or -1 for none
        (an empty cell, or a value the normaliser rejects).
    texts
        The distinct normalised texts.
    """

    codes: npt.NDArray[np.intp]
    texts: list[str]

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def present(self) -> npt.NDArray[np.bool_]:
        """True where a cell has a text."""
        present: npt.NDArray[np.bool_] = self.codes >= 0
        return present

    def lookup(self) -> npt.NDArray[np.object_]:
        """``texts`` as an object array, plus ``None`` at the end (code -1)."""
        return objects([*self.texts, None])

    def tolist(self, rows: npt.NDArray[np.intp] | None = None) -> list[str | None]:
        """The texts (``None`` for none) of every cell, or of the cells at ``rows``."""
        return self.texts_of(self.codes if rows is None else self.codes[rows])

    def texts_of(self, codes: npt.NDArray[np.intp]) -> list[str | None]:
        """The texts of ``codes`` (``None`` for -1)."""
        return take_list(self.lookup(), codes)


def _text_column(
    column: Sequence[Cell] | ColumnData,
    normalize: Callable[[Sequence[Cell]], list[str | None]],
    floats: Callable[[list[str]], list[str]] | None = None,
) -> TextColumn:
    """Normalise each distinct cell once, then give every cell the code of its text.

    ``normalize`` turns distinct cells into texts (``None`` for none);
    ``floats``, when given, turns the plain texts of the distinct real
    numbers (``"12346"``, ``"1.5"``) into texts, and says by being given that
    distinct numbers give distinct texts.
    """
    factor = column_data(column).factor
    real = len(factor.floats)
    rest = normalize(factor.uniques[real:])
    if real and floats is not None:
        texts, remap = _add_texts(floats(_float_texts(factor.floats)), rest)
    else:
        texts, remap = _add_texts([], normalize(factor.uniques[:real]) + rest)
    codes = np.append(remap, -1)[factor.codes] if len(remap) else factor.codes
    return TextColumn(codes, texts)


def _add_texts(
    distinct: list[str], more: list[str | None]
) -> tuple[list[str], npt.NDArray[np.intp]]:
    """The distinct texts of ``distinct + more``, and the code of each (-1 for ``None``).

    ``distinct`` holds distinct texts already (the numbers' texts); ``more``
    may repeat them or each other (" ana" and "ana" give one text).
    """
    codes = np.arange(len(distinct) + len(more), dtype=np.intp)
    if not more:
        return distinct, codes
    extra = factorize_objects(more)
    found = cast("list[str | None]", extra.uniques)
    if not distinct:
        return _without_none(found, extra.codes)
    wanted = set(found)
    wanted.discard(None)
    # Where the new texts already are among the distinct ones (rarely anywhere).
    hits = chunked_array(
        lambda part: np.fromiter(
            map(wanted.__contains__, part), dtype=np.bool_, count=len(part)
        ),
        distinct if wanted else [],
        np.bool_,
    )
    known: dict[str | None, int] = {
        distinct[index]: index for index in np.flatnonzero(hits).tolist()
    }
    known[None] = -1
    texts = list(distinct)
    for text in found:
        if text not in known:
            known[text] = len(texts)
            texts.append(text)  # type: ignore[arg-type]
    place = np.fromiter(map(known.__getitem__, found), dtype=np.intp, count=len(found))
    codes[len(distinct) :] = place[extra.codes]
    return texts, codes


def _without_none(
    texts: list[str | None], codes: npt.NDArray[np.intp]
) -> tuple[list[str], npt.NDArray[np.intp]]:
    """``texts`` without ``None`` (if there), its code becoming -1 and the later ones one less."""
    if None not in texts:
        return texts, codes  # type: ignore[return-value]
    empty = texts.index(None)
    del texts[empty]
    shifted = np.where(codes == empty, -1, codes - (codes > empty))
    return texts, shifted  # type: ignore[return-value]


def _float_texts(values: npt.NDArray[np.float64]) -> list[str]:
    """Plain text of floats: ``"12346"`` for a whole number below 1e16, else ``repr``."""
    with np.errstate(invalid="ignore"):
        whole = (values == np.floor(values)) & (np.abs(values) < 1e16)
    wholes = chunked_list(_int_texts, values[whole].astype(np.int64))
    if len(wholes) == len(values):
        return wholes
    texts = np.empty(len(values), dtype=object)
    texts[whole] = wholes
    texts[~whole] = chunked_list(_reprs, values[~whole])
    result: list[str] = take_list(texts, np.arange(len(texts)))
    return result


def _int_texts(values: npt.NDArray[np.int64]) -> list[str]:
    return list(map(str, values.tolist()))


def _reprs(values: npt.NDArray[np.float64]) -> list[str]:
    return list(map(repr, values.tolist()))


def _each(
    normalize: Callable[[Cell], str | None],
) -> Callable[[Sequence[Cell]], list[str | None]]:
    """A per-cell normaliser applied to distinct cells, empty cells giving ``None``."""

    def apply(values: Sequence[Cell]) -> list[str | None]:
        return [None if v is None or is_blank(v) else normalize(v) for v in values]

    return apply


def _plain_text(value: Cell) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _squeeze(text: str) -> str:
    """Trimmed, every run of white space one space (``str.split`` splits on what ``\\s`` matches)."""
    return " ".join(text.split())


def _id(value: Cell) -> str | None:
    if isinstance(value, str):
        if value.isdigit():  # the usual text id: digits, nothing to trim
            return value
        text = _squeeze(value)
        # "12346.0" written as text by a tool that went through floats.
        match = _ZERO_FRACTION.fullmatch(text)
        return (match.group(1) if match else text) or None
    if isinstance(value, float):
        return (
            str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
        )
    return _plain_text(value) or None


def _ids(values: Sequence[Cell]) -> list[str | None]:
    """Ids of distinct cells (see :func:`_id`): text cells squeezed at C speed."""
    return chunked_list(_some_ids, values)


def _some_ids(values: Sequence[Cell]) -> list[str | None]:
    if set(map(type, values)) - {str}:
        return _each(_id)(values)
    texts = cast("list[str]", values)
    digits = list(map(str.isdigit, texts))
    if all(digits):  # the usual text ids: nothing to trim
        return list(texts)
    result: list[str | None] = []
    squeezed_texts = map(" ".join, map(str.split, texts))  # _squeeze at C speed
    for text, squeezed, digit in zip(texts, squeezed_texts, digits, strict=True):
        if digit:
            result.append(text)
        elif not squeezed or (squeezed[0] == "#" and squeezed.upper() in ERROR_STRINGS):
            result.append(None)
        elif "." in squeezed:
            match = _ZERO_FRACTION.fullmatch(squeezed)
            result.append(match.group(1) if match else squeezed)
        else:
            result.append(squeezed)
    return result


def _texts(values: Sequence[Cell]) -> list[str | None]:
    """Free text of distinct cells: text cells squeezed at C speed, the others one by one."""
    return chunked_list(_some_texts, values)


def _some_texts(values: Sequence[Cell]) -> list[str | None]:
    if set(map(type, values)) - {str}:
        return _each(_text)(values)
    squeezed = list(map(" ".join, map(str.split, values)))  # type: ignore[arg-type]
    return [
        None if not t or (t[0] == "#" and t.upper() in ERROR_STRINGS) else t
        for t in squeezed
    ]


def _same(texts: list[str]) -> list[str]:
    return texts


def id_texts(column: Sequence[Cell] | ColumnData) -> TextColumn:
    """Customer keys, order ids, referrers (see :func:`id_column`) as a :class:`TextColumn`."""
    return _text_column(column, _ids, _same)


def id_column(column: Sequence[Cell]) -> list[str | None]:
    """Customer keys, order ids, referrers: trimmed text; ``12346.0`` -> ``"12346"``.

    Leading zeros of ids stored as text are kept (``"00123"``).
    """
    return id_texts(column).tolist()


def _email(value: Cell) -> str | None:
    text = _plain_text(value).strip().lower()
    return text if "@" in text else None


def email_texts(column: Sequence[Cell] | ColumnData) -> TextColumn:
    """E-mails (see :func:`email_column`) as a :class:`TextColumn`."""
    return _text_column(column, _each(_email))


def email_column(column: Sequence[Cell]) -> list[str | None]:
    """E-mails trimmed and lower-cased; a text without ``@`` is no e-mail (``None``)."""
    return email_texts(column).tolist()


def _document(value: Cell) -> str | None:
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        if not float(value).is_integer() or value < 0:
            return None
        digits = str(int(value))
        # A document stored as a number lost its leading zeros: CPF has 11 digits, CNPJ 14.
        if len(digits) <= 11:
            return digits.zfill(11)
        return digits.zfill(14) if len(digits) <= 14 else digits
    digits = _DIGITS.sub("", _plain_text(value))
    return digits or None


def document_texts(column: Sequence[Cell] | ColumnData) -> TextColumn:
    """CPF/CNPJ (see :func:`document_column`) as a :class:`TextColumn`."""
    return _text_column(column, _each(_document))


def document_column(column: Sequence[Cell]) -> list[str | None]:
    """CPF/CNPJ as digits only; numbers left-padded to 11 (CPF) or 14 (CNPJ) digits."""
    return document_texts(column).tolist()


def _phone(value: Cell) -> str | None:
    return _DIGITS.sub("", _plain_text(value)) or None


def phone_texts(column: Sequence[Cell] | ColumnData) -> TextColumn:
    """Phones (see :func:`phone_column`) as a :class:`TextColumn`."""
    return _text_column(column, _each(_phone))


def phone_column(column: Sequence[Cell]) -> list[str | None]:
    """Phones as digits only."""
    return phone_texts(column).tolist()


def _text(value: Cell) -> str | None:
    return _squeeze(_plain_text(value)) or None


def free_texts(column: Sequence[Cell] | ColumnData) -> TextColumn:
    """Free text (see :func:`text_column`) as a :class:`TextColumn`."""
    return _text_column(column, _texts, _same)


def text_column(column: Sequence[Cell]) -> list[str | None]:
    """Free text (names, cities, channels, statuses): trimmed, inner spaces collapsed."""
    return free_texts(column).tolist()


def _state(value: Cell) -> str | None:
    text = _text(value)
    return text.upper() if text else None


def state_texts(column: Sequence[Cell] | ColumnData) -> TextColumn:
    """States (see :func:`state_column`) as a :class:`TextColumn`."""
    return _text_column(column, _each(_state))


def state_column(column: Sequence[Cell]) -> list[str | None]:
    """States (UF): trimmed and upper-cased."""
    return state_texts(column).tolist()
