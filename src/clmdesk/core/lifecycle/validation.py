"""Coverage check of a stage model over the whole (F, R, top value, registered) space (core layer).

Independent of any data: a model that leaves some existing customer without
a stage is refused with an example; a stage that can never match is a
warning. Bounds in cycles move with C, so the check runs for every C the
user may choose (:data:`CYCLE_RANGE`); the day thresholds only change the
outcome where their order changes, so one C per distinct order is enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from clmdesk.core.lifecycle.rules import UNCLASSIFIED, compile_model
from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    from clmdesk.core.lifecycle.model import Bound, StageModel

__all__ = ["CYCLE_RANGE", "ValidationResult", "representative_cycles", "validate_model"]

# Every C a user may fix (DOMAIN clamps the automatic one to 7..365).
CYCLE_RANGE = (1, 3650)

GAP = define(
    "lifecycle.model.gap",
    "No stage covers a customer with {frequency} purchases, the last one {recency} days ago, top value and registered (with C = {cycle_days} days).",
)
GAP_NOT_REGISTERED = define(
    "lifecycle.model.gap_not_registered",
    "No stage covers a customer with {frequency} purchases, the last one {recency} days ago, top value and not registered (with C = {cycle_days} days).",
)
GAP_NOT_TOP = define(
    "lifecycle.model.gap_not_top",
    "No stage covers a customer with {frequency} purchases, the last one {recency} days ago, not top value and registered (with C = {cycle_days} days).",
)
GAP_NOT_TOP_NOT_REGISTERED = define(
    "lifecycle.model.gap_not_top_not_registered",
    "No stage covers a customer with {frequency} purchases, the last one {recency} days ago, not top value and not registered (with C = {cycle_days} days).",
)
_GAPS = {
    (True, True): GAP,
    (True, False): GAP_NOT_REGISTERED,
    (False, True): GAP_NOT_TOP,
    (False, False): GAP_NOT_TOP_NOT_REGISTERED,
}
GAP_NO_PURCHASE = define(
    "lifecycle.model.gap_no_purchase",
    "No stage covers a registered customer without purchases.",
)
NEVER_MATCHES = define(
    "lifecycle.model.never_matches",
    "The stage “{stage}” can never match: the stages above it already take every such customer.",
)


@dataclass(frozen=True)
class ValidationResult:
    """Errors refuse the model; warnings are shown but allow saving."""

    errors: tuple[Message, ...]
    warnings: tuple[Message, ...]

    @property
    def ok(self) -> bool:
        """Whether the model may be saved and used."""
        return not self.errors


def _bounds(model: StageModel) -> list[Bound]:
    return [
        bound
        for stage in model.stages
        for bound in (stage.rule.recency_above, stage.rule.recency_at_most)
        if bound is not None
    ]


def representative_cycles(
    model: StageModel, cycles: tuple[int, int] = CYCLE_RANGE
) -> list[int]:
    """One C per distinct order of the model's resolved recency thresholds.

    Two values of C give the same classification table when every pair of
    thresholds compares the same way (less, equal, greater), so only those
    C need checking.
    """
    bounds = _bounds(model)
    low, high = cycles
    if not bounds:
        return [low]
    all_c = np.arange(low, high + 1, dtype=np.int64)
    # Resolve each bound for every C; Bound.days is exact, so resolve the
    # distinct bounds once per C through their exact rational products.
    columns = []
    for bound in dict.fromkeys(bounds):
        if bound.unit.value == "days":
            columns.append(np.full(len(all_c), bound.days(1), dtype=np.int64))
        else:
            # floor(value × C) exactly, for every C at once: value = p / q.
            exact = Fraction(repr(float(bound.value)))
            if exact.numerator * high < 2**62:
                columns.append((exact.numerator * all_c) // exact.denominator)
            else:
                columns.append(
                    np.array([bound.days(int(c)) for c in all_c], dtype=np.int64)
                )
    values = np.stack(columns, axis=1)
    signs = np.sign(values[:, :, None] - values[:, None, :]).reshape(len(all_c), -1)
    _, first = np.unique(signs, axis=0, return_index=True)
    return sorted(int(all_c[i]) for i in first)


def validate_model(
    model: StageModel, cycle_days: int | None = None
) -> ValidationResult:
    """Check that every existing customer gets a stage, for every C.

    Parameters
    ----------
    model
        The model to check.
    cycle_days
        Also check this C when it lies outside :data:`CYCLE_RANGE`.

    Returns
    -------
    ValidationResult
        At most one gap error (the first found, with an example point) and
        one warning per stage that can never match.
    """
    cycles = representative_cycles(model)
    if cycle_days is not None and cycle_days not in cycles:
        cycles.append(cycle_days)
    errors: list[Message] = []
    matched: set[int] = set()
    for c in cycles:
        compiled = compile_model(model, c)
        for (f, r_code, top, reg), point in compiled.cell_points():
            value = int(compiled.table[f, r_code, top, reg])
            if value >= 0:
                matched.add(value)
            elif value == UNCLASSIFIED and not errors:
                errors.append(
                    _gap_message(
                        point.frequency, point.recency, bool(top), bool(reg), c
                    )
                )
    warnings = tuple(
        Message(
            NEVER_MATCHES,
            {"stage": stage.name_en, "stage_pt_br": stage.name_pt_br, "key": stage.key},
        )
        for i, stage in enumerate(model.stages)
        if i not in matched
    )
    return ValidationResult(tuple(errors), warnings)


def _gap_message(
    frequency: int, recency: int | None, top: bool, registered: bool, cycle_days: int
) -> Message:
    if frequency == 0:
        return Message(GAP_NO_PURCHASE, {})
    return Message(
        _GAPS[(top, registered)],
        {
            "frequency": frequency,
            "recency": recency,
            "cycle_days": cycle_days,
            "top": top,
            "registered": registered,
        },
    )
