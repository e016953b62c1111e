"""Import wizard benchmark: peak memory and time of each step, as the wizard runs them.

Usage::

    uv run python bench/wizard_memory_bench.py --rows 1000000
    uv run python bench/wizard_memory_bench.py --rows 100000 --back
    uv run python bench/wizard_memory_bench.py --rows 100000 --trace

Each size runs in a fresh child process, into a throwaway SQLite database,
on the cached workbook of ``bench/import_bench.py`` (generated if missing).
The child makes the calls of :mod:`clmdesk.ui.import_wizard` in the order
its pages make them, on one worker thread as the wizard's task runner does,
and holds between steps what the wizard holds:

1. ``plan``: ``backend.plan_files`` (sheets page); the wizard keeps the plans;
2. ``dry run``: ``backend.dry_run`` (summary page), handed the plans and
   their rows; the wizard keeps ``first_rows`` of the plans and the
   prepared import;
3. with ``--back``: Back to the sheets page (the prepared import stays), the
   order column unmapped: ``read again`` (``backend.read_again``, which lets
   the prepared import go) and ``refine edit`` (``backend.refine_sheets``),
   then ``dry run again``;
4. ``import``: ``backend.run_import`` with the prepared import handed over
   (import page), recorded as the page records it;
5. ``after``: what is still alive once the import is done.

For each step it prints the wall time, the resident memory at its end and
the peak during it (``VmHWM``, reset before each step through
``/proc/self/clear_refs``; the resets also lower ``ru_maxrss``, so the run's
peak is the largest step peak, printed last).  Resident memory hardly drops
when objects are freed (the allocators keep the pages for what comes
next): read what a step frees from the next step's peak.  ``--trace`` adds
the largest live allocations by line at the end of each step (tracemalloc:
several times slower, and its own bookkeeping inflates the resident figures;
use 100,000 lines).

Target (issue 3): peak under 1 GB at 1,000,000 lines.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_bench


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    # Linux: "5" resets VmHWM to the current resident size.
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass


class _Steps:
    """Times and measures the steps of one run, printing a line per step."""

    def __init__(self, trace: bool) -> None:
        self.trace = trace
        self.started = time.perf_counter()
        self.last = self.started
        self.peak = 0.0
        if trace:
            import tracemalloc

            tracemalloc.start(1)
        _reset_peak()

    def mark(self, step: str) -> None:
        now = time.perf_counter()
        rss = _status_kb("VmRSS") / 1024
        step_peak = (
            max(_status_kb("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
            / 1024
        )
        self.peak = max(self.peak, step_peak)
        print(
            f"  {step:<14} {now - self.last:7.2f} s   rss {rss:6.0f} MB   "
            f"step peak {step_peak:6.0f} MB",
            flush=True,
        )
        if self.trace:
            self._top()
        self.last = time.perf_counter()
        _reset_peak()

    @staticmethod
    def _top() -> None:
        import tracemalloc

        current, peak = tracemalloc.get_traced_memory()
        print(
            f"      traced: now {current / 2**20:6.0f} MB, peak {peak / 2**20:6.0f} MB"
        )
        tracemalloc.reset_peak()
        snapshot = tracemalloc.take_snapshot()
        for stat in snapshot.statistics("lineno")[:8]:
            frame = stat.traceback[0]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            print(
                f"      {stat.size / 2**20:7.1f} MB {stat.count:>10,} blocks  {where}"
            )


class _Task:
    """The wizard's task runner, reduced to what memory depends on.

    One worker thread, a task at a time; ``progress`` and ``is_cancelled``
    passed as keywords.
    """

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="clmdesk-task"
        )

    def run(self, fn: Any, *args: Any) -> Any:
        future = self._executor.submit(
            fn, *args, progress=lambda done, total: None, is_cancelled=lambda: False
        )
        return future.result()

    def close(self) -> None:
        self._executor.shutdown()


def child(path: Path, db: Path, *, back: bool, trace: bool) -> None:
    """Run the wizard's steps on ``path`` into the new database ``db``."""
    steps = _Steps(trace)
    from dataclasses import replace

    from clmdesk.core.importing import Field
    from clmdesk.services.importing import first_rows, rows_released
    from clmdesk.storage.database import open_database
    from clmdesk.ui.import_wizard import backend

    database = open_database(db)
    task = _Task()
    steps.mark("start")

    # Sheets page: plan the files; the wizard keeps the plans (and, through
    # them, what the mapping page shows and refines).
    planned = task.run(backend.plan_files, database, [str(path)], "en")
    plans = list(planned.plans)
    del planned
    steps.mark("plan")

    def dry_run(plans: list[Any], previous: Any) -> tuple[list[Any], Any]:
        # Summary page: the dry run takes the raw rows over; the wizard keeps
        # their first rows, and the prepared import for the import.
        handed = tuple(plans)
        plans = list(first_rows(handed))
        prepared = task.run(backend.dry_run, database, handed, previous)
        return plans, prepared

    plans, prepared = dry_run(plans, None)
    summary = prepared.summary
    steps.mark("dry run")

    if back:
        # Back: the prepared import stays; the order column is unmapped on
        # the sheets page, which reads the file again (letting the prepared
        # import go first), refines the edit, then the dry run runs again.
        sheet = plans[0].sheets[0]
        order = sheet.mapping.get(Field.ORDER_ID)
        edited = sheet.with_mapping({order: None} if order is not None else {})
        plans[0] = replace(plans[0], sheets=(edited, *plans[0].sheets[1:]))
        if rows_released(plans):
            handed, prepared = prepared, None
            plans = list(task.run(backend.read_again, tuple(plans), handed))
            del handed
        steps.mark("read again")
        request = backend.RefineRequest(
            (plans[0].workbook.path, 0), plans[0].workbook.sheets[0], edited, {}
        )
        ((_, refined),) = task.run(backend.refine_sheets, [request], "en")
        del request
        plans[0] = replace(plans[0], sheets=(refined, *plans[0].sheets[1:]))
        steps.mark("refine edit")
        plans, prepared = dry_run(plans, prepared)
        summary = prepared.summary
        steps.mark("dry run again")

    # Import page: the prepared import is handed to the task (the wizard no
    # longer holds it), and the outcome is recorded as the page records it.
    job = backend.ImportJob()
    handed, prepared = prepared, None
    result = task.run(
        backend.recorded, job, backend.run_import, database, tuple(plans), handed
    )
    del handed
    steps.mark("import")
    counts_equal = result.counts() == summary.counts()
    task.close()
    database.close()
    steps.mark("after")
    print(
        f"  rows read {result.rows_read:,}, imported {result.imported:,}; "
        f"dry run == import: {counts_equal}\n"
        f"  total {time.perf_counter() - steps.started:.1f} s, peak {steps.peak:.0f} MB "
        f"({'under' if steps.peak < 1024 else 'OVER'} the 1 GB target)",
        flush=True,
    )
    if not counts_equal:
        raise SystemExit("the dry run's counts differ from the import's")


