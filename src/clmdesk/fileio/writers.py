"""Safe list writer: any table of rows to xlsx or csv (fileio layer, Qt-free).

Every list the app or the command line exports (stage lists, customer lists,
rejected import rows, the machine-readable ``clmdesk export`` files) goes
through :func:`write_table`, so three promises hold everywhere:

* **Formula-like text is neutralised** (DOMAIN.md "Reports"): a non-numeric
  text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return
  gets a leading ``'`` in csv and is stored as an explicit text cell in xlsx
  (openpyxl would otherwise store any string starting with ``=`` as a
  formula). Numbers, negative ones included, stay numbers.
* **Writes are atomic**: the file is written to a temporary file in the same
  folder and moved over the target with :func:`os.replace`; an error or a
  cancel midway leaves neither a half-written target nor the temporary file.
* **Locale-aware csv for people, fixed csv for machines**: see
  :data:`PEOPLE_PT_BR`, :data:`PEOPLE_EN` and :data:`MACHINE`.

openpyxl is imported lazily inside the xlsx path, so importing this module
stays cheap.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import os
import re
import secrets
import stat
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
)

__all__ = [
    "DIALECTS",
    "MACHINE",
    "PEOPLE_EN",
    "PEOPLE_PT_BR",
    "CellValue",
    "ColumnKind",
    "CsvDialect",
    "FileFormat",
    "UnknownFormatError",
    "format_from_path",
    "is_formula_like",
    "neutralise_text",
    "people_dialect",
    "write_table",
]

CellValue = str | int | float | Decimal | date | datetime | bool | None
"""What a row may hold. ``datetime`` is a subclass of ``date`` and is checked first."""

ColumnKind = Literal[
    "auto", "text", "integer", "decimal", "money", "money_cents", "date", "datetime"
]
"""How a column is formatted.

