"""The control panel's data: one immutable snapshot for every widget (services layer, Qt-free).

The panel never lets a widget query the database (STYLE.md W2). Instead,
:func:`build_panel_data` loads the stored classification once, off the GUI
thread, and :func:`assemble_panel_data` turns the engine's results into a
:class:`PanelData` that every widget reads: the stage model and each stage's
one-sentence meaning, the monthly counts, every customer's stage at every
snapshot (so that movements between any two months are a ``bincount``
away), the KPIs, the CLM funnel per month, quarter and year, and the
customers who need attention.

Lists of customers behind a chart segment, a movement cell or the attention
list come from :func:`customer_list`, which takes the contact details from a
:data:`ContactSource` (the database in the app, a dict in tests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from clmdesk.core.lifecycle import (
    NO_DAY,
    EngineInput,
    Funnel,
    FunnelInput,
    Granularity,
    History,
    Movements,
    PanelKpis,
    StageModel,
    compute_funnel,
    compute_kpis,
    describe,
    measures_at,
    movement_customers,
    movements_between,
)
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
)

if TYPE_CHECKING:
    from clmdesk.core.lifecycle import Measures
    from clmdesk.core.messages import Message
    from clmdesk.storage.database import Database

__all__ = [
    "ATTENTION_PREVIEW",
    "Contact",
    "ContactSource",
    "CustomerList",
    "CustomerListRow",
    "CustomerQuery",
    "PanelData",
    "QueryKind",
    "SavedPanelLayout",
    "assemble_panel_data",
    "book_contacts",
    "build_panel_data",
    "customer_list",
    "database_contacts",
    "demo_panel_data",
    "empty_panel_data",
    "load_contact_book",
    "load_panel_layout",
    "read_saved_panel_layout",
    "save_panel_layout",
]

# How many attention customers travel with the panel data; the whole list
# is one click away through customer_list().
ATTENTION_PREVIEW = 200


class Contact(NamedTuple):
    """How to reach a customer (all optional, as imported)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    city: str | None = None
    state: str | None = None


ContactSource = Callable[[Sequence[int]], Mapping[int, Contact]]
"""Maps customer database ids to their contact details (missing ids may be left out)."""


class CustomerListRow(NamedTuple):
    """One customer in a list, with the measures at the list's date.

    A named tuple rather than a dataclass: lists run to tens of thousands of
    rows and a tuple is built several times faster.

    Attributes
    ----------
    customer_id
        Database id.
    key
        The customer key.
    stage_key
        Stage at the list's date (``None`` when the customer has no stage then).
    frequency, recency_days, monetary_cents, first_day, last_day
        Measures at the list's date (``recency_days``, ``first_day`` and
        ``last_day`` are ``None`` without purchases).
    """

    customer_id: int
    key: str
    name: str | None
    email: str | None
    phone: str | None
    city: str | None
    state: str | None
    stage_key: str | None
    frequency: int
    recency_days: int | None
    monetary_cents: int
    first_day: int | None
    last_day: int | None


class QueryKind(StrEnum):
    """What a customer list shows."""

    STAGE = "stage"
    MOVEMENT = "movement"
    ATTENTION = "attention"


@dataclass(frozen=True)
class CustomerQuery:
    """Which customers a list shows.

    Attributes
    ----------
    kind
        A stage at a snapshot, a movement between two snapshots, or the
        attention list at L.
    day
        The snapshot the list describes (measures are taken at this date).
    stage_key
        The stage at ``day`` (``STAGE`` and ``MOVEMENT``).
    from_day, from_stage_key
        For ``MOVEMENT``: the earlier snapshot and the stage then (``None``
        = not yet a customer).
    """

    kind: QueryKind
    day: int
    stage_key: str | None = None
    from_day: int | None = None
    from_stage_key: str | None = None