def bench(rows: int, *, back: bool, trace: bool) -> None:
    """Generate the workbook if needed, then run the wizard's steps in a fresh process."""
    path = import_bench.workbook_path(rows)
    if not path.is_file():
        started = time.perf_counter()
        import_bench.generate(rows, path)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s")
    with tempfile.TemporaryDirectory(prefix="wizard_bench_") as folder:
        db = Path(folder) / "business.sqlite3"
        command = [sys.executable, __file__, "--child", str(path), str(db)]
        if back:
            command.append("--back")
        if trace:
            command.append("--trace")
        print(
            f"{rows:,} lines{' (with Back and an edit)' if back else ''}:", flush=True
        )
        returned = subprocess.run(command, check=False, env=import_bench._environment())
    if returned.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    print(flush=True)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument(
        "--back",
        action="store_true",
        help="go back and edit a mapping after the dry run",
    )
    parser.add_argument(
        "--trace", action="store_true", help="largest live allocations after each step"
    )
    parser.add_argument(
        "--child", nargs=2, metavar=("FILE", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(
            Path(args.child[0]), Path(args.child[1]), back=args.back, trace=args.trace
        )
        return
    for rows in args.rows or [100_000, 1_000_000]:
        bench(rows, back=args.back, trace=args.trace)


if __name__ == "__main__":
    main()
