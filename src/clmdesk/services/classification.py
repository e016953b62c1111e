"""Classifying every customer at every snapshot and storing the history (services layer, Qt-free).

:func:`classify` is the one use case behind ``clmdesk classify``, the
reclassification after an import, an undo or a stage-model change, and the
demo: read the stage model and the cycle setting from ``app_settings``, load
the data, compute C and the whole monthly history, and store everything in
one write transaction. It follows the task contract (progress, cancel) and
runs on a worker in the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from clmdesk.core.lifecycle.cycle import FIXED_CYCLE_RANGE as FIXED_CYCLE_RANGE
from clmdesk.core.lifecycle.cycle import CycleEstimate, estimate_cycle, fixed_cycle
from clmdesk.core.lifecycle.history import History, compute_history
from clmdesk.core.lifecycle.measures import classify_at
from clmdesk.core.lifecycle.model import (
    ModelError,
    StageModel,
    default_model,
    model_from_json,
)
from clmdesk.core.lifecycle.validation import validate_model
from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
    sub_progress,
)
from clmdesk.storage.app_settings import get_setting, read_setting
from clmdesk.storage.history import (
    LoadedInputs,
    load_inputs,
    now_stamp,
    read_inputs,
    store_classification,
)

if TYPE_CHECKING:
    import numpy.typing as npt

    from clmdesk.core.lifecycle.inputs import EngineInput
    from clmdesk.storage.database import Database

__all__ = [
    "CYCLE_SETTING",
    "MODEL_SETTING",
    "ClassificationError",
    "ClassificationResult",
    "CycleSetting",
    "Preview",
    "classify",
    "load_inputs_for_preview",
    "parse_cycle_setting",
    "preview_last_snapshot",
    "read_cycle_setting",
    "read_stage_model",
    "resolve_cycle",
    "save_stage_settings",
]

MODEL_SETTING = "stage_model"
CYCLE_SETTING = "cycle_days"

BAD_CYCLE = define(
    "lifecycle.cycle.bad_value",
    "The purchase cycle must be a whole number of days from {low} to {high}, or 'auto' (got “{value}”).",
)

CycleSetting = int | None
"""A fixed C in days, or ``None`` for automatic."""


class ClassificationError(Exception):
    """Classification cannot run; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


@dataclass(frozen=True, eq=False)
class ClassificationResult:
    """What a classification computed and whether it was stored.

    Attributes
    ----------
    run_id
        The stored run, or ``None`` when superseded.
    superseded
        A newer run was stored meanwhile, or the data changed while this one
        ran (the run that follows that change stores the up-to-date history).
    cycle
        The C used and what it was computed from.
    history
        The computed history (the model is ``history.model``).
    customer_ids
        ``customers.id`` per engine index.
    """

    run_id: int | None
    superseded: bool
    cycle: CycleEstimate
    history: History
    customer_ids: npt.NDArray[np.int64]

    @property
    def model(self) -> StageModel:
        """The stage model used."""
        return self.history.model

    @property
    def latest_day(self) -> int | None:
        """L, the last snapshot (``None`` without data)."""
        return self.history.last_day

    def last_counts(self) -> dict[str, int]:
        """Customers per stage key at L, in model order (zeros included)."""
        if self.history.n_snapshots == 0:
            return dict.fromkeys(self.model.keys, 0)
        row = self.history.counts[-1]
        return {key: int(row[j]) for j, key in enumerate(self.model.keys)}


def parse_cycle_setting(value: Any) -> CycleSetting:
    """Read a cycle setting: ``"auto"``/``None`` -> ``None``, else whole days in range.

    Raises
    ------
    ClassificationError
        For anything else.
    """
    if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
        return None
    low, high = FIXED_CYCLE_RANGE
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, str):
            days = int(value.strip(), 10)
        elif isinstance(value, int):
            days = value
        else:
            raise ValueError
        if not low <= days <= high:
            raise ValueError
    except ValueError:
        raise ClassificationError(
            Message(BAD_CYCLE, {"low": low, "high": high, "value": str(value)})
        ) from None
    return days


def read_stage_model(database: Database) -> StageModel:
    """The business's stage model (``app_settings["stage_model"]``), the default when unset."""
    stored = read_setting(database, MODEL_SETTING)
    return _model_from_setting(stored)


def _model_from_setting(stored: Any) -> StageModel:
    if stored is None:
        return default_model()
    try:
        return model_from_json(
            stored if isinstance(stored, str | dict) else json.dumps(stored)
        )
    except ModelError as exc:
        raise ClassificationError(exc.message) from exc


