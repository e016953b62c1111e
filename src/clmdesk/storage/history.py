"""Loading the engine's inputs and storing/loading the classified history (storage layer).

Loading: customers, orders, campaigns, NPS answers and referrals come back
as numpy arrays indexed by an *engine index* (customers in ascending id
order). On SQLite the million-row orders table is read as three
``group_concat`` texts in one scan and parsed by numpy: about 0.5 s instead
of 1.5–3 s for a million Python tuples (measured here).

Storing: one classification run replaces the previous one in one write
transaction — the run (model, C and what it was computed from, the
customer ids in engine order), one compact int8 array per snapshot (the
stage index of every customer, ``-1`` = not existing), the counts per
snapshot and stage, and each customer's measures and stage at the latest
snapshot in ``customer_stages`` for SQL filtering and sorting. A run is
dropped instead of stored when the data changed since it was loaded or a
newer run has already been stored.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt
from sqlalchemy import text

from clmdesk.core.lifecycle.cycle import CycleEstimate
from clmdesk.core.lifecycle.funnel import FunnelInput
from clmdesk.core.lifecycle.inputs import NO_DAY, EngineInput
from clmdesk.core.lifecycle.model import StageModel, model_from_json
from clmdesk.core.tasks import IsCancelled, check_cancelled, never_cancelled
from clmdesk.storage.app_settings import set_setting
from clmdesk.storage.bulk import bulk_insert

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy import Connection

    from clmdesk.core.lifecycle.history import History
    from clmdesk.storage.database import Database

__all__ = [
    "LoadedInputs",
    "StoredRun",
    "classification_is_current",
    "data_fingerprint",
    "load_all_snapshot_stages",
    "load_inputs",
    "load_latest_run",
    "load_snapshot_customers",
    "load_snapshot_stages",
    "now_stamp",
    "read_fingerprint",
    "read_inputs",
    "store_classification",
]


def now_stamp() -> str:
    """UTC time with microseconds, ISO-8601; orders runs by when they started."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, eq=False)
class LoadedInputs:
    """The engine's inputs read from one consistent database state.

    Attributes
    ----------
    customer_ids
        int64 ``customers.id`` per engine index (ascending).
    engine
        Customers and orders for the engine.
    funnel
        Campaigns, dated NPS answers and referrals.
    fingerprint
        :func:`data_fingerprint` at load time.
    """

    customer_ids: npt.NDArray[np.int64]
    engine: EngineInput
    funnel: FunnelInput
    fingerprint: tuple[int, ...]


def data_fingerprint(connection: Connection) -> tuple[int, ...]:
    """Cheap summary that changes whenever an import or an undo changes the data.

    Counts and largest ids only (no sums over a million orders): every
    import adds a batch and every undo marks one undone (an undo that only
    clears the fields a batch filled changes no count but that one).
    """
    row = connection.execute(
        text(
            "SELECT (SELECT COUNT(*) FROM import_batches),"
            " (SELECT COUNT(*) FROM import_batches WHERE status <> 'done'),"
            " (SELECT COALESCE(MAX(id), 0) FROM import_batches),"
            " (SELECT COUNT(*) FROM customers),"
            " (SELECT COALESCE(MAX(id), 0) FROM customers),"
            " (SELECT COUNT(*) FROM orders),"
            " (SELECT COALESCE(MAX(id), 0) FROM orders),"
            " (SELECT COUNT(*) FROM nps_answers),"
            " (SELECT COUNT(*) FROM campaigns)"
        )
    ).one()
    return tuple(int(v) for v in row)


def read_fingerprint(database: Database) -> tuple[int, ...]:
    """:func:`data_fingerprint` in a short read transaction."""
    with database.read() as connection:
        return data_fingerprint(connection)


def classification_is_current(connection: Connection) -> bool:
    """False when the stored classification was computed from other data.

    True without a stored classification, and for a run stored before runs
    kept their fingerprint (those are judged by their last day instead).
    """
    stored = connection.execute(
        text(
            "SELECT data_fingerprint FROM classification_runs"
            " ORDER BY computed_at DESC LIMIT 1"
        )
    ).scalar()
    fingerprint = _fingerprint_from_text(stored)
    return fingerprint is None or fingerprint == data_fingerprint(connection)