``auto`` follows each value's Python type; ``money`` takes amounts in
currency units (``Decimal`` preferred) and ``money_cents`` integer cents, both
written with two decimals; ``date``/``datetime`` use the dialect's formats;
``text`` writes ``str(value)``. A ``str`` value is always written as text,
whatever the column kind.
"""

FileFormat = Literal["csv", "xlsx"]

MSG_UNKNOWN_FORMAT = define(
    "fileio.write.unknown_format",
    "Cannot tell the file format of {name}: use a name ending in .csv or .xlsx.",
)

# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV
# injection"); tab and carriage return because some spreadsheets strip them
# and then see the character after.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text that a spreadsheet reads as a plain number: "-12", "+3,5", "1.234,56",
# "1e-3". Such text is harmless and is left as written.
_NUMERIC_TEXT = re.compile(
    r"[+-]?(?:\d+(?:[.,]\d+)*|[.,]\d+)(?:[eE][+-]?\d+)?\Z", re.ASCII
)
# Control characters that the xlsx (XML) format cannot hold; openpyxl raises
# IllegalCharacterError on them, so they are dropped from xlsx text.
_XML_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")
_CHUNK = 1000
_WIDTH_SAMPLE = 500
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CsvDialect:
    """How numbers, dates and separators are written (csv) and dates shown (xlsx).

    Attributes
    ----------
    name
        Stable identifier (``"people pt-BR"``, ``"people en"``, ``"machine"``).
    delimiter
        Field separator.
    decimal
        Decimal separator for numbers; no thousands separator is ever written,
        so spreadsheets read the numbers back as numbers.
    bom
        Whether the file starts with a UTF-8 byte order mark (Excel needs it
        to read UTF-8 csv files correctly).
    line_terminator
        End of each record.
    date_format, datetime_format
        ``strftime`` patterns for csv cells.
    xlsx_date_format, xlsx_datetime_format
        Excel number formats for date cells in xlsx.
    """

    name: str
    delimiter: str
    decimal: str
    bom: bool
    line_terminator: str
    date_format: str
    datetime_format: str
    xlsx_date_format: str
    xlsx_datetime_format: str


PEOPLE_PT_BR = CsvDialect(
    name="people pt-BR",
    delimiter=";",
    decimal=",",
    bom=True,
    line_terminator="\r\n",
    date_format="%d/%m/%Y",
    datetime_format="%d/%m/%Y %H:%M:%S",
    xlsx_date_format="dd/mm/yyyy",
    xlsx_datetime_format="dd/mm/yyyy hh:mm:ss",
)
"""Lists for Brazilian people: UTF-8 with BOM, ``;``, ``,`` decimal, dd/mm/yyyy."""

PEOPLE_EN = CsvDialect(
    name="people en",
    delimiter=",",
    decimal=".",
    bom=True,
    line_terminator="\r\n",
    # ISO dates: unambiguous for every English-speaking reader (US and UK
    # disagree on day/month order).
    date_format="%Y-%m-%d",
    datetime_format="%Y-%m-%d %H:%M:%S",
    xlsx_date_format="yyyy-mm-dd",
    xlsx_datetime_format="yyyy-mm-dd hh:mm:ss",
)
"""Lists for English-speaking people: UTF-8 with BOM, ``,``, ``.`` decimal, ISO dates."""

MACHINE = CsvDialect(
    name="machine",
    delimiter=",",
    decimal=".",
    bom=False,
    # Plain "\n", as most data tools write it, so files diff cleanly.
    line_terminator="\n",
    date_format="%Y-%m-%d",
    datetime_format="%Y-%m-%dT%H:%M:%S",
    xlsx_date_format="yyyy-mm-dd",
    xlsx_datetime_format="yyyy-mm-dd hh:mm:ss",
)
"""Machine-readable exports (``clmdesk export``): UTF-8 without BOM, ``,``, ``.``
decimal, ISO dates, ``\\n`` line ends, whatever the locale."""

DIALECTS: dict[str, CsvDialect] = {
    d.name: d for d in (PEOPLE_PT_BR, PEOPLE_EN, MACHINE)
}


class UnknownFormatError(ValueError):
    """The output format could not be told from the file name.

    Attributes
    ----------
    message
        The user-facing :class:`~clmdesk.core.messages.Message`.
    """

    def __init__(self, path: Path) -> None:
        self.message = Message(MSG_UNKNOWN_FORMAT, {"name": path.name})
        super().__init__(self.message.english())


def people_dialect(language: str) -> CsvDialect:
    """Return the csv dialect for people reading in ``language``.

    Parameters
    ----------
    language
        An interface language such as ``"pt_BR"`` or ``"en"``; any Portuguese
        variant selects :data:`PEOPLE_PT_BR`, everything else :data:`PEOPLE_EN`.
    """
    return PEOPLE_PT_BR if language.lower().startswith("pt") else PEOPLE_EN


def format_from_path(path: str | os.PathLike[str]) -> FileFormat:
    """Tell the output format from a file name's extension.

    Raises
    ------
    UnknownFormatError
        When the name ends in neither ``.csv`` nor ``.xlsx``.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise UnknownFormatError(Path(path))


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could run ``text`` as a formula.

    True for non-numeric text starting with ``=``, ``+``, ``-``, ``@``, tab or
    carriage return; numeric text such as ``"-12,5"`` is a number, not a
    formula.
    """
    return (
        text.startswith(_FORMULA_STARTS) and _NUMERIC_TEXT.match(text.strip()) is None
    )


def neutralise_text(text: str) -> str:
    """Return ``text`` with a leading ``'`` when it is formula-like (csv rule)."""
    return "'" + text if is_formula_like(text) else text


