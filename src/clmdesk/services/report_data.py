"""What a lifecycle report says, gathered once and Qt-free (services layer).

DOMAIN.md "Reports": a report names the business, the as-of date, the stage
definitions and the cycle C used. :class:`ReportData` holds exactly that,
plus the figures the printed page shows beside the chart (customers per
stage at the as-of date and the month before, the panel's KPIs), built
from the same :class:`~clmdesk.services.panel.PanelData` that the control
panel shows, so a printed page never disagrees with the screen.

The interface lays the report out and paints it (``clmdesk.ui.reporting``);
this module builds no text: stage meanings and the explanation of C are
:class:`~clmdesk.core.messages.Message` values.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from clmdesk.core.days import day_number
from clmdesk.core.lifecycle import CycleEstimate, estimate_cycle
from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
    sub_progress,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from clmdesk.core.lifecycle import PanelKpis, Stage, StageModel
    from clmdesk.services.panel import PanelData
    from clmdesk.storage.database import Database

__all__ = [
    "NO_CLASSIFICATION",
    "REPORT_SUFFIXES",
    "UNKNOWN_FORMAT",
    "WRITE_FAILED",
    "ReportData",
    "ReportDataError",
    "StageSummary",
    "cycle_of_panel",
    "load_report_data",
    "report_from_panel",
    "stored_cycle",
    "with_fallback_name",
]

NO_CLASSIFICATION = define(
    "report.no_classification",
    "There is nothing to report yet: this database has no classified history. Import customers and sales, or run 'clmdesk classify'.",
)
UNKNOWN_FORMAT = define(
    "report.unknown_format",
    "Cannot tell the report format of {name}: use a name ending in .pdf, .png or .svg.",
)
WRITE_FAILED = define(
    "report.write_failed", "The report could not be written to {path}."
)
REPORT_SUFFIXES = (".pdf", ".png", ".svg")
"""File name endings of the report formats."""

CYCLE_STORED = define(
    "report.cycle.stored",
    "Automatic: {days} days, measured from the purchases when the stages were last recalculated.",
)


class ReportDataError(Exception):
    """The report cannot be made; ``message`` says why in one sentence."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


@dataclass(frozen=True)
class StageSummary:
    """One stage as the report's table shows it.

    Attributes
    ----------
    stage
        The stage (key, group, names in both languages, colour, rule).
    description
        Its one-sentence meaning with the actual thresholds at the report's
        C (render with :func:`clmdesk.core.lifecycle.render_nested`).
    customers
        Customers in the stage at the as-of date.
    previous
        Customers in the stage at the previous snapshot (``None`` when the
        history has a single snapshot).
    share
        ``customers`` ÷ every customer existing at the as-of date
        (``None`` when nobody exists then).
    """

    stage: Stage
    description: Message
    customers: int
    previous: int | None
    share: float | None

    @property
    def change(self) -> int | None:
        """Change against the previous snapshot (``None`` without one)."""
        return None if self.previous is None else self.customers - self.previous


@dataclass(frozen=True, eq=False)
class ReportData:
    """Everything a lifecycle report shows.

    Attributes
    ----------
    business_name
        The business's name ("" when never set).
    currency
        ISO code of the business's currency.
    as_of_day
        L, the latest snapshot's day number.
    partial_last
        Whether L closes a partial month (the data stops mid-month).
    previous_day
        The previous snapshot's day number, or ``None``.
    model
        The stage model of the stored classification.
    stages
        One :class:`StageSummary` per stage, in model order.
    customers
        Customers existing at L (every stage, prospects and inactive included).
    cycle
        The purchase cycle C used.
    cycle_explanation
        One sentence saying what C was computed from.
    kpis
        The panel's KPI figures at L (``None`` without history).
    panel
        The panel data the report was made from (the chart is drawn from it).
    prepared_day
        The day the report was made.
    """

    business_name: str
    currency: str
    as_of_day: int
    partial_last: bool
    previous_day: int | None
    model: StageModel
    stages: tuple[StageSummary, ...]
    customers: int
    cycle: CycleEstimate
    cycle_explanation: Message
    kpis: PanelKpis | None
    panel: PanelData
    prepared_day: int

    def group_total(self, group: str) -> int:
        """Customers at L in the stages of ``group``."""
        return sum(s.customers for s in self.stages if s.stage.group == group)

    def group_totals(self) -> Mapping[str, int]:
        """Customers at L per group key, in the model's group order."""
        return {group.key: self.group_total(group.key) for group in self.model.groups}


