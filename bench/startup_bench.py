"""Cold start: process start to the main window shown, in a fresh process.

Prints the median of several runs on an empty database and on the demo
(when it exists). Run: ``uv run python bench/startup_bench.py``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

PROBE = r"""
import sys, time
from PySide6.QtCore import QTimer
from clmdesk.cli import build_parser
from clmdesk.app import create_application
from clmdesk.settings.preferences import load_preferences
from clmdesk.ui.main_window import MainWindow
args = build_parser().parse_args(sys.argv[1:])
app = create_application("en")
window = MainWindow(load_preferences(), "en")
window.show()
window.open_database(args.db)
def shown():
    print("SHOWN", time.time())
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def one_run(database: str) -> float:
    started = time.time()
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--db", database],
        capture_output=True,
        text=True,
        check=True,
        env=dict(
            os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen")
        ),
    )
    shown = next(
        float(line.split()[1])
        for line in result.stdout.splitlines()
        if line.startswith("SHOWN")
    )
    return shown - started


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        database = os.path.join(folder, "empty.sqlite3")
        one_run(
            database
        )  # creates and migrates the file; not a cold start of an existing database
        times = [one_run(database) for _ in range(5)]
    print(
        f"cold start, empty database: median {statistics.median(times) * 1000:.0f} ms (runs: {', '.join(f'{t * 1000:.0f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
