"""The ``clmdesk`` command line: opens the window, or runs a headless subcommand.

Subcommands never open a window. They exit non-zero with a one-line,
human-readable error on bad input. Qt is imported only when a window (or an
offscreen rendering) is needed.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import TYPE_CHECKING

from clmdesk import __version__
from clmdesk.core.i18n import detect_language, render_message
from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    from collections.abc import Sequence

    from clmdesk.storage.database import Database

__all__ = ["build_parser", "main"]

NOT_AVAILABLE = define(
    "cli.not_available", "'clmdesk {command}' is not available in this version yet."
)
UNEXPECTED = define("cli.unexpected", "Unexpected error: {error}")
INTERRUPTED = define("cli.interrupted", "Interrupted.")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

HEADLESS_COMMANDS = ("import", "classify", "export", "report")


def _database_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=default,
        help="database file or SQLAlchemy URL (default: $CLMDESK_DB, else the per-user data folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``clmdesk``."""
    parser = argparse.ArgumentParser(
        prog="clmdesk",
        description="Customer lifecycle management for small businesses.",
    )
    parser.add_argument("--version", action="version", version=f"clmdesk {__version__}")
    _database_option(parser, None)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the demo business (created on first use)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="render the main window to a PNG once its data has loaded, then exit",
    )
    parser.add_argument(
        "--lang",
        choices=("en", "pt_BR"),
        help="interface language (default: the system's)",
    )

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Subcommand options default to SUPPRESS so they never hide a top-level --db.
    importer = commands.add_parser(
        "import", help="import spreadsheets, then reclassify"
    )
    importer.add_argument("files", nargs="+", metavar="FILE")
    importer.add_argument(
        "--no-classify", action="store_true", help="do not reclassify after importing"
    )
    _database_option(importer, argparse.SUPPRESS)

    classify = commands.add_parser("classify", help="compute the whole monthly history")
    classify.add_argument(
        "--cycle-days",
        metavar="N|auto",
        help="fix the purchase cycle C in days, or 'auto'",
    )
    _database_option(classify, argparse.SUPPRESS)

    export = commands.add_parser(
        "export", help="export stages or history as csv or xlsx"
    )
    export_kinds = export.add_subparsers(dest="what", metavar="WHAT", required=True)
    stages = export_kinds.add_parser(
        "stages", help="one row per customer existing at a date"
    )
    stages.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
    stages.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    _database_option(stages, argparse.SUPPRESS)
    history = export_kinds.add_parser("history", help="one row per snapshot and stage")
    history.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    _database_option(history, argparse.SUPPRESS)
    _database_option(export, argparse.SUPPRESS)

    report = commands.add_parser(
        "report", help="write the lifecycle report as PDF, PNG or SVG"
    )
    report.add_argument("--out", required=True, metavar="FILE.pdf|FILE.png|FILE.svg")
    _database_option(report, argparse.SUPPRESS)
    return parser


def _say(message: Message, language: str) -> str:
    return render_message(message, language)


def _run_headless(args: argparse.Namespace, language: str) -> int:
    from clmdesk.commands import CommandError

    module_name = "import_" if args.command == "import" else args.command
    try:
        command = importlib.import_module(f"clmdesk.commands.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"clmdesk.commands.{module_name}":
            raise
        print(
            f"clmdesk: {_say(Message(NOT_AVAILABLE, {'command': args.command}), language)}",
            file=sys.stderr,
        )
        return EXIT_USAGE

    # A command may start work that needs no database (reading the files to
    # import) before the database layer is even imported: it runs meanwhile.
    started = command.start(args) if hasattr(command, "start") else None
    database: Database | None = None
    try:
        from clmdesk.settings.paths import resolve_database_target
        from clmdesk.storage.database import DatabaseError, open_database

        try:
            database = open_database(resolve_database_target(args.db))
            if started is None:
                return int(command.run(args, database))
            return int(command.run(args, database, started))
        except (CommandError, DatabaseError) as exc:
            print(
                f"clmdesk {args.command}: {_say(exc.message, language)}",
                file=sys.stderr,
            )
            return EXIT_FAILURE
    except KeyboardInterrupt:
        print(
            f"clmdesk {args.command}: {_say(Message(INTERRUPTED), language)}",
            file=sys.stderr,
        )
        return 130
    finally:
        if started is not None:
            started.close()
        if database is not None:
            database.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``clmdesk`` and ``clmdesk-gui``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    language = detect_language(args.lang)
    if args.command in HEADLESS_COMMANDS:
        return _run_headless(args, language)
    from clmdesk.app import run_app

    return run_app(args, language)
