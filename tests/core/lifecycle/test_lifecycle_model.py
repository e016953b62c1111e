"""The stage model: presets, JSON, coverage validation and descriptions."""

from __future__ import annotations

import json

import pytest

from clmdesk.core.i18n import catalogue
from clmdesk.core.lifecycle.describe import describe, render_nested
from clmdesk.core.lifecycle.model import (
    GROUP_KEYS,
    Bound,
    ModelError,
    RecencyUnit,
    Rule,
    Stage,
    StageModel,
    default_model,
    last_purchase_model,
    model_from_json,
    new_stage_key,
    preset,
)
from clmdesk.core.lifecycle.rules import compile_model
from clmdesk.core.lifecycle.validation import (
    GAP,
    GAP_NO_PURCHASE,
    GAP_NOT_REGISTERED,
    GAP_NOT_TOP,
    GAP_NOT_TOP_NOT_REGISTERED,
    NEVER_MATCHES,
    representative_cycles,
    validate_model,
)
from clmdesk.core.messages import all_templates


def _english(message):
    return render_nested(message, lambda text: text)


def test_default_model_matches_domain_table() -> None:
    model = default_model()
    assert model.keys == (
        "prospect",
        "champion",
        "loyal",
        "promising",
        "new",
        "cant_lose",
        "at_risk",
        "about_to_sleep",
        "hibernating",
        "lost",
    )
    groups = [model.group_of(k) for k in model.keys]
    assert (
        groups == ["prospects"] + ["active"] * 4 + ["attention"] * 3 + ["inactive"] * 2
    )
    assert model.stage("cant_lose").name_pt_br == "Não podemos perder"
    assert model.stage("about_to_sleep").name_en == "About to sleep"
    assert model.top_percentile == 80.0
    assert GROUP_KEYS == ("prospects", "active", "attention", "inactive")


def test_last_purchase_preset_matches_domain_table() -> None:
    model = last_purchase_model()
    assert model.keys == (
        "prospect",
        "recent_0_3m",
        "recent_3_6m",
        "recent_6_12m",
        "lapsed_1_2y",
        "lapsed_2_3y",
        "inactive_3y",
    )
    assert [model.group_of(k) for k in model.keys] == [
        "prospects",
        "active",
        "active",
        "active",
        "attention",
        "attention",
        "inactive",
    ]
    assert model.stage("lapsed_2_3y").name_pt_br == "De 2 a 3 anos"
    assert not model.uses_top_value()


@pytest.mark.parametrize("factory", [default_model, last_purchase_model])
def test_presets_are_complete_without_warnings(factory) -> None:
    result = validate_model(factory())
    assert result.ok
    assert result.errors == ()
    assert result.warnings == ()


@pytest.mark.parametrize("factory", [default_model, last_purchase_model])
def test_json_round_trip(factory) -> None:
    model = factory()
    text = model.to_json()
    again = model_from_json(text)
    assert again == model
    assert again.to_json() == text
    assert json.loads(text)["stages"][1]["rule"]


def test_preset_returns_fresh_copies() -> None:
    assert preset("default") == default_model()
    assert preset("last_purchase") == last_purchase_model()


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"stages": []}',
        '{"stages": [{"key": "Bad Key", "group": "active", "rule": {}}]}',
        '{"stages": [{"key": "a", "group": "nowhere", "rule": {}}]}',
        '{"stages": [{"key": "a", "group": "active", "rule": {"min_frequency": -1}}]}',
        '{"stages": [{"key": "a", "group": "active", "rule": {"top_value": "yes"}}]}',
        '{"version": 99, "stages": [{"key": "a", "group": "active", "rule": {}}]}',
    ],
)
def test_unreadable_models_are_refused(text: str) -> None:
    with pytest.raises(ModelError) as info:
        model_from_json(text)
    assert info.value.message.id == "lifecycle.model.invalid"


def test_duplicate_keys_refused() -> None:
    stage = default_model().stages[1]
    with pytest.raises(ModelError):
        StageModel(stages=(stage, stage))


def test_gap_is_refused_with_an_example() -> None:
    model = default_model()
    without_lost = model.with_stages(s for s in model.stages if s.key != "lost")
    result = validate_model(without_lost)
    assert not result.ok
    (error,) = result.errors
    assert error.id in {
        GAP,
        GAP_NOT_TOP,
        GAP_NOT_REGISTERED,
        GAP_NOT_TOP_NOT_REGISTERED,
    }
    assert error.params["frequency"] >= 1
    # The example really is uncovered: R beyond 4C.
    assert error.params["recency"] > 4 * error.params["cycle_days"]
    assert "No stage covers" in error.english()


