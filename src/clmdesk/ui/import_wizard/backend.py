"""The import wizard's tasks: thin calls into the Qt-free import code (ui layer).

Every function here is what the wizard hands to its
:class:`~clmdesk.workers.runner.TaskRunner`; each runs on a worker thread,
takes frozen values in and gives frozen values out (STYLE T3), and follows
the task contract of :mod:`clmdesk.core.tasks`. Nothing here touches Qt.
"""

from __future__ import annotations

import gc
import threading
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TYPE_CHECKING, Any

from clmdesk.core.collector import collector_paused
from clmdesk.core.importing import (
    DateOrder,
    FilePlan,
    ImportOptions,
    RawSheet,
    SheetPlan,
)
from clmdesk.core.tasks import IsCancelled, Progress, check_cancelled
from clmdesk.services import importing as service

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from clmdesk.core.importing import RejectedRow
    from clmdesk.core.messages import Message
    from clmdesk.services.importing import ImportSummary, PreparedImport
    from clmdesk.storage.database import Database

__all__ = [
    "ImportJob",
    "PlannedFiles",
    "RefineRequest",
    "collector_paused",
    "dry_run",
    "export_rejected",
    "let_go",
    "plan_files",
    "read_again",
    "recorded",
    "refine_sheets",
    "release_frozen",
    "run_import",
]


# Python's cyclic collector stops every thread while it walks all tracked
# objects; with a workbook's cells in memory one pass takes 100 ms and more,
# which freezes the window however the work is threaded. So the collector
# pauses during tasks (clmdesk.core.collector), and what they leave alive,
# the loaded sheets included, stays frozen until the wizard closes.
def release_frozen() -> None:
    """Let the collector see the objects frozen after planning again (on close)."""
    gc.unfreeze()


@dataclass(frozen=True)
class PlannedFiles:
    """The plans of the files that could be read, and why the others could not."""

    plans: tuple[FilePlan, ...]
    failures: tuple[tuple[str, Message], ...]


@dataclass(frozen=True)
class RefineRequest:
    """One edited sheet plan to refine (formats and issues recomputed)."""

    key: tuple[str, int]
    sheet: RawSheet
    plan: SheetPlan
    date_orders: Mapping[int, DateOrder]


