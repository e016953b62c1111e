"""Spreadsheet readers: Excel, OpenDocument and CSV files into raw sheets (fileio layer).

:func:`read_file` turns any supported file into a
:class:`~clmdesk.core.importing.records.RawWorkbook`; :func:`plan_file` also
plans it (:mod:`clmdesk.core.importing`).  The kind of file is decided from
its content, not its name:

* zip with ``xl/workbook.xml`` (.xlsx, .xlsm, .xlsb): checked by
  :func:`clmdesk.fileio.safety.inspect_zip`, then read with python-calamine;
* zip with an OpenDocument spreadsheet mimetype (.ods): read with
  python-calamine in a child process under a memory limit;
* OLE2: a password-protected xlsx (``EncryptionInfo`` stream) is refused, an
  old .xls is read with python-calamine (its format bounds a sheet to
  65,536 x 256 cells);
* anything else that decodes as text: CSV (:mod:`clmdesk.fileio.csv_reader`).

calamine gives whole numbers as ``float`` and date-formatted cells as
``date``/``datetime`` (both the 1900 and 1904 date systems), reports error
cells (``#DIV/0!``) as empty, and keeps declared sheet dimensions out of the
way (its range is the cells actually present).  Empty rows are dropped here;
the remaining rows keep their source row numbers.  Every failure is a
:class:`~clmdesk.fileio.errors.ReadError`.  Files are always closed (Windows
would keep them locked).  Thread contract: any thread; calamine releases the
GIL while it parses.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import python_calamine as calamine

from clmdesk.core.importing.messages import (
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_NOT_FOUND,
    FILE_NOT_SPREADSHEET,
    FILE_TOO_MANY_CELLS,
    FILE_UNREADABLE,
    FILE_UNSAFE,
)
from clmdesk.core.importing.records import (
    Cell,
    FilePlan,
    ImportOptions,
    RawSheet,
    RawWorkbook,
)
from clmdesk.fileio.csv_reader import read_csv
from clmdesk.fileio.errors import ReadError, read_error
from clmdesk.fileio.safety import (
    ZipLimits,
    container_kind,
    inspect_zip,
    ole2_is_encrypted,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["SPREADSHEET_SUFFIXES", "ReadError", "plan_file", "read_file"]

#: File name suffixes the open dialog offers (content decides the reader).
SPREADSHEET_SUFFIXES = (
    ".xlsx",
    ".xlsm",
    ".xlsb",
    ".xls",
    ".ods",
    ".csv",
    ".txt",
    ".tsv",
)

_CHILD_TIMEOUT_S = 600
_MIN_CHILD_MEMORY = 2 << 30


def read_file(path: str | Path, options: ImportOptions | None = None) -> RawWorkbook:
    """Read every sheet of a spreadsheet or CSV file.

    Parameters
    ----------
    path
        The file.
    options
        ``options.max_cells`` caps the cells read (default 20 million).

    Returns
    -------
    RawWorkbook
        Raw sheets in workbook order (empty sheets kept without rows), with
        the file's size and SHA-256.

    Raises
    ------
    ReadError
        For any file that cannot be read; ``error.message`` names the file.
    """
    options = options or ImportOptions()
    path = Path(path)
    if not path.is_file():
        raise read_error(FILE_NOT_FOUND, path)
    try:
        return _read_file(path, options)
    except ReadError:
        raise
    except MemoryError as error:
        raise read_error(FILE_UNSAFE, path) from error
    except Exception as error:
        # The readers map every failure they know; anything else is still
        # the file's fault as far as the user can tell, and must name it.
        raise read_error(FILE_CORRUPT, path) from error


def _read_file(path: Path, options: ImportOptions) -> RawWorkbook:
    try:
        kind = container_kind(path)
        size, digest = _size_and_digest(path)
    except OSError as error:
        raise read_error(
            FILE_UNREADABLE, path, detail=error.strerror or str(error)
        ) from error
    if kind == "empty":
        raise read_error(FILE_EMPTY, path)
    if kind == "zip":
        report = inspect_zip(path, ZipLimits(max_cells=options.max_cells))
        if report.kind == "ods":
            sheets = _read_in_child(path, options.max_cells)
        else:
            sheets = _read_calamine(path, options.max_cells)
    elif kind == "ole2":
        if ole2_is_encrypted(path):
            raise read_error(FILE_ENCRYPTED, path)
        sheets = _read_calamine(path, options.max_cells)
    else:
        sheets = [read_csv(path, options.max_cells)]
    if not any(sheet.rows for sheet in sheets):
        raise read_error(FILE_EMPTY, path)
    return RawWorkbook(
        path=str(path), file=path.name, size=size, sha256=digest, sheets=tuple(sheets)
    )


def plan_file(path: str | Path, options: ImportOptions | None = None) -> FilePlan:
    """Read a file and plan every sheet (header row, role, mapping, formats).

    Parameters
    ----------
    path
        The file.
    options
        Language, cell cap, remembered mappings, date-order decisions.

    Returns
    -------
    FilePlan
        The plans, with the raw data they were made from.

    Raises
    ------
    ReadError
        When the file cannot be read.
    """
    from clmdesk.core.importing.plan import plan_workbook

    options = options or ImportOptions()
    return plan_workbook(read_file(path, options), options)


def _size_and_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _read_calamine(path: Path, max_cells: int) -> list[RawSheet]:
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as error:
        raise read_error(FILE_ENCRYPTED, path) from error
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError) as error:
        raise read_error(FILE_CORRUPT, path) from error
    except OSError as error:
        raise read_error(
            FILE_UNREADABLE, path, detail=error.strerror or str(error)
        ) from error
    except Exception as error:  # calamine raises plain errors for unknown formats
        raise read_error(FILE_NOT_SPREADSHEET, path) from error
    try:
        return _sheets(workbook, path, max_cells)
    finally:
        workbook.close()


def _sheets(workbook: Any, path: Path, max_cells: int) -> list[RawSheet]:
    sheets: list[RawSheet] = []
    cells = 0
    for meta in workbook.sheets_metadata:
        if meta.typ != calamine.SheetTypeEnum.WorkSheet:
            continue  # chart and dialog sheets hold no rows
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except calamine.PasswordError as error:
            raise read_error(FILE_ENCRYPTED, path) from error
        except Exception as error:
            raise read_error(FILE_CORRUPT, path) from error
        cells += sheet.height * sheet.width
        if cells > max_cells:
            raise read_error(FILE_TOO_MANY_CELLS, path, limit=f"{max_cells:,}")
        sheets.append(_raw_sheet(path.name, meta.name, sheet))
        del sheet
    return sheets


def _raw_sheet(file: str, name: str, sheet: Any) -> RawSheet:
    start = sheet.start
    first = (start[0] if start else 0) + 1
    with _collector_paused():
        rows: list[list[Cell]] = list(sheet.iter_rows())
    keep = list(map(any, rows))  # C-speed; a row of zeros is checked again below
    row_numbers: Sequence[int]
    if all(keep):
        row_numbers = range(first, first + len(rows))
    else:
        numbers = []
        kept = []
        for index, (row, flag) in enumerate(zip(rows, keep, strict=True)):
            if flag or any(value != "" and value is not None for value in row):
                kept.append(row)
                numbers.append(first + index)
        rows, row_numbers = kept, numbers
    width = sheet.width if rows else 0
    return RawSheet(
        file=file, name=name, rows=rows, row_numbers=row_numbers, width=width
    )


_pause_lock = threading.Lock()
_pauses = 0
_collector_was_enabled = True


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a sheet's rows are built.

    A million new row lists would trigger hundreds of collections that
    each walk every object alive, for nothing: rows hold no cycles.
    Reference counting still frees memory meanwhile.  Nested and concurrent
    pauses are counted; the last one re-enables the collector, and only if
    it was enabled before the first.
    """
    global _pauses, _collector_was_enabled
    with _pause_lock:
        if _pauses == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _collector_was_enabled:
                gc.enable()


