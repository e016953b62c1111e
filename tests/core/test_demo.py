"""Tests of the deterministic demo data generator."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pytest

from clmdesk.core.demo import (
    BUSINESS_NAME,
    DEFAULT_END_DATE,
    DemoData,
    cpf_check_digits,
    day_number,
    from_day_number,
    generate_demo,
    is_valid_cpf,
)
from clmdesk.core.lifecycle import (
    NO_DAY,
    EngineInput,
    FigureStatus,
    FunnelInput,
    Granularity,
    StageModel,
    compute_funnel,
    compute_history,
    default_model,
    estimate_cycle,
    last_purchase_model,
)


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo()


# --- a minimal, independent reading of DOMAIN.md ------------------------------
# Kept deliberately simple and separate from the lifecycle engine so that the
# demo is checked against the specification itself.


@dataclass(frozen=True)
class Order:
    key: str
    day: int
    amount: int


def orders_of(data: DemoData) -> list[Order]:
    grouped: dict[tuple[str, str], list[int]] = defaultdict(lambda: [10**9, 0])
    for line in data.order_lines:
        entry = grouped[(line.customer_key, line.order_ref)]
        entry[0] = min(entry[0], line.day)
        entry[1] += line.amount_cents
    return [Order(key, day, amount) for (key, _), (day, amount) in grouped.items()]


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def cycle_days(orders: list[Order]) -> int:
    dates: dict[str, set[int]] = defaultdict(set)
    for order in orders:
        if order.amount >= 0:
            dates[order.key].add(order.day)
    gaps = []
    for days in dates.values():
        ordered = sorted(days)
        if len(ordered) >= 2:
            gaps.append(median([b - a for a, b in itertools.pairwise(ordered)]))
    if len(gaps) < 20:
        return 90
    return min(365, max(7, int(np.floor(median(gaps) + 0.5))))


def measures(
    data: DemoData, orders: list[Order], as_of: int
) -> dict[str, tuple[int, int | None, int, bool]]:
    """key -> (F, R, M, registered by D) for customers existing at D."""
    frequency: Counter[str] = Counter()
    last: dict[str, int] = {}
    money: Counter[str] = Counter()
    for order in orders:
        if order.day > as_of:
            continue
        money[order.key] += order.amount
        if order.amount >= 0:
            frequency[order.key] += 1
            last[order.key] = max(last.get(order.key, order.day), order.day)
    result = {}
    for customer in data.customers:
        registered = customer.registered is not None and customer.registered <= as_of
        f = frequency[customer.key]
        if f or registered:
            recency = as_of - last[customer.key] if f else None
            result[customer.key] = (f, recency, money[customer.key], registered)
    return result


def default_stages(
    table: dict[str, tuple[int, int | None, int, bool]], c: int
) -> Counter[str]:
    buyers = [m for f, _, m, _ in table.values() if f]
    top = float(np.percentile(buyers, 80, method="linear"))
    counts: Counter[str] = Counter()
    for f, r, m, _ in table.values():
        if f == 0:
            counts["prospect"] += 1
            continue
        assert r is not None
        is_top = m >= top
        if r <= c:
            stage = (
                "champion"
                if f >= 4 and is_top
                else "loyal"
                if f >= 4
                else "promising"
                if f >= 2
                else "new"
            )
        elif r <= 2 * c:
            stage = "cant_lose" if is_top else "at_risk" if f >= 2 else "about_to_sleep"
        elif r <= 4 * c:
            stage = "hibernating"
        else:
            stage = "lost"
        counts[stage] += 1
    return counts


def recency_stages(table: dict[str, tuple[int, int | None, int, bool]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for f, r, _, _ in table.values():
        if f == 0:
            counts["prospect"] += 1
        else:
            assert r is not None
            bands = [
                (90, "recent_0_3m"),
                (180, "recent_3_6m"),
                (365, "recent_6_12m"),
                (730, "lapsed_1_2y"),
                (1095, "lapsed_2_3y"),
            ]
            counts[
                next((key for limit, key in bands if r <= limit), "inactive_3y")
            ] += 1
    return counts


DEFAULT_KEYS = {
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
}
RECENCY_KEYS = {
    "prospect",
    "recent_0_3m",
    "recent_3_6m",
    "recent_6_12m",
    "lapsed_1_2y",
    "lapsed_2_3y",
    "inactive_3y",
}


def month_bounds(year: int, month: int) -> tuple[int, int]:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return day_number(first), day_number(following) - 1


def funnel(
    data: DemoData, orders: list[Order], year: int, month: int
) -> dict[str, int]:
    first, last = month_bounds(year, month)
    previous = month_bounds(year - (month == 1), (month - 2) % 12 + 1)
    first_purchase: dict[str, int] = {}
    for order in orders:
        if order.amount >= 0:
            first_purchase[order.key] = min(
                first_purchase.get(order.key, order.day), order.day
            )
    bought_now = {o.key for o in orders if o.amount >= 0 and first <= o.day <= last}
    bought_before = {
        o.key for o in orders if o.amount >= 0 and previous[0] <= o.day <= previous[1]
    }
    registered = [
        c
        for c in data.customers
        if c.registered is not None and first <= c.registered <= last
    ]
    referrers = {c.referred_by for c in registered if c.referred_by}
    promoters = {
        a.customer_key
        for a in data.nps_answers
        if first <= a.day <= last and a.score >= 9
    }
    return {
        "reach": sum(c.reached for c in data.campaigns if first <= c.day <= last),
        "acquisition": len(registered),
        "conversion": sum(1 for day in first_purchase.values() if first <= day <= last),
        "retention": len(bought_now & bought_before),
        "loyalty": len(referrers | promoters),
    }


# --- tests --------------------------------------------------------------------


def test_same_seed_same_data() -> None:
    assert generate_demo(customers=300) == generate_demo(customers=300)
    assert generate_demo(customers=300, seed=1) != generate_demo(customers=300, seed=2)


def test_size_and_span(demo: DemoData) -> None:
    assert demo.business_name == BUSINESS_NAME
    assert len(demo.customers) == 2000
    assert demo.end_day == day_number(DEFAULT_END_DATE)
    assert from_day_number(demo.start_day) == date(2022, 11, 1)
    days = [line.day for line in demo.order_lines]
    days += [c.registered for c in demo.customers if c.registered is not None]
    days += [a.day for a in demo.nps_answers] + [c.day for c in demo.campaigns]
    assert min(days) >= demo.start_day
    assert max(days) == demo.end_day  # the last snapshot is the end date itself


def test_end_date_moves_the_data() -> None:
    data = generate_demo(customers=200, end_date=date(2020, 6, 30))
    assert data.end_day == day_number(date(2020, 6, 30))
    assert max(line.day for line in data.order_lines) == data.end_day


def test_customers_look_brazilian_and_valid(demo: DemoData) -> None:
    keys = [c.key for c in demo.customers]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    documents = [c.document for c in demo.customers if c.document]
    assert len(documents) > 1500
    assert len(set(documents)) == len(documents)
    assert all(is_valid_cpf(doc) for doc in documents)
    emails = [c.email for c in demo.customers if c.email]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z0-9.]+@[a-z.]+", email) for email in emails)
    assert all(
        re.fullmatch(r"\(\d\d\) 9\d{4}-\d{4}", c.phone)
        for c in demo.customers
        if c.phone
    )
    assert {c.state for c in demo.customers} >= {"SP", "RJ", "MG", "BA"}
    assert any("ã" in c.name or "é" in c.name or "ç" in c.name for c in demo.customers)
    assert Counter(c.city for c in demo.customers).most_common(1)[0][0] == "Campinas"


def test_cpf_check_digits() -> None:
    assert cpf_check_digits("529982247") == "25"
    assert is_valid_cpf("52998224725")
    assert not is_valid_cpf("52998224724")
    assert not is_valid_cpf("11111111111")


def test_business_features_present(demo: DemoData) -> None:
    orders = orders_of(demo)
    assert sum(1 for o in orders if o.amount < 0) >= 10  # returns
    assert any(o.amount == 0 for o in orders)  # a zero-value purchase
    refs = Counter(line.order_ref for line in demo.order_lines)
    assert sum(1 for n in refs.values() if n > 1) > 1000  # line items
    buyers = {o.key for o in orders}
    prospects = [c for c in demo.customers if c.key not in buyers]
    assert len(prospects) > 150
    assert all(c.registered is not None for c in prospects)
    assert any(c.registered is None for c in demo.customers)  # till-only customers
    referred = [c for c in demo.customers if c.referred_by]
    assert len(referred) > 50
    # Keys follow registration order: a referrer was a customer before.
    assert all(c.referred_by is not None and c.referred_by < c.key for c in referred)
    assert sum(1 for c in demo.customers if c.nps_score_undated is not None) == 40
    assert {a.score for a in demo.nps_answers} <= set(range(11))
    assert {c.channel for c in demo.campaigns} >= {
        "E-mail",
        "Instagram",
        "Google",
        "WhatsApp",
    }
    purchases_per_customer = Counter(o.key for o in orders if o.amount >= 0)
    assert (
        Counter(min(n, 4) for n in purchases_per_customer.values())[1] > 500
    )  # one-off buyers
    assert max(purchases_per_customer.values()) > 30  # regulars


def test_seasonality(demo: DemoData) -> None:
    orders = orders_of(demo)
    per_day = Counter(o.day for o in orders if o.amount >= 0)
    for year in (2023, 2024, 2025):
        black_friday = (
            day_number(date(year, 11, 1))
            + [d for d in range(1, 31) if date(year, 11, d).weekday() == 3][3]
        )
        november_before = [
            per_day[d] for d in range(day_number(date(year, 11, 1)), black_friday - 4)
        ]
        week = [per_day[d] for d in range(black_friday - 3, black_friday + 4)]
        assert np.mean(week) > 2 * np.mean(november_before)
        december = sum(per_day[d] for d in range(*month_bounds(year, 12)))
        february = sum(per_day[d] for d in range(*month_bounds(year, 2)))
        assert december > 1.5 * february


def test_every_stage_of_both_presets_at_the_last_snapshot(demo: DemoData) -> None:
    orders = orders_of(demo)
    c = cycle_days(orders)
    assert 20 <= c <= 120
    table = measures(demo, orders, demo.end_day)
    default = default_stages(table, c)
    recency = recency_stages(table)
    assert set(default) == DEFAULT_KEYS
    assert min(default.values()) >= 5, default
    assert set(recency) == RECENCY_KEYS
    assert min(recency.values()) >= 5, recency


def test_every_funnel_stage_in_the_last_months(demo: DemoData) -> None:
    orders = orders_of(demo)
    end = from_day_number(demo.end_day)
    months = [
        (end.year, end.month),
        (end.year - (end.month == 1), (end.month - 2) % 12 + 1),
    ]
    for year, month in months:
        counts = funnel(demo, orders, year, month)
        assert all(value > 0 for value in counts.values()), (year, month, counts)


# --- the same requirement through the lifecycle engine ------------------------


def engine_inputs(data: DemoData) -> tuple[EngineInput, FunnelInput]:
    index = {c.key: i for i, c in enumerate(data.customers)}
    orders = orders_of(data)
    engine = EngineInput(
        customer_keys=[c.key for c in data.customers],
        registered_day=np.array(
            [NO_DAY if c.registered is None else c.registered for c in data.customers],
            np.int32,
        ),
        order_customer=np.array([index[o.key] for o in orders], np.int32),
        order_day=np.array([o.day for o in orders], np.int32),
        order_cents=np.array([o.amount for o in orders], np.int64),
    )
    referred = [c for c in data.customers if c.referred_by]
    extra = FunnelInput(
        campaign_day=np.array([c.day for c in data.campaigns], np.int32),
        campaign_reached=np.array([c.reached for c in data.campaigns], np.int64),
        nps_customer=np.array(
            [index[a.customer_key] for a in data.nps_answers], np.int32
        ),
        nps_day=np.array([a.day for a in data.nps_answers], np.int32),
        nps_score=np.array([a.score for a in data.nps_answers], np.int16),
        referrer=np.array(
            [index[c.referred_by] for c in referred if c.referred_by], np.int32
        ),
        referred_registered_day=np.array(
            [NO_DAY if c.registered is None else c.registered for c in referred],
            np.int32,
        ),
    )
    return engine, extra


@pytest.mark.parametrize("preset", [default_model, last_purchase_model])
def test_engine_sees_every_stage_at_the_last_snapshot(
    demo: DemoData, preset: Callable[[], StageModel]
) -> None:
    engine, _ = engine_inputs(demo)
    model = preset()
    history = compute_history(engine, model, estimate_cycle(engine).days)
    assert history.last_day == demo.end_day
    assert not history.partial_last
    last = dict(
        zip(
            [stage.key for stage in model.stages],
            history.counts[-1].tolist(),
            strict=True,
        )
    )
    assert min(last.values()) > 0, last
    # The independent reading above agrees with the engine.
    table = measures(demo, orders_of(demo), demo.end_day)
    mine = (
        default_stages(table, cycle_days(orders_of(demo)))
        if preset is default_model
        else recency_stages(table)
    )
    assert dict(mine) == last


def test_engine_sees_every_funnel_stage_in_the_last_complete_month(
    demo: DemoData,
) -> None:
    engine, extra = engine_inputs(demo)
    history = compute_history(engine, default_model(), estimate_cycle(engine).days)
    funnel_ = compute_funnel(engine, extra, history, Granularity.MONTH)
    last = funnel_.last_complete()
    assert last is not None
    period = funnel_.periods[last]
    assert period.end_day == demo.end_day
    for figure in (
        period.reach,
        period.acquisition,
        period.conversion,
        period.retention,
        period.loyalty,
    ):
        assert figure.count_status is FigureStatus.OK
        assert figure.count is not None
        assert figure.count > 0, period
