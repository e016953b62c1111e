"""The customer-list export for people: every customer with stage, measures and contacts (services layer).

File ▸ Export… writes one row per customer with the stage, group and
measures of the stored classification at the latest snapshot, plus what a
shop owner needs to act on the list (e-mail, phone, city). The list is for
people, so it follows the interface language: stage and group names in
that language, and the csv dialect of :func:`clmdesk.fileio.writers.people_dialect`
(``;`` and ``,`` decimals for pt-BR). The machine-readable exports of
``clmdesk export`` are elsewhere and never change with the locale.

Column titles are message ids (:data:`COLUMNS`); the caller renders them in
the interface language and passes them in, so this module builds no text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clmdesk.core.days import from_day_number
from clmdesk.core.lifecycle.model import GROUPS, ModelError, StageModel
from clmdesk.core.messages import define
from clmdesk.core.tasks import IsCancelled, Progress, never_cancelled, no_progress
from clmdesk.fileio.writers import CellValue, ColumnKind, people_dialect, write_table
from clmdesk.storage.customers import CustomerExportRow, iter_customer_export_rows
from clmdesk.storage.history import load_latest_run

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator, Sequence
    from pathlib import Path

    from clmdesk.storage.database import Database

__all__ = [
    "COLUMNS",
    "KINDS",
    "SHEET_TITLE",
    "CustomerExportResult",
    "export_customer_list",
]

COLUMNS: tuple[str, ...] = (
    define("export.column.key", "Customer"),
    define("export.column.name", "Name"),
    define("export.column.stage", "Stage"),
    define("export.column.group", "Group"),
    define("export.column.frequency", "Purchases"),
    define("export.column.recency", "Days since last purchase"),
    define("export.column.monetary", "Total spent"),
    define("export.column.first_order", "First purchase"),
    define("export.column.last_order", "Last purchase"),
    define("export.column.email", "E-mail"),
    define("export.column.phone", "Phone"),
    define("export.column.city", "City"),
    define("export.column.state", "State"),
)
"""Message ids of the column titles, in file order."""

KINDS: tuple[ColumnKind, ...] = (
    "text",
    "text",
    "text",
    "text",
    "integer",
    "integer",
    "money_cents",
    "date",
    "date",
    "text",
    "text",
    "text",
    "text",
)
"""How each column is written (see :data:`clmdesk.fileio.writers.ColumnKind`)."""

SHEET_TITLE = define("export.sheet_title", "Customers")


@dataclass(frozen=True)
class CustomerExportResult:
    """What an export wrote.

    Attributes
    ----------
    path
        The written file.
    customers
        Number of customer rows.
    """

    path: Path
    customers: int


class _Names:
    """Stage and group display names in one language, by stable key."""

    def __init__(self, model: StageModel | None, language: str) -> None:
        portuguese = language.lower().startswith("pt")
        self.groups = {
            group.key: group.name_pt_br if portuguese else group.name_en
            for group in GROUPS
        }
        self.stages = (
            {
                stage.key: stage.name("pt_BR" if portuguese else "en")
                for stage in model.stages
            }
            if model is not None
            else {}
        )

    def stage(self, key: str | None) -> str | None:
        if key is None:
            return None
        return self.stages.get(key, key)

    def group(self, key: str | None) -> str | None:
        if key is None:
            return None
        return self.groups.get(key, key)


def _model(database: Database) -> StageModel | None:
    """The model that gave the stored stages (not the one being edited, if any)."""
    try:
        run = load_latest_run(database)
    except ModelError:
        # Keys are still exported; only the display names are lost.
        return None
    return run.model if run is not None else None


def _cells(row: CustomerExportRow, names: _Names) -> tuple[CellValue, ...]:
    return (
        row.key,
        row.name,
        names.stage(row.stage_key),
        names.group(row.group_key),
        row.frequency,
        row.recency_days,
        row.monetary_cents,
        from_day_number(row.first_day) if row.first_day is not None else None,
        from_day_number(row.last_day) if row.last_day is not None else None,
        row.email,
        row.phone,
        row.city,
        row.state,
    )


def export_customer_list(
    database: Database,
    path: str | os.PathLike[str],
    header: Sequence[str],
    language: str,
    *,
    sheet_title: str = "Customers",
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> CustomerExportResult:
    """Write every customer with stage, group, measures and contacts to xlsx or csv.

    Parameters
    ----------
    database
        The open business database.
    path
        Target file; ``.xlsx`` or ``.csv`` decides the format. Written
        atomically: an error or a cancel leaves any earlier file untouched.
    header
        Column titles in the interface language, one per :data:`COLUMNS`.
    language
        The interface language (``"pt_BR"`` or ``"en"``): chooses the stage
        and group names and the people csv dialect.
    sheet_title
        The xlsx worksheet's name.
    progress, is_cancelled
        The task contract; runs on a worker.

    Returns
    -------
    CustomerExportResult
        The file and how many customers it lists.

    Raises
    ------
    clmdesk.fileio.writers.UnknownFormatError
        The name ends in neither ``.csv`` nor ``.xlsx``.
    clmdesk.core.tasks.Cancelled
        When cancelled; nothing is left on disk.
    """
    if len(header) != len(COLUMNS):
        raise ValueError(f"{len(header)} column titles for {len(COLUMNS)} columns")
    names = _Names(_model(database), language)
    counted = 0

    def rows() -> Iterator[tuple[CellValue, ...]]:
        nonlocal counted
        for row in iter_customer_export_rows(
            database, progress=progress, is_cancelled=is_cancelled
        ):
            counted += 1
            yield _cells(row, names)

    written = write_table(
        path,
        header,
        rows(),
        kinds=KINDS,
        dialect=people_dialect(language),
        sheet_title=sheet_title,
        is_cancelled=is_cancelled,
    )
    return CustomerExportResult(path=written, customers=counted)
