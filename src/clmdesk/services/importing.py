"""The import use case: spreadsheets in, one import batch out (services layer).

The pipeline (STYLE E2): read and plan each file (``fileio``), convert each
sheet column by column (``core.importing``), then store everything in one
write transaction (``storage.importing``).  Qt-free; every long function
follows the task contract of :mod:`clmdesk.core.tasks` (keyword arguments
``progress(done, total)`` and ``is_cancelled()``) so the interface runs it
through :class:`clmdesk.workers.runner.TaskRunner`.

API
---
:func:`import_options` ``(database, language) -> ImportOptions``
    Planning options with the mappings users confirmed before (by header
    signature), so a known layout is planned the way it was confirmed.
:func:`plan_files` ``(paths, options) -> tuple[FilePlan, ...]``
    Read and plan files; a file that cannot be read raises
    :class:`ImportFailed` naming it.  Each :class:`FilePlan` is editable in
    the wizard (``SheetPlan.with_mapping`` + ``refine_plan``).
:func:`dry_run` ``(database, plans) -> ImportSummary``
    Everything the import would do, computed without writing: its counts
    equal those of :func:`run_import` on the same plans and an unchanged
    database (same conversion, same decisions, only the inserts left out).
:func:`prepare_import` ``(database, plans) -> PreparedImport``
    The same dry run, keeping its conversion (:class:`PreparedImport`,
    forecast in ``.summary``) for the import that follows it.
:func:`run_import` ``(database, plans, prepared=None, classify=False, remember=True) -> ImportSummary``
    Convert (or take the conversion of ``prepared`` when it was made for
    the same plans and day), then write in ONE transaction; cancel or any
    failure rolls everything back (no partial batch).  ``remember`` stores
    each sheet's mapping under its header signature.  ``classify``
    recomputes the lifecycle history afterwards (the window does that
    itself).
:func:`import_files` ``(database, paths, classify=True) -> ImportSummary``
    The command line's one-shot: plan, convert and import, reading the next
    file while the current one is converted (calamine releases the GIL),
    and letting go of each file's raw cells once converted.
:func:`list_batches`, :func:`preview_undo`, :func:`undo_batch`
    The import history and its undo.

Errors: :class:`ImportFailed` (a file that cannot be read, or a database
that refuses the write) and :class:`~clmdesk.core.tasks.Cancelled`; each
carries or implies "nothing was changed".
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from clmdesk.core.collector import without_collection
from clmdesk.core.importing import (
    FilePlan,
    ImportOptions,
    NormalizedSheet,
    RejectedRow,
    Role,
    SavedMapping,
)
from clmdesk.core.importing.convert import convert_sheet
from clmdesk.core.importing.plan import plan_workbook
from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
)
from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import plan_file
from clmdesk.services.read_ahead import ReadAhead
from clmdesk.storage import batches as _batches
from clmdesk.storage.importing import (
    BatchInfo,
    FieldConflict,
    FileRecord,
    ImportWriteError,
    SheetOutcome,
    WriteOutcome,
    dry_run_import,
    import_sheets,
    read_remembered_mappings,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from clmdesk.storage.database import Database

__all__ = [
    "BatchFile",
    "BatchRecord",
    "FieldConflict",
    "FileRecord",
    "ImportFailed",
    "ImportSummary",
    "PreparedImport",
    "SheetOutcome",
    "UndoError",
    "UndoPreview",
    "dry_run",
    "import_files",
    "import_options",
    "list_batches",
    "plan_files",
    "prepare_import",
    "preview_undo",
    "run_import",
    "undo_batch",
]

_F = TypeVar("_F", bound="Callable[..., Any]")

BatchFile = _batches.BatchFile
BatchRecord = _batches.BatchRecord
UndoPreview = _batches.UndoPreview
UndoError = _batches.UndoError


NOT_UNDERSTOOD = define(
    "import.file.not_understood",
    "{file}: no sheet has columns clmdesk recognises (customer, date, amount, e-mail…); nothing was imported.",
)


class ImportFailed(Exception):
    """An import cannot go on; :attr:`message` says why in one line. Nothing was changed."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, or (``dry_run``) would do.

    Every row read is in exactly one of four places:
    ``rows_read == imported + already_imported + anonymous + rejected``.

    Attributes
    ----------
    dry_run
        True for :func:`dry_run`'s forecast.
    batch_id
        The import batch written (None for a dry run).
    files
        The files read (name, size, SHA-256).
    sheets
        Per-sheet accounting (role, rows read, imported, already imported,
        anonymous, rejected), in import order; ignored sheets excluded.
    ignored_sheets
        (file, sheet) of the sheets planned as ignored (they read no rows).
    rows_read, imported, already_imported, anonymous, rejected
        The four-way accounting of every data row.
    rejected_rows
        Each rejected row with its reason (a :class:`Message`).
    customers_new, customers_known
        Customers created, and stored customers met again.
    fields_filled
        Empty fields of known customers filled in.
    conflicts, conflict_count
        Fields that already held a different value (kept; at most 1,000
        listed) and how many there were.
    lines_imported, revenue_cents
        Order lines added and their net amount in cents.
    orders_new, orders_updated
        Orders created, and existing orders that got more lines.
    returns_new, zero_value_new
        Among the new orders: returns (net negative) and zero-value purchases.
    nps_answers, campaigns
        Dated NPS answers and campaign rows added.
    classified
        Whether the lifecycle history was recomputed afterwards.
    classification_error
        Why recomputing it failed (the import itself stands).
    """

    dry_run: bool
    batch_id: int | None
    files: tuple[FileRecord, ...]
    sheets: tuple[SheetOutcome, ...]
    ignored_sheets: tuple[tuple[str, str], ...]
    rows_read: int
    imported: int
    already_imported: int
    anonymous: int
    rejected: int
    rejected_rows: tuple[RejectedRow, ...]
    customers_new: int
    customers_known: int
    fields_filled: int
    conflicts: tuple[FieldConflict, ...]
    conflict_count: int
    lines_imported: int
    revenue_cents: int
    orders_new: int
    orders_updated: int
    returns_new: int
    zero_value_new: int
    nps_answers: int
    campaigns: int
    classified: bool = False
    classification_error: Message | None = None

    def counts(self) -> dict[str, int]:
        """The counts by name (what a dry run and its import must agree on)."""
        return {
            name: getattr(self, name)
            for name in (
                "rows_read",
                "imported",
                "already_imported",
                "anonymous",
                "rejected",
                "customers_new",
                "customers_known",
                "fields_filled",
                "conflict_count",
                "lines_imported",
                "revenue_cents",
                "orders_new",
                "orders_updated",
                "returns_new",
                "zero_value_new",
                "nps_answers",
                "campaigns",
            )
        }


# --------------------------------------------------------------------------
# Planning


def _saved_mappings(stored: dict[str, Any]) -> dict[str, SavedMapping]:
    mappings = {}
    for signature, data in stored.items():
        with contextlib.suppress(KeyError, TypeError, ValueError):
            mappings[signature] = SavedMapping.from_json(data)
    return mappings


def import_options(database: Database | None, language: str = "en") -> ImportOptions:
    """Planning options: the language and the mappings users confirmed before.

    Parameters
    ----------
    database
        Where confirmed mappings are remembered (None: none).
    language
        ``"pt_BR"`` or ``"en"`` (decides all-ambiguous date columns).
    """
    remembered = _saved_mappings(read_remembered_mappings(database)) if database else {}
    return ImportOptions(language=language, remembered=remembered)


@without_collection
def plan_files(
    paths: Sequence[str | Path],
    options: ImportOptions | None = None,
    *,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> tuple[FilePlan, ...]:
    """Read and plan every file (header row, role and mapping of each sheet).

    Raises
    ------
    ImportFailed
        A file cannot be read (missing, not a spreadsheet, damaged,
        protected, hostile, too large); the message names it.
    """
    plans = []
    progress(0, len(paths))
    for done, path in enumerate(paths, start=1):
        check_cancelled(is_cancelled)
        try:
            plans.append(plan_file(path, options))
        except ReadError as error:
            raise ImportFailed(error.message) from error
        progress(done, len(paths))
    return tuple(plans)


# --------------------------------------------------------------------------
# Converting


@dataclass
class _Converted:
    """Sheets converted so far, with what the batch records about their files."""

    sheets: list[NormalizedSheet] = dataclasses.field(default_factory=list)
    files: list[FileRecord] = dataclasses.field(default_factory=list)
    mappings: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    remember: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    ignored: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def add(self, plan: FilePlan, today: date, is_cancelled: IsCancelled) -> None:
        workbook = plan.workbook
        self.files.append(FileRecord(workbook.file, workbook.size, workbook.sha256))
        for raw, sheet_plan in plan.pairs():
            check_cancelled(is_cancelled)
            if sheet_plan.role == Role.IGNORE:
                self.ignored.append((sheet_plan.file, sheet_plan.sheet))
                continue
            self.sheets.append(convert_sheet(raw, sheet_plan, today))
            saved = sheet_plan.saved_mapping()
            self.mappings.append(
                {
                    "file": sheet_plan.file,
                    "sheet": sheet_plan.sheet,
                    "header_row": sheet_plan.header_row_number,
                    "signature": sheet_plan.signature,
                    "headers": [column.header for column in sheet_plan.columns],
                    **saved.to_json(),
                }
            )
            if sheet_plan.signature:
                self.remember[sheet_plan.signature] = saved.to_json()


def _summary(
    converted: _Converted,
    outcome: WriteOutcome,
    *,
    dry: bool,
    classified: bool = False,
    problem: Message | None = None,
) -> ImportSummary:
    return ImportSummary(
        dry_run=dry,
        batch_id=outcome.batch_id,
        files=tuple(converted.files),
        sheets=outcome.sheets,
        ignored_sheets=tuple(converted.ignored),
        rows_read=outcome.rows_read,
        imported=outcome.imported,
        already_imported=outcome.already_imported,
        anonymous=outcome.anonymous,
        rejected=outcome.rejected,
        rejected_rows=tuple(
            row for sheet in converted.sheets for row in sheet.rejected
        ),
        customers_new=outcome.customers_new,
        customers_known=outcome.customers_known,
        fields_filled=outcome.fields_filled,
        conflicts=outcome.conflicts,
        conflict_count=outcome.conflict_count,
        lines_imported=outcome.lines_imported,
        revenue_cents=outcome.revenue_cents,
        orders_new=outcome.orders_new,
        orders_updated=outcome.orders_updated,
        returns_new=outcome.returns_new,
        zero_value_new=outcome.zero_value_new,
        nps_answers=outcome.nps_answers,
        campaigns=outcome.campaigns,
        classified=classified,
        classification_error=problem,
    )


def _rows_of(plans: Sequence[FilePlan]) -> int:
    return sum(
        sheet.data_rows
        for plan in plans
        for sheet in plan.sheets
        if sheet.role != Role.IGNORE
    )


def _convert(
    plans: Sequence[FilePlan],
    today: date,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> tuple[_Converted, int]:
    """Convert every planned sheet; progress counts each row once here (of two)."""
    total = _rows_of(plans)
    converted = _Converted()
    done = 0
    progress(0, 2 * total)
    for plan in plans:
        converted.add(plan, today, is_cancelled)
        done += _rows_of([plan])
        progress(done, 2 * total)
    return converted, total


def _write_progress(progress: Progress, offset: int, span: int, of: int) -> Progress:
    """The write's own ``(done, total)`` as ``offset`` + its share of ``span``, out of ``of``.

    The write counts the valid rows it writes, fewer than the rows read
    that the bar counts: scaled, it still ends exactly at ``offset + span``.
    """

    def report(done: int, total: int) -> None:
        share = span * min(done, total) // total if total > 0 else span
        progress(offset + share, of)

    return report


class PreparedImport:
    """A dry run's forecast and the conversion it made, kept for the import.

    Opaque: hand it to :func:`run_import` (``prepared=``), which takes its
    conversion instead of converting again when it was made for the same
    plans (the same raw files, every sheet plan equal, so a mapping edited
    after the dry run converts again) and the same import day (dates after
    it are rejected).  Otherwise the import converts as usual.  The
    database is not part of it: the import recomputes every decision
    against the database inside its write transaction.

    The conversion holds about as much memory as the raw cells: it is let
    go by :meth:`release`, or by :func:`run_import`, which takes it whether
    it can use it or not (one import per dry run).

    Thread contract: made on a worker; :meth:`release` may be called from
    any thread, also while an import is taking it.

    Attributes
    ----------
    summary
        The dry run's forecast (``dry_run`` True).
    today
        The import day the conversion was made for.
    """

    __slots__ = ("_converted", "_lock", "_plans", "summary", "today")

    def __init__(
        self,
        summary: ImportSummary,
        plans: Sequence[FilePlan],
        today: date,
        converted: _Converted,
    ) -> None:
        self.summary = summary
        self.today = today
        self._plans: tuple[FilePlan, ...] | None = tuple(plans)
        self._converted: _Converted | None = converted
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether the conversion is still held (not yet released or taken)."""
        return self._converted is not None

    def matches(self, plans: Sequence[FilePlan], today: date) -> bool:
        """Whether the conversion is held and was made for ``plans`` on ``today``."""
        with self._lock:
            return self._matches(plans, today)

    def release(self) -> None:
        """Let go of the conversion (the forecast stays)."""
        with self._lock:
            self._converted = None
            self._plans = None

    def _matches(self, plans: Sequence[FilePlan], today: date) -> bool:
        made_for = self._plans
        if self._converted is None or made_for is None or today != self.today:
            return False
        return len(plans) == len(made_for) and all(
            new is old or (new.workbook is old.workbook and new.sheets == old.sheets)
            for new, old in zip(plans, made_for, strict=True)
        )

    def _take(self, plans: Sequence[FilePlan], today: date) -> _Converted | None:
        """The conversion if it fits ``plans`` and ``today``; released either way."""
        with self._lock:
            converted = self._converted if self._matches(plans, today) else None
            self._converted = None
            self._plans = None
        return converted


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------
# Dry run and import


