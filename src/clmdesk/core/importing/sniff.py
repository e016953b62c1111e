"""What a column's values look like, from a sample (core layer).

Used to find the header row (a header is a row of labels above rows of
values) and to map columns whose headers say nothing.  Works on a sample of
at most a few thousand values, so its per-cell Python cost does not grow
with the file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import compress
from operator import ne
from typing import TYPE_CHECKING, cast

import numpy as np

from clmdesk.core.importing.values import is_blank

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from clmdesk.core.importing.records import Cell

__all__ = ["ColumnProfile", "looks_like_value", "profile_column", "sample_indices"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CPF = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")
_CNPJ = re.compile(r"\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}")
_PHONE = re.compile(r"(?:\+?\d{1,3}[\s-]?)?\(?\d{2}\)?[\s-]?\d{4,5}[\s-]\d{4}")
_DATE_TEXT = re.compile(
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2}))(?:[T ].*)?"
)
_NUMBER_TEXT = re.compile(
    r"[(\-+]?\s*(?:R\$|US\$|\$|€)?\s*-?[\d.,' \u00a0]*\d[\d.,]*\)?-?"
)
_STATES = frozenset(
    [
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    ]
)
_LETTERS = re.compile(r"[^\W\d_]{2,}(?:\s+[^\W\d_]+)+")


def sample_indices(length: int, size: int = 2000) -> range | list[int]:
    """Indices of an evenly spread sample of at most ``size`` rows."""
    if length <= size:
        return range(length)
    step = length / size
    return [int(i * step) for i in range(size)]


def looks_like_value(value: Cell) -> bool:
    """True when a cell is data rather than a label (number, date, e-mail, document…)."""
    if isinstance(value, (int, float, date)) and not isinstance(value, bool):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(
        _NUMBER_TEXT.fullmatch(text)
        or _DATE_TEXT.fullmatch(text)
        or _EMAIL.fullmatch(text)
        or _CPF.fullmatch(text)
        or _CNPJ.fullmatch(text)
    )


@dataclass(frozen=True)
class ColumnProfile:
    """Shares of value kinds among a column's non-empty sampled values.

    Attributes
    ----------
    filled
        Non-empty values in the sample.
    date, number, email, document, phone, state, name
        Share (0..1) of values that are dates, numbers, e-mails, formatted
        CPF/CNPJ, phones, Brazilian state codes, or several words of letters.
    integral
        Share of numbers without a fractional part.
    distinct
        Distinct values / filled.
    small
        Share of numbers between 0 and 1000.
    contiguous
        Share of repeated values whose repeats are in one run (order ids
        repeat on consecutive lines; customer ids come back later).
    minimum, maximum
        Range of the numbers (0 when none).
    two_decimals
        Share of non-integral numbers with at most two decimals.
    """

    filled: int
    date: float
    number: float
    email: float
    document: float
    phone: float
    state: float
    name: float
    integral: float
    distinct: float
    small: float
    contiguous: float
    minimum: float
    maximum: float
    two_decimals: float


def _as_number(value: Cell) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER_TEXT.fullmatch(value.strip()):
        text = value.strip().replace("R$", "").replace("$", "").replace(" ", "")
        text = text.strip("()+-")
        if "," in text and ("." not in text or text.rfind(",") > text.rfind(".")):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
        try:
            return float(text)
        except ValueError:
            return None
    return None


def profile_column(values: Sequence[Cell]) -> ColumnProfile:
    """Profile a sample of one column's values (empty cells are skipped)."""
    if values and set(map(type, values)) == {float}:
        profile = _profile_floats(values)
        if profile is not None:
            return profile
    filled = [v for v in values if not is_blank(v)]
    n = len(filled)
    if not n:
        return ColumnProfile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    dates = numbers = emails = documents = phones = states = names = 0
    numeric: list[float] = []
    for value in filled:
        if isinstance(value, date):
            dates += 1
            continue
        number = _as_number(value)
        if isinstance(value, str):
            text = value.strip()
            if _DATE_TEXT.fullmatch(text):
                dates += 1
                continue
            if _EMAIL.fullmatch(text):
                emails += 1
                continue
            if _CPF.fullmatch(text) or _CNPJ.fullmatch(text):
                documents += 1
                continue
            if _PHONE.fullmatch(text) and any(c in text for c in " ()-"):
                phones += 1
                continue
            if text.upper() in _STATES:
                states += 1
                continue
            if number is None and _LETTERS.fullmatch(text):
                names += 1
                continue
        if number is not None:
            numbers += 1
            numeric.append(number)
    integral = sum(1 for x in numeric if x.is_integer())
    two = sum(1 for x in numeric if not x.is_integer() and round(x, 2) == x)
    small = sum(1 for x in numeric if 0 <= x <= 1000)
    return ColumnProfile(
        filled=n,
        date=dates / n,
        number=numbers / n,
        email=emails / n,
        document=documents / n,
        phone=phones / n,
        state=states / n,
        name=names / n,
        integral=integral / len(numeric) if numeric else 0.0,
        distinct=len(set(filled)) / n,
        small=small / len(numeric) if numeric else 0.0,
        contiguous=_contiguity(filled),
        minimum=min(numeric) if numeric else 0.0,
        maximum=max(numeric) if numeric else 0.0,
        two_decimals=two / (len(numeric) - integral)
        if len(numeric) > integral
        else 0.0,
    )


def _profile_floats(values: Sequence[Cell]) -> ColumnProfile | None:
    """:func:`profile_column` of real numbers with numpy (``None`` when one is nan)."""
    numbers = np.array(values, dtype=np.float64)
    if np.isnan(numbers).any():
        return None  # min() and max() of a list with nan depend on its order
    count = len(numbers)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(numbers) & (numbers == np.floor(numbers))
    integral = int(whole.sum())
    fractional = cast("Iterable[float]", compress(values, (~whole).tolist()))
    two = sum(1 for x in fractional if round(x, 2) == x)
    small = int(((numbers >= 0) & (numbers <= 1000)).sum())
    return ColumnProfile(
        filled=count,
        date=0.0,
        number=1.0,
        email=0.0,
        document=0.0,
        phone=0.0,
        state=0.0,
        name=0.0,
        integral=integral / count,
        distinct=len(set(values)) / count,
        small=small / count,
        contiguous=_contiguity(values),
        minimum=float(numbers.min()),
        maximum=float(numbers.max()),
        two_decimals=two / (count - integral) if count > integral else 0.0,
    )


def _contiguity(filled: Sequence[Cell]) -> float:
    """Share of the repeated values whose repeats are in one run (``filled``: no blanks)."""
    counts = Counter(filled)
    repeated = [v for v, c in counts.items() if c > 1]
    if not repeated:
        return 0.0
    # A run starts at each value unlike the one before it.
    starts = map(ne, filled, [_NOTHING, *filled[:-1]])
    runs = Counter(compress(filled, starts))
    return sum(1 for v in repeated if runs[v] == 1) / len(repeated)


_NOTHING = object()
