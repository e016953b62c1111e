"""``clmdesk import FILE [FILE ...] [--db PATH] [--no-classify]``.

Imports spreadsheets with automatic sheet and column detection, then prints
where every row went (read = imported + already imported + anonymous +
rejected), what happened to orders and customers, the rejected rows with
their reasons, and reclassifies unless ``--no-classify``.  A file that
cannot be understood stops everything with a one-line reason (exit 1) and
changes nothing.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, TextIO

from clmdesk.commands import CommandError
from clmdesk.core.i18n import detect_language, render_message
from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    import argparse

    from clmdesk.services.importing import ImportSummary
    from clmdesk.services.read_ahead import ReadAhead
    from clmdesk.storage.database import Database

__all__ = ["run", "start"]

#: Rejected rows and conflicts printed one by one; the rest are counted.
MAX_LISTED = 20

FILES = define(
    "cli.import.files", "Read {rows} rows from {files} file(s), {sheets} sheet(s)."
)
IMPORTED = define("cli.import.imported", "  imported:          {count}")
ALREADY = define("cli.import.already", "  already imported:  {count} (skipped)")
ANONYMOUS = define(
    "cli.import.anonymous", "  anonymous:         {count} (no customer; not stored)"
)
REJECTED = define("cli.import.rejected", "  rejected:          {count}")
SHEET = define(
    "cli.import.sheet",
    "  {file} / {sheet} ({role}): {read} read, {imported} imported, {already} already imported, {anonymous} anonymous, {rejected} rejected",
)
IGNORED = define(
    "cli.import.ignored", "  {file} / {sheet}: ignored (no recognisable data)"
)
ORDERS = define(
    "cli.import.orders",
    "Orders: {new} new ({returns} returns, {zero} zero-value purchases), {updated} existing orders with new lines.",
)
REVENUE = define("cli.import.revenue", "Net amount of the lines imported: {amount}")
CUSTOMERS = define(
    "cli.import.customers",
    "Customers: {new} new, {known} already known; {filled} empty fields filled, {conflicts} conflicting values kept as they were.",
)
NPS = define("cli.import.nps", "NPS answers added: {count}")
CAMPAIGNS = define("cli.import.campaigns", "Campaign rows added: {count}")
REJECTED_HEADER = define("cli.import.rejected_header", "Rejected rows:")
REJECTED_ROW = define(
    "cli.import.rejected_row", "  {file} / {sheet}, row {row}: {reason}"
)
CONFLICT_HEADER = define(
    "cli.import.conflict_header", "Conflicting values (the stored value was kept):"
)
CONFLICT_ROW = define(
    "cli.import.conflict_row",
    "  customer {customer}, {field}: kept “{kept}”, the file says “{offered}” ({file} / {sheet})",
)
MORE = define("cli.import.more", "  … and {count} more")
ROLES = {
    "orders": define("cli.import.role.orders", "orders"),
    "customers": define("cli.import.role.customers", "customers"),
    "nps": define("cli.import.role.nps", "NPS answers"),
    "campaigns": define("cli.import.role.campaigns", "campaigns"),
}
FIELDS = {
    "name": define("cli.import.field.name", "name"),
    "email": define("cli.import.field.email", "e-mail"),
    "phone": define("cli.import.field.phone", "phone"),
    "document": define("cli.import.field.document", "CPF/CNPJ"),
    "city": define("cli.import.field.city", "city"),
    "state": define("cli.import.field.state", "state"),
    "registered_day": define("cli.import.field.registered_day", "registration date"),
    "channel": define("cli.import.field.channel", "channel"),
    "referred_by_key": define("cli.import.field.referred_by_key", "referred by"),
    "nps_score_undated": define("cli.import.field.nps_score_undated", "NPS score"),
}
CLASSIFIED = define("cli.import.classified", "Customer stages recalculated.")
READING = define("cli.import.reading", "Reading the files… {percent}%")
IMPORTING = define("cli.import.importing", "Importing… {percent}%")
CLASSIFYING = define("cli.import.classifying", "Recalculating the customer stages…")
NOT_CLASSIFIED = define(
    "cli.import.not_classified",
    "Customer stages not recalculated (run 'clmdesk classify').",
)
CLASSIFY_FAILED = define(
    "cli.import.classify_failed",
    "The import was saved, but the customer stages could not be recalculated: {reason}",
)


def _number(value: int, language: str) -> str:
    text = f"{value:,}"
    return text.replace(",", ".") if language == "pt_BR" else text


def _money(cents: int, language: str) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    mark = "," if language == "pt_BR" else "."
    return f"{sign}{_number(whole, language)}{mark}{part:02d}"


def summary_lines(summary: ImportSummary, language: str) -> list[str]:
    """The printed report of an import, in ``language``."""

    def say(message_id: str, **params: object) -> str:
        return render_message(Message(message_id, params), language)

    def n(value: int) -> str:
        return _number(value, language)

    lines = [
        say(
            FILES,
            rows=n(summary.rows_read),
            files=n(len(summary.files)),
            sheets=n(len(summary.sheets) + len(summary.ignored_sheets)),
        ),
        say(IMPORTED, count=n(summary.imported)),
        say(ALREADY, count=n(summary.already_imported)),
        say(ANONYMOUS, count=n(summary.anonymous)),
        say(REJECTED, count=n(summary.rejected)),
    ]
    for sheet in summary.sheets:
        lines.append(
            say(
                SHEET,
                file=sheet.file,
                sheet=sheet.sheet,
                role=say(ROLES[sheet.role]) if sheet.role in ROLES else sheet.role,
                read=n(sheet.rows_read),
                imported=n(sheet.imported),
                already=n(sheet.already_imported),
                anonymous=n(sheet.anonymous),
                rejected=n(sheet.rejected),
            )
        )
    for file, sheet_name in summary.ignored_sheets:
        lines.append(say(IGNORED, file=file, sheet=sheet_name))
    lines.append(
        say(
            ORDERS,
            new=n(summary.orders_new),
            returns=n(summary.returns_new),
            zero=n(summary.zero_value_new),
            updated=n(summary.orders_updated),
        )
    )
    lines.append(say(REVENUE, amount=_money(summary.revenue_cents, language)))
    lines.append(
        say(
            CUSTOMERS,
            new=n(summary.customers_new),
            known=n(summary.customers_known),
            filled=n(summary.fields_filled),
            conflicts=n(summary.conflict_count),
        )
    )
    if summary.nps_answers:
        lines.append(say(NPS, count=n(summary.nps_answers)))
    if summary.campaigns:
        lines.append(say(CAMPAIGNS, count=n(summary.campaigns)))
    if summary.rejected_rows:
        lines.append(say(REJECTED_HEADER))
        for row in summary.rejected_rows[:MAX_LISTED]:
            reason = render_message(row.reason, language)
            lines.append(
                say(
                    REJECTED_ROW,
                    file=row.file,
                    sheet=row.sheet,
                    row=row.row_number,
                    reason=reason,
                )
            )
        if len(summary.rejected_rows) > MAX_LISTED:
            lines.append(say(MORE, count=n(len(summary.rejected_rows) - MAX_LISTED)))
    if summary.conflicts:
        lines.append(say(CONFLICT_HEADER))
        for conflict in summary.conflicts[:MAX_LISTED]:
            lines.append(
                say(
                    CONFLICT_ROW,
                    customer=conflict.customer_key,
                    field=say(FIELDS[conflict.field])
                    if conflict.field in FIELDS
                    else conflict.field,
                    kept=conflict.kept,
                    offered=conflict.offered,
                    file=conflict.file,
                    sheet=conflict.sheet,
                )
            )
        if summary.conflict_count > MAX_LISTED:
            lines.append(say(MORE, count=n(summary.conflict_count - MAX_LISTED)))
    if summary.classified:
        lines.append(say(CLASSIFIED))
    elif summary.classification_error is None:
        lines.append(say(NOT_CLASSIFIED))
    return lines


class ProgressLine:
    """One line on a terminal saying how far the import is, rewritten in place.

    Fed from the reading thread and the importing one; redrawn at most every
    :attr:`INTERVAL_S` seconds, and wiped before the summary is printed.
    """

    INTERVAL_S = 0.2

    def __init__(self, stream: TextIO, language: str) -> None:
        self._stream = stream
        self._language = language
        self._lock = threading.Lock()
        self._drawn_at = 0.0
        self._width = 0
        self._after: str | None = None
        self._cleared = False

    def then(self, message_id: str) -> None:
        """What the line says once the import reached 100 % (the work that follows)."""
        self._after = message_id

    def reading(self, done: int, total: int) -> None:
        """Progress of the reads (``ReadAhead``)."""
        self._draw(READING, done, total)

    def importing(self, done: int, total: int) -> None:
        """Progress of the conversion and the write (``import_files``)."""
        self._draw(IMPORTING, done, total)

    def _draw(self, message_id: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = message_id == IMPORTING and done >= total
        if finished and self._after is not None:
            message_id = self._after
        with self._lock:
            if self._cleared or (
                now - self._drawn_at < self.INTERVAL_S and not finished
            ):
                return
            self._drawn_at = now
            percent = min(100, 100 * done // total) if total > 0 else 100
            text = render_message(
                Message(message_id, {"percent": percent}), self._language
            )
            self._stream.write("\r" + text.ljust(self._width))
            self._stream.flush()
            self._width = len(text)

    def clear(self) -> None:
        """Wipe the line (before anything else is printed)."""
        with self._lock:
            if self._width:
                self._stream.write("\r" + " " * self._width + "\r")
                self._stream.flush()
                self._width = 0
            self._cleared = True  # a late report draws nothing


class Started:
    """What :func:`start` began: the reads, and the progress line on a terminal."""

    def __init__(self, reads: ReadAhead, line: ProgressLine | None) -> None:
        self.reads = reads
        self.line = line

    def close(self) -> None:
        """Let the reads go and wipe the progress line."""
        self.reads.close()
        if self.line is not None:
            self.line.clear()


def start(args: argparse.Namespace) -> Started:
    """Start reading ``args.files`` on a helper thread (before the database opens).

    The command line calls this first, so the files are parsed while the
    database layer is imported and the database opened or created. On a
    terminal, a line on standard error shows how far the import is.
    """
    from clmdesk.services.read_ahead import ReadAhead

    line = None
    if sys.stderr.isatty():
        line = ProgressLine(sys.stderr, detect_language(getattr(args, "lang", None)))
    reads = ReadAhead(
        list(args.files), progress=line.reading if line is not None else None
    )
    return Started(reads, line)


def run(
    args: argparse.Namespace, database: Database, started: Started | None = None
) -> int:
    """Import ``args.files`` into ``database``; print the summary.

    Parameters
    ----------
    started
        What :func:`start` began: the reads (default: started here) and the
        progress line.

    Returns
    -------
    int
        0 on success; 1 when the stages could not be recalculated afterwards.

    Raises
    ------
    CommandError
        A file cannot be read or understood, or the database refused the
        import; nothing was changed.
    """
    from clmdesk.core.tasks import no_progress
    from clmdesk.services.importing import ImportFailed, import_files

    language = detect_language(getattr(args, "lang", None))
    line = started.line if started is not None else None
    classify = not getattr(args, "no_classify", False)
    if line is not None and classify:
        line.then(CLASSIFYING)
    try:
        summary = import_files(
            database,
            list(args.files),
            language=language,
            classify=classify,
            reads=started.reads if started is not None else None,
            progress=line.importing if line is not None else no_progress,
        )
    except ImportFailed as error:
        raise CommandError(error.message) from error
    finally:
        if line is not None:
            line.clear()
    for line_text in summary_lines(summary, language):
        sys.stdout.write(line_text + "\n")
    if summary.classification_error is not None:
        reason = render_message(summary.classification_error, language)
        failed = Message(CLASSIFY_FAILED, {"reason": reason})
        sys.stderr.write("clmdesk import: " + render_message(failed, language) + "\n")
        return 1
    return 0