def _fingerprint_text(fingerprint: tuple[int, ...]) -> str:
    return ",".join(str(value) for value in fingerprint)


def _fingerprint_from_text(value: str | None) -> tuple[int, ...] | None:
    if not value:
        return None
    return tuple(int(part) for part in value.split(","))


def _int_array(values: str | None, dtype: type[np.integer[Any]]) -> npt.NDArray[Any]:
    if not values:
        return np.zeros(0, dtype=dtype)
    parsed = np.fromstring(values, dtype=np.int64, sep=",")
    return parsed.astype(dtype, copy=False)


def _order_columns(
    connection: Connection,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """(customer id, day, cents) of every order."""
    if connection.dialect.name == "sqlite":
        # Three aggregates of one scan see the rows in the same order.
        row = connection.exec_driver_sql(
            "SELECT group_concat(customer_id), group_concat(day), group_concat(amount_cents)"
            " FROM orders"
        ).one()
        customer = _int_array(row[0], np.int64)
        day = _int_array(row[1], np.int32)
        cents = _int_array(row[2], np.int64)
        if not (len(customer) == len(day) == len(cents)):
            raise RuntimeError("orders could not be read consistently")
        return customer, day, cents
    # Plain DBAPI tuples: numpy probes each SQLAlchemy Row for array
    # attributes, which costs a minute for a million orders.
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("SELECT customer_id, day, amount_cents FROM orders")
        table = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 3)
    finally:
        cursor.close()
    return table[:, 0].copy(), table[:, 1].astype(np.int32), table[:, 2].copy()


def _engine_index(
    customer_ids: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]
) -> npt.NDArray[np.int32]:
    index = np.searchsorted(customer_ids, ids)
    if len(ids) and (
        index.max(initial=0) >= len(customer_ids)
        or not np.array_equal(customer_ids[index], ids)
    ):
        raise RuntimeError("a row refers to a customer that does not exist")
    return index.astype(np.int32)


