"""Machine-readable exports of stages and history (services layer, Qt-free).

DOMAIN.md "Headless use": ``export stages`` writes one row per customer
existing at an as-of date — ``customer_key, stage, group, frequency,
recency_days, monetary, first_order, last_order`` — ordered by key in
code-point order; ``export history`` writes one row per snapshot and stage
— ``as_of, stage, group, customers`` — by date then model order, zero
counts included. Both use the stage model and the C of the stored
classification (computed in memory, without storing, when there is none
yet), and are written through the safe writer in its machine dialect
(UTF-8 without BOM, ``,``, ``.`` decimal, ISO dates), whatever the locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from clmdesk.core.lifecycle.history import compute_history
from clmdesk.core.lifecycle.inputs import date_from_day
from clmdesk.core.lifecycle.measures import classify_at
from clmdesk.core.tasks import IsCancelled, Progress, never_cancelled, no_progress
from clmdesk.fileio.writers import MACHINE, write_table
from clmdesk.services.classification import (
    read_cycle_setting,
    read_stage_model,
    resolve_cycle,
)
from clmdesk.storage.history import load_inputs, load_latest_run, read_fingerprint

if TYPE_CHECKING:
    import os
    from collections.abc import Sequence
    from pathlib import Path

    import numpy.typing as npt

    from clmdesk.core.lifecycle.cycle import CycleEstimate
    from clmdesk.core.lifecycle.inputs import EngineInput
    from clmdesk.core.lifecycle.model import StageModel
    from clmdesk.fileio.writers import CellValue, ColumnKind
    from clmdesk.storage.database import Database

__all__ = [
    "HISTORY_COLUMNS",
    "STAGE_COLUMNS",
    "ExportTable",
    "export_history",
    "export_stages",
    "history_table",
    "stage_rows",
    "stage_table",
]

STAGE_COLUMNS = (
    "customer_key",
    "stage",
    "group",
    "frequency",
    "recency_days",
    "monetary",
    "first_order",
    "last_order",
)
_STAGE_KINDS: tuple[ColumnKind, ...] = (
    "text",
    "text",
    "text",
    "integer",
    "integer",
    "money_cents",
    "date",
    "date",
)
HISTORY_COLUMNS = ("as_of", "stage", "group", "customers")
_HISTORY_KINDS: tuple[ColumnKind, ...] = ("date", "text", "text", "integer")


@dataclass(frozen=True)
class ExportTable:
    """Rows ready for the writer.

    Attributes
    ----------
    header
        Column names.
    kinds
        The writer's column kinds.
    rows
        The rows (money in integer cents, dates as ``datetime.date``).
    cycle
        The C used.
    """

    header: tuple[str, ...]
    kinds: tuple[ColumnKind, ...]
    rows: list[tuple[CellValue, ...]]
    cycle: CycleEstimate


def stage_rows(
    engine: EngineInput, model: StageModel, cycle_days: int, day: int
) -> list[tuple[CellValue, ...]]:
    """Rows of ``export stages`` at ``day``: existing customers by key (code points).

    Parameters
    ----------
    engine
        Customers and orders.
    model
        The stage model.
    cycle_days
        The purchase cycle C.
    day
        The as-of day number.
    """
    result = classify_at(engine, model, cycle_days, day)
    m = result.measures
    keys = engine.customer_keys
    present = np.flatnonzero(m.exists).tolist()
    present.sort(key=keys.__getitem__)
    stage_keys = model.keys
    groups = [stage.group for stage in model.stages]
    stages = result.stages.tolist()
    frequency = m.frequency.tolist()
    recency = m.recency.tolist()
    monetary = m.monetary.tolist()
    first = m.first_day.tolist()
    last = m.last_day.tolist()
    rows: list[tuple[CellValue, ...]] = []
    for i in present:
        s = stages[i]
        bought = frequency[i] > 0
        rows.append(
            (
                keys[i],
                stage_keys[s],
                groups[s],
                frequency[i],
                recency[i] if bought else None,
                monetary[i],
                date_from_day(first[i]) if bought else None,
                date_from_day(last[i]) if bought else None,
            )
        )
    return rows


def _model_and_cycle(
    database: Database, engine: EngineInput
) -> tuple[StageModel, CycleEstimate]:
    run = load_latest_run(database)
    if run is not None:
        return run.model, run.cycle
    return read_stage_model(database), resolve_cycle(
        engine, read_cycle_setting(database)
    )


def stage_table(database: Database, day: int) -> ExportTable:
    """The ``export stages`` table at ``day`` from the current data."""
    engine = load_inputs(database, with_funnel=False).engine
    model, cycle = _model_and_cycle(database, engine)
    return ExportTable(
        STAGE_COLUMNS, _STAGE_KINDS, stage_rows(engine, model, cycle.days, day), cycle
    )


def _history_rows(
    days: Sequence[int], counts: npt.NDArray[np.int64], model: StageModel
) -> list[tuple[CellValue, ...]]:
    rows: list[tuple[CellValue, ...]] = []
    table = counts.tolist()
    for s, day in enumerate(days):
        as_of = date_from_day(int(day))
        for j, stage in enumerate(model.stages):
            rows.append((as_of, stage.key, stage.group, int(table[s][j])))
    return rows


def history_table(database: Database) -> ExportTable:
    """The ``export history`` table from the stored classification.

    Without a stored classification the history is computed in memory (not
    stored) with the current settings; with one computed from other data
    (an ``import --no-classify`` since), with its model and C.
    """
    run = load_latest_run(database)
    if run is not None and run.is_current(read_fingerprint(database)):
        rows = _history_rows(run.snapshot_days.tolist(), run.counts, run.model)
        return ExportTable(HISTORY_COLUMNS, _HISTORY_KINDS, rows, run.cycle)
    engine = load_inputs(database, with_funnel=False).engine
    model, cycle = _model_and_cycle(database, engine)
    history = compute_history(engine, model, cycle.days)
    rows = _history_rows(history.snapshot_days.tolist(), history.counts, model)
    return ExportTable(HISTORY_COLUMNS, _HISTORY_KINDS, rows, cycle)


def _write(
    table: ExportTable,
    path: str | os.PathLike[str],
    sheet: str,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> Path:
    return write_table(
        path,
        table.header,
        table.rows,
        kinds=table.kinds,
        dialect=MACHINE,
        sheet_title=sheet,
        progress=progress,
        is_cancelled=is_cancelled,
    )


def export_stages(
    database: Database,
    day: int,
    path: str | os.PathLike[str],
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> ExportTable:
    """Write ``export stages`` at ``day`` to ``path`` (.csv or .xlsx); returns the table written.

    Raises
    ------
    clmdesk.fileio.writers.UnknownFormatError
        ``path`` ends in neither .csv nor .xlsx.
    OSError
        The file cannot be written.
    """
    table = stage_table(database, day)
    _write(table, path, "stages", progress, is_cancelled)
    return table


def export_history(
    database: Database,
    path: str | os.PathLike[str],
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> ExportTable:
    """Write ``export history`` to ``path`` (.csv or .xlsx); returns the table written."""
    table = history_table(database)
    _write(table, path, "history", progress, is_cancelled)
    return table
