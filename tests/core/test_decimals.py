"""Numbers with decimals inside messages follow the reader's language (command line side)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from clmdesk.core import messages
from clmdesk.core.decimals import format_decimal, is_decimal
from clmdesk.core.i18n import render_message
from clmdesk.core.messages import Message

_SAMPLE = "tests.decimals.sample"
_INNER = "tests.decimals.inner"


@pytest.fixture(autouse=True)
def _sample_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    # Registered for these tests only, so that the catalogue checks never see
    # them; the catalogue has no entry, so both languages use the English text.
    monkeypatch.setitem(
        messages._TEMPLATES, _SAMPLE, "{value} | {count} | {flag} | {inner}"
    )
    monkeypatch.setitem(messages._TEMPLATES, _INNER, "inner {value}")


@pytest.mark.parametrize(
    ("value", "english", "portuguese"),
    [
        (45.5, "45.5", "45,5"),
        (45.0, "45", "45"),
        (25.25, "25.25", "25,25"),
        (12.700000000000003, "12.7", "12,7"),  # 100 - 87.3: no float noise
        (1234.5, "1,234.5", "1.234,5"),  # grouped like whole numbers
        (-3.5, "-3.5", "-3,5"),
        (-0.001, "0", "0"),
        (np.float64(45.5), "45.5", "45,5"),
        (np.float32(0.5), "0.5", "0,5"),
        (Decimal("45.50"), "45.5", "45,5"),
    ],
)
def test_format_decimal_in_both_languages(value, english, portuguese) -> None:
    assert format_decimal(value, "en") == english
    assert format_decimal(value) == english
    assert format_decimal(value, "pt_BR") == portuguese


def test_only_numbers_that_may_have_decimals_are_decimals() -> None:
    assert is_decimal(1.5)
    assert is_decimal(np.float64(2.0))
    assert is_decimal(Decimal("1.5"))
    assert not is_decimal(3)
    assert not is_decimal(np.int64(3))
    assert not is_decimal(True)
    assert not is_decimal("1.5")


def test_render_message_writes_decimals_for_the_language_and_keeps_integers() -> None:
    message = Message(
        _SAMPLE,
        {
            "value": 45.5,
            "count": 1234,
            "flag": True,
            "inner": Message(_INNER, {"value": 0.25}),
        },
    )
    assert render_message(message, "en") == "45.5 | 1234 | True | inner 0.25"
    assert render_message(message, "pt_BR") == "45,5 | 1234 | True | inner 0,25"
    # Logs and exceptions read English, numbers included.
    assert message.english() == "45.5 | 1234 | True | inner 0.25"


def test_text_parameters_are_left_as_they_are() -> None:
    # Echoed user input ("12.5" typed in a cell) is text, not a number.
    message = Message(_SAMPLE, {"value": "12.5", "count": 0, "flag": "", "inner": ""})
    assert render_message(message, "pt_BR") == "12.5 | 0 |  | "


def test_counts_are_grouped_for_the_language() -> None:
    from clmdesk.core.messages import Count

    message = Message(
        _SAMPLE,
        {"value": Count(20_000_000), "count": 20_000_000, "flag": "", "inner": ""},
    )
    assert render_message(message, "pt_BR") == "20.000.000 | 20000000 |  | "
    assert render_message(message, "en") == "20,000,000 | 20000000 |  | "
    assert message.english() == "20,000,000 | 20000000 |  | "
