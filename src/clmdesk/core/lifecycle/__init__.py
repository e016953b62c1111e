"""The lifecycle engine: stage model, measures, monthly history, movements, funnel, KPIs (core layer).

Qt-free and vectorised with numpy. Typical use::

    data = EngineInput(keys, registered_day, order_customer, order_day, order_cents)
    cycle = estimate_cycle(data)                    # or fixed_cycle(45)
    history = compute_history(data, default_model(), cycle.days, progress, is_cancelled)
    moves = movements_between(history.stages[-2], history.stages[-1], len(history.model.stages))
    funnel = compute_funnel(data, FunnelInput(...), history, Granularity.MONTH)
    kpis = compute_kpis(data, history, funnel)

Stage indices are positions in ``model.stages``; ``-1`` marks a customer
that does not exist at a date.
"""

from clmdesk.core.lifecycle.cycle import CycleEstimate, estimate_cycle, fixed_cycle
from clmdesk.core.lifecycle.describe import describe, render_nested
from clmdesk.core.lifecycle.funnel import (
    FigureStatus,
    Funnel,
    FunnelFigure,
    FunnelInput,
    FunnelPeriod,
    Granularity,
    compute_funnel,
)
from clmdesk.core.lifecycle.history import History, compute_history, snapshot_days
from clmdesk.core.lifecycle.inputs import (
    NO_DAY,
    EngineInput,
    date_from_day,
    day_from_date,
)
from clmdesk.core.lifecycle.kpis import Kpi, PanelKpis, compute_kpis
from clmdesk.core.lifecycle.measures import (
    AsOfResult,
    Measures,
    classify_at,
    measures_at,
)
from clmdesk.core.lifecycle.model import (
    GROUP_KEYS,
    GROUPS,
    Bound,
    Group,
    ModelError,
    RecencyUnit,
    Rule,
    Stage,
    StageModel,
    default_model,
    last_purchase_model,
    model_from_json,
    model_to_json,
    new_stage_key,
)
from clmdesk.core.lifecycle.movements import (
    Movements,
    movement_customers,
    movements_between,
)
from clmdesk.core.lifecycle.validation import ValidationResult, validate_model

__all__ = [
    "GROUPS",
    "GROUP_KEYS",
    "NO_DAY",
    "AsOfResult",
    "Bound",
    "CycleEstimate",
    "EngineInput",
    "FigureStatus",
    "Funnel",
    "FunnelFigure",
    "FunnelInput",
    "FunnelPeriod",
    "Granularity",
    "Group",
    "History",
    "Kpi",
    "Measures",
    "ModelError",
    "Movements",
    "PanelKpis",
    "RecencyUnit",
    "Rule",
    "Stage",
    "StageModel",
    "ValidationResult",
    "classify_at",
    "compute_funnel",
    "compute_history",
    "compute_kpis",
    "date_from_day",
    "day_from_date",
    "default_model",
    "describe",
    "estimate_cycle",
    "fixed_cycle",
    "last_purchase_model",
    "measures_at",
    "model_from_json",
    "model_to_json",
    "movement_customers",
    "movements_between",
    "new_stage_key",
    "render_nested",
    "snapshot_days",
    "validate_model",
]
