"""Decimal numbers written the reader's way, without Qt (core layer).

Message parameters carry numbers, never pre-formatted text: whoever shows
the message formats them for its reader (:func:`clmdesk.core.i18n.render_message`
on the command line, :func:`clmdesk.ui.i18n.format_decimal` in the window,
which asks ``QLocale`` and gives the same text). A median gap of 45.5 days
reads ``45,5`` in Portuguese and ``45.5`` in English; 1234.5 reads
``1.234,5`` and ``1,234.5``, grouped as the interface groups whole numbers.
"""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Integral, Real

__all__ = ["DECIMAL_PLACES", "format_decimal", "is_decimal"]

DECIMAL_PLACES = 2
"""At most this many decimals are shown; trailing zeros are dropped."""

# Language -> (decimal mark, group separator); English's are Python's own.
_MARKS = {"pt_BR": (",", ".")}


def is_decimal(value: object) -> bool:
    """Whether ``value`` is a number that may have decimals (float, numpy float, Decimal).

    Integers and booleans are not: message templates print them as before.
    """
    if isinstance(value, Decimal):
        return True
    return isinstance(value, Real) and not isinstance(value, Integral)


def format_decimal(value: float | Decimal, language: str = "en") -> str:
    """``value`` with the language's decimal mark and group separator.

    Parameters
    ----------
    value
        The number; rounded to :data:`DECIMAL_PLACES` decimals.
    language
        ``"pt_BR"`` or ``"en"`` (any other language is written as English).

    Returns
    -------
    str
        ``"45,5"`` / ``"45.5"``; ``"20"`` for 20.0; ``"1.234,5"`` / ``"1,234.5"``.
    """
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    text = f"{number:,.{DECIMAL_PLACES}f}".rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    marks = _MARKS.get(language)
    if marks is None:
        return text
    decimal_mark, group_separator = marks
    return text.translate(str.maketrans(".,", decimal_mark + group_separator))