def _customer_columns(
    connection: Connection,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]:
    """(id, registered day or NO_DAY) of every customer, ascending id."""
    if connection.dialect.name == "sqlite":
        row = connection.exec_driver_sql(
            "SELECT group_concat(id), group_concat(COALESCE(registered_day, ?))"
            " FROM (SELECT id, registered_day FROM customers ORDER BY id)",
            (NO_DAY,),
        ).one()
        ids, registered = _int_array(row[0], np.int64), _int_array(row[1], np.int32)
        if len(ids) != len(registered):
            raise RuntimeError("customers could not be read consistently")
        if len(ids) > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            # group_concat's order is SQLite's row order; never rely on it.
            order = np.argsort(ids, kind="stable")
            ids, registered = ids[order], registered[order]
        return ids, registered
    rows = connection.execute(
        text("SELECT id, registered_day FROM customers ORDER BY id")
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    registered = np.array(
        [NO_DAY if r[1] is None else r[1] for r in rows], dtype=np.int32
    )
    return ids, registered


class _UnnamedKeys(Sequence[str]):
    """Stands in for the keys when a caller does not need them (classification)."""

    def __init__(self, n: int) -> None:
        self._n = n

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [""] * len(range(*index.indices(self._n)))
        if not -self._n <= index < self._n:
            raise IndexError(index)
        return ""


def read_inputs(
    connection: Connection, *, with_funnel: bool = True, with_keys: bool = True
) -> LoadedInputs:
    """Read the engine's inputs on an open connection (one read transaction).

    Parameters
    ----------
    connection
        A connection from :meth:`Database.read` or :meth:`Database.write`.
    with_funnel
        Also read campaigns, NPS answers and referrals (needs the keys).
    with_keys
        Read the customer keys; without them ``engine.customer_keys`` holds
        empty strings (enough to classify, and 100k fewer Python strings).
    """
    fingerprint = data_fingerprint(connection)
    customer_ids, registered = _customer_columns(connection)
    keys: Sequence[str] = _UnnamedKeys(len(customer_ids))
    referred_by: list[str | None] = []
    if with_keys or with_funnel:
        rows = connection.execute(
            text("SELECT key, referred_by_key FROM customers ORDER BY id")
        ).all()
        keys = tuple(row[0] for row in rows)
        referred_by = [row[1] for row in rows]
    order_ids, order_day, order_cents = _order_columns(connection)
    engine = EngineInput(
        customer_keys=keys,
        registered_day=registered,
        order_customer=_engine_index(customer_ids, order_ids),
        order_day=order_day,
        order_cents=order_cents,
    )
    funnel = FunnelInput()
    if with_funnel:
        funnel = _read_funnel(connection, customer_ids, engine, referred_by)
    return LoadedInputs(customer_ids, engine, funnel, fingerprint)


def _read_funnel(
    connection: Connection,
    customer_ids: npt.NDArray[np.int64],
    engine: EngineInput,
    referred_by: list[str | None],
) -> FunnelInput:
    campaigns = connection.execute(text("SELECT day, reached FROM campaigns")).all()
    answers = connection.execute(
        text("SELECT customer_id, day, score FROM nps_answers")
    ).all()
    index_of = {key: i for i, key in enumerate(engine.customer_keys)}
    registered = engine.registered_day
    referrer, referred_day = [], []
    for i, by in enumerate(referred_by):
        if by is not None and by in index_of:
            referrer.append(index_of[by])
            referred_day.append(int(registered[i]))
    nps_ids = np.array([a[0] for a in answers], dtype=np.int64)
    return FunnelInput(
        campaign_day=np.array([c[0] for c in campaigns], dtype=np.int32),
        campaign_reached=np.array([c[1] or 0 for c in campaigns], dtype=np.int64),
        nps_customer=_engine_index(customer_ids, nps_ids),
        nps_day=np.array([a[1] for a in answers], dtype=np.int32),
        nps_score=np.array([a[2] for a in answers], dtype=np.int16),
        referrer=np.array(referrer, dtype=np.int32),
        referred_registered_day=np.array(referred_day, dtype=np.int32),
    )


def load_inputs(
    database: Database, *, with_funnel: bool = True, with_keys: bool = True
) -> LoadedInputs:
    """Read the engine's inputs in one read transaction (runs on any thread).

    See :func:`read_inputs` for the options.
    """
    with database.read() as connection:
        return read_inputs(connection, with_funnel=with_funnel, with_keys=with_keys)


def _basis_json(cycle: CycleEstimate) -> str:
    return json.dumps(
        {
            "qualifying_customers": cycle.qualifying_customers,
            "median_gap": cycle.median_gap,
            "clamped": cycle.clamped,
            "fallback": cycle.fallback,
        }
    )


def store_classification(
    database: Database,
    history: History,
    cycle: CycleEstimate,
    loaded: LoadedInputs,
    started_at: str,
    settings: Mapping[str, Any] | None = None,
    is_cancelled: IsCancelled = never_cancelled,
) -> int | None:
    """Replace the stored classification with ``history`` in one write transaction.

    Parameters
    ----------
    database
        The open database.
    history
        The computed history of ``loaded``.
    cycle
        The C used, with what it was computed from.
    loaded
        The inputs the history was computed from.
    started_at
        :func:`now_stamp` taken before loading; a run stored meanwhile with a
        later stamp supersedes this one.
    settings
        ``app_settings`` values to write in the same transaction.
    is_cancelled
        Checked before committing; a cancel rolls everything back.

    Returns
    -------
    int or None
        The new run's id, or ``None`` when the run was superseded (newer run
        stored, or the data changed since ``loaded`` was read).
    """
    with database.write() as connection:
        newest = connection.execute(
            text("SELECT MAX(computed_at) FROM classification_runs")
        ).scalar()
        if newest is not None and str(newest) > started_at:
            return None
        if data_fingerprint(connection) != loaded.fingerprint:
            return None
        for key, value in (settings or {}).items():
            set_setting(connection, key, value)
        connection.execute(text("DELETE FROM snapshot_counts"))
        connection.execute(text("DELETE FROM snapshots"))
        connection.execute(text("DELETE FROM classification_runs"))
        run_id = int(
            connection.execute(
                text(
                    "INSERT INTO classification_runs (computed_at, cycle_days, cycle_automatic,"
                    " cycle_basis_json, model_json, latest_day, customer_ids,"
                    " data_fingerprint) VALUES (:at, :days, :auto, :basis, :model,"
                    " :latest, :ids, :fingerprint) RETURNING id"
                ),
                {
                    "at": started_at,
                    "days": cycle.days,
                    "auto": cycle.automatic,
                    "basis": _basis_json(cycle),
                    "model": history.model.to_json(),
                    "latest": history.last_day,
                    "ids": loaded.customer_ids.astype("<i8").tobytes(),
                    "fingerprint": _fingerprint_text(loaded.fingerprint),
                },
            ).scalar_one()
        )
        check_cancelled(is_cancelled)
        bulk_insert(
            connection,
            "snapshots",
            ("run_id", "day", "is_partial", "stages"),
            (
                (run_id, int(day), history.is_partial(s), history.stages[s].tobytes())
                for s, day in enumerate(history.snapshot_days)
            ),
        )
        keys = history.model.keys
        bulk_insert(
            connection,
            "snapshot_counts",
            ("run_id", "day", "stage_key", "customers"),
            (
                (run_id, int(day), keys[j], int(history.counts[s, j]))
                for s, day in enumerate(history.snapshot_days)
                for j in range(len(keys))
            ),
        )
        check_cancelled(is_cancelled)
        _write_customer_stages(connection, history, loaded.customer_ids, is_cancelled)
        check_cancelled(is_cancelled)
    return run_id


_CUSTOMER_STAGE_COLUMNS = (
    "customer_id",
    "stage_key",
    "group_key",
    "frequency",
    "recency_days",
    "monetary_cents",
    "first_day",
    "last_day",
)
# Stands for NULL when stored rows are read back as integer arrays.
_NULL = -(2**62)


def _stored_customer_stages(
    connection: Connection,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[str], list[str]] | None:
    """The stored ``customer_stages`` as (ids, measures matrix, stage keys, group keys).

    SQLite only (``None`` elsewhere); NULL measures read as :data:`_NULL`
    and NULL keys as ``""``.
    """
    if connection.dialect.name != "sqlite":
        return None
    row = connection.exec_driver_sql(
        "SELECT group_concat(customer_id), group_concat(frequency),"
        " group_concat(COALESCE(recency_days, ?)), group_concat(monetary_cents),"
        " group_concat(COALESCE(first_day, ?)), group_concat(COALESCE(last_day, ?)),"
        " group_concat(COALESCE(stage_key, '')), group_concat(COALESCE(group_key, ''))"
        " FROM (SELECT * FROM customer_stages ORDER BY customer_id)",
        (_NULL, _NULL, _NULL),
    ).one()
    ids = _int_array(row[0], np.int64)
    columns = [_int_array(value, np.int64) for value in row[1:6]]
    stage_keys = row[6].split(",") if row[6] is not None else []
    group_keys = row[7].split(",") if row[7] is not None else []
    if any(len(c) != len(ids) for c in columns) or not (
        len(stage_keys) == len(group_keys) == len(ids)
    ):
        return None
    return ids, np.stack(columns, axis=1).reshape(len(ids), 5), stage_keys, group_keys


def _write_customer_stages(
    connection: Connection,
    history: History,
    customer_ids: npt.NDArray[np.int64],
    is_cancelled: IsCancelled,
) -> None:
    """Bring ``customer_stages`` up to date, writing only the rows that changed.

    Rewriting 100k rows and their two indexes is the slowest part of storing
    a run, and most rows keep their stage and measures between runs (a
    stage-model or cycle change, unchanged data, or an import that touches
    some customers). Those are left alone; recency, which moves with L for
    everyone, is refreshed by one set-based UPDATE. When more than half the
    rows change, the table is rewritten whole.
    """
    if history.final is None:
        connection.execute(text("DELETE FROM customer_stages"))
        return
    rows = _customer_stage_rows(history, customer_ids, history.n_snapshots - 1)
    stored = _stored_customer_stages(connection)
    changed: npt.NDArray[np.intp] | None = None
    if stored is not None and np.array_equal(stored[0], customer_ids):
        final = history.final
        has = final.frequency > 0
        fresh = np.stack(
            [
                final.frequency.astype(np.int64),
                np.where(has, final.recency, _NULL),
                final.monetary,
                np.where(has, final.first_day, _NULL),
                np.where(has, final.last_day, _NULL),
            ],
            axis=1,
        )
        # Recency is L - last_day: when L moves, every recency moves, so it is
        # left out here and refreshed below in one set-based statement.
        measures = [0, 2, 3, 4]
        differs = (fresh[:, measures] != stored[1][:, measures]).any(axis=1)
        differs |= np.array([r[1] or "" for r in rows]) != np.array(
            stored[2], dtype=str
        )
        differs |= np.array([r[2] or "" for r in rows]) != np.array(
            stored[3], dtype=str
        )
        changed = np.flatnonzero(differs)
    check_cancelled(is_cancelled)
    if changed is not None and len(changed) <= len(rows) // 2:
        connection.exec_driver_sql(
            "UPDATE customer_stages SET recency_days = ? - last_day"
            " WHERE last_day IS NOT NULL AND recency_days IS NOT ? - last_day",
            (history.final.as_of, history.final.as_of),
        )
        if len(changed):
            assignments = ", ".join(f"{c} = ?" for c in _CUSTOMER_STAGE_COLUMNS[1:])
            connection.exec_driver_sql(
                f"UPDATE customer_stages SET {assignments} WHERE customer_id = ?",
                [(*rows[i][1:], rows[i][0]) for i in changed.tolist()],
            )
        return
    connection.execute(text("DELETE FROM customer_stages"))
    bulk_insert(
        connection,
        "customer_stages",
        _CUSTOMER_STAGE_COLUMNS,
        rows,
        is_cancelled=is_cancelled,
    )


def _customer_stage_rows(
    history: History, customer_ids: npt.NDArray[np.int64], last: int
) -> list[tuple[Any, ...]]:
    """One row per customer: ids, stage and group keys, measures at L (NULL where none)."""
    final = history.final
    assert final is not None
    keys: list[str | None] = [*history.model.keys, None]
    groups: list[str | None] = [s.group for s in history.model.stages] + [None]
    stages = history.stages[last].tolist()  # -1 picks the trailing None
    has = final.frequency > 0

    def nullable(values: npt.NDArray[Any]) -> list[int | None]:
        # Columns are built whole, then zipped: 3x faster than row by row.
        column: list[int | None] = values.tolist()
        for i in np.flatnonzero(~has).tolist():
            column[i] = None
        return column

    return list(
        zip(
            customer_ids.tolist(),
            [keys[s] for s in stages],
            [groups[s] for s in stages],
            final.frequency.tolist(),
            nullable(final.recency),
            final.monetary.tolist(),
            nullable(final.first_day),
            nullable(final.last_day),
            strict=True,
        )
    )


@dataclass(frozen=True, eq=False)
class StoredRun:
    """The stored classification without its per-customer arrays.

    Attributes
    ----------
    run_id, computed_at
        Identity and start stamp of the run.
    cycle
        The C used and what it was computed from.
    model
        The stage model used.
    latest_day
        L (``None`` without data).
    customer_ids
        int64 ``customers.id`` per engine index; snapshot arrays index into it.
    snapshot_days, partial_last
        Snapshot dates (ascending) and whether the last is a partial month.
    counts
        int64 ``(snapshots, stages)`` in model order.
    data_fingerprint
        :func:`data_fingerprint` of the inputs the run was computed from
        (``None`` for runs stored before the database remembered it).
    """

    run_id: int
    computed_at: str
    cycle: CycleEstimate
    model: StageModel
    latest_day: int | None
    customer_ids: npt.NDArray[np.int64]
    snapshot_days: npt.NDArray[np.int32]
    partial_last: bool
    counts: npt.NDArray[np.int64]
    data_fingerprint: tuple[int, ...] | None = None

    @property
    def n_snapshots(self) -> int:
        """Number of snapshots."""
        return len(self.snapshot_days)

    def is_current(
        self,
        fingerprint: tuple[int, ...],
        customer_ids: npt.NDArray[np.int64] | None = None,
    ) -> bool:
        """True when the run was computed from the data as it is now.

        Parameters
        ----------
        fingerprint
            The data's :func:`data_fingerprint` now.
        customer_ids
            The customers now, in engine order; checked when given, and the
            only check for a run stored without a fingerprint (such a run is
            taken as current without them).
        """
        if customer_ids is not None and not np.array_equal(
            self.customer_ids, customer_ids
        ):
            return False
        return self.data_fingerprint is None or self.data_fingerprint == fingerprint


def _read_run(connection: Connection) -> StoredRun | None:
    row = connection.execute(
        text(
            "SELECT id, computed_at, cycle_days, cycle_automatic, cycle_basis_json, model_json,"
            " latest_day, customer_ids, data_fingerprint FROM classification_runs"
            " ORDER BY computed_at DESC LIMIT 1"
        )
    ).one_or_none()
    if row is None:
        return None
    basis = json.loads(row[4] or "{}")
    cycle = CycleEstimate(
        days=int(row[2]),
        automatic=bool(row[3]),
        qualifying_customers=int(basis.get("qualifying_customers", 0)),
        median_gap=basis.get("median_gap"),
        clamped=bool(basis.get("clamped", False)),
        fallback=bool(basis.get("fallback", False)),
    )
    model = model_from_json(row[5])
    snaps = connection.execute(
        text("SELECT day, is_partial FROM snapshots WHERE run_id = :r ORDER BY day"),
        {"r": row[0]},
    ).all()
    days = np.array([s[0] for s in snaps], dtype=np.int32)
    index = {key: j for j, key in enumerate(model.keys)}
    counts = np.zeros((len(days), len(model.stages)), dtype=np.int64)
    for day, key, n in connection.execute(
        text("SELECT day, stage_key, customers FROM snapshot_counts WHERE run_id = :r"),
        {"r": row[0]},
    ):
        counts[int(np.searchsorted(days, day)), index[key]] = n
    return StoredRun(
        run_id=int(row[0]),
        computed_at=str(row[1]),
        cycle=cycle,
        model=model,
        latest_day=None if row[6] is None else int(row[6]),
        customer_ids=np.frombuffer(row[7], dtype="<i8").astype(np.int64),
        snapshot_days=days,
        partial_last=bool(snaps[-1][1]) if snaps else False,
        counts=counts,
        data_fingerprint=_fingerprint_from_text(row[8]),
    )


def load_latest_run(database: Database) -> StoredRun | None:
    """The stored classification (model, C, snapshot days, counts), or ``None``."""
    with database.read() as connection:
        return _read_run(connection)


def load_snapshot_stages(
    database: Database, run_id: int, day: int
) -> npt.NDArray[np.int8]:
    """int8 stage index per engine index at snapshot ``day`` (``-1`` = not existing).

    Raises
    ------
    KeyError
        When the run has no snapshot on ``day``.
    """
    with database.read() as connection:
        blob = connection.execute(
            text("SELECT stages FROM snapshots WHERE run_id = :r AND day = :d"),
            {"r": run_id, "d": day},
        ).scalar()
    if blob is None:
        raise KeyError(day)
    return np.frombuffer(blob, dtype=np.int8)


def load_all_snapshot_stages(
    database: Database, run: StoredRun
) -> npt.NDArray[np.int8]:
    """int8 ``(snapshots, customers)``: every customer's stage at every snapshot of ``run``."""
    result = np.full((run.n_snapshots, len(run.customer_ids)), -1, dtype=np.int8)
    with database.read() as connection:
        for day, blob in connection.execute(
            text("SELECT day, stages FROM snapshots WHERE run_id = :r"),
            {"r": run.run_id},
        ):
            result[int(np.searchsorted(run.snapshot_days, day))] = np.frombuffer(
                blob, np.int8
            )
    result.setflags(write=False)
    return result


def load_snapshot_customers(
    database: Database, snapshot_day: int, stage_key: str, run: StoredRun | None = None
) -> npt.NDArray[np.int64]:
    """``customers.id`` of the customers in ``stage_key`` at snapshot ``snapshot_day``.

    Parameters
    ----------
    database
        The open database.
    snapshot_day
        A snapshot's day number.
    stage_key
        A stage key of the stored model.
    run
        The stored run, when already loaded (saves one query).

    Raises
    ------
    KeyError
        Unknown snapshot day or stage key, or no stored classification.
    """
    run = run if run is not None else load_latest_run(database)
    if run is None:
        raise KeyError(snapshot_day)
    stage = run.model.index(stage_key)
    stages = load_snapshot_stages(database, run.run_id, snapshot_day)
    result: npt.NDArray[np.int64] = run.customer_ids[np.flatnonzero(stages == stage)]
    return result