def write_table(
    path: str | os.PathLike[str],
    header: Sequence[str],
    rows: Iterable[Sequence[CellValue]],
    *,
    kinds: Sequence[ColumnKind] | None = None,
    file_format: FileFormat | None = None,
    dialect: CsvDialect | str = PEOPLE_PT_BR,
    sheet_title: str = "Sheet1",
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
) -> Path:
    """Write a table to an xlsx or csv file, safely and atomically.

    Parameters
    ----------
    path
        Target file. Its folder must exist; an existing file is replaced only
        once the new one is complete.
    header
        Column titles (written as text, neutralised like any text).
    rows
        Rows of cells; a row shorter than the header is padded with empty
        cells. When ``rows`` has a length, progress reports it as the total.
    kinds
        One :data:`ColumnKind` per column (default ``"auto"`` for all).
    file_format
        ``"csv"`` or ``"xlsx"``; by default told from the extension.
    dialect
        A :class:`CsvDialect` or its name. Sets separators, number and date
        formats for csv, and date formats for xlsx.
    sheet_title
        Worksheet name for xlsx (cleaned to Excel's rules).
    progress, is_cancelled
        The task contract of :mod:`clmdesk.core.tasks`; checked every 1,000 rows.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    UnknownFormatError
        No ``file_format`` and an unknown extension.
    ValueError
        A row longer than the header, or a ``kinds`` of the wrong length.
    clmdesk.core.tasks.Cancelled
        When ``is_cancelled()`` became true; nothing is left on disk.

    Notes
    -----
    Runs on any thread; it touches nothing but the target folder (and
    openpyxl's own temporary file for xlsx).
    """
    target = Path(path)
    fmt = file_format or format_from_path(target)
    chosen = DIALECTS[dialect] if isinstance(dialect, str) else dialect
    width = len(header)
    auto: ColumnKind = "auto"
    all_auto = (auto,) * width
    column_kinds = tuple(kinds) if kinds is not None else all_auto
    if len(column_kinds) != width:
        raise ValueError(f"{len(column_kinds)} column kinds for {width} columns")
    total = len(rows) if isinstance(rows, Sized) else 0
    table = _Table(tuple(header), rows, column_kinds, total, progress, is_cancelled)

    handle, temp = _create_temp(target)
    try:
        if fmt == "csv":
            with os.fdopen(handle, "wb") as raw:
                _write_csv(raw, table, chosen)
                raw.flush()
                os.fsync(raw.fileno())
        else:
            os.close(handle)
            _write_xlsx(temp, table, chosen, sheet_title)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return target


def _create_temp(target: Path) -> tuple[int, Path]:
    """Create an empty, uniquely named file beside ``target``.

    Unlike :func:`tempfile.mkstemp` (always 0600) it gets the permissions a
    new file normally gets, or those of the file it will replace.
    """
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
        try:
            handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        break
    with contextlib.suppress(OSError):
        os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
    return handle, temp


@dataclass(frozen=True)
class _Table:
    header: tuple[str, ...]
    rows: Iterable[Sequence[CellValue]]
    kinds: tuple[ColumnKind, ...]
    total: int
    progress: Progress
    is_cancelled: IsCancelled

    def iter_rows(self) -> Iterable[Sequence[CellValue]]:
        """Yield padded rows, reporting progress and honouring cancel per chunk."""
        width = len(self.header)
        done = 0
        self.progress(0, self.total)
        for row in self.rows:
            if len(row) > width:
                raise ValueError(
                    f"row {done + 1} has {len(row)} cells for {width} columns"
                )
            yield row if len(row) == width else (*row, *([None] * (width - len(row))))
            done += 1
            if done % _CHUNK == 0:
                check_cancelled(self.is_cancelled)
                self.progress(done, max(self.total, done))
        check_cancelled(self.is_cancelled)
        self.progress(done, max(self.total, done))


# --- csv -------------------------------------------------------------------


def _write_csv(raw: io.BufferedWriter, table: _Table, dialect: CsvDialect) -> None:
    text = io.TextIOWrapper(
        raw, encoding="utf-8-sig" if dialect.bom else "utf-8", newline=""
    )
    try:
        writer = csv.writer(
            text, delimiter=dialect.delimiter, lineterminator=dialect.line_terminator
        )
        writer.writerow([neutralise_text(str(title)) for title in table.header])
        for row in table.iter_rows():
            writer.writerow(
                [
                    _csv_cell(value, kind, dialect)
                    for value, kind in zip(row, table.kinds, strict=True)
                ]
            )
        text.flush()
    finally:
        # Hand the binary file back to its owner without closing it.
        text.detach()


def _csv_cell(value: CellValue, kind: ColumnKind, dialect: CsvDialect) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if kind == "date":
            return value.strftime(dialect.date_format)
        return value.strftime(dialect.datetime_format)
    if isinstance(value, date):
        return value.strftime(dialect.date_format)
    if kind == "money_cents":
        return _decimal_text(_cents_to_decimal(value), dialect.decimal)
    if kind == "money":
        return _decimal_text(
            _to_decimal(value).quantize(_CENT, ROUND_HALF_UP), dialect.decimal
        )
    if kind == "integer" and _is_whole(value):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return _decimal_text(repr(value), dialect.decimal)
    if isinstance(value, Decimal):
        return _decimal_text(value, dialect.decimal)
    raise TypeError(f"cannot write a {type(value).__name__} cell")


def _is_whole(value: int | float | Decimal) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return True