@without_collection
def dry_run(
    database: Database,
    plans: Sequence[FilePlan],
    *,
    today: date | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> ImportSummary:
    """What importing ``plans`` would do, computed without writing.

    As :func:`prepare_import`, letting go of the conversion at once.

    Parameters
    ----------
    database
        The business database (only read).
    plans
        The files' plans, as shown (and possibly edited) in the wizard.
    today
        The import day (dates after it are rejected); default today.
    progress, is_cancelled
        Task contract; progress counts every row twice (converted, then
        checked against the database).

    Returns
    -------
    ImportSummary
        The forecast; :func:`run_import` on the same plans reports the same
        counts when the database has not changed in between.

    Raises
    ------
    ImportFailed
        The database cannot be read.
    Cancelled
        ``is_cancelled()`` became true.
    """
    return _dry_run(database, plans, today, progress, is_cancelled)[0]


@without_collection
def prepare_import(
    database: Database,
    plans: Sequence[FilePlan],
    *,
    today: date | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> PreparedImport:
    """The dry run of :func:`dry_run`, keeping its conversion for the import.

    Pass the result to :func:`run_import` as ``prepared``: if the plans and
    the day have not changed meanwhile, the import skips the conversion.
    Parameters, progress and errors are those of :func:`dry_run`.

    Returns
    -------
    PreparedImport
        The forecast (``.summary``) and the conversion it was computed from.
    """
    day = today or date.today()
    summary, converted = _dry_run(database, plans, day, progress, is_cancelled)
    return PreparedImport(summary, plans, day, converted)


def _dry_run(
    database: Database,
    plans: Sequence[FilePlan],
    today: date | None,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> tuple[ImportSummary, _Converted]:
    converted, total = _convert(plans, today or date.today(), progress, is_cancelled)
    try:
        outcome = dry_run_import(
            database,
            converted.sheets,
            _write_progress(progress, total, total, 2 * total),
            is_cancelled,
        )
    except ImportWriteError as error:
        raise ImportFailed(error.message) from error
    return _summary(converted, outcome, dry=True), converted


def _store(
    database: Database,
    converted: _Converted,
    *,
    remember: bool,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> WriteOutcome:
    batch = BatchInfo(
        created_at=_now(),
        files=tuple(converted.files),
        mappings=tuple(converted.mappings),
    )
    try:
        return import_sheets(
            database,
            converted.sheets,
            batch,
            remember=converted.remember if remember else None,
            progress=progress,
            is_cancelled=is_cancelled,
        )
    except ImportWriteError as error:
        raise ImportFailed(error.message) from error


def _classify(database: Database) -> tuple[bool, Message | None]:
    """Recompute the lifecycle history if the classification service is present.

    Returns whether it ran, and why it failed (the import stays committed).
    """
    try:
        from clmdesk.services.classification import ClassificationError, classify
    except ModuleNotFoundError:
        return False, None
    try:
        # The import is committed by now: a cancel could no longer undo it,
        # so the history is brought up to date regardless.
        classify(database)
    except ClassificationError as error:
        return False, error.message
    return True, None


@without_collection
def run_import(
    database: Database,
    plans: Sequence[FilePlan],
    prepared: PreparedImport | None = None,
    *,
    today: date | None = None,
    classify: bool = False,
    remember: bool = True,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> ImportSummary:
    """Import ``plans`` as one batch, in one write transaction.

    Conversion happens first, outside the writer lock; the write then holds
    it for as short a time as possible.  A cancel or any failure rolls the
    whole import back: no partial batch is ever left.

    Parameters
    ----------
    database
        The business database.
    plans
        The files' plans (as confirmed in the wizard).
    prepared
        The result of :func:`prepare_import` (the dry run shown to the
        user).  Its conversion is used when it was made for these plans and
        this day, and let go in any case; otherwise the plans are converted
        here.  Either way the counts are computed afresh against the
        database inside the write transaction.
    today
        The import day (dates after it are rejected); default today.
    classify
        Recompute the lifecycle history after the import (the command line
        does; the window runs its own classification task instead).
    remember
        Remember each imported sheet's mapping under its header signature,
        so the next file with the same headers is planned the same way.
    progress, is_cancelled
        Task contract; progress counts every row twice (converted, then
        written), or once (written) when the conversion of ``prepared`` is
        used, so the bar goes from 0 to the end either way.

    Returns
    -------
    ImportSummary
        What was done (``dry_run`` False, ``batch_id`` set).

    Raises
    ------
    ImportFailed
        The database refused the write; nothing was changed.
    Cancelled
        ``is_cancelled()`` became true; nothing was changed.
    """
    day = today or date.today()
    converted = prepared._take(plans, day) if prepared is not None else None
    if converted is None:
        converted, total = _convert(plans, day, progress, is_cancelled)
        write_progress = _write_progress(progress, total, total, 2 * total)
    else:
        total = _rows_of(plans)
        progress(0, total)
        write_progress = _write_progress(progress, 0, total, total)
    outcome = _store(
        database,
        converted,
        remember=remember,
        progress=write_progress,
        is_cancelled=is_cancelled,
    )
    classified, problem = _classify(database) if classify else (False, None)
    return _summary(
        converted, outcome, dry=False, classified=classified, problem=problem
    )


@without_collection
def import_files(
    database: Database,
    paths: Sequence[str | Path],
    *,
    language: str = "en",
    today: date | None = None,
    classify: bool = True,
    reads: ReadAhead | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> ImportSummary:
    """Read, plan, convert and import files in one go (the command line).

    The next file is read on a helper thread while the current one is
    converted (python-calamine parses without the GIL), and each file's raw
    cells are let go as soon as its sheets are converted, so memory holds
    one or two raw files at a time.  Remembered mappings are used, and
    none is remembered (nobody confirmed anything).

    Parameters
    ----------
    reads
        Reads of ``paths`` already started (the command line starts them
        before it opens the database); closed here.  Default: started here.

    Raises
    ------
    ImportFailed
        A file cannot be read (nothing is imported), or the database refused
        the write (nothing was changed).
    Cancelled
        ``is_cancelled()`` became true; nothing was changed.
    """
    with reads or ReadAhead(paths) as ahead:
        options = import_options(database, language)
        day = today or date.today()
        converted = _Converted()
        count = len(ahead)
        progress(0, count + 1)
        for index in range(count):
            check_cancelled(is_cancelled)
            try:
                workbook = ahead.take(index)
            except ReadError as error:
                raise ImportFailed(error.message) from error
            plan = plan_workbook(workbook, options)
            del workbook
            if all(sheet.role == Role.IGNORE for sheet in plan.sheets):
                raise ImportFailed(
                    Message(NOT_UNDERSTOOD, {"file": plan.workbook.file})
                )
            converted.add(plan, day, is_cancelled)
            del plan
            progress(index + 1, count + 1)
    outcome = _store(
        database,
        converted,
        remember=False,
        progress=no_progress,
        is_cancelled=is_cancelled,
    )
    progress(count + 1, count + 1)
    classified, problem = _classify(database) if classify else (False, None)
    return _summary(
        converted, outcome, dry=False, classified=classified, problem=problem
    )


# --------------------------------------------------------------------------
# History and undo


def list_batches(database: Database) -> list[BatchRecord]:
    """Every import batch, oldest first (``status`` ``"done"`` or ``"undone"``)."""
    with database.read() as connection:
        return _batches.list_batches(connection)


def preview_undo(database: Database, batch_id: int) -> UndoPreview:
    """What undoing ``batch_id`` would remove (for the confirmation).

    Raises
    ------
    UndoError
        No such batch, or it was already undone.
    """
    with database.read() as connection:
        return _batches.preview_undo(connection, batch_id)


def undo_batch(
    database: Database,
    batch_id: int,
    *,
    classify: bool = False,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> UndoPreview:
    """Undo one import in one write transaction (a cancel rolls it back).

    Removes its lines and the orders made only of them, its NPS answers
    and campaigns, the customers it created that nothing else references,
    and clears the fields it filled unless they changed since.

    Parameters
    ----------
    classify
        Recompute the lifecycle history afterwards (the window runs its own
        classification task instead).

    Raises
    ------
    UndoError
        No such batch, or it was already undone.
    Cancelled
        ``is_cancelled()`` became true; nothing was changed.
    """
    with database.write() as connection:
        preview = _batches.undo_batch(connection, batch_id, progress, is_cancelled)
    if classify:
        _classify(database)
    return preview