def read_cycle_setting(database: Database) -> CycleSetting:
    """The stored cycle setting: fixed days, or ``None`` for automatic."""
    return parse_cycle_setting(read_setting(database, CYCLE_SETTING))


def _check_model(model: StageModel) -> None:
    result = validate_model(model)
    if not result.ok:
        raise ClassificationError(result.errors[0])


def resolve_cycle(engine: EngineInput, setting: CycleSetting) -> CycleEstimate:
    """The C for ``setting`` over ``engine``'s data (automatic when ``None``)."""
    return estimate_cycle(engine) if setting is None else fixed_cycle(setting)


def classify(
    database: Database,
    cycle: int | str | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> ClassificationResult:
    """Compute and store the whole monthly history.

    Parameters
    ----------
    database
        The open business database.
    cycle
        ``None``: use the stored cycle setting; an int: fix C to that many
        days; ``"auto"``: return to the automatic C. An explicit value is
        stored as the new setting with the results.
    progress, is_cancelled
        The task contract; a cancel stores nothing.

    Returns
    -------
    ClassificationResult
        Thread contract: runs on any thread (a worker in the app).

    Raises
    ------
    ClassificationError
        Bad cycle value, or a stored stage model that is unreadable or leaves
        customers without a stage.
    """
    started_at = now_stamp()
    settings: dict[str, Any] = {}
    if cycle is not None:
        setting = parse_cycle_setting(cycle)
        settings[CYCLE_SETTING] = "auto" if setting is None else setting
    progress(0, 1000)
    with database.read() as connection:
        model = _model_from_setting(get_setting(connection, MODEL_SETTING))
        if cycle is None:
            setting = parse_cycle_setting(get_setting(connection, CYCLE_SETTING))
        # Classification needs neither the keys nor the funnel's sources.
        loaded = read_inputs(connection, with_funnel=False, with_keys=False)
    _check_model(model)
    check_cancelled(is_cancelled)
    progress(250, 1000)
    estimate = resolve_cycle(loaded.engine, setting)
    history = compute_history(
        loaded.engine,
        model,
        estimate.days,
        sub_progress(progress, 300, 750),
        is_cancelled,
    )
    run_id = store_classification(
        database, history, estimate, loaded, started_at, settings, is_cancelled
    )
    progress(1000, 1000)
    return ClassificationResult(
        run_id=run_id,
        superseded=run_id is None,
        cycle=estimate,
        history=history,
        customer_ids=loaded.customer_ids,
    )


@dataclass(frozen=True)
class Preview:
    """What a candidate model would give at the last snapshot, before saving.

    Attributes
    ----------
    day
        L (``None`` without data).
    cycle
        The C the candidate setting gives.
    counts
        Customers per stage key, in the candidate model's order.
    """

    day: int | None
    cycle: CycleEstimate
    counts: dict[str, int]


def preview_last_snapshot(
    loaded: LoadedInputs, model: StageModel, setting: CycleSetting
) -> Preview:
    """Counts per stage at L for a candidate model and cycle setting (< 100 ms at 100k customers).

    Parameters
    ----------
    loaded
        Inputs loaded once with :func:`clmdesk.storage.history.load_inputs`.
    model
        The candidate model (should be valid; uncovered customers are not counted).
    setting
        The candidate cycle setting.
    """
    estimate = resolve_cycle(loaded.engine, setting)
    span = loaded.engine.span
    if span is None:
        return Preview(None, estimate, dict.fromkeys(model.keys, 0))
    day = span[1]
    stages = classify_at(loaded.engine, model, estimate.days, day).stages
    counts = np.bincount(stages[stages >= 0], minlength=len(model.stages))
    return Preview(
        day, estimate, {key: int(counts[j]) for j, key in enumerate(model.keys)}
    )


def save_stage_settings(
    database: Database, model: StageModel, setting: CycleSetting
) -> None:
    """Store a validated stage model and cycle setting (reclassify afterwards).

    Raises
    ------
    ClassificationError
        When the model leaves customers without a stage.
    """
    _check_model(model)
    from clmdesk.storage.app_settings import set_setting

    with database.write() as connection:
        set_setting(connection, MODEL_SETTING, json.loads(model.to_json()))
        set_setting(connection, CYCLE_SETTING, "auto" if setting is None else setting)


def load_inputs_for_preview(database: Database) -> LoadedInputs:
    """Load the inputs once for :func:`preview_last_snapshot` (runs on a worker)."""
    return load_inputs(database, with_funnel=False)
