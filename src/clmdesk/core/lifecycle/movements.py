"""Movements of customers between the stages of two snapshots (core layer).

The matrix has one row per stage at the earlier snapshot plus a first row
"not yet a customer" (customers that did not exist then), and one column
per stage at the later snapshot. Customers that do not exist at the later
snapshot are left out (existence never ends, so this only happens when the
two dates are given in reverse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["NOT_YET_ROW", "Movements", "movement_customers", "movements_between"]

# Row of the matrix holding customers that did not exist at the earlier date.
NOT_YET_ROW = 0


@dataclass(frozen=True, eq=False)
class Movements:
    """How many customers went from each stage to each stage.

    Attributes
    ----------
    from_day, to_day
        The two snapshot days.
    matrix
        int64 ``(stages + 1, stages)``. Row 0 is "not yet a customer"; row
        ``i + 1`` is stage ``i`` at ``from_day``; column ``j`` is stage ``j``
        at ``to_day`` (model order).
    from_stages, to_stages
        int8 stage index per customer at each date (``-1`` = not existing),
        kept to list the customers behind a cell.
    """

    from_day: int
    to_day: int
    matrix: npt.NDArray[np.int64]
    from_stages: npt.NDArray[np.int8]
    to_stages: npt.NDArray[np.int8]

    def customers(self, row: int, column: int) -> npt.NDArray[np.intp]:
        """Customer indices behind a cell (``row`` as in :attr:`matrix`)."""
        from_stage = None if row == NOT_YET_ROW else row - 1
        return movement_customers(self.from_stages, self.to_stages, from_stage, column)


def movements_between(
    from_stages: npt.NDArray[np.int8],
    to_stages: npt.NDArray[np.int8],
    n_stages: int,
    from_day: int = 0,
    to_day: int = 0,
) -> Movements:
    """Build the movement matrix from two per-customer stage arrays.

    Parameters
    ----------
    from_stages, to_stages
        int8 stage index per customer at the earlier and later snapshot
        (``-1`` = not existing), e.g. rows of :attr:`History.stages`.
    n_stages
        Number of stages in the model.
    from_day, to_day
        The snapshot days, for labelling.
    """
    if from_stages.shape != to_stages.shape:
        raise ValueError("stage arrays differ in length")
    present = to_stages >= 0
    rows = from_stages[present].astype(np.intp) + 1  # -1 (not existing) -> row 0
    cells = rows * n_stages + to_stages[present].astype(np.intp)
    matrix = np.bincount(cells, minlength=(n_stages + 1) * n_stages).reshape(
        n_stages + 1, n_stages
    )
    return Movements(
        int(from_day), int(to_day), matrix.astype(np.int64), from_stages, to_stages
    )


def movement_customers(
    from_stages: npt.NDArray[np.int8],
    to_stages: npt.NDArray[np.int8],
    from_stage: int | None,
    to_stage: int,
) -> npt.NDArray[np.intp]:
    """Customer indices that were in ``from_stage`` (``None`` = not yet a customer) and are in ``to_stage``."""
    before = from_stages < 0 if from_stage is None else from_stages == from_stage
    return np.flatnonzero(before & (to_stages == to_stage))
