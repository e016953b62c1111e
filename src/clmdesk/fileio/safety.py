"""Checks a file must pass before a spreadsheet parser touches it (fileio layer).

defusedxml protects only Python's XML parsers, not calamine's, and
calamine keeps every sheet as a dense block of cells: a 500-byte workbook
with one value in A1 and one in XFD1048576 makes it ask for 512 GB and
abort the process.  So, before calamine parses a zip-based workbook,
:func:`inspect_zip` reads the zip directory (entry count, declared sizes,
compression ratio), inflates every entry once through :mod:`zipfile`
(which stops at the declared size and checks the CRC, so a lying size
cannot run away), refuses XML that declares a DTD or entities, and bounds
the dense block of every entry of an xlsx (calamine follows the workbook's
relationships to a worksheet wherever it lies) with
:class:`~clmdesk.fileio.cell_bounds.CellScan`.  OLE2 files are told apart
with :func:`ole2_is_encrypted`: an encrypted xlsx is an OLE2 container with
an ``EncryptionInfo`` stream, an old .xls is not.  The other formats (.xls,
.xlsb, OpenDocument) are parsed in a child process with a memory limit
instead (see ``readers``): their records and repeat attributes would need
parsers of their own to bound.

A reader that streams a large worksheet itself (``xlsx_chunks``) can ask
:func:`inspect_zip` to *defer* that entry: the directory checks still cover
it, and :class:`DeferredChecks` applies the same content checks chunk by
chunk while the reader inflates it, so the sheet is inflated once instead of
twice.  Every deferred entry must pass through :class:`DeferredChecks`
before calamine parses it.

The checks run on the import's worker thread while the window's thread
needs the GIL: no single C call here holds it long (numpy works on one
chunk of 1 MB at a time).
"""

from __future__ import annotations

import mmap
import re
import zipfile
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from clmdesk.core.importing.messages import (
    FILE_CORRUPT,
    FILE_NOT_SPREADSHEET,
    FILE_TOO_BIG,
    FILE_TOO_MANY_CELLS,
    FILE_UNSAFE,
)
from clmdesk.core.messages import Count
from clmdesk.fileio.cell_bounds import CellScan, exact_cells, loose_cells
from clmdesk.fileio.errors import ReadError, read_error

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

