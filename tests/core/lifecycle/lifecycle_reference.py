"""A slow, obviously-correct lifecycle computation written straight from DOMAIN.md.

One customer and one date at a time, plain Python, no code shared with the
engine except the model's data (thresholds are read from the model's JSON
form, so the engine's rule compiler is not reused). The only numpy call is
the percentile, because DOMAIN.md defines top value by it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import json
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

EPOCH = dt.date(1970, 1, 1)


def to_day(value: dt.date) -> int:
    return (value - EPOCH).days


def to_date(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=day)


@dataclass(frozen=True)
class RefOrder:
    customer: int
    day: int
    cents: int


@dataclass(frozen=True)
class RefMeasures:
    frequency: int
    first: int | None
    last: int | None
    recency: int | None
    monetary: int
    registered: bool

    @property
    def exists(self) -> bool:
        return self.frequency >= 1 or self.registered


def measures(
    customer: int, orders: list[RefOrder], registered: int | None, day: int
) -> RefMeasures:
    mine = [o for o in orders if o.customer == customer and o.day <= day]
    purchases = [o for o in mine if o.cents >= 0]
    first = min((o.day for o in purchases), default=None)
    last = max((o.day for o in purchases), default=None)
    return RefMeasures(
        frequency=len(purchases),
        first=first,
        last=last,
        recency=None if last is None else day - last,
        monetary=sum(o.cents for o in mine),
        registered=registered is not None and registered <= day,
    )


def bound_days(bound: dict | None, cycle_days: int) -> int | None:
    if bound is None:
        return None
    value = Fraction(repr(float(bound["value"])))
    if bound.get("unit", "cycles") == "cycles":
        value *= cycle_days
    return math.floor(value)


def matches(rule: dict, m: RefMeasures, top: bool | None, cycle_days: int) -> bool:
    if m.frequency < rule.get("min_frequency", 0):
        return False
    if "max_frequency" in rule and m.frequency > rule["max_frequency"]:
        return False
    above = bound_days(rule.get("recency_above"), cycle_days)
    at_most = bound_days(rule.get("recency_at_most"), cycle_days)
    if above is not None or at_most is not None:
        if m.recency is None:
            return False
        if above is not None and not m.recency > above:
            return False
        if at_most is not None and not m.recency <= at_most:
            return False
    if "top_value" in rule and (top is None or top != rule["top_value"]):
        return False
    return not ("registered" in rule and rule["registered"] != m.registered)


def classify_all(
    model_json: str,
    n_customers: int,
    orders: list[RefOrder],
    registered: list[int | None],
    cycle_days: int,
    day: int,
) -> list[str | None]:
    """Stage key per customer at ``day`` (``None`` = not existing)."""
    model = json.loads(model_json)
    ms = [measures(c, orders, registered[c], day) for c in range(n_customers)]
    buyers = [m.monetary for m in ms if m.frequency >= 1]
    threshold = (
        float(
            np.percentile(
                np.array(buyers, dtype=np.int64),
                model["top_percentile"],
                method="linear",
            )
        )
        if buyers
        else None
    )
    result: list[str | None] = []
    for m in ms:
        if not m.exists:
            result.append(None)
            continue
        top = None if m.frequency == 0 or threshold is None else m.monetary >= threshold
        key = next(
            (
                s["key"]
                for s in model["stages"]
                if matches(s["rule"], m, top, cycle_days)
            ),
            "UNCOVERED",
        )
        result.append(key)
    return result


def snapshot_dates(
    orders: list[RefOrder], registered: list[int | None]
) -> tuple[list[int], bool]:
    """Month ends from the first month to the month before L's, plus L."""
    days = [o.day for o in orders] + [r for r in registered if r is not None]
    if not days:
        return [], False
    first, last = to_date(min(days)), to_date(max(days))
    result = []
    year, month = first.year, first.month
    while (year, month) < (last.year, last.month):
        result.append(to_day(dt.date(year, month, calendar.monthrange(year, month)[1])))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    result.append(to_day(last))
    partial = last.day != calendar.monthrange(last.year, last.month)[1]
    return result, partial


def automatic_cycle(orders: list[RefOrder]) -> int:
    by_customer: dict[int, set[int]] = {}
    for o in orders:
        if o.cents >= 0:
            by_customer.setdefault(o.customer, set()).add(o.day)
    medians = []
    for days in by_customer.values():
        ordered = sorted(days)
        if len(ordered) < 2:
            continue
        gaps = sorted(b - a for a, b in itertools.pairwise(ordered))
        medians.append(_median(gaps))
    if len(medians) < 20:
        return 90
    return min(max(math.floor(_median(sorted(medians)) + 0.5), 7), 365)


def _median(values: list[float]) -> float:
    values = sorted(values)
    n = len(values)
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def engine_input(keys: list[str], registered: list[int | None], orders: list[RefOrder]):
    """The engine's input for the same customers and orders."""
    from clmdesk.core.lifecycle.inputs import NO_DAY, EngineInput

    return EngineInput(
        customer_keys=tuple(keys),
        registered_day=np.array(
            [NO_DAY if r is None else r for r in registered], dtype=np.int32
        ),
        order_customer=np.array([o.customer for o in orders], dtype=np.int32),
        order_day=np.array([o.day for o in orders], dtype=np.int32),
        order_cents=np.array([o.cents for o in orders], dtype=np.int64),
    )
