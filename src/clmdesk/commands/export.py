"""``clmdesk export stages|history``: machine-readable csv/xlsx of the lifecycle (DOMAIN.md "Headless use")."""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import TYPE_CHECKING

from clmdesk.commands import CommandError
from clmdesk.core.i18n import detect_language, render_message
from clmdesk.core.lifecycle.inputs import day_from_date
from clmdesk.core.messages import Message, define
from clmdesk.fileio.writers import UnknownFormatError, format_from_path
from clmdesk.services.classification import ClassificationError
from clmdesk.services.exports import export_history, export_stages

if TYPE_CHECKING:
    import argparse

    from clmdesk.storage.database import Database

__all__ = ["parse_as_of", "run"]

BAD_DATE = define(
    "cli.export.bad_date",
    "The date “{value}” is not a valid date in the form YYYY-MM-DD.",
)
CANNOT_WRITE = define("cli.export.cannot_write", "Cannot write {path}: {error}")
WROTE = define("cli.export.wrote", "Wrote {rows} rows to {path}")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def parse_as_of(value: str) -> int:
    """Day number of an ISO ``YYYY-MM-DD`` date (``CommandError`` otherwise)."""
    text = value.strip()
    try:
        if not _ISO_DATE.match(text):
            raise ValueError
        return day_from_date(dt.date.fromisoformat(text))
    except ValueError:
        raise CommandError(Message(BAD_DATE, {"value": value})) from None


def run(args: argparse.Namespace, database: Database) -> int:
    """Run ``clmdesk export stages`` or ``clmdesk export history``; returns the exit code."""
    language = detect_language(getattr(args, "lang", None))
    out = args.out
    try:
        format_from_path(out)
        if args.what == "stages":
            table = export_stages(database, parse_as_of(args.as_of), out)
        else:
            table = export_history(database, out)
    except UnknownFormatError as exc:
        raise CommandError(exc.message) from exc
    except ClassificationError as exc:
        raise CommandError(exc.message) from exc
    except OSError as exc:
        raise CommandError(
            Message(CANNOT_WRITE, {"path": str(out), "error": exc.strerror or str(exc)})
        ) from exc
    message = Message(WROTE, {"rows": len(table.rows), "path": str(out)})
    sys.stdout.write(render_message(message, language) + "\n")
    return 0