def plan_files(
    database: Database,
    paths: Sequence[str],
    language: str,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> PlannedFiles:
    """Read and plan each file, with the mappings confirmed in earlier imports.

    A file that cannot be read becomes a failure message naming it; the
    others are still planned.
    """
    options = service.import_options(database, language)
    plans: list[FilePlan] = []
    failures: list[tuple[str, Message]] = []
    count = len(paths)
    progress(0, count * service.FILE_STEPS)
    with collector_paused():
        for index, path in enumerate(paths):
            check_cancelled(is_cancelled)
            try:
                plans.extend(
                    service.plan_files(
                        [path],
                        options,
                        progress=service.file_progress(progress, index, count),
                        is_cancelled=is_cancelled,
                    )
                )
            except service.ImportFailed as error:
                failures.append((path, error.message))
            progress((index + 1) * service.FILE_STEPS, count * service.FILE_STEPS)
    return PlannedFiles(tuple(plans), tuple(failures))


def refine_sheets(
    requests: Sequence[RefineRequest],
    language: str,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> list[tuple[RefineRequest, SheetPlan]]:
    """Recompute formats and issues of edited sheet plans, keeping the user's date orders."""
    with collector_paused():
        return _refine(requests, language, progress, is_cancelled)


def _refine(
    requests: Sequence[RefineRequest],
    language: str,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> list[tuple[RefineRequest, SheetPlan]]:
    from clmdesk.core.importing.plan import refine_plan

    results = []
    for done, request in enumerate(requests):
        check_cancelled(is_cancelled)
        progress(done, len(requests))
        options = ImportOptions(
            language=language,
            date_orders={
                (request.plan.sheet, column): order
                for column, order in request.date_orders.items()
            },
        )
        results.append((request, refine_plan(request.sheet, request.plan, options)))
    progress(len(requests), len(requests))
    return results


def dry_run(
    database: Database,
    plans: Sequence[FilePlan],
    previous: PreparedImport | None = None,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> PreparedImport:
    """What importing ``plans`` would do, computed without writing.

    The forecast is the result's ``summary``; the result also keeps the
    conversion, which :func:`run_import` reuses if nothing changed.

    The wizard hands the raw rows of ``plans`` over (it keeps their first
    rows to show): they are let go here as soon as they are converted, so
    the rows, the conversion and the import are never in memory together.
    ``previous`` (the dry run shown before the user went back) lends its
    conversion when nothing changed since; it is let go here otherwise.
    """
    with collector_paused():
        return service.prepare_import(
            database,
            plans,
            previous,
            release_rows=True,
            progress=progress,
            is_cancelled=is_cancelled,
        )


def read_again(
    plans: Sequence[FilePlan],
    previous: PreparedImport | None = None,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> tuple[FilePlan, ...]:
    """The plans with the files whose raw rows were let go read again (to edit a mapping).

    ``previous``, the dry run's conversion, cannot serve the edited plans:
    it is let go first, before the rows come back.
    """
    if previous is not None:
        previous.release()
    with collector_paused():
        return service.read_again(plans, progress=progress, is_cancelled=is_cancelled)


def let_go(
    prepared: PreparedImport | None,
    plans: list[FilePlan] | None = None,
    *,
    empty: bool = True,
) -> threading.Thread | None:
    """Let go of a conversion and of plans' raw rows on a thread of their own.

    For the wizard as it closes: freeing a million lines' objects on the
    window's thread would freeze it. The plans are taken out of ``plans``
    (left empty), so the caller holds none of them any more. With ``empty``
    their rows are emptied a slice at a time (no task may still use them);
    without, the thread only drops its references, so the window's thread
    never drops the last one (a task still reading them drops it on its own
    thread). Returns the thread (None when there is nothing to free).
    """
    held = list(plans or ())
    if plans:
        plans.clear()
    if prepared is None and not held:
        return None

    def free() -> None:
        if prepared is not None:
            prepared.release()
        if empty:
            service.drop_rows(held)
        held.clear()

    thread = threading.Thread(target=free, name="clmdesk-let-go", daemon=True)
    thread.start()
    return thread


def run_import(
    database: Database,
    plans: Sequence[FilePlan],
    prepared: PreparedImport | None = None,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> ImportSummary:
    """Import ``plans`` in one transaction (rolled back on cancel or failure).

    ``prepared`` (the dry run's result) spares converting again when the
    plans and the day are those it was made for; it is let go either way.
    """
    with collector_paused():
        return service.run_import(
            database,
            plans,
            prepared,
            progress=progress,
            is_cancelled=is_cancelled,
        )


class ImportJob:
    """What became of a task, readable once :attr:`done` is set.

    The runner drops the result of a task it was asked to cancel. An import
    may commit just before the cancel reaches it; the wizard waits on this
    record to tell "cancelled, nothing changed" from "finished anyway".
    """

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


def recorded(
    job: ImportJob,
    fn: Any,
    *args: Any,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> Any:
    """Run ``fn(*args)`` under the task contract, keeping its outcome in ``job``."""
    try:
        job.result = fn(*args, progress=progress, is_cancelled=is_cancelled)
    except BaseException as error:
        job.error = error
        raise
    finally:
        job.done.set()
    return job.result


def export_rejected(
    path: str,
    header: Sequence[str],
    rows: Sequence[RejectedRow],
    language: str,
    *,
    progress: Progress,
    is_cancelled: IsCancelled,
) -> Path:
    """Write rejected rows (where, why, the values read) with the safe list writer.

    Reasons are rendered from the same catalogue as the interface, in
    ``language``; csv uses the people dialect of that language.
    """
    from clmdesk.core.i18n import render_message
    from clmdesk.fileio.writers import people_dialect, write_table

    def reason(row: RejectedRow) -> str:
        return render_message(row.reason, language)

    table = [
        (
            row.file,
            row.sheet,
            row.row_number,
            reason(row),
            *(_plain(v) for v in row.values),
        )
        for row in rows
    ]
    width = max([len(header), *(len(r) for r in table)])
    full_header = [*header, *("" for _ in range(width - len(header)))]
    return write_table(
        path,
        full_header,
        table,
        dialect=people_dialect(language),
        progress=progress,
        is_cancelled=is_cancelled,
    )


def _plain(value: Any) -> Any:
    """A raw cell as the list writer takes it (times and durations as text)."""
    if isinstance(value, (time, timedelta)):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool, date)):
        return value
    return str(value)
