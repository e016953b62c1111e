"""Import benchmark: raw calamine read versus end-to-end ``clmdesk import``.

Usage::

    uv run python bench/import_bench.py            # 100k and 1M lines
    uv run python bench/import_bench.py --rows 100000

For each size it generates (once, cached under ``bench/out/``) a 7-column
orders workbook with a fixed seed, then runs each step as a fresh process
and reports its wall time (interpreter start-up included), rows/s and peak
memory (``ru_maxrss`` of that process, from ``wait4``):

1. ``raw``: python-calamine loads the sheet and iterates every row;
2. ``import``: ``python -m clmdesk import FILE --db EMPTY.sqlite3 --no-classify``;
3. with ``--later``: a month's sales (1,000 lines for customers already
   there, a CSV) imported into the database step 2 filled, as a shop owner's
   next import would be.

``--stages`` then times each step of the import in one process (open,
read, plan, convert, write); ``--overlap`` times a read and a write (of a
conversion made beforehand) one after the other, then side by side on two
threads, which bounds what a streamed read-convert-write pipeline could
gain on this machine.

Targets (issue 3): end-to-end at most 1.5x the raw read, peak memory under
1 GB at 1,000,000 lines.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "out"
HEADER = (
    "Pedido",
    "Data da venda",
    "Código do cliente",
    "Cliente",
    "Quantidade",
    "Preço unitário",
    "Valor total (R$)",
)
SEED = 20_240_601


def workbook_path(rows: int) -> Path:
    """The cached generated workbook of ``rows`` lines."""
    return OUT / f"orders_{rows}.xlsx"


def generate(rows: int, path: Path) -> None:
    """Write a line-item orders workbook of ``rows`` lines with a fixed seed.

    About 3 lines per order, 1 customer per 10 lines, 0.5 % anonymous
    lines, 2 % returns (negative quantities), customer ids stored as numbers
    like real ERP exports.
    """
    from openpyxl import Workbook

    rng = random.Random(SEED + rows)
    customers = max(1, rows // 10)
    start = datetime(2018, 1, 1, 8, 0)
    span_minutes = 6 * 365 * 24 * 60
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Vendas")
    sheet.append(HEADER)
    written = 0
    order = 100_000
    while written < rows:
        order += 1
        customer = rng.randrange(customers) + 10_000
        name = f"Cliente {customer}"
        anonymous = rng.random() < 0.005
        moment = start + timedelta(minutes=rng.randrange(span_minutes))
        sign = -1 if rng.random() < 0.02 else 1
        for _ in range(min(rng.randint(1, 5), rows - written)):
            quantity = sign * rng.randint(1, 12)
            price = rng.randrange(50, 20_000) / 100
            sheet.append(
                (
                    order,
                    moment,
                    None if anonymous else customer,
                    None if anonymous else name,
                    quantity,
                    price,
                    round(quantity * price, 2),
                )
            )
            written += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.xlsx")
    workbook.save(partial)
    os.replace(partial, path)


def generate_month(rows: int, path: Path, lines: int = 1_000) -> None:
    """Write a CSV of ``lines`` new lines for customers of the ``rows``-line workbook."""
    import csv

    rng = random.Random(SEED - rows)
    customers = max(1, rows // 10)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        customer = 0
        for line in range(lines):
            if line % 3 == 0:  # three lines per order
                customer = rng.randrange(customers) + 10_000
            quantity = rng.randint(1, 12)
            price = rng.randrange(50, 20_000) / 100
            writer.writerow(
                (
                    900_000_000 + line // 3,
                    f"{1 + line // 3 % 28:02d}/01/2024 10:00",
                    customer,
                    f"Cliente {customer}",
                    quantity,
                    f"{price:.2f}".replace(".", ","),
                    f"{quantity * price:.2f}".replace(".", ","),
                )
            )


def raw_read(path: Path) -> int:
    """Read every cell with python-calamine, as a reader would; return the row count."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    count = 0
    for name in workbook.sheet_names:
        for _row in workbook.get_sheet_by_name(name).iter_rows():
            count += 1
    workbook.close()
    return count


