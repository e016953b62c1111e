"""The cycle explanation and stage descriptions carry numbers, written per language."""

from __future__ import annotations

import pytest

from clmdesk.core.i18n import render_message
from clmdesk.core.lifecycle.cycle import CycleEstimate, estimate_cycle
from clmdesk.core.lifecycle.describe import describe
from clmdesk.core.lifecycle.model import default_model
from tests.core.lifecycle.lifecycle_reference import RefOrder, engine_input


def _estimate(gap_lists: list[list[int]]) -> CycleEstimate:
    orders = []
    for customer, gaps in enumerate(gap_lists):
        day = 20_000
        orders.append(RefOrder(customer, day, 100))
        for gap in gaps:
            day += gap
            orders.append(RefOrder(customer, day, 100))
    keys = [f"c{i}" for i in range(len(gap_lists))]
    return estimate_cycle(engine_input(keys, [None] * len(keys), orders))


def test_median_gap_is_a_number_in_the_message() -> None:
    estimate = _estimate([[45]] * 10 + [[46]] * 10)  # median 45.5 -> C = 46
    assert estimate.days == 46
    message = estimate.explain()
    assert message.params["median"] == 45.5
    assert isinstance(message.params["median"], float)


def test_median_gap_uses_the_reader_decimal_mark() -> None:
    message = _estimate([[45]] * 10 + [[46]] * 10).explain()
    english = render_message(message, "en")
    portuguese = render_message(message, "pt_BR")
    assert "(median 45.5 days)" in english
    assert english.startswith("Automatic: 46 days")
    assert "(mediana de 45,5 dias)" in portuguese
    assert portuguese.startswith("Automático: 46 dias")
    assert "45.5" not in portuguese


def test_quarter_median_and_whole_median() -> None:
    quarter = _estimate([[10, 11]] * 10 + [[40]] * 10).explain()  # median 25.25
    assert "mediana de 25,25 dias" in render_message(quarter, "pt_BR")
    assert "median 25.25 days" in render_message(quarter, "en")
    whole = _estimate([[30]] * 20).explain()
    assert "mediana de 30 dias" in render_message(whole, "pt_BR")
    assert "median 30 days" in render_message(whole, "en")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "is 400.5 days, kept within 7 to 365 days."),
        ("pt_BR", "é de 400,5 dias, mantido entre 7 e 365 dias."),
    ],
)
def test_clamped_explanation(language: str, expected: str) -> None:
    estimate = CycleEstimate(
        days=365,
        automatic=True,
        qualifying_customers=1234,
        median_gap=400.5,
        clamped=True,
    )
    text = render_message(estimate.explain(), language)
    assert text.endswith(expected)
    assert " 1234 " in text  # whole numbers keep their plain form


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "a total spent among the top 12.5 %"),
        ("pt_BR", "valor total gasto entre os 12,5 % maiores"),
    ],
)
def test_top_value_share_uses_the_reader_decimal_mark(
    language: str, expected: str
) -> None:
    model = default_model()
    message = describe(model.stage("champion"), 30, top_percentile=87.5)
    assert expected in render_message(message, language)


def test_whole_top_value_share_has_no_decimals() -> None:
    message = describe(default_model().stage("champion"), 30)
    assert "top 20 %" in message.english()
    assert "20 % maiores" in render_message(message, "pt_BR")
