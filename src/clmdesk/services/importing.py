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
:func:`prepare_import` ``(database, plans, previous=None, release_rows=False) -> PreparedImport``
    The same dry run, keeping its conversion (:class:`PreparedImport`,
    forecast in ``.summary``) for the import that follows it; it takes the
    conversion of ``previous`` when nothing changed, and with
    ``release_rows`` lets go of the raw rows as soon as they are converted.
:func:`run_import` ``(database, plans, prepared=None, classify=False, remember=True) -> ImportSummary``
    Convert (or take the conversion of ``prepared`` when it was made for
    the same plans and day), then write in ONE transaction; cancel or any
    failure rolls everything back (no partial batch).  ``remember`` stores
    each sheet's mapping under its header signature.  ``classify``
    recomputes the lifecycle history afterwards (the window does that
    itself).
:func:`first_rows` ``(plans) -> tuple[FilePlan, ...]``, :func:`rows_released`, :func:`read_again`, :func:`drop_rows`
    Plans that keep only each sheet's first rows (:class:`FirstRowsWorkbook`:
    what the wizard shows), whether some plan is such, the same plans with
    their files read again in full, and letting go of plans' raw rows a
    slice at a time.  Every function above reads a released file again by
    itself when it needs its rows.
:func:`import_files` ``(database, paths, classify=True) -> ImportSummary``
    The command line's one-shot: plan, convert and import, reading the next
    file while the current one is converted (calamine releases the GIL),
    and letting go of each file's raw cells once converted.
:func:`list_batches`, :func:`preview_undo`, :func:`undo_batch`
    The import history and its undo.

Errors: :class:`ImportFailed` (a file that cannot be read, or no longer
holds what was planned, or a database that refuses the write) and
:class:`~clmdesk.core.tasks.Cancelled`; each carries or implies "nothing was
changed".

