"""Compile a stage model into a lookup table the engine applies to whole arrays (core layer).

Every rule condition compares F with a few integer thresholds, R with a few
day thresholds, and looks at two flags. So the whole (F, R, top value,
registered) space splits into a small number of cells inside which every
condition is constant: F is capped just above the largest frequency
threshold, and R is replaced by the number of day thresholds below it. The
model is evaluated once per cell, in plain Python, into a table; the engine
then classifies any number of customers with one gather.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from clmdesk.core.lifecycle.model import Rule, StageModel

__all__ = [
    "NOT_EXISTING",
    "UNCLASSIFIED",
    "CompiledModel",
    "Point",
    "compile_model",
    "rule_matches",
]

# Stage index of a customer that does not exist at the as-of date.
NOT_EXISTING = -1
# Stage index of an existing customer that no rule covers (refused by validation).
UNCLASSIFIED = -2


@dataclass(frozen=True)
class Point:
    """One customer situation: F, R (``None`` when F = 0), top value, registered."""

    frequency: int
    recency: int | None
    top_value: bool | None
    registered: bool

    @property
    def exists(self) -> bool:
        """A customer exists at D with a purchase or a registration by D."""
        return self.frequency >= 1 or self.registered


def rule_matches(rule: Rule, point: Point, cycle_days: int) -> bool:
    """Whether ``rule`` holds at ``point`` — the obviously-correct definition.

    Parameters
    ----------
    rule
        The stage's conditions.
    point
        The customer's situation at D.
    cycle_days
        The purchase cycle C used to resolve bounds given in cycles.
    """
    if point.frequency < rule.min_frequency:
        return False
    if rule.max_frequency is not None and point.frequency > rule.max_frequency:
        return False
    if rule.recency_above is not None or rule.recency_at_most is not None:
        if point.recency is None:
            return False
        if (
            rule.recency_above is not None
            and not point.recency > rule.recency_above.days(cycle_days)
        ):
            return False
        if (
            rule.recency_at_most is not None
            and not point.recency <= rule.recency_at_most.days(cycle_days)
        ):
            return False
    if rule.top_value is not None and (
        point.top_value is None or point.top_value != rule.top_value
    ):
        return False
    return not (rule.registered is not None and point.registered != rule.registered)


def classify_point(model: StageModel, point: Point, cycle_days: int) -> int:
    """Stage index of ``point`` (first match), or the sentinels of this module."""
    if not point.exists:
        return NOT_EXISTING
    for index, stage in enumerate(model.stages):
        if rule_matches(stage.rule, point, cycle_days):
            return index
    return UNCLASSIFIED


@dataclass(frozen=True, eq=False)
class CompiledModel:
    """A stage model resolved for one C, as a lookup table.

    Attributes
    ----------
    cycle_days
        The C the recency bounds were resolved with.
    frequency_cap
        F is replaced by ``min(F, frequency_cap)``.
    recency_edges
        Sorted distinct day thresholds; R is replaced by the number of edges
        strictly below it.
    table
        int8 array of shape ``(frequency_cap + 1, len(recency_edges) + 1, 2, 2)``
        indexed by (capped F, R code, top value, registered): the stage index,
        :data:`NOT_EXISTING` or :data:`UNCLASSIFIED`. Cells with F = 0 ignore
        the R code and top value.
    """

    cycle_days: int
    frequency_cap: int
    recency_edges: npt.NDArray[np.int64]
    table: npt.NDArray[np.int8]

    def cell_points(self) -> list[tuple[tuple[int, int, int, int], Point]]:
        """Every cell with a representative point (for validation and tests)."""
        cells = []
        n_r = len(self.recency_edges) + 1
        for f in range(self.frequency_cap + 1):
            for r_code in range(n_r if f else 1):
                recency = (
                    None
                    if f == 0
                    else _recency_representative(self.recency_edges, r_code)
                )
                for top in (0, 1) if f else (0,):
                    for reg in (0, 1):
                        point = Point(f, recency, bool(top) if f else None, bool(reg))
                        cells.append(((f, r_code, top, reg), point))
        return cells

    def classify(
        self,
        frequency: npt.NDArray[np.integer],
        recency: npt.NDArray[np.integer],
        top_value: npt.NDArray[np.bool_],
        registered: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.int8]:
        """Stage index per customer from the measure arrays (one gather).

        ``recency`` and ``top_value`` are ignored where ``frequency`` is 0.
        """
        n_r = len(self.recency_edges) + 1
        # Small integer codes and in-place updates: this runs once per
        # snapshot over every customer, so temporaries dominate its cost.
        code_type = np.int16 if self.table.size < 2**15 else np.int32
        code = np.minimum(frequency, self.frequency_cap).astype(code_type)
        code *= n_r
        if len(self.recency_edges) <= 8:
            for edge in self.recency_edges.tolist():
                code += recency > edge
        else:
            edges = self.recency_edges.astype(recency.dtype)
            code += np.searchsorted(edges, recency, side="left").astype(code_type)
        code <<= 2
        code |= (top_value.view(np.uint8) << 1) | registered.view(np.uint8)
        result: npt.NDArray[np.int8] = np.take(self.table.reshape(-1), code)
        return result


def _recency_representative(edges: npt.NDArray[np.int64], r_code: int) -> int:
    # Any R with exactly r_code edges strictly below it; R = 0 for code 0
    # because every edge is >= 0.
    return 0 if r_code == 0 else int(edges[r_code - 1]) + 1


def frequency_cap(model: StageModel) -> int:
    """Smallest F above which no frequency condition changes."""
    cap = 1
    for stage in model.stages:
        cap = max(cap, stage.rule.min_frequency)
        if stage.rule.max_frequency is not None:
            cap = max(cap, stage.rule.max_frequency + 1)
    return cap


def recency_edges(model: StageModel, cycle_days: int) -> npt.NDArray[np.int64]:
    """Sorted distinct day thresholds of the model at ``cycle_days``."""
    values = set()
    for stage in model.stages:
        for bound in (stage.rule.recency_above, stage.rule.recency_at_most):
            if bound is not None:
                values.add(bound.days(cycle_days))
    return np.array(sorted(values), dtype=np.int64)


def compile_model(model: StageModel, cycle_days: int) -> CompiledModel:
    """Resolve ``model`` at ``cycle_days`` into a :class:`CompiledModel`.

    Parameters
    ----------
    model
        The stage model.
    cycle_days
        The purchase cycle C in days (>= 1).
    """
    cap = frequency_cap(model)
    edges = recency_edges(model, cycle_days)
    n_r = len(edges) + 1
    table = np.full((cap + 1, n_r, 2, 2), UNCLASSIFIED, dtype=np.int8)
    compiled = CompiledModel(cycle_days, cap, edges, table)
    for (f, r_code, top, reg), point in compiled.cell_points():
        value = classify_point(model, point, cycle_days)
        if f == 0:
            # F = 0 has no recency or top value: every such cell is the same.
            table[0, :, :, reg] = value
        else:
            table[f, r_code, top, reg] = value
    table.setflags(write=False)
    return compiled