def _raw_child(path: Path) -> None:
    raw_read(path)


def stages(path: Path, db: Path) -> None:
    """Import ``path`` in this process and print each step's wall and CPU seconds.

    The steps of :func:`clmdesk.services.importing.import_files`, one after
    the other: open (and create) the database, read, plan, convert, write.
    """
    import gc
    from datetime import date

    from clmdesk.core.importing.plan import plan_workbook
    from clmdesk.fileio.readers import read_file
    from clmdesk.services import importing
    from clmdesk.storage.database import open_database

    gc.disable()  # as the import service does
    marks = [(time.perf_counter(), time.process_time())]

    def mark(step: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        print(
            f"  {step:<10} wall {wall - marks[-1][0]:6.2f} s   cpu {cpu - marks[-1][1]:6.2f} s"
        )
        marks.append((wall, cpu))

    database = open_database(db)
    mark("open db")
    options = importing.import_options(database)
    workbook = read_file(path, options)
    mark("read")
    plan = plan_workbook(workbook, options)
    mark("plan")
    converted = importing._Converted()
    converted.add(plan, date.today(), lambda: False)
    del workbook, plan
    mark("convert")
    _write(database, converted)
    mark("write")
    database.close()


def _write(database: Any, converted: Any) -> None:
    """The import's write of ``converted`` (the service's own step), no mapping remembered."""
    from clmdesk.services import importing

    importing._store(
        database,
        converted,
        remember=False,
        progress=lambda d, t: None,
        is_cancelled=lambda: False,
    )


def overlap(path: Path, db: Path, concurrent: bool) -> None:
    """Time a read and a write of ``path``, one after the other or side by side.

    The write stores a conversion made beforehand, so nothing ties the two:
    side by side is the most a streamed read-convert-write pipeline could
    overlap.  Prints the wall time of each and of both.
    """
    import gc
    import threading
    from datetime import date

    from clmdesk.core.importing.plan import plan_workbook
    from clmdesk.fileio.readers import read_file
    from clmdesk.services import importing
    from clmdesk.storage.database import open_database

    gc.disable()
    database = open_database(db)
    options = importing.import_options(database)
    workbook = read_file(path, options)
    plan = plan_workbook(workbook, options)
    converted = importing._Converted()
    converted.add(plan, date.today(), lambda: False)
    del workbook, plan
    timings: dict[str, float] = {}

    def write() -> None:
        started = time.perf_counter()
        _write(database, converted)
        timings["write"] = time.perf_counter() - started

    def read() -> None:
        started = time.perf_counter()
        read_file(path, options)
        timings["read"] = time.perf_counter() - started

    started = time.perf_counter()
    if concurrent:
        writer = threading.Thread(target=write)
        writer.start()
        read()
        writer.join()
    else:
        read()
        write()
    both = time.perf_counter() - started
    database.close()
    label = "side by side" if concurrent else "one after the other"
    print(
        f"  {label:<20} read {timings['read']:6.2f} s, write {timings['write']:6.2f} s,"
        f" both {both:6.2f} s"
    )


def _new_database(path: Path) -> Path:
    """``path`` with no database there (nor its WAL files): the import creates one."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _environment() -> dict[str, str]:
    """Child environment: keep compiled modules (under ``bench/out``), as an installed app does.

    Some shells set ``PYTHONDONTWRITEBYTECODE``, which makes every start
    recompile SQLAlchemy, Alembic and numpy (seconds on this machine).
    """
    env = dict(os.environ, CLMDESK_LANG="en")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


def _warm_up() -> None:
    """Compile every module the import uses once, with a tiny import into a scratch database."""
    sample = OUT / "warm_up.csv"
    sample.write_text("Cliente;Data;Valor\n1;02/01/2024;10,00\n", encoding="utf-8")
    db = _new_database(OUT / "warm_up.sqlite3")
    command = [sys.executable, "-m", "clmdesk", "import", str(sample), "--db", str(db)]
    subprocess.run(command, check=True, capture_output=True, env=_environment())
    subprocess.run(
        [sys.executable, __file__, "--raw", str(sample)],
        check=False,
        capture_output=True,
        env=_environment(),
    )


def run_step(command: list[str]) -> dict[str, float]:
    """Run ``command`` as a fresh process; return its wall time and peak memory (MB)."""
    log = OUT / "step.log"
    with open(log, "w", encoding="utf-8") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=_environment()
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"{' '.join(command)} failed:\n{log.read_text(encoding='utf-8')}"
        )
    return {"seconds": elapsed, "peak_mb": usage.ru_maxrss / 1024}


def bench(rows: int, *, later: bool = False) -> None:
    """Generate if needed, then time the raw read and the end-to-end import."""
    path = workbook_path(rows)
    if not path.is_file():
        started = time.perf_counter()
        generate(rows, path)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s")
    raw = run_step([sys.executable, __file__, "--raw", str(path)])
    db = _new_database(OUT / f"bench_{rows}.sqlite3")
    imported = run_step(
        [
            sys.executable,
            "-m",
            "clmdesk",
            "import",
            str(path),
            "--db",
            str(db),
            "--no-classify",
        ]
    )
    ratio = imported["seconds"] / raw["seconds"]
    print(
        f"{rows:>9,} lines | raw read {raw['seconds']:6.2f} s, {rows / raw['seconds']:>9,.0f} rows/s, "
        f"peak {raw['peak_mb']:5.0f} MB | import {imported['seconds']:6.2f} s, "
        f"{rows / imported['seconds']:>9,.0f} rows/s, peak {imported['peak_mb']:5.0f} MB | "
        f"ratio {ratio:.2f}x (target <= 1.5x)"
    )
    if later:
        month = OUT / f"month_after_{rows}.csv"
        generate_month(rows, month)
        command = [sys.executable, "-m", "clmdesk", "import", str(month)]
        step = run_step([*command, "--db", str(db), "--no-classify"])
        print(
            f"{'':>9} then a month's 1,000 lines into it: {step['seconds']:5.2f} s, "
            f"peak {step['peak_mb']:5.0f} MB"
        )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--raw", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also time each step of the import in-process",
    )
    parser.add_argument(
        "--later",
        action="store_true",
        help="then time a month's 1,000 lines imported into the filled database",
    )
    parser.add_argument(
        "--overlap",
        action="store_true",
        help="also time a read and a write one after the other, then side by side",
    )
    parser.add_argument(
        "--stages-of", nargs=2, metavar=("FILE", "DB"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--overlap-of", nargs=3, metavar=("FILE", "DB", "MODE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.raw:
        raw_read(Path(args.raw))
        return
    if args.stages_of:
        stages(Path(args.stages_of[0]), Path(args.stages_of[1]))
        return
    if args.overlap_of:
        file, db, mode = args.overlap_of
        overlap(Path(file), Path(db), concurrent=mode == "concurrent")
        return
    if not args.generate_only:
        OUT.mkdir(parents=True, exist_ok=True)
        _warm_up()
    for rows in args.rows or [100_000, 1_000_000]:
        if args.generate_only:
            if not workbook_path(rows).is_file():
                generate(rows, workbook_path(rows))
            continue
        bench(rows, later=args.later)
        if args.stages:
            _in_fresh_process(rows, "--stages-of")
        if args.overlap:
            for mode in ("sequential", "concurrent", "sequential", "concurrent"):
                _in_fresh_process(rows, "--overlap-of", mode)


def _in_fresh_process(rows: int, option: str, *more: str) -> None:
    """Run this script with ``option FILE DB *more`` on the workbook of ``rows``, into a new database."""
    db = _new_database(OUT / f"{option.strip('-')}_{rows}.sqlite3")
    command = [
        sys.executable,
        __file__,
        option,
        str(workbook_path(rows)),
        str(db),
        *more,
    ]
    subprocess.run(command, check=True, env=_environment())


if __name__ == "__main__":
    main()