def test_missing_prospect_rule_is_a_gap() -> None:
    model = default_model()
    result = validate_model(model.with_stages(model.stages[1:]))
    assert [e.id for e in result.errors] == [GAP_NO_PURCHASE]


def test_shadowed_stage_is_a_warning() -> None:
    model = default_model()
    stages = list(model.stages)
    # "loyal" (F >= 4, R <= C) above "champion" takes every champion.
    stages[1], stages[2] = stages[2], stages[1]
    result = validate_model(model.with_stages(stages))
    assert result.ok
    assert [w.id for w in result.warnings] == [NEVER_MATCHES]
    assert result.warnings[0].params["key"] == "champion"


def test_mixed_units_are_checked_for_every_cycle() -> None:
    # Active: R <= 2C; inactive: R > 90 days. Covered only while 2C >= 90.
    model = StageModel(
        stages=(
            default_model().stage("prospect"),
            Stage(
                "near",
                "active",
                "Near",
                "Perto",
                "#00aa00",
                Rule(recency_at_most=Bound(2)),
            ),
            Stage(
                "far",
                "inactive",
                "Far",
                "Longe",
                "#aa0000",
                Rule(recency_above=Bound(90, RecencyUnit.DAYS)),
            ),
        )
    )
    cycles = representative_cycles(model)
    assert len(cycles) >= 3  # 2C below, equal to and above 90
    result = validate_model(model)
    assert not result.ok
    assert result.errors[0].params["cycle_days"] < 45


def test_fractional_cycle_bounds_are_exact() -> None:
    assert Bound(1.15).days(20) == 23
    assert Bound(1.5).days(45) == 67
    assert Bound(90, RecencyUnit.DAYS).days(7) == 90


def test_three_stage_user_model_is_valid() -> None:
    model = StageModel(
        stages=(
            Stage(
                "waiting",
                "prospects",
                "Waiting",
                "Esperando",
                "#cccccc",
                Rule(max_frequency=0),
            ),
            Stage(
                "buying",
                "active",
                "Buying",
                "Comprando",
                "#00aa00",
                Rule(recency_at_most=Bound(1)),
            ),
            Stage("gone", "inactive", "Gone", "Foram", "#555555", Rule()),
        )
    )
    result = validate_model(model)
    assert result.ok
    assert result.warnings == ()


def test_new_stage_key_is_unused() -> None:
    model = default_model()
    key = new_stage_key(model)
    assert key not in model.keys
    assert key == "custom_1"


def test_compiled_table_has_every_cell_classified_for_presets() -> None:
    for model in (default_model(), last_purchase_model()):
        compiled = compile_model(model, 30)
        for (f, r, top, reg), _point in compiled.cell_points():
            value = compiled.table[f, r, top, reg]
            assert value >= 0 or (f == 0 and reg == 0)


def test_descriptions_quote_actual_thresholds() -> None:
    model = default_model()
    texts = {
        s.key: _english(describe(s, 45, model.top_percentile)) for s in model.stages
    }
    assert texts["prospect"] == "Customers with no purchases yet and a registration."
    assert texts["champion"] == (
        "Customers with 4 or more purchases, a last purchase at most 45 days ago "
        "and a total spent among the top 20 %."
    )
    assert (
        texts["promising"]
        == "Customers with 2 to 3 purchases and a last purchase at most 45 days ago."
    )
    assert (
        texts["new"]
        == "Customers with a single purchase and a last purchase at most 45 days ago."
    )
    assert texts["cant_lose"] == (
        "Customers with a last purchase more than 45 and at most 90 days ago "
        "and a total spent among the top 20 %."
    )
    assert texts["lost"] == "Customers with a last purchase more than 180 days ago."
    last = last_purchase_model()
    assert _english(describe(last.stage("recent_3_6m"), 45)) == (
        "Customers with a last purchase more than 90 and at most 180 days ago."
    )


def test_every_lifecycle_message_has_a_portuguese_translation() -> None:
    pt = catalogue("pt_BR")
    missing = [
        text
        for key, text in all_templates().items()
        if key.startswith("lifecycle.") and text not in pt
    ]
    assert missing == []


def test_portuguese_description_renders() -> None:
    pt = catalogue("pt_BR")
    model = default_model()
    text = render_nested(describe(model.stage("champion"), 30), lambda t: pt.get(t, t))
    assert "30" in text
    assert "20" in text
    assert text.startswith("Clientes com")
