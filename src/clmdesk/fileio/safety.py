"""Checks a file must pass before a spreadsheet parser touches it (fileio layer).

defusedxml protects only Python's XML parsers, not calamine's, and
calamine keeps every sheet as a dense block of cells: a 5 KB workbook with
one value in A1 and one in BXX200000 makes it allocate gigabytes.  So,
before calamine parses a zip-based workbook, :func:`inspect_zip` reads the
zip directory (entry count, declared sizes, compression ratio), inflates
every entry once through :mod:`zipfile` (which stops at the declared size
and checks the CRC, so a lying size cannot run away), refuses XML that
declares a DTD or entities, and bounds each worksheet's dense cell range
from the last row holding a value and the widest column reference.  OLE2
files are told apart with :func:`ole2_is_encrypted`: an encrypted
xlsx is an OLE2 container with an ``EncryptionInfo`` stream, an old .xls is
not.  OpenDocument content is parsed in a child process with a memory
limit instead (see ``readers``), since repeat attributes make any static
bound loose.
"""

from __future__ import annotations

import mmap
import re
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from clmdesk.core.importing.messages import (
    FILE_CORRUPT,
    FILE_NOT_SPREADSHEET,
    FILE_TOO_BIG,
    FILE_TOO_MANY_CELLS,
    FILE_UNSAFE,
)
from clmdesk.fileio.errors import ReadError, read_error

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "OLE2_MAGIC",
    "ZipLimits",
    "ZipReport",
    "container_kind",
    "inspect_zip",
    "ole2_is_encrypted",
]

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")
_ODS_MIMETYPES = (
    b"application/vnd.oasis.opendocument.spreadsheet",
    b"application/vnd.oasis.opendocument.spreadsheet-template",
)
_CHUNK = 1 << 20
# A column reference of two or three letters: the sheet is wider than 26 columns.
_WIDE_REF = re.compile(rb'r="([A-Z]{2,3})[0-9]')
_ANY_REF = re.compile(rb'<(?:\w+:)?c r="([A-Z]{1,3})[0-9]')
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
_ROW_START = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]+)"')
_VALUE_TAGS = (b"<v>", b"<is>", b":v>", b":is>")


@dataclass(frozen=True)
class ZipLimits:
    """Bounds a zip-based workbook must respect before it is parsed.

    Attributes
    ----------
    max_entries
        Entries in the zip directory.
    max_unpacked
        Total uncompressed bytes (declared and real).
    max_ratio
        Uncompressed / compressed size of an entry larger than ``ratio_floor``.
    ratio_floor
        Entries below this uncompressed size are not ratio-checked.
    max_cells
        Dense cells over all worksheets (calamine's memory is per dense cell).
    """

    max_entries: int = 10_000
    max_unpacked: int = 4 << 30
    max_ratio: float = 1000.0
    ratio_floor: int = 16 << 20
    max_cells: int = 20_000_000


@dataclass(frozen=True)
class ZipReport:
    """What :func:`inspect_zip` found.

    Attributes
    ----------
    kind
        ``"xlsx"`` (Office Open XML, incl. .xlsm/.xlsb) or ``"ods"``.
    unpacked
        Real uncompressed bytes of all entries.
    dense_cells
        Upper bound of the dense cells of all worksheets (xlsx only, else 0).
    """

    kind: str
    unpacked: int
    dense_cells: int


def container_kind(path: str | Path) -> str:
    """Tell a file's container from its first bytes.

    Returns
    -------
    str
        ``"zip"``, ``"ole2"``, ``"empty"`` or ``"other"``.
    """
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        return "empty"
    if head.startswith(_ZIP_MAGICS):
        return "zip"
    if head == OLE2_MAGIC:
        return "ole2"
    return "other"


def ole2_is_encrypted(path: str | Path) -> bool:
    """Return True when an OLE2 file holds an ``EncryptionInfo`` stream.

    That is how Office stores a password-protected xlsx; an old .xls has a
    ``Workbook`` stream instead.  The stream name is looked up as UTF-16 in
    the whole file (directory sectors can sit anywhere), which costs one
    memory-mapped scan.
    """
    with open(path, "rb") as handle:
        try:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return data.find(_ENCRYPTION_INFO) >= 0
        except ValueError:  # empty file
            return False


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters:
        number = number * 26 + (char - 64)
    return number


