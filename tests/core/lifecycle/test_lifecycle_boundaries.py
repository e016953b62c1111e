"""Hand-built customers on every rule boundary, for both presets."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from clmdesk.core.lifecycle.history import compute_history
from clmdesk.core.lifecycle.measures import classify_at
from clmdesk.core.lifecycle.model import default_model, last_purchase_model
from tests.core.lifecycle.lifecycle_reference import (
    RefOrder,
    classify_all,
    engine_input,
    to_day,
)

D = to_day(dt.date(2024, 6, 30))
C = 30
T = 50_000  # the 80th percentile of M below, in cents


def _build(spec):
    """spec: list of (key, registered_days_ago | None, [(days_ago, cents), ...], expected)."""
    keys, registered, orders, expected = [], [], [], {}
    for index, (key, reg_ago, buys, stage) in enumerate(spec):
        keys.append(key)
        registered.append(None if reg_ago is None else D - reg_ago)
        orders.extend(RefOrder(index, D - ago, cents) for ago, cents in buys)
        expected[key] = stage
    return keys, registered, orders, expected


def _split(total: int, n: int, last_ago: int, step: int = 7) -> list[tuple[int, int]]:
    """n purchases summing to ``total``, the latest ``last_ago`` days before D."""
    part = total // n
    amounts = [part] * (n - 1) + [total - part * (n - 1)]
    return [(last_ago + step * i, amounts[i]) for i in range(n)]


DEFAULT_SPEC = [
    ("a_champion_r_eq_c", None, _split(90_000, 4, C), "champion"),
    ("b_loyal_r_eq_c", None, _split(5_000, 4, C), "loyal"),
    ("c_cant_lose_r_c_plus_1", None, _split(80_000, 4, C + 1), "cant_lose"),
    ("d_at_risk_r_eq_2c", None, _split(4_000, 2, 2 * C), "at_risk"),
    ("e_sleep_r_eq_2c", None, [(2 * C, 1_000)], "about_to_sleep"),
    ("f_hibernating_r_2c_plus_1", None, [(2 * C + 1, 1_500)], "hibernating"),
    ("g_hibernating_r_eq_4c", None, _split(2_000, 3, 4 * C), "hibernating"),
    ("h_lost_r_4c_plus_1_top", None, _split(70_000, 2, 4 * C + 1), "lost"),
    ("i_promising_f2", None, _split(3_000, 2, 0), "promising"),
    ("j_promising_f3", None, _split(3_500, 3, 10), "promising"),
    ("k_new_f1_r_eq_c", None, [(C, 1_200)], "new"),
    ("l_zero_value_purchase", None, [(5, 0)], "new"),
    ("m_return_bigger", None, [(40, 1_000), (10, -3_000)], "about_to_sleep"),
    ("n_prospect", 100, [], "prospect"),
    ("o_prospect_registered_on_d", 0, [], "prospect"),
    ("p_registered_after_d", -1, [], None),
    ("q_first_purchase_after_d", None, [(-1, 5_000)], None),
    ("r_registered_buys_after_d", 5, [(-3, 5_000)], "prospect"),
    ("s_returns_only", None, [(10, -500)], None),
    ("t_top_tie", None, _split(T, 4, 1), "champion"),
    ("u_just_below_top", None, _split(T - 1, 4, 1), "loyal"),
    ("v_cant_lose_single_purchase", None, [(45, T)], "cant_lose"),
]
EXTRA_BUYER = ("w_registered_buyer_f5", 400, _split(60_000, 5, 2), "champion")


def test_default_preset_boundaries() -> None:
    # 16 buyers: (16 - 1) * 0.8 = 12, so the percentile is exactly the
    # 13th smallest M, which is T (held by two customers: a tie is top value).
    keys, registered, orders, expected = _build(DEFAULT_SPEC)
    data = engine_input(keys, registered, orders)
    result = classify_at(data, default_model(), C, D)
    assert result.top_threshold == T
    model = default_model()
    got = {
        k: (model.stages[s].key if s >= 0 else None)
        for k, s in zip(keys, result.stages, strict=True)
    }
    assert got == expected
    # The obviously-correct reference agrees.
    ref = classify_all(model.to_json(), len(keys), orders, registered, C, D)
    assert dict(zip(keys, ref, strict=True)) == expected


def test_measures_of_special_customers() -> None:
    keys, registered, orders, _ = _build(DEFAULT_SPEC)
    data = engine_input(keys, registered, orders)
    m = classify_at(data, default_model(), C, D).measures
    at = {k: i for i, k in enumerate(keys)}
    i = at["m_return_bigger"]
    assert (m.frequency[i], m.monetary[i], m.recency[i]) == (1, -2_000, 40)
    assert m.last_day[i] == D - 40
    assert m.first_day[i] == D - 40
    i = at["l_zero_value_purchase"]
    assert (m.frequency[i], m.monetary[i], m.recency[i]) == (1, 0, 5)
    i = at["s_returns_only"]
    assert (m.frequency[i], m.monetary[i], bool(m.exists[i])) == (0, -500, False)
    i = at["q_first_purchase_after_d"]
    assert (m.frequency[i], m.monetary[i], bool(m.exists[i])) == (0, 0, False)
    i = at["a_champion_r_eq_c"]
    assert (m.frequency[i], m.recency[i], m.monetary[i]) == (4, C, 90_000)
    assert m.first_day[i] == D - C - 21


def test_registered_buyer_with_more_purchases() -> None:
    keys, registered, orders, _ = _build([*DEFAULT_SPEC, EXTRA_BUYER])
    data = engine_input(keys, registered, orders)
    model = default_model()
    result = classify_at(data, model, C, D)
    i = keys.index("w_registered_buyer_f5")
    assert model.stages[result.stages[i]].key == "champion"
    ref = classify_all(model.to_json(), len(keys), orders, registered, C, D)
    got = [model.stages[s].key if s >= 0 else None for s in result.stages]
    assert got == ref


LAST_PURCHASE_SPEC = [
    ("r0", None, [(0, 100)], "recent_0_3m"),
    ("r90", None, [(90, 100)], "recent_0_3m"),
    ("r91", None, [(91, 100)], "recent_3_6m"),
    ("r180", None, [(180, 100), (400, 100)], "recent_3_6m"),
    ("r181", None, [(181, 100)], "recent_6_12m"),
    ("r365", None, [(365, 99_999)], "recent_6_12m"),
    ("r366", None, [(366, 100)], "lapsed_1_2y"),
    ("r730", None, [(730, 100)], "lapsed_1_2y"),
    ("r731", None, [(731, 100)], "lapsed_2_3y"),
    ("r1095", None, [(1095, 100)], "lapsed_2_3y"),
    ("r1096", None, [(1096, 100)], "inactive_3y"),
    ("zero_value", None, [(100, 0)], "recent_3_6m"),
    ("return_bigger", None, [(200, 100), (20, -900)], "recent_6_12m"),
    ("prospect", 3, [], "prospect"),
    ("future_buyer", None, [(-2, 100)], None),
    ("future_registration", -2, [], None),
    ("returns_only", None, [(2, -100)], None),
]


def test_last_purchase_preset_boundaries() -> None:
    keys, registered, orders, expected = _build(LAST_PURCHASE_SPEC)
    data = engine_input(keys, registered, orders)
    model = last_purchase_model()
    for cycle in (7, 90, 365):  # C plays no part in this preset
        result = classify_at(data, model, cycle, D)
        got = {
            k: (model.stages[s].key if s >= 0 else None)
            for k, s in zip(keys, result.stages, strict=True)
        }
        assert got == expected
    ref = classify_all(model.to_json(), len(keys), orders, registered, 90, D)
    assert dict(zip(keys, ref, strict=True)) == expected


@pytest.mark.parametrize("factory", [default_model, last_purchase_model])
def test_history_last_snapshot_equals_as_of(factory) -> None:
    keys, registered, orders, _ = _build(DEFAULT_SPEC + LAST_PURCHASE_SPEC)
    data = engine_input(keys, registered, orders)
    model = factory()
    history = compute_history(data, model, C)
    for index in (0, history.n_snapshots // 2, history.n_snapshots - 1):
        day = int(history.snapshot_days[index])
        np.testing.assert_array_equal(
            history.stages[index], classify_at(data, model, C, day).stages
        )
