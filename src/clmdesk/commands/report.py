"""``clmdesk report --out FILE.pdf|FILE.png|FILE.svg``: the lifecycle report, headless (DOMAIN.md "Headless use").

The report is the one the app prints (File ▸ Print…), rendered offscreen:
the command sets ``QT_QPA_PLATFORM=offscreen`` itself before the
application object exists, so it never opens a window and works without a
display. A wrong extension or a database without a classified history is
refused with one line before Qt is even loaded.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from clmdesk.commands import CommandError
from clmdesk.core.i18n import detect_language, render_message
from clmdesk.core.messages import Message, define
from clmdesk.services.report_data import (
    REPORT_SUFFIXES,
    UNKNOWN_FORMAT,
    WRITE_FAILED,
    ReportDataError,
    load_report_data,
)

if TYPE_CHECKING:
    import argparse

    from clmdesk.storage.database import Database

__all__ = ["run"]

WROTE = define("cli.report.wrote", "Wrote the report to {path}")


def run(args: argparse.Namespace, database: Database) -> int:
    """Write the lifecycle report of ``database`` to ``args.out``; returns the exit code.

    Raises
    ------
    CommandError
        A bad extension, a database without classified history, or a file
        that cannot be written.
    """
    language = detect_language(getattr(args, "lang", None))
    target = Path(args.out).expanduser()
    if target.suffix.lower() not in REPORT_SUFFIXES:
        raise CommandError(Message(UNKNOWN_FORMAT, {"name": target.name}))
    if not target.parent.is_dir():
        raise CommandError(Message(WRITE_FAILED, {"path": str(target)}))
    try:
        data = load_report_data(database)
    except ReportDataError as exc:
        raise CommandError(exc.message) from exc

    # Headless by design: never a window, even with a display available.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    from clmdesk.app import create_application

    application = create_application(language)
    from clmdesk.ui.reporting.output import ReportWriteError, UnknownReportFormatError
    from clmdesk.ui.reports import ReportJob, save_report_as

    try:
        written = save_report_as(ReportJob(data), target)
    except (ReportWriteError, UnknownReportFormatError) as exc:
        raise CommandError(exc.message) from exc
    except OSError as exc:
        raise CommandError(Message(WRITE_FAILED, {"path": str(target)})) from exc
    finally:
        application.processEvents()
    message = Message(WROTE, {"path": str(written)})
    sys.stdout.write(render_message(message, language) + "\n")
    return 0