@dataclass(frozen=True, eq=False)
class CustomerList:
    """The customers behind a query, most valuable first, stored by column.

    Lists run to tens of thousands of customers; columns of plain Python
    values are built and sorted much faster than one object per row, and
    the table model reads them directly. :meth:`row` and :attr:`rows` give
    :class:`CustomerListRow` values when needed (export, tests).

    Attributes
    ----------
    query
        What the list shows.
    columns
        Field name of :class:`CustomerListRow` → one value per customer.
    """

    query: CustomerQuery
    columns: Mapping[str, Sequence[Any]]

    def __len__(self) -> int:
        return len(self.columns["customer_id"])

    def row(self, index: int) -> CustomerListRow:
        """The customer at ``index``."""
        return CustomerListRow(
            *(self.columns[name][index] for name in CustomerListRow._fields)
        )

    @property
    def rows(self) -> tuple[CustomerListRow, ...]:
        """Every customer as a row (built on each call)."""
        return tuple(
            CustomerListRow(*values)
            for values in zip(
                *(self.columns[name] for name in CustomerListRow._fields), strict=True
            )
        )

    @classmethod
    def from_rows(
        cls, query: CustomerQuery, rows: Sequence[CustomerListRow]
    ) -> CustomerList:
        """Build a list from rows."""
        columns = {
            name: [row[i] for row in rows]
            for i, name in enumerate(CustomerListRow._fields)
        }
        return cls(query, columns)