def _decimal_text(value: Decimal | str, decimal: str) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else value
    return text.replace(".", decimal) if decimal != "." else text


def _to_decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    # The shortest decimal form of a float (9.9499999999999993 is 9.95).
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _cents_to_decimal(value: int | float | Decimal) -> Decimal:
    return (_to_decimal(value) / 100).quantize(_CENT, ROUND_HALF_UP)


# --- xlsx ------------------------------------------------------------------

_MONEY_FORMAT = "#,##0.00"


def _write_xlsx(
    target: Path, table: _Table, dialect: CsvDialect, sheet_title: str
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(sheet_title))
    try:
        # The first rows size the columns; in write-only mode the widths and
        # the frozen header must be set before the first row is appended.
        rows = iter(table.iter_rows())
        sample: list[Sequence[CellValue]] = []
        for row in rows:
            sample.append(row)
            if len(sample) >= _WIDTH_SAMPLE:
                break
        for index, title in enumerate(table.header):
            lengths = [len(str(title))]
            lengths.extend(
                len(_csv_cell(row[index], table.kinds[index], dialect))
                for row in sample
            )
            width = min(max(max(lengths) + 2, 8), 60)
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"

        bold = Font(bold=True)
        header_cells = []
        for title in table.header:
            cell = WriteOnlyCell(sheet, value=_xlsx_text(str(title)))
            cell.data_type = "s"
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)

        # A write-only sheet serialises each appended row before append()
        # returns, so one cell per column and format is reused for every row
        # instead of creating and styling a cell per value (most of the cost).
        reusable: dict[tuple[int, str], Any] = {}

        def reused(column: int, value: Any, number_format: str | None) -> Any:
            cell = reusable.get((column, number_format or "text"))
            if cell is None:
                cell = WriteOnlyCell(sheet)
                if number_format is not None:
                    cell.number_format = number_format
                reusable[(column, number_format or "text")] = cell
            cell.value = value
            if number_format is None:
                # Explicit text: openpyxl turns any "=..." string into a formula.
                cell.data_type = "s"
            return cell

        def cell_of(column: int, value: CellValue, kind: ColumnKind) -> Any:
            if value is None:
                return None
            if isinstance(value, str):
                text = _xlsx_text(value)
                return reused(column, text, None) if text.startswith("=") else text
            if isinstance(value, bool):
                return value
            if isinstance(value, datetime):
                moment = value.replace(tzinfo=None)
                if kind == "date":
                    return reused(column, moment.date(), dialect.xlsx_date_format)
                return reused(column, moment, dialect.xlsx_datetime_format)
            if isinstance(value, date):
                return reused(column, value, dialect.xlsx_date_format)
            if kind == "money_cents":
                return reused(column, float(_cents_to_decimal(value)), _MONEY_FORMAT)
            if kind == "money":
                amount = _to_decimal(value).quantize(_CENT, ROUND_HALF_UP)
                return reused(column, float(amount), _MONEY_FORMAT)
            if isinstance(value, float) and not math.isfinite(value):
                return None
            if (
                kind == "integer"
                and isinstance(value, float | Decimal)
                and _is_whole(value)
            ):
                return int(value)
            if isinstance(value, int | float | Decimal):
                return value
            raise TypeError(f"cannot write a {type(value).__name__} cell")

        kinds = table.kinds

        def append(row: Sequence[CellValue]) -> None:
            sheet.append(
                [
                    cell_of(column, row[column], kinds[column])
                    for column in range(len(kinds))
                ]
            )

        for row in sample:
            append(row)
        for row in rows:
            append(row)
        workbook.save(target)
    except BaseException:
        _discard_openpyxl_temp(sheet)
        raise


def _xlsx_text(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip().strip("'")
    return cleaned[:31] or "Sheet1"


def _discard_openpyxl_temp(sheet: Any) -> None:
    # openpyxl's write-only sheet streams into its own temporary file, which it
    # only removes at interpreter exit; remove it now after a failed write.
    rows = getattr(sheet, "_rows", None)
    if rows is not None:
        # Finish the row generator now, or its clean-up would run at garbage
        # collection against a closed stream.
        with contextlib.suppress(Exception):
            rows.close()
    writer = getattr(sheet, "_writer", None)
    if writer is None:
        return
    with contextlib.suppress(Exception):
        writer.close()
    with contextlib.suppress(Exception):
        writer.cleanup()
