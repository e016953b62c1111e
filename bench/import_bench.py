"""Import benchmark: raw calamine read versus end-to-end ``clmdesk import``.

Usage::

    uv run python bench/import_bench.py            # 100k and 1M lines
    uv run python bench/import_bench.py --rows 100000

For each size it generates (once, cached under ``bench/out/``) a 7-column
orders workbook with a fixed seed, then runs each step in a fresh process
and reports wall time, rows/s and peak memory (``ru_maxrss`` of that
process):

1. ``raw``: python-calamine loads the sheet and iterates every row;
2. ``import``: ``clmdesk import FILE --db EMPTY.sqlite3 --no-classify``.

Targets (issue 3): end-to-end at most 1.5x the raw read, peak memory under
1 GB at 1,000,000 lines.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

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


def _child(step: str, path: Path, db: Path | None) -> None:
    started = time.perf_counter()
    if step == "raw":
        raw_read(path)
        code = 0
    else:
        from clmdesk.__main__ import main

        assert db is not None
        try:
            code = main(["import", str(path), "--db", str(db), "--no-classify"])
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_mb": peak_kb / 1024, "exit": code}))


def run_step(step: str, path: Path, db: Path | None = None) -> dict[str, float]:
    """Run one step in a fresh interpreter and return its JSON report."""
    command = [sys.executable, __file__, "--child", step, str(path)]
    if db is not None:
        command.append(str(db))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{step} failed:\n{done.stdout}\n{done.stderr}")
    report: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def bench(rows: int) -> None:
    """Generate if needed, then time the raw read and the end-to-end import."""
    path = workbook_path(rows)
    if not path.is_file():
        started = time.perf_counter()
        generate(rows, path)
        print(f"generated {path.name} in {time.perf_counter() - started:.0f} s")
    raw = run_step("raw", path)
    db = OUT / f"bench_{rows}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    imported = run_step("import", path, db)
    ratio = imported["seconds"] / raw["seconds"]
    print(
        f"{rows:>9,} lines | raw read {raw['seconds']:6.2f} s, {rows / raw['seconds']:>9,.0f} rows/s, "
        f"peak {raw['peak_mb']:5.0f} MB | import {imported['seconds']:6.2f} s, "
        f"{rows / imported['seconds']:>9,.0f} rows/s, peak {imported['peak_mb']:5.0f} MB | "
        f"ratio {ratio:.2f}x (target <= 1.5x)"
    )


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, path, *rest = args.child
        _child(step, Path(path), Path(rest[0]) if rest else None)
        return
    for rows in args.rows or [100_000, 1_000_000]:
        if args.generate_only:
            if not workbook_path(rows).is_file():
                generate(rows, workbook_path(rows))
            continue
        bench(rows)


if __name__ == "__main__":
    main()