def _read_only(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if array.flags.writeable:
        array = array.copy()
        array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class PanelData:
    """Everything the panel's widgets show, computed once per refresh.

    Attributes
    ----------
    business_name, currency
        The business's name and ISO currency code (a business setting).
    model
        The stage model of the stored classification.
    descriptions
        Per stage (model order), its one-sentence meaning with the actual
        thresholds (render with :func:`clmdesk.core.lifecycle.render_nested`).
    cycle_days, cycle_automatic
        The purchase cycle C used and whether it was computed automatically.
    snapshot_days, partial_last, counts
        The history: as-of days, whether the last is a partial month, and
        customers per snapshot and stage ``(snapshots, stages)``.
    stages
        int8 stage index per snapshot and customer (``-1`` = not existing).
    customer_ids
        Database id per engine customer index.
    kpis
        The KPI cards' figures (``None`` without history).
    funnels
        The CLM funnel per granularity.
    attention
        The first :data:`ATTENTION_PREVIEW` customers who need attention
        at L, by total spent descending.
    attention_total
        How many customers need attention at L.
    inputs
        The engine's input (orders and registrations), for the measures at
        any month of a customer list; ``None`` without data.
    final_measures
        Every customer's measures at L (lists of the latest month need no
        recomputation).
    key_rank
        Rank of every customer's key in code-point order, so that lists sort
        "by total spent, then key" on integers.
    """

    business_name: str
    currency: str
    model: StageModel
    descriptions: tuple[Message, ...]
    cycle_days: int
    cycle_automatic: bool
    snapshot_days: npt.NDArray[np.int32]
    partial_last: bool
    counts: npt.NDArray[np.int64]
    stages: npt.NDArray[np.int8]
    customer_ids: npt.NDArray[np.int64]
    kpis: PanelKpis | None
    funnels: Mapping[Granularity, Funnel] = field(default_factory=dict)
    attention: tuple[CustomerListRow, ...] = ()
    attention_total: int = 0
    inputs: EngineInput | None = None
    final_measures: Measures | None = None
    key_rank: npt.NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        for name in ("snapshot_days", "counts", "stages", "customer_ids"):
            object.__setattr__(self, name, _read_only(np.asarray(getattr(self, name))))

    @property
    def n_snapshots(self) -> int:
        """Number of snapshots in the history (0 without data)."""
        return len(self.snapshot_days)

    @property
    def is_empty(self) -> bool:
        """Whether there is no history to show."""
        return self.n_snapshots == 0

    @property
    def latest_day(self) -> int | None:
        """L, the latest snapshot's day."""
        return int(self.snapshot_days[-1]) if self.n_snapshots else None

    def snapshot_index(self, day: int) -> int:
        """Index of the snapshot dated ``day`` (``KeyError`` when none)."""
        i = int(np.searchsorted(self.snapshot_days, day))
        if i >= self.n_snapshots or int(self.snapshot_days[i]) != day:
            raise KeyError(day)
        return i

    def movements(self, from_index: int, to_index: int) -> Movements:
        """Movements between two snapshots (computed on demand; a ``bincount``)."""
        return movements_between(
            self.stages[from_index],
            self.stages[to_index],
            len(self.model.stages),
            int(self.snapshot_days[from_index]),
            int(self.snapshot_days[to_index]),
        )

    def group_counts(self, index: int) -> dict[str, int]:
        """Customers per group key at snapshot ``index``."""
        result = {group.key: 0 for group in self.model.groups}
        for stage, count in zip(self.model.stages, self.counts[index], strict=True):
            result[stage.group] += int(count)
        return result


def empty_panel_data(
    model: StageModel,
    business_name: str = "",
    currency: str = "BRL",
    cycle_days: int = 90,
) -> PanelData:
    """The panel's data for a business without any history yet."""
    return PanelData(
        business_name=business_name,
        currency=currency,
        model=model,
        descriptions=tuple(
            describe(stage, cycle_days, model.top_percentile) for stage in model.stages
        ),
        cycle_days=cycle_days,
        cycle_automatic=True,
        snapshot_days=np.zeros(0, dtype=np.int32),
        partial_last=False,
        counts=np.zeros((0, len(model.stages)), dtype=np.int64),
        stages=np.zeros((0, 0), dtype=np.int8),
        customer_ids=np.zeros(0, dtype=np.int64),
        kpis=None,
    )


def assemble_panel_data(
    inputs: EngineInput,
    extra: FunnelInput,
    history: History,
    customer_ids: npt.ArrayLike,
    contacts: ContactSource,
    *,
    business_name: str = "",
    currency: str = "BRL",
    cycle_automatic: bool = True,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> PanelData:
    """Turn the engine's results into the panel's immutable snapshot.

    Parameters
    ----------
    inputs, extra
        The engine's input and the funnel's extra sources.
    history
        The classified history of ``inputs``.
    customer_ids
        Database id per engine customer index.
    contacts
        Contact details of the attention list's customers.
    business_name, currency, cycle_automatic
        Shown beside the figures.
    progress, is_cancelled
        The task contract; runs on a worker.
    """
    ids = np.asarray(customer_ids, dtype=np.int64)
    if len(ids) != inputs.n_customers:
        raise ValueError("customer_ids needs one id per customer")
    model = history.model
    descriptions = tuple(
        describe(stage, history.cycle_days, model.top_percentile)
        for stage in model.stages
    )
    steps = len(Granularity) + 2
    funnels: dict[Granularity, Funnel] = {}
    for i, granularity in enumerate(Granularity):
        check_cancelled(is_cancelled)
        try:
            funnels[granularity] = compute_funnel(inputs, extra, history, granularity)
        except ValueError:
            # A granularity the engine cannot compute must not take the whole
            # panel down: the funnel widget offers only the ones present.
            if granularity is Granularity.MONTH:
                raise
        progress(i + 1, steps)
    check_cancelled(is_cancelled)
    kpis = compute_kpis(inputs, history, funnels.get(Granularity.MONTH))
    progress(steps - 1, steps)
    attention_rows: tuple[CustomerListRow, ...] = ()
    attention_total = 0
    if kpis is not None and history.final is not None:
        attention_total = len(kpis.attention)
        preview = kpis.attention[:ATTENTION_PREVIEW]
        attention_rows = _rows(
            inputs,
            ids,
            preview,
            history.final,
            history.stages[-1],
            model,
            contacts,
        )
    progress(steps, steps)
    return PanelData(
        business_name=business_name,
        currency=currency,
        model=model,
        descriptions=descriptions,
        cycle_days=history.cycle_days,
        cycle_automatic=cycle_automatic,
        snapshot_days=history.snapshot_days,
        partial_last=history.partial_last,
        counts=history.counts,
        stages=history.stages,
        customer_ids=ids,
        kpis=kpis,
        funnels=funnels,
        attention=attention_rows,
        attention_total=attention_total,
        inputs=inputs,
        final_measures=history.final,
        key_rank=_key_rank(inputs),
    )


def _columns(
    inputs: EngineInput,
    ids: npt.NDArray[np.int64],
    indices: npt.NDArray[np.intp],
    measures: Measures,
    stages_at: npt.NDArray[np.int8],
    model: StageModel,
    contacts: ContactSource,
) -> dict[str, list[Any]]:
    """The list's columns for the customers ``indices`` (engine order), in that order."""
    index = np.asarray(indices, dtype=np.intp)
    customer_ids = ids[index].tolist()
    found = contacts(customer_ids) if customer_ids else {}
    nobody = Contact()
    people = [found.get(i, nobody) for i in customer_ids]
    keys = model.keys
    frequency = measures.frequency[index]
    bought = frequency > 0

    def optional(values: npt.NDArray[Any], present: npt.NDArray[np.bool_]) -> list[Any]:
        return [
            v if p else None
            for v, p in zip(values.tolist(), present.tolist(), strict=True)
        ]

    customer_keys = inputs.customer_keys
    return {
        "customer_id": customer_ids,
        "key": [customer_keys[i] for i in index.tolist()],
        "name": [c.name for c in people],
        "email": [c.email for c in people],
        "phone": [c.phone for c in people],
        "city": [c.city for c in people],
        "state": [c.state for c in people],
        "stage_key": [keys[s] if s >= 0 else None for s in stages_at[index].tolist()],
        "frequency": frequency.tolist(),
        "recency_days": optional(measures.recency[index], bought),
        "monetary_cents": measures.monetary[index].tolist(),
        "first_day": optional(
            measures.first_day[index], measures.first_day[index] != NO_DAY
        ),
        "last_day": optional(
            measures.last_day[index], measures.last_day[index] != NO_DAY
        ),
    }


def _rows(
    inputs: EngineInput,
    ids: npt.NDArray[np.int64],
    indices: npt.NDArray[np.intp],
    measures: Measures,
    stages_at: npt.NDArray[np.int8],
    model: StageModel,
    contacts: ContactSource,
) -> tuple[CustomerListRow, ...]:
    columns = _columns(inputs, ids, indices, measures, stages_at, model, contacts)
    return CustomerList(CustomerQuery(QueryKind.ATTENTION, 0), columns).rows


def _key_rank(inputs: EngineInput) -> npt.NDArray[np.int64]:
    """Rank of each customer's key in code-point order (numpy sorts unicode by code point)."""
    rank = np.empty(inputs.n_customers, dtype=np.int64)
    if inputs.n_customers:
        rank[np.argsort(np.array(inputs.customer_keys), kind="stable")] = np.arange(
            inputs.n_customers
        )
    rank.setflags(write=False)
    return rank


def _by_value(
    inputs: EngineInput,
    indices: npt.NDArray[np.intp],
    measures: Measures,
    key_rank: npt.NDArray[np.int64] | None = None,
) -> npt.NDArray[np.intp]:
    """``indices`` by M descending, then customer key (code points)."""
    if len(indices) < 2:
        return indices
    keys = (
        key_rank[indices]
        if key_rank is not None
        else np.array([inputs.customer_keys[int(i)] for i in indices])
    )
    order = np.lexsort((keys, -measures.monetary[indices]))
    result: npt.NDArray[np.intp] = indices[order]
    return result


def customer_list(
    data: PanelData,
    query: CustomerQuery,
    contacts: ContactSource,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> CustomerList:
    """The customers behind a chart segment, a movement cell or the attention list.

    Measures (frequency, recency, total spent, first and last purchase) are
    taken at the query's date, so a list of January's champions shows them
    as they were at the end of January.

    Parameters
    ----------
    data
        The panel's snapshot (holds the stages and the engine input).
    query
        Which customers.
    contacts
        Contact details by database id (the database in the app).
    progress, is_cancelled
        The task contract; runs on a worker.

    Raises
    ------
    KeyError
        An unknown snapshot day or stage key.
    """
    if data.inputs is None or data.is_empty:
        return CustomerList.from_rows(query, ())
    model = data.model
    to_index = data.snapshot_index(query.day)
    stages_at = data.stages[to_index]
    if query.kind is QueryKind.ATTENTION:
        attention = [i for i, s in enumerate(model.stages) if s.group == "attention"]
        indices = np.flatnonzero(np.isin(stages_at, attention))
    elif query.kind is QueryKind.STAGE:
        if query.stage_key is None:
            raise KeyError("stage_key")
        indices = np.flatnonzero(stages_at == model.index(query.stage_key))
    else:
        if query.from_day is None or query.stage_key is None:
            raise KeyError("from_day")
        from_index = data.snapshot_index(query.from_day)
        from_stage = (
            None if query.from_stage_key is None else model.index(query.from_stage_key)
        )
        indices = movement_customers(
            data.stages[from_index], stages_at, from_stage, model.index(query.stage_key)
        )
    progress(1, 3)
    check_cancelled(is_cancelled)
    if data.final_measures is not None and query.day == data.latest_day:
        measures = data.final_measures
    else:
        measures = measures_at(data.inputs, query.day)
    indices = _by_value(data.inputs, indices, measures, data.key_rank)
    progress(2, 3)
    check_cancelled(is_cancelled)
    columns = _columns(
        data.inputs, data.customer_ids, indices, measures, stages_at, model, contacts
    )
    progress(3, 3)
    return CustomerList(query, columns)


def demo_panel_data(
    customers: int = 2000,
    *,
    model: StageModel | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> tuple[PanelData, ContactSource]:
    """Panel data of the built-in demo business, computed in memory.

    Used for the catalog's previews when the open database has no history
    yet, for tests and for benchmarks. Customer ids are ``1..n`` in key order.

    Returns
    -------
    (PanelData, ContactSource)
        The snapshot and a contact source over the demo's customers.
    """
    from clmdesk.core.demo import BUSINESS_NAME, generate_demo
    from clmdesk.core.lifecycle import compute_history, default_model, estimate_cycle

    demo = generate_demo(customers=customers)
    check_cancelled(is_cancelled)
    inputs, extra = _demo_inputs(demo)
    model = model or default_model()
    cycle = estimate_cycle(inputs)
    history = compute_history(inputs, model, cycle.days, is_cancelled=is_cancelled)
    ids = np.arange(1, inputs.n_customers + 1, dtype=np.int64)
    book = {
        i + 1: Contact(c.name, c.email, c.phone, c.city, c.state)
        for i, c in enumerate(demo.customers)
    }

    def contacts(wanted: Sequence[int]) -> Mapping[int, Contact]:
        return {i: book[i] for i in wanted if i in book}

    data = assemble_panel_data(
        inputs,
        extra,
        history,
        ids,
        contacts,
        business_name=BUSINESS_NAME,
        currency="BRL",
        progress=progress,
        is_cancelled=is_cancelled,
    )
    return data, contacts


def _demo_inputs(demo: Any) -> tuple[EngineInput, FunnelInput]:
    """Orders (lines grouped by customer and order ref) and funnel sources of the demo."""
    index = {c.key: i for i, c in enumerate(demo.customers)}
    orders: dict[tuple[int, str], list[int]] = {}
    for line in demo.order_lines:
        key = (index[line.customer_key], line.order_ref)
        entry = orders.get(key)
        if entry is None:
            orders[key] = [line.day, line.amount_cents]
        else:
            entry[0] = min(entry[0], line.day)
            entry[1] += line.amount_cents
    customer = np.fromiter((k[0] for k in orders), dtype=np.int32, count=len(orders))
    values = np.array(list(orders.values()), dtype=np.int64).reshape(-1, 2)
    registered = np.array(
        [c.registered if c.registered is not None else NO_DAY for c in demo.customers],
        dtype=np.int32,
    )
    inputs = EngineInput(
        tuple(c.key for c in demo.customers),
        registered,
        customer,
        values[:, 0].astype(np.int32),
        values[:, 1],
    )
    referrals = [
        (index[c.referred_by], c.registered if c.registered is not None else NO_DAY)
        for c in demo.customers
        if c.referred_by is not None and c.referred_by in index
    ]
    extra = FunnelInput(
        campaign_day=np.array([c.day for c in demo.campaigns], dtype=np.int32),
        campaign_reached=np.array([c.reached for c in demo.campaigns], dtype=np.int64),
        nps_customer=np.array(
            [index[a.customer_key] for a in demo.nps_answers], dtype=np.int32
        ),
        nps_day=np.array([a.day for a in demo.nps_answers], dtype=np.int32),
        nps_score=np.array([a.score for a in demo.nps_answers], dtype=np.int16),
        referrer=np.array([r[0] for r in referrals], dtype=np.int32),
        referred_registered_day=np.array([r[1] for r in referrals], dtype=np.int32),
    )
    return inputs, extra


# --------------------------------------------------------------------------
# The database side: layout and contacts


def load_panel_layout(database: Database) -> str | None:
    """The panel's saved layout as raw JSON text (None when never saved).

    Parameters
    ----------
    database
        The open business database.
    """
    from clmdesk.storage.panel_layout import read_panel_layout_text

    return read_panel_layout_text(database)


@dataclass(frozen=True)
class SavedPanelLayout:
    """The panel's saved layout as read from a database.

    Attributes
    ----------
    text
        Raw JSON text; None when never saved or when it could not be read.
    error
        Why it could not be read (the panel then opens with its default).
    """

    text: str | None
    error: str | None = None


def read_saved_panel_layout(database: Database) -> SavedPanelLayout:
    """The saved layout, or why it could not be read: a bad settings row must not keep the panel from opening."""
    try:
        return SavedPanelLayout(load_panel_layout(database))
    except Exception as exc:
        return SavedPanelLayout(None, str(exc))


def save_panel_layout(database: Database, entries: Sequence[Any]) -> None:
    """Save the panel's layout ``[{type_id, version, settings, geometry}]``.

    Parameters
    ----------
    database
        The open business database.
    entries
        The JSON-ready layout list.
    """
    from clmdesk.storage.panel_layout import write_panel_layout

    write_panel_layout(database, entries)


def database_contacts(database: Database) -> ContactSource:
    """A :data:`ContactSource` reading the customers table of ``database``.

    Thread contract: the returned callable opens its own connection, so it
    may run on a worker.
    """
    from clmdesk.storage.panel_layout import read_contacts

    def contacts(ids: Sequence[int]) -> Mapping[int, Contact]:
        return {
            i: Contact._make(values)
            for i, values in read_contacts(database, ids).items()
        }

    return contacts


def build_panel_data(
    database: Database,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> PanelData:
    """Load the stored classification and build the panel's snapshot (runs on a worker).

    The engine's inputs are read once (orders as integer arrays); the
    history comes from the stored classification when it was computed from
    the current data, and is recomputed in memory with the stored model and
    C otherwise (an import whose reclassification is still running, or one
    made with ``--no-classify``).

    Parameters
    ----------
    database
        The open business database.
    progress, is_cancelled
        The task contract.
    """
    from clmdesk.core.lifecycle import compute_history
    from clmdesk.core.lifecycle.history import History as HistoryType
    from clmdesk.services.classification import read_stage_model
    from clmdesk.storage.app_settings import read_setting
    from clmdesk.storage.history import (
        load_all_snapshot_stages,
        load_inputs,
        load_latest_run,
    )

    business_name = read_setting(database, "business_name") or ""
    currency = read_setting(database, "currency") or ""
    run = load_latest_run(database)
    progress(1, 10)
    if run is None or run.n_snapshots == 0:
        model = run.model if run is not None else read_stage_model(database)
        cycle = run.cycle.days if run is not None else 90
        return empty_panel_data(model, str(business_name), str(currency), cycle)
    check_cancelled(is_cancelled)
    loaded = load_inputs(database)
    progress(5, 10)
    check_cancelled(is_cancelled)
    inputs = loaded.engine
    if run.is_current(loaded.fingerprint, loaded.customer_ids):
        stages = load_all_snapshot_stages(database, run)
        last = int(run.snapshot_days[-1])
        history = HistoryType(
            model=run.model,
            cycle_days=run.cycle.days,
            snapshot_days=run.snapshot_days,
            partial_last=run.partial_last,
            counts=run.counts,
            stages=stages,
            top_thresholds=np.full(run.n_snapshots, np.nan),
            final=measures_at(inputs, last),
        )
    else:
        history = compute_history(
            inputs, run.model, run.cycle.days, is_cancelled=is_cancelled
        )
    progress(7, 10)
    return assemble_panel_data(
        inputs,
        loaded.funnel,
        history,
        loaded.customer_ids,
        database_contacts(database),
        business_name=str(business_name),
        currency=str(currency),
        cycle_automatic=run.cycle.automatic,
        is_cancelled=is_cancelled,
    )


def load_contact_book(
    database: Database,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> dict[int, Contact]:
    """Every customer's contact details by database id (runs on a worker).

    The panel loads them once in the background after its data, so that a
    list of tens of thousands of customers opens without a database query.
    """
    from clmdesk.storage.panel_layout import read_all_contacts

    check_cancelled(is_cancelled)
    book = {
        i: Contact._make(values) for i, values in read_all_contacts(database).items()
    }
    progress(1, 1)
    return book


def book_contacts(
    book: Mapping[int, Contact], fallback: ContactSource | None = None
) -> ContactSource:
    """A :data:`ContactSource` reading ``book``, asking ``fallback`` for ids it lacks."""

    def contacts(ids: Sequence[int]) -> Mapping[int, Contact]:
        found = {i: book[i] for i in ids if i in book}
        if fallback is not None and len(found) < len(ids):
            missing = [i for i in ids if i not in found]
            found.update(fallback(missing))
        return found

    return contacts