def cycle_of_panel(panel: PanelData) -> tuple[CycleEstimate, Message]:
    """The C of the panel's classification and one sentence on what it was computed from.

    The stored classification keeps C and whether it was automatic. An
    automatic C is re-derived from the panel's own input (the orders it was
    computed from) to say how many customers it rests on; should that
    disagree with the stored C (the data changed since), the stored C is
    kept and explained without figures it no longer matches.

    Parameters
    ----------
    panel
        The panel data of the stored classification.

    Returns
    -------
    (CycleEstimate, Message)
        C and its explanation.
    """
    days = int(panel.cycle_days)
    if not panel.cycle_automatic:
        fixed = CycleEstimate(days=days, automatic=False)
        return fixed, fixed.explain()
    if panel.inputs is not None:
        estimate = estimate_cycle(panel.inputs)
        if estimate.days == days:
            return estimate, estimate.explain()
    stored = CycleEstimate(days=days, automatic=True)
    return stored, Message(CYCLE_STORED, {"days": days})


def report_from_panel(
    panel: PanelData,
    *,
    cycle: CycleEstimate | None = None,
    prepared: date | None = None,
) -> ReportData:
    """Build the report's data from the panel's snapshot.

    Parameters
    ----------
    panel
        The control panel's data (the stored classification).
    cycle
        C with its basis when the caller knows it (the stored
        classification); by default :func:`cycle_of_panel`.
    prepared
        The report's date (today by default).

    Raises
    ------
    ReportDataError
        When the panel has no history (nothing was classified yet).
    """
    if panel.is_empty or panel.latest_day is None:
        raise ReportDataError(Message(NO_CLASSIFICATION))
    if cycle is None:
        cycle, explanation = cycle_of_panel(panel)
    else:
        explanation = cycle.explain()
    last = panel.n_snapshots - 1
    counts = [int(c) for c in panel.counts[last]]
    previous = [int(c) for c in panel.counts[last - 1]] if last >= 1 else None
    total = sum(counts)
    summaries = tuple(
        StageSummary(
            stage=stage,
            description=panel.descriptions[i],
            customers=counts[i],
            previous=previous[i] if previous is not None else None,
            share=counts[i] / total if total else None,
        )
        for i, stage in enumerate(panel.model.stages)
    )
    return ReportData(
        business_name=panel.business_name,
        currency=panel.currency,
        as_of_day=int(panel.latest_day),
        partial_last=bool(panel.partial_last),
        previous_day=int(panel.snapshot_days[last - 1]) if last >= 1 else None,
        model=panel.model,
        stages=summaries,
        customers=total,
        cycle=cycle,
        cycle_explanation=explanation,
        kpis=panel.kpis,
        panel=panel,
        prepared_day=day_number(prepared or date.today()),
    )


def load_report_data(
    database: Database,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
    *,
    prepared: date | None = None,
) -> ReportData:
    """Load the stored classification of ``database`` and build the report's data.

    The figures come from :func:`clmdesk.services.panel.build_panel_data`,
    exactly as the control panel shows them; C and what it was computed from
    come from the stored classification run.

    Parameters
    ----------
    database
        The open business database.
    progress, is_cancelled
        The task contract; runs on a worker.
    prepared
        The report's date (today by default).

    Raises
    ------
    ReportDataError
        When the database holds no classified history.
    """
    from clmdesk.services.panel import build_panel_data

    panel = build_panel_data(
        database, progress=sub_progress(progress, 0, 900), is_cancelled=is_cancelled
    )
    check_cancelled(is_cancelled)
    data = report_from_panel(
        panel, cycle=stored_cycle(database, panel), prepared=prepared
    )
    progress(1000, 1000)
    return data


def stored_cycle(
    database: Database, panel: PanelData | None = None
) -> CycleEstimate | None:
    """C and what it was computed from, as the latest classification stored them.

    Parameters
    ----------
    database
        The open business database.
    panel
        When given, the stored C is returned only if it is the panel's
        (same days, same automatic flag); ``None`` otherwise.
    """
    from clmdesk.storage.history import load_latest_run

    run = load_latest_run(database)
    if run is None:
        return None
    if panel is not None and (
        run.cycle.days != panel.cycle_days
        or run.cycle.automatic != panel.cycle_automatic
    ):
        return None
    return run.cycle


def with_fallback_name(data: ReportData, database: Database | None) -> ReportData:
    """``data`` named after its database file when the business has no name yet.

    A report must name the business; until the owner sets a name, the file
    they chose for it ("Padaria Central.sqlite3") is the best one there is.
    """
    if data.business_name.strip() or database is None or database.path is None:
        return data
    return dataclasses.replace(data, business_name=database.path.stem)