Memory (a million 7-column lines, ``bench/wizard_memory_bench.py``): the
raw rows weigh some 300 MB, the columns planning caches from them some 200,
the conversion some 180, and the write needs some 270 more.  The command
line holds one file's rows at a time and lets go of them once converted.
The wizard needs the rows while mappings are edited, and the conversion
from the dry run to the import: its dry run lets go of the rows once
converted (``release_rows``) while the pages keep :func:`first_rows`, so the
rows and the write never meet.  Millions of small objects are let go a
slice at a time (:func:`~clmdesk.core.importing.columns.pause_if_due`), so
the window's thread keeps getting the GIL meanwhile.
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
    RawSheet,
    RawWorkbook,
    RejectedRow,
    Role,
    SavedMapping,
    SheetPlan,
)
from clmdesk.core.importing.columns import CHUNK, pause_if_due, sheet_columns
from clmdesk.core.importing.convert import convert_sheet
from clmdesk.core.importing.plan import plan_workbook
from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
    sub_progress,
)
from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import plan_file, read_file
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
    "FILE_STEPS",
    "FIRST_ROWS",
    "BatchFile",
    "BatchRecord",
    "FieldConflict",
    "FileRecord",
    "FirstRowsWorkbook",
    "ImportFailed",
    "ImportSummary",
    "PreparedImport",
    "SheetOutcome",
    "UndoError",
    "UndoPreview",
    "drop_rows",
    "dry_run",
    "file_progress",
    "first_rows",
    "import_files",
    "import_options",
    "list_batches",
    "plan_files",
    "prepare_import",
    "preview_undo",
    "read_again",
    "rows_released",
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
FILE_CHANGED = define(
    "import.file.changed",
    "{file} changed since it was read: remove it from the list and add it again to import what it holds now.",
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

    ``progress`` reports each file's share, read in pieces when large;
    ``is_cancelled`` is polled while a large worksheet is read.

    Raises
    ------
    ImportFailed
        A file cannot be read (missing, not a spreadsheet, damaged,
        protected, hostile, too large); the message names it.
    Cancelled
        ``is_cancelled()`` became true.
    """
    plans = []
    count = len(paths)
    progress(0, count * FILE_STEPS)
    for index, path in enumerate(paths):
        check_cancelled(is_cancelled)
        try:
            plans.append(
                plan_file(
                    path,
                    options,
                    is_cancelled=is_cancelled,
                    progress=file_progress(progress, index, count),
                )
            )
        except ReadError as error:
            raise ImportFailed(error.message) from error
        progress((index + 1) * FILE_STEPS, count * FILE_STEPS)
    return tuple(plans)


#: Progress steps per file when several are read one after the other.
FILE_STEPS = 1000


def file_progress(progress: Progress, index: int, count: int) -> Progress:
    """The ``index``-th of ``count`` files' own ``(done, total)`` as its share of ``progress``.

    The parent counts :data:`FILE_STEPS` per file.
    """
    return sub_progress(
        progress, index * FILE_STEPS, (index + 1) * FILE_STEPS, count * FILE_STEPS
    )


# --------------------------------------------------------------------------
# Raw rows: first rows only, read again, let go

#: Data rows a sheet keeps once its raw rows are let go: those the wizard
#: shows (preview, examples) and asks about (the day/month question).
FIRST_ROWS = 2_000


@dataclass(frozen=True)
class FirstRowsWorkbook(RawWorkbook):
    """A workbook cut to the first rows of each sheet (see :func:`first_rows`).

    Each sheet keeps its rows down to the header and :data:`FIRST_ROWS` data
    rows below it, enough to show it; ``path``, ``size`` and ``sha256`` say
    which file to read again, and which content to expect, when all of them
    are needed.
    """


def first_rows(
    plans: Sequence[FilePlan], rows: int = FIRST_ROWS
) -> tuple[FilePlan, ...]:
    """The plans, each sheet keeping only its first ``rows`` data rows.

    For a caller that shows the sheets but lets the import service convert
    them (:func:`prepare_import` with ``release_rows``); plans already cut
    are returned as they are.  Cheap: the rows kept are shared, not copied.
    """
    return tuple(
        plan
        if isinstance(plan.workbook, FirstRowsWorkbook)
        else dataclasses.replace(
            plan,
            workbook=FirstRowsWorkbook(
                path=plan.workbook.path,
                file=plan.workbook.file,
                size=plan.workbook.size,
                sha256=plan.workbook.sha256,
                sheets=tuple(
                    _sheet_head(raw, sheet, rows) for raw, sheet in plan.pairs()
                ),
            ),
        )
        for plan in plans
    )


def _sheet_head(raw: RawSheet, plan: SheetPlan, rows: int) -> RawSheet:
    stop = _data_start(plan) + rows
    return dataclasses.replace(
        raw, rows=list(raw.rows[:stop]), row_numbers=raw.row_numbers[:stop]
    )


def _data_start(plan: SheetPlan) -> int:
    return 0 if plan.header_row is None else plan.header_row + 1


def rows_released(plans: Sequence[FilePlan]) -> bool:
    """Whether some plan lacks rows it planned (its file must be read again to convert it).

    True for plans that keep their first rows only, and for plans whose rows
    were emptied (:func:`drop_rows`, ``release_rows``) under a caller that
    kept them after all.
    """
    return any(map(_released, plans))


def _released(plan: FilePlan) -> bool:
    return isinstance(plan.workbook, FirstRowsWorkbook) or any(
        len(raw.rows) < _data_start(sheet) + sheet.data_rows
        for raw, sheet in plan.pairs()
    )


@without_collection
def read_again(
    plans: Sequence[FilePlan],
    *,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> tuple[FilePlan, ...]:
    """The plans, those lacking rows (see :func:`rows_released`) with their files read again in full.

    The sheet plans are kept as they are (with the user's edits); the other
    plans are returned as they are.

    Parameters
    ----------
    progress
        Each file's share (:data:`FILE_STEPS` per file), read in pieces
        when large.

    Raises
    ------
    ImportFailed
        A file can no longer be read, or its content changed since it was
        planned (its size or SHA-256 differs).
    Cancelled
        ``is_cancelled()`` became true.
    """
    released = [_released(plan) for plan in plans]
    done = 0
    complete = []
    for plan, again in zip(plans, released, strict=True):
        if not again:
            complete.append(plan)
            continue
        check_cancelled(is_cancelled)
        try:
            workbook = read_file(
                plan.workbook.path,
                is_cancelled=is_cancelled,
                progress=file_progress(progress, done, sum(released)),
            )
        except ReadError as error:
            raise ImportFailed(error.message) from error
        if (workbook.size, workbook.sha256) != (
            plan.workbook.size,
            plan.workbook.sha256,
        ):
            raise ImportFailed(Message(FILE_CHANGED, {"file": plan.workbook.file}))
        complete.append(dataclasses.replace(plan, workbook=workbook))
        del workbook
        done += 1
        progress(done * FILE_STEPS, sum(released) * FILE_STEPS)
    return tuple(complete)


def drop_rows(plans: Sequence[FilePlan]) -> None:
    """Empty the raw rows of ``plans`` and the columns cached from them, a slice at a time.

    Only for plans nobody needs any more: the rows are emptied in place, so
    their memory goes back even while the plans themselves are still
    referenced (by a task's arguments, for instance).  Plans that keep
    their first rows only are left alone: those rows are shared with
    whoever made them.  Thread contract: any thread but the window's (a
    million lines take some 200 ms, though never more than a few
    milliseconds without letting other threads run).
    """
    for plan in plans:
        if isinstance(plan.workbook, FirstRowsWorkbook):
            continue
        for raw, sheet in plan.pairs():
            sheet_columns(raw, _data_start(sheet)).release()
            _empty(raw.rows)
            _empty(raw.row_numbers)


def _empty(values: object) -> None:
    # Freeing a million rows at once holds the GIL for a fifth of a second.
    if isinstance(values, list):
        while values:
            del values[-CHUNK:]
            pause_if_due()


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


def _convert_released(
    plans: Sequence[FilePlan],
    today: date,
    progress: Progress,
    is_cancelled: IsCancelled,
    *,
    release_rows: bool,
) -> tuple[_Converted, int]:
    """:func:`_convert`, reading released files again first and letting go of the rows read.

    With ``release_rows`` the rows of ``plans`` are let go too, once converted
    (or on the way out of a cancel or failure).
    """
    complete = read_again(plans, is_cancelled=is_cancelled)
    try:
        return _convert(complete, today, progress, is_cancelled)
    finally:
        # Before the database is asked anything: the rows are no longer needed.
        drop_rows(
            [
                read
                for read, given in zip(complete, plans, strict=True)
                if release_rows or read is not given
            ]
        )
        del complete


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
    it can use it or not (one import per dry run), or by a later
    :func:`prepare_import` given it as ``previous``.

    "The same plans" means the same files (path, size and SHA-256: plans
    that keep only their first rows, or were read again, match the plans
    read first) and equal sheet plans.  It keeps none of their raw rows.

    Thread contract: made on a worker; :meth:`release` may be called from
    any thread, also while an import is taking it.  Letting go of the
    conversion of a million lines takes some 20 ms: call it on a worker.

    Attributes
    ----------
    summary
        The dry run's forecast (``dry_run`` True).
    today
        The import day the conversion was made for.
    """

    __slots__ = ("_converted", "_lock", "_made_for", "summary", "today")

    def __init__(
        self,
        summary: ImportSummary,
        plans: Sequence[FilePlan],
        today: date,
        converted: _Converted,
    ) -> None:
        self.summary = summary
        self.today = today
        self._made_for: tuple[_PlanKey, ...] | None = tuple(map(_plan_key, plans))
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
            converted, self._converted = self._converted, None
            self._made_for = None
        # Freed here, outside the lock.
        del converted

    def _matches(self, plans: Sequence[FilePlan], today: date) -> bool:
        made_for = self._made_for
        if self._converted is None or made_for is None or today != self.today:
            return False
        return tuple(map(_plan_key, plans)) == made_for

    def _take(self, plans: Sequence[FilePlan], today: date) -> _Converted | None:
        """The conversion if it fits ``plans`` and ``today``; released either way."""
        with self._lock:
            converted = self._converted if self._matches(plans, today) else None
            self._converted = None
            self._made_for = None
        return converted


#: What a conversion depends on in a plan: the file's content and the sheet plans.
_PlanKey = tuple[str, int, str, tuple[SheetPlan, ...]]


def _plan_key(plan: FilePlan) -> _PlanKey:
    workbook = plan.workbook
    return (workbook.path, workbook.size, workbook.sha256, plan.sheets)


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
        checked against the database).  A file read again (its plan kept
        only its first rows) is read before the first report.

    Returns
    -------
    ImportSummary
        The forecast; :func:`run_import` on the same plans reports the same
        counts when the database has not changed in between.

    Raises
    ------
    ImportFailed
        The database cannot be read, or a file read again can no longer be
        read or changed.
    Cancelled
        ``is_cancelled()`` became true.
    """
    day = today or date.today()
    return _dry_run(database, plans, day, progress, is_cancelled)[0]


@without_collection
def prepare_import(
    database: Database,
    plans: Sequence[FilePlan],
    previous: PreparedImport | None = None,
    *,
    release_rows: bool = False,
    today: date | None = None,
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> PreparedImport:
    """The dry run of :func:`dry_run`, keeping its conversion for the import.

    Pass the result to :func:`run_import` as ``prepared``: if the plans and
    the day have not changed meanwhile, the import skips the conversion.
    Parameters, progress and errors are otherwise those of :func:`dry_run`.

    Parameters
    ----------
    previous
        An earlier result for these plans (the wizard went back and came
        again): its conversion is taken if the plans and the day are those
        it was made for, and checked against the database again, so
        nothing is read or converted; it is let go in any case.
    release_rows
        The caller gives up the raw rows of ``plans`` (it keeps
        :func:`first_rows` of them to show): they are emptied, in place and
        a slice at a time, as soon as they are converted (or on a cancel or
        failure), so the check against the database and the import never
        hold them.  Rows of plans that keep their first rows only are left
        alone.

    Returns
    -------
    PreparedImport
        The forecast (``.summary``) and the conversion it was computed from.
    """
    day = today or date.today()
    try:
        summary, converted = _dry_run(
            database, plans, day, progress, is_cancelled, previous, release_rows
        )
    finally:
        if release_rows:  # also when it stopped before converting
            drop_rows(plans)
    return PreparedImport(summary, plans, day, converted)


def _conversion(
    plans: Sequence[FilePlan],
    today: date,
    prepared: PreparedImport | None,
    progress: Progress,
    is_cancelled: IsCancelled,
    *,
    release_rows: bool,
) -> tuple[_Converted, Progress]:
    """The plans converted, or ``prepared``'s conversion when made for them and ``today``.

    Returns the conversion and the progress of the step that follows it:
    every row counts twice when converted here (converted, then written or
    checked), once when taken over.
    """
    converted = prepared._take(plans, today) if prepared is not None else None
    if converted is None:
        converted, total = _convert_released(
            plans, today, progress, is_cancelled, release_rows=release_rows
        )
        return converted, _write_progress(progress, total, total, 2 * total)
    total = _rows_of(plans)
    progress(0, total)
    return converted, _write_progress(progress, 0, total, total)


def _dry_run(
    database: Database,
    plans: Sequence[FilePlan],
    today: date,
    progress: Progress,
    is_cancelled: IsCancelled,
    previous: PreparedImport | None = None,
    release_rows: bool = False,
) -> tuple[ImportSummary, _Converted]:
    converted, check_progress = _conversion(
        plans, today, previous, progress, is_cancelled, release_rows=release_rows
    )
    try:
        outcome = dry_run_import(
            database, converted.sheets, check_progress, is_cancelled
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
        The files' plans (as confirmed in the wizard); those that keep only
        their first rows have their files read again, unless ``prepared``
        serves.
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
        The database refused the write, or a file read again can no longer
        be read or changed; nothing was changed.
    Cancelled
        ``is_cancelled()`` became true; nothing was changed.
    """
    day = today or date.today()
    converted, write_progress = _conversion(
        plans, day, prepared, progress, is_cancelled, release_rows=False
    )
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


# import_files' progress in thousandths: converting the files (once read,
# which ReadAhead reports itself), then the write.
_IMPORT_STEPS = 1000
_CONVERTED = 150


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
    progress
        In thousandths: each file converted once read (the reads report
        through :class:`ReadAhead`), then the write.

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
        progress(0, _IMPORT_STEPS)
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
            progress(_CONVERTED * (index + 1) // count, _IMPORT_STEPS)
    outcome = _store(
        database,
        converted,
        remember=False,
        progress=sub_progress(progress, _CONVERTED, _IMPORT_STEPS, _IMPORT_STEPS),
        is_cancelled=is_cancelled,
    )
    progress(_IMPORT_STEPS, _IMPORT_STEPS)
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