def _read_in_child(path: Path, max_cells: int) -> list[RawSheet]:
    """Parse with calamine in a child process whose address space is capped."""
    limit = max(_MIN_CHILD_MEMORY, max_cells * 200)
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(str(path), max_cells, limit, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(_CHILD_TIMEOUT_S):
            raise read_error(FILE_UNSAFE, path)
        status, payload = receiver.recv()
    except EOFError:
        # The child died without answering: out of memory or crashed.
        raise read_error(FILE_UNSAFE, path) from None
    finally:
        receiver.close()
        child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    if status == "ok":
        return [
            RawSheet(
                file=path.name, name=name, rows=rows, row_numbers=numbers, width=width
            )
            for name, rows, numbers, width in payload
        ]
    raise ReadError(payload)


def _child_main(path: str, max_cells: int, limit: int, sender: Any) -> None:
    if sys.platform != "win32":
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        sheets = _read_calamine(Path(path), max_cells)
        payload = [
            (sheet.name, sheet.rows, list(sheet.row_numbers), sheet.width)
            for sheet in sheets
        ]
        sender.send(("ok", payload))
    except ReadError as error:
        sender.send(("error", error.message))
    except MemoryError:
        sender.send(("error", read_error(FILE_UNSAFE, path).message))
    finally:
        sender.close()