class _SheetScan:
    """Streaming bound of a worksheet's dense range (last valued row x widest column).

    A column reference of two or three letters anywhere is found by a
    regular expression over every chunk (cheap: it rarely matches).  For
    single-letter columns, the widest is taken from the first and the last
    chunks that hold values; a sheet up to column Z cannot be more than 26
    times its last row anyway.
    """

    def __init__(self) -> None:
        self.max_column = 1
        self.cells = 0
        self.previous = b""
        self.first = True
        self.counting = False
        self.valued: tuple[bytes, bytes] = (b"", b"")

    def _widest(self, window: bytes) -> None:
        refs = _ANY_REF.findall(window)
        if refs:
            self.max_column = max(
                self.max_column, *(_column_number(r) for r in set(refs))
            )

    def feed(self, chunk: bytes) -> None:
        if self.first:
            self._widest(chunk)
            self.first = False
            # Cells may omit their reference; then they are placed one after
            # another and only counting them bounds the sheet.
            self.counting = self.max_column == 1 and b"<c" in chunk
        if self.counting:
            self.cells += chunk.count(b"<c")  # plus a few <col>: an upper bound
        window = self.previous[-64:] + chunk
        if _WIDE_REF.search(window) is not None:
            widest = max(_column_number(m) for m in set(_WIDE_REF.findall(window)))
            self.max_column = max(self.max_column, widest)
        if any(tag in chunk for tag in _VALUE_TAGS):
            # Rows are stored in ascending order: the last chunk holding a
            # value (with the one before, for a row split across chunks)
            # tells the last row that calamine will keep.
            self.valued = (self.previous, chunk)
        self.previous = chunk

    def last_row(self) -> int:
        window = self.valued[0] + self.valued[1]
        self._widest(window)
        last_value = max(window.rfind(tag) for tag in _VALUE_TAGS)
        if last_value < 0:
            return 0
        rows = _ROW_START.findall(window, 0, last_value)
        return int(rows[-1]) if rows else 0

    def dense_cells(self) -> int:
        return max(self.last_row() * self.max_column, self.cells)


def _check_prolog(chunk: bytes, path: str | Path) -> bool:
    """Refuse a DTD (the only place entities can be declared); return True while still in the prolog.

    A document type declaration must come before the root element, so only
    the prolog needs looking at, however much padding precedes the root.
    """
    root = _ELEMENT_START.search(chunk)
    prolog = chunk if root is None else chunk[: root.start()]
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise read_error(FILE_UNSAFE, path)
    return root is None


def inspect_zip(path: str | Path, limits: ZipLimits | None = None) -> ZipReport:
    """Check a zip-based workbook before any parser reads it.

    Parameters
    ----------
    path
        The file.
    limits
        The bounds; defaults to :class:`ZipLimits()`.

    Returns
    -------
    ZipReport
        The workbook kind and its measured sizes.

    Raises
    ------
    ReadError
        Damaged zip (``import.file.corrupt``), a zip that is no workbook
        (``not_spreadsheet``), a decompression bomb or XML with a DTD
        (``unsafe``), too large (``too_big``, ``too_many_cells``).
    """
    limits = limits or ZipLimits()
    try:
        with zipfile.ZipFile(path) as archive:
            return _inspect(archive, path, limits)
    except ReadError:
        raise
    except Exception as error:
        # zipfile reports damage in many ways (BadZipFile, zlib.error,
        # EOFError, UnicodeDecodeError of a mangled name, struct.error…).
        raise read_error(FILE_CORRUPT, path) from error


def _inspect(
    archive: zipfile.ZipFile, path: str | Path, limits: ZipLimits
) -> ZipReport:
    entries = archive.infolist()
    if len(entries) > limits.max_entries:
        raise read_error(FILE_UNSAFE, path)
    names = {entry.filename for entry in entries}
    kind = _workbook_kind(archive, names)
    if kind is None:
        raise read_error(FILE_NOT_SPREADSHEET, path)
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_unpacked:
        raise read_error(
            FILE_TOO_BIG,
            path,
            size_mb=declared >> 20,
            limit_mb=limits.max_unpacked >> 20,
        )
    for entry in entries:
        compressed = max(entry.compress_size, 1)
        if (
            entry.file_size > limits.ratio_floor
            and entry.file_size / compressed > limits.max_ratio
        ):
            raise read_error(FILE_UNSAFE, path)
    unpacked = 0
    dense = 0
    for entry in entries:
        if entry.is_dir():
            continue
        is_xml = entry.filename.endswith((".xml", ".rels", ".vml"))
        scan = _SheetScan() if _is_worksheet(entry.filename) else None
        prolog = True
        with archive.open(entry) as stream:
            while chunk := stream.read(_CHUNK):
                unpacked += len(chunk)
                if unpacked > limits.max_unpacked:
                    raise read_error(FILE_UNSAFE, path)
                if is_xml and prolog:
                    prolog = _check_prolog(chunk, path)
                if scan is not None:
                    scan.feed(chunk)
        if scan is not None:
            dense += scan.dense_cells()
            if dense > limits.max_cells:
                raise read_error(
                    FILE_TOO_MANY_CELLS, path, limit=f"{limits.max_cells:,}"
                )
    return ZipReport(kind=kind, unpacked=unpacked, dense_cells=dense)


def _is_worksheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _workbook_kind(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        return "xlsx"
    if "mimetype" in names and "content.xml" in names:
        with archive.open("mimetype") as stream:
            if stream.read(128).strip() in _ODS_MIMETYPES:
                return "ods"
    return None
