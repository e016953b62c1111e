"""Reading benchmark: ``read_file`` versus python-calamine's raw read.

Usage::

    uv run python bench/read_bench.py                      # 100k and 1M lines, 3 runs
    uv run python bench/read_bench.py --rows 100000 --runs 5
    uv run python bench/read_bench.py --file some.xlsx

Each run is a fresh process that times only the read itself (wall and CPU
seconds, interpreter start-up excluded) and reports the process's peak
memory (``ru_maxrss``); the best wall time stands for a quiet machine.  A
probe thread, standing in for the window's
thread, wakes every 5 ms and records how late it got the GIL back: the
worst delay is the longest the window would have frozen.  The cyclic
garbage collector is paused, as the import service pauses it (its first
pass over a million new rows would otherwise hold the GIL for a few hundred
milliseconds, whoever triggers it).  Figures are medians over the runs (the
machine is shared: repeat).

Steps:

1. ``raw``: ``CalamineWorkbook.from_path`` + ``iter_rows()`` on every sheet;
2. ``read``: :func:`clmdesk.fileio.readers.read_file` (checks, digest,
   parse, empty rows dropped).

The workbooks are the ones ``bench/import_bench.py --generate-only`` makes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _probe(stop: threading.Event, delays: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        time.sleep(0.005)
        delays.append(time.perf_counter() - started - 0.005)


def _child(step: str, path: str) -> None:
    gc.disable()
    stop = threading.Event()
    delays: list[float] = []
    if step == "raw":
        from python_calamine import CalamineWorkbook
    else:
        from clmdesk.fileio.readers import read_file
    probe = threading.Thread(target=_probe, args=(stop, delays), daemon=True)
    probe.start()
    wall, cpu = time.perf_counter(), time.process_time()
    if step == "raw":
        workbook = CalamineWorkbook.from_path(path)
        rows = 0
        for name in workbook.sheet_names:
            for _row in workbook.get_sheet_by_name(name).iter_rows():
                rows += 1
        workbook.close()
    else:
        result = read_file(path)
        rows = sum(len(sheet.rows) for sheet in result.sheets)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    stop.set()
    probe.join()
    print(
        json.dumps(
            {"wall": wall, "cpu": cpu, "rows": rows, "gil_ms": max(delays) * 1000}
        )
    )


def _run(step: str, path: Path) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", step, str(path)],
        stdout=subprocess.PIPE,
        env=env,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{step} {path} failed")
    figures: dict[str, float] = json.loads(output)
    figures["peak_mb"] = usage.ru_maxrss / 1024
    return figures


def bench(path: Path, runs: int) -> None:
    """Run both steps ``runs`` times, alternating, and print the medians."""
    results: dict[str, list[dict[str, float]]] = {"raw": [], "read": []}
    for _ in range(runs):
        for step in results:
            results[step].append(_run(step, path))
    for step, figures in results.items():
        median = {
            key: statistics.median(run[key] for run in figures) for key in figures[0]
        }
        walls = " ".join(f"{run['wall']:.2f}" for run in figures)
        best = min(run["wall"] for run in figures)
        print(
            f"{path.name:<24} {step:<5} wall {median['wall']:6.2f} s (best {best:.2f})  "
            f"cpu {median['cpu']:6.2f} s  peak {median['peak_mb']:5.0f} MB  "
            f"worst GIL wait {median['gil_ms']:5.0f} ms  rows {median['rows']:,.0f}  "
            f"(walls {walls}; load {os.getloadavg()[0]:.1f})"
        )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--file", type=Path, action="append")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("STEP", "FILE"))
    arguments = parser.parse_args()
    if arguments.child:
        _child(*arguments.child)
        return
    paths = list(arguments.file or [])
    if not paths:
        paths = [OUT / f"orders_{rows}.xlsx" for rows in arguments.rows or []]
    if not paths:
        paths = [OUT / "orders_100000.xlsx", OUT / "orders_1000000.xlsx"]
    for path in paths:
        if not path.is_file():
            raise SystemExit(
                f"{path} is missing: uv run python bench/import_bench.py --generate-only"
            )
        bench(path, arguments.runs)


if __name__ == "__main__":
    main()
