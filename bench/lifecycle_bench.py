"""Lifecycle engine benchmark: history, ``clmdesk classify``, one as-of date, movements.

Usage::

    uv run python bench/lifecycle_bench.py                 # 100k customers, 1M orders
    uv run python bench/lifecycle_bench.py --customers 10000 --orders 100000

Generates once, with a fixed seed, a database (cached under ``bench/out/``)
of customers (half with a registration date) and orders spread over 84
months (skewed purchase counts, about 3 % returns), then runs each step in
a fresh process and reports its time and peak memory (``ru_maxrss``):

1. ``history``: the engine's whole monthly history (inputs already loaded);
2. ``classify``: ``clmdesk classify --db FILE`` end to end (process start,
   load, automatic C, history, store), with compiled modules as installed
   (``classify_cold``: recompiling every module, as with
   ``PYTHONDONTWRITEBYTECODE=1``); ``start_only`` is the share of the
   process start and imports. ``classify`` follows whatever the database
   held, ``classify_again`` reruns it over unchanged data (few stored rows
   change), ``classify_changed`` follows a new order dated after L (every
   customer's recency moves: the whole stage table is rewritten);
3. ``as_of``: one as-of date (measures and stages of every customer);
4. ``movements``: movements between two stored months, loading both stage
   arrays from the database;
5. ``load``: loading the engine's inputs from the database (for reference).

Targets (issue 4): history < 0.5 s; classify < 3 s; as-of < 100 ms;
movements < 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
SEED = 20_240_404
MONTHS = 84
START_DAY = 16_071  # 2014-01-01


def database_path(customers: int, orders: int) -> Path:
    """The cached generated database."""
    return OUT / f"lifecycle_{customers}_{orders}.sqlite3"


def generate(customers: int, orders: int, path: Path) -> None:
    """Write a business of ``customers`` and ``orders`` into a new database at ``path``."""
    import numpy as np

    from clmdesk.storage.bulk import bulk_insert
    from clmdesk.storage.database import open_database

    rng = np.random.default_rng(SEED)
    span = int(MONTHS * 30.44)
    # Each customer arrives at some day and buys at a personal rate.
    arrival = rng.integers(0, span, customers)
    weight = rng.pareto(1.5, customers) + 0.2
    buyer = rng.choice(customers, size=orders, p=weight / weight.sum())
    offset = (rng.exponential(1.0, orders) * (span - arrival[buyer]) / 3).astype(
        np.int64
    )
    day = START_DAY + np.minimum(arrival[buyer] + offset, span - 1)
    cents = np.round(rng.lognormal(8.5, 0.9, orders)).astype(np.int64)
    returns = rng.random(orders) < 0.03
    cents[returns] = -cents[returns] // 2
    registered = np.where(rng.random(customers) < 0.5, START_DAY + arrival, -1)

    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    database = open_database(tmp)
    try:
        with database.write() as connection:
            bulk_insert(
                connection,
                "customers",
                ("id", "key", "registered_day"),
                (
                    (i + 1, f"C{i:07d}", None if r < 0 else int(r))
                    for i, r in enumerate(registered.tolist())
                ),
            )
            bulk_insert(
                connection,
                "orders",
                ("customer_id", "order_ref", "day", "amount_cents", "line_count"),
                (
                    (c + 1, None, d, a, 1)
                    for c, d, a in zip(
                        buyer.tolist(), day.tolist(), cents.tolist(), strict=True
                    )
                ),
            )
    finally:
        database.close()
    for suffix in ("-wal", "-shm"):
        Path(str(tmp) + suffix).unlink(missing_ok=True)
    tmp.rename(path)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step(name: str, db: Path) -> dict[str, float]:
    """Run one step in this (fresh) process and return its figures."""
    from clmdesk.core.lifecycle import (
        classify_at,
        compute_history,
        default_model,
        estimate_cycle,
        movements_between,
    )
    from clmdesk.storage.database import open_database
    from clmdesk.storage.history import (
        load_inputs,
        load_latest_run,
        load_snapshot_stages,
    )

    database = open_database(db)
    try:
        figures: dict[str, float] = {}
        if name == "load":
            start = time.perf_counter()
            loaded = load_inputs(database, with_funnel=False, with_keys=False)
            figures["seconds"] = time.perf_counter() - start
            start = time.perf_counter()
            load_inputs(database)
            figures["with_keys_and_funnel"] = time.perf_counter() - start
            figures["orders"] = loaded.engine.n_orders
        elif name == "history":
            loaded = load_inputs(database, with_funnel=False, with_keys=False)
            cycle = estimate_cycle(loaded.engine)
            start = time.perf_counter()
            history = compute_history(loaded.engine, default_model(), cycle.days)
            figures["seconds"] = time.perf_counter() - start
            start = time.perf_counter()
            estimate_cycle(loaded.engine)
            figures["cycle_seconds"] = time.perf_counter() - start
            figures["snapshots"] = history.n_snapshots
        elif name == "as_of":
            loaded = load_inputs(database, with_funnel=False)
            span = loaded.engine.span
            assert span is not None
            day = (span[0] + span[1]) // 2
            classify_at(loaded.engine, default_model(), 60, day)  # warm numpy up
            start = time.perf_counter()
            classify_at(loaded.engine, default_model(), 60, day + 1)
            figures["seconds"] = time.perf_counter() - start
        elif name == "movements":
            start = time.perf_counter()
            run = load_latest_run(database)
            assert run is not None
            assert run.n_snapshots >= 13
            a = load_snapshot_stages(database, run.run_id, int(run.snapshot_days[-13]))
            b = load_snapshot_stages(database, run.run_id, int(run.snapshot_days[-1]))
            moves = movements_between(a, b, len(run.model.stages))
            moves.customers(1 + run.model.index("loyal"), run.model.index("at_risk"))
            figures["seconds"] = time.perf_counter() - start
            figures["customers"] = int(moves.matrix.sum())
        else:
            raise ValueError(name)
        figures["peak_mb"] = _peak_mb()
        return figures
    finally:
        database.close()


def _run_child(*argv: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, *argv], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _child_environment(compiled: bool) -> dict[str, str]:
    """Environment of the ``clmdesk classify`` process.

    ``compiled``: let Python keep compiled modules (under ``bench/out``), as
    an installed app does; some shells set ``PYTHONDONTWRITEBYTECODE``,
    which makes every start recompile SQLAlchemy and numpy (seconds).
    """
    env = dict(os.environ, CLMDESK_LANG="en")
    if compiled:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


def _toggle_extra_order(db: Path, present: bool) -> None:
    """Add (or remove) one order the day after L, so that L and every recency move."""
    import sqlite3

    connection = sqlite3.connect(db)
    try:
        with connection:
            connection.execute("DELETE FROM orders WHERE order_ref = 'bench-extra'")
            if present:
                connection.execute(
                    "INSERT INTO orders (customer_id, order_ref, day, amount_cents, line_count)"
                    " SELECT 1, 'bench-extra', MAX(day) + 1, 100, 1 FROM orders"
                )
    finally:
        connection.close()


def _classify_after_change(db: Path) -> dict[str, float]:
    """``clmdesk classify`` right after the data changed: every stored row is rewritten."""
    _toggle_extra_order(db, True)
    try:
        return _classify(db)
    finally:
        _toggle_extra_order(db, False)
        _classify(db)  # leave the stored history matching the data again


def _classify(db: Path, compiled: bool = True) -> dict[str, float]:
    command = [sys.executable, "-m", "clmdesk", "classify", "--db", str(db)]
    env = _child_environment(compiled)
    if compiled:
        # Compile the modules once, without touching the data.
        subprocess.run(
            [sys.executable, "-c", _START], check=True, capture_output=True, env=env
        )
    result = {}
    for label, argv in (
        ("seconds", command),
        ("start_only", [sys.executable, "-c", _START]),
    ):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        result[label] = time.perf_counter() - start
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


# What ``clmdesk classify`` imports before touching the data: the process
# start-up share of the end-to-end time.
_START = (
    "import clmdesk.cli, clmdesk.commands.classify, clmdesk.storage.database, "
    "clmdesk.settings.paths"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(step(args.step, Path(args.db))))
        return

    OUT.mkdir(exist_ok=True)
    db = database_path(args.customers, args.orders)
    if not db.exists():
        print(f"generating {db.name} …", flush=True)
        start = time.perf_counter()
        generate(args.customers, args.orders, db)
        print(f"  generated in {time.perf_counter() - start:.1f} s", flush=True)
    print(f"{args.customers:,} customers, {args.orders:,} orders, {MONTHS} months")
    targets = {
        "history": 0.5,
        "classify": 3.0,
        "classify_again": 3.0,
        "classify_changed": 3.0,
        "classify_cold": None,
        "as_of": 0.1,
        "movements": 0.2,
        "load": None,
    }
    # Also stores the history that the movements step reads.
    results = {
        "classify": _classify(db),
        "classify_again": _classify(db),
        "classify_changed": _classify_after_change(db),
        "classify_cold": _classify(db, compiled=False),
    }
    for name in ("history", "as_of", "movements", "load"):
        results[name] = _run_child("--step", name, "--db", str(db))
    order = (
        "history",
        "classify",
        "classify_again",
        "classify_changed",
        "classify_cold",
    )
    for name in (*order, "as_of", "movements", "load"):
        figures = results[name]
        target = targets[name]
        verdict = (
            "" if target is None else ("ok" if figures["seconds"] < target else "SLOW")
        )
        extra = ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
            for k, v in figures.items()
            if k not in ("seconds", "peak_mb")
        )
        limit = f"(target < {target} s)" if target is not None else ""
        print(
            f"{name:<10} {figures['seconds']:7.3f} s  {limit:<18} {verdict:<4}"
            f" peak {figures['peak_mb']:6.0f} MB  {extra}"
        )


if __name__ == "__main__":
    main()