__all__ = [
    "OLE2_MAGIC",
    "DeferredChecks",
    "EntryCheck",
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
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
# A workbook calamine may read with another reader than its xlsx one.
_OTHER_WORKBOOK_PARTS = ("xl/workbook.bin", "mimetype", "content.xml")


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
        Dense cells over all entries (calamine's memory is per dense cell).
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
        ``"xlsx"`` (Office Open XML with an XML workbook and nothing that
        another calamine reader would take), ``"binary"`` (a binary
        workbook, .xlsb, or parts of several formats) or ``"ods"``.
    unpacked
        Real uncompressed bytes of all entries (deferred ones excluded).
    dense_cells
        Upper bound of the dense cells calamine could build from the
        entries (``"xlsx"`` only, else 0; deferred ones excluded).
    deferred
        Entries whose content was not inflated (``defer`` of
        :func:`inspect_zip`): :class:`DeferredChecks` must check them.
    """

    kind: str
    unpacked: int
    dense_cells: int
    deferred: tuple[str, ...] = field(default=())


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


def inspect_zip(
    path: str | Path,
    limits: ZipLimits | None = None,
    defer: Callable[[zipfile.ZipInfo], bool] | None = None,
) -> ZipReport:
    """Check a zip-based workbook before any parser reads it.

    Parameters
    ----------
    path
        The file.
    limits
        The bounds; defaults to :class:`ZipLimits()`.
    defer
        Entries for which this returns True get the directory checks only;
        their content is left to :class:`DeferredChecks` (listed in
        :attr:`ZipReport.deferred`).

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
            return _inspect(archive, path, limits, defer)
    except ReadError:
        raise
    except Exception as error:
        # zipfile reports damage in many ways (BadZipFile, zlib.error,
        # EOFError, UnicodeDecodeError of a mangled name, struct.error…).
        raise read_error(FILE_CORRUPT, path) from error


class _Totals:
    """Bytes inflated and dense cells bounded so far, over all entries of one file."""

    def __init__(self, unpacked: int = 0, dense: int = 0) -> None:
        self.unpacked = unpacked
        self.dense = dense


class EntryCheck:
    """The content checks of one zip entry, fed chunk by chunk as it is inflated.

    Refuses a DTD in an XML prolog and a total of inflated bytes above the
    limit as the chunks arrive; when ``cells`` is true, :meth:`close` adds
    the entry's dense-cell bound to the file's total and refuses the file
    above ``max_cells``.  Made by :class:`DeferredChecks` (and by
    :func:`inspect_zip` for the entries it inflates itself).

    Parameters
    ----------
    name
        The entry.
    path
        The file (named in errors).
    limits
        The bounds.
    totals
        The file's running totals.
    cells
        Bound the dense cells calamine could build from this entry.
    reopen
        Opens the entry again: a bound from bytes that is not tight
        (cells without references) is then made exact by replaying the
        entry, when it would refuse the file.
    """

    def __init__(
        self,
        name: str,
        path: str | Path,
        limits: ZipLimits,
        totals: _Totals,
        *,
        cells: bool = True,
        reopen: Callable[[], IO[bytes]] | None = None,
    ) -> None:
        self._path = path
        self._limits = limits
        self._totals = totals
        self._is_xml = name.lower().endswith((".xml", ".rels", ".vml"))
        self._prolog = True
        self._scan = CellScan() if cells else None
        self._reopen = reopen

    def dense_so_far(self) -> float:
        """Upper bound of the dense cells of any stretch of complete rows fed so far.

        A piece of the sheet cut from those bytes cannot make calamine
        build more (see :meth:`CellScan.bound`).
        """
        return self._scan.bound() if self._scan is not None else 0.0

    def feed(self, chunk: bytes) -> None:
        """Check the next inflated chunk of the entry."""
        totals = self._totals
        totals.unpacked += len(chunk)
        if totals.unpacked > self._limits.max_unpacked:
            raise read_error(FILE_UNSAFE, self._path)
        if self._is_xml and self._prolog:
            self._prolog = _check_prolog(chunk, self._path)
        if self._scan is not None:
            self._scan.feed(chunk)

    def close(self) -> None:
        """Finish the entry: add its dense cells to the file's bound."""
        if self._scan is None:
            return
        dense, tight = self._scan.final()
        limit = self._limits.max_cells
        room = limit - self._totals.dense
        if not tight and dense > room and self._reopen is not None:
            dense = self._again(dense, room)
        self._totals.dense += int(min(dense, 1 << 62))
        if self._totals.dense > limit:
            raise read_error(FILE_TOO_MANY_CELLS, self._path, limit=Count(limit))

    def _again(self, dense: float, room: int) -> float:
        """Read the entry again for a bound that is not tight and too large."""
        assert self._reopen is not None
        assert self._scan is not None
        if self._scan.rows_missed:
            with self._reopen() as stream:
                dense = loose_cells(stream)
        if dense > room:
            with self._reopen() as stream:
                exact = exact_cells(stream)
            if exact is not None:
                dense = exact
        return dense


class DeferredChecks:
    """The content checks :func:`inspect_zip` deferred, applied while a reader streams.

    Parameters
    ----------
    path
        The file (named in errors).
    limits
        The bounds given to :func:`inspect_zip`.
    report
        Its report: the totals so far and the deferred entries.

    Notes
    -----
    A reader calls :meth:`entry` for a deferred entry, feeds every inflated
    chunk of it, in order, to the returned :class:`EntryCheck` before
    handing those bytes to a parser, and closes it at the end of the entry.
    :meth:`check_pending` inflates and checks the entries not streamed yet:
    call it before calamine parses a deferred entry the reader did not
    stream, and at the end.
    """

    def __init__(self, path: str | Path, limits: ZipLimits, report: ZipReport) -> None:
        self._path = path
        self._limits = limits
        self._totals = _Totals(report.unpacked, report.dense_cells)
        self._pending = list(report.deferred)

    @property
    def pending(self) -> tuple[str, ...]:
        """Deferred entries not checked yet."""
        return tuple(self._pending)

    def entry(self, name: str, archive: zipfile.ZipFile | None = None) -> EntryCheck:
        """Start checking the deferred entry ``name`` (each entry once).

        ``archive`` (the file, kept open by the caller) lets the check read
        the entry again when its bound from bytes needs replaying.
        """
        self._pending.remove(name)
        reopen = None if archive is None else (lambda: archive.open(name))
        return EntryCheck(name, self._path, self._limits, self._totals, reopen=reopen)

    def check_pending(self, archive: zipfile.ZipFile) -> None:
        """Inflate and check every deferred entry not streamed yet.

        Raises
        ------
        ReadError
            As :func:`inspect_zip` would have.
        """
        try:
            for name in self.pending:
                check = self.entry(name, archive)
                with archive.open(name) as stream:
                    while chunk := stream.read(_CHUNK):
                        check.feed(chunk)
                check.close()
        except ReadError:
            raise
        except Exception as error:
            raise read_error(FILE_CORRUPT, self._path) from error


def _inspect(
    archive: zipfile.ZipFile,
    path: str | Path,
    limits: ZipLimits,
    defer: Callable[[zipfile.ZipInfo], bool] | None,
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
    totals = _Totals()
    deferred: list[str] = []
    cells = kind == "xlsx"
    for entry in entries:
        if entry.is_dir():
            continue
        if cells and defer is not None and defer(entry):
            deferred.append(entry.filename)
            continue
        # calamine finds a worksheet wherever the workbook's relationships
        # point (any folder, any case, any extension): bound every entry.
        check = EntryCheck(
            entry.filename,
            path,
            limits,
            totals,
            cells=cells,
            reopen=lambda entry=entry: archive.open(entry),  # type: ignore[misc]
        )
        with archive.open(entry) as stream:
            while chunk := stream.read(_CHUNK):
                check.feed(chunk)
        check.close()
    return ZipReport(
        kind=kind,
        unpacked=totals.unpacked,
        dense_cells=totals.dense,
        deferred=tuple(deferred),
    )


def _workbook_kind(archive: zipfile.ZipFile, names: set[str]) -> str | None:
    lower = {name.lower() for name in names}
    if "xl/workbook.xml" in names and not lower.intersection(_OTHER_WORKBOOK_PARTS):
        return "xlsx"
    if "xl/workbook.xml" in names or "xl/workbook.bin" in lower:
        # calamine picks its reader by the file's extension, then by trying
        # each: with parts of several formats, which one reads is unsure.
        return "binary"
    if "mimetype" in names and "content.xml" in names:
        with archive.open("mimetype") as stream:
            if stream.read(128).strip() in _ODS_MIMETYPES:
                return "ods"
    return None
