"""The window stays responsive while an import runs through the task runner.

A timer on the GUI thread ticks every 5 ms while files are planned and
imported on the runner's worker thread; the longest gap between two ticks
is how long the GUI thread was kept waiting (the GIL included).
"""

from __future__ import annotations

import csv
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, QTimer, Slot

from clmdesk.core.collector import without_collection
from clmdesk.services.importing import (
    _Converted,
    plan_files,
    run_import,
)
from clmdesk.storage.database import open_database
from clmdesk.storage.importing import BatchInfo, import_sheets
from clmdesk.workers.runner import TaskRunner

LIMIT_MS = 50.0
TICK_MS = 5


class _Ticks(QObject):
    """Records the longest interval between timer ticks (GUI thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.last = time.perf_counter()
        self.longest = 0.0
        self.timer.start()

    @Slot()
    def tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, (now - self.last) * 1000)
        self.last = now


def sales_csv(path: Path, lines: int) -> Path:
    rng = random.Random(7)
    start = date(2021, 1, 1)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            ["Pedido", "Data", "Código do cliente", "Quantidade", "Preço unitário"]
        )
        for line in range(lines):
            day = start + timedelta(days=rng.randrange(1000))
            writer.writerow(
                [
                    f"N{line // 3}",
                    day.strftime("%d/%m/%Y"),
                    rng.randrange(5000),
                    rng.randint(1, 9),
                    f"{rng.randrange(100, 50_000) / 100:.2f}".replace(".", ","),
                ]
            )
    return path


def sales_xlsx(path: Path, lines: int) -> Path:
    """The same kind of sales as :func:`sales_csv`, as an Excel workbook (real dates, numbers)."""
    from openpyxl import Workbook

    rng = random.Random(7)
    start = date(2021, 1, 1)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Vendas")
    sheet.append(
        ["Pedido", "Data", "Código do cliente", "Quantidade", "Preço unitário"]
    )
    for line in range(lines):
        sheet.append(
            [
                f"N{line // 3}",
                start + timedelta(days=rng.randrange(1000)),
                rng.randrange(5000),
                rng.randint(1, 9),
                rng.randrange(100, 50_000) / 100,
            ]
        )
    workbook.save(path)
    return path


def run_in_runner(qtbot: Any, runner: TaskRunner, fn: Any, *args: Any) -> Any:
    with qtbot.waitSignal(runner.finished, timeout=300_000) as finished:
        runner.start(fn, *args)
    return finished.args[0]


#: A shared machine may not schedule the GUI thread for a while whatever the
#: import does; a GIL held too long shows in every attempt, such noise does not.
ATTEMPTS = 3


@pytest.mark.slow
def test_writing_an_import_never_blocks_the_gui_thread(
    qtbot: Any, tmp_path: Path
) -> None:
    source = sales_csv(tmp_path / "vendas.csv", 60_000)
    runner = TaskRunner()
    ticks = _Ticks()
    gaps = []
    try:
        plans = plan_files([source])
        converted = _Converted()
        converted.add(plans[0], date.today(), lambda: False)
        batch = BatchInfo("2024-01-01T00:00:00+00:00", tuple(converted.files))
        # Warm up: the first run imports the modules it needs.
        small = plan_files([sales_csv(tmp_path / "s.csv", 10)])
        run_in_runner(
            qtbot, runner, run_import, open_database(tmp_path / "w.sqlite3"), small
        )
        # As run_import does it: automatic garbage collection paused meanwhile.
        write = without_collection(import_sheets)
        for attempt in range(ATTEMPTS):
            database = open_database(tmp_path / f"shop{attempt}.sqlite3")
            try:
                ticks.start()
                outcome = run_in_runner(
                    qtbot, runner, write, database, converted.sheets, batch
                )
                gaps.append(ticks.longest)
            finally:
                ticks.timer.stop()
                database.close()
            assert outcome.lines_imported == 60_000
            if gaps[-1] < LIMIT_MS:
                break
    finally:
        ticks.timer.stop()
        runner.shutdown()
    print(f"longest gaps while writing: {', '.join(f'{g:.0f}' for g in gaps)} ms")
    assert min(gaps) < LIMIT_MS, f"GUI thread blocked {min(gaps):.0f} ms while writing"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_gui_thread_is_never_blocked_during_an_import(
    qtbot: Any, tmp_path: Path, kind: str
) -> None:
    write = sales_csv if kind == "csv" else sales_xlsx
    source = write(tmp_path / f"vendas.{kind}", 60_000)
    runner = TaskRunner()
    ticks = _Ticks()
    gaps: list[tuple[float, float]] = []
    try:
        # Warm up: the first run imports (and may compile) the modules it needs.
        small = run_in_runner(
            qtbot, runner, plan_files, [sales_csv(tmp_path / "s.csv", 10)]
        )
        run_in_runner(
            qtbot,
            runner,
            run_import,
            open_database(tmp_path / "scratch.sqlite3"),
            small,
        )
        for attempt in range(ATTEMPTS):
            database = open_database(tmp_path / f"shop{attempt}.sqlite3")
            try:
                ticks.start()
                plans = run_in_runner(qtbot, runner, plan_files, [source])
                planning = ticks.longest
                ticks.start()
                summary = run_in_runner(qtbot, runner, run_import, database, plans)
                gaps.append((planning, ticks.longest))
            finally:
                ticks.timer.stop()
                database.close()
            assert summary.imported == 60_000
            if max(gaps[-1]) < LIMIT_MS:
                break
    finally:
        ticks.timer.stop()
        runner.shutdown()
    listed = ", ".join(f"planning {p:.0f} ms, importing {i:.0f} ms" for p, i in gaps)
    print(f"longest gaps: {listed}")
    planning, importing = min(gaps, key=max)
    assert planning < LIMIT_MS, f"GUI thread blocked {planning:.0f} ms while planning"
    assert importing < LIMIT_MS, (
        f"GUI thread blocked {importing:.0f} ms while importing"
    )
