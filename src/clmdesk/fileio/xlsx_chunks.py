"""Large xlsx worksheets parsed in row pieces on a small thread pool (fileio layer).

python-calamine parses a worksheet on one core (it releases the GIL while
it does).  A large worksheet is therefore streamed out of the zip with
:mod:`zipfile` (bounded memory: a few pieces at a time, never the whole
XML), cut into pieces of about :attr:`SplitSettings.piece_bytes`, and each
piece, wrapped as the only worksheet of a small in-memory workbook
(``ZIP_STORED``, with the original ``[Content_Types].xml``, workbook,
relationships, styles and shared strings, so dates in both systems, styles
and shared strings read exactly as in the whole file), is parsed by
calamine on a pool thread.  The pieces' rows are put back in order,
re-anchored to the whole sheet's first column, and give exactly the
:class:`~clmdesk.core.importing.records.RawSheet` the whole-sheet read
gives: same values, same source row numbers, empty rows dropped, same
width.

Where to cut: calamine reads a sheet as a sequence of events and keeps two
numbers between them, the current row (set by a row's ``r``, else one more
than the row before) and column (back to 0 after each ``</row>``; cells
without ``r`` take the next one).  Just before a ``<row r="...">`` that
follows a ``</row>``, both are fully determined by that tag, so a piece
starting there parses exactly like that stretch of the whole sheet, whatever
rows without ``r`` or cells without ``r`` it holds.  Only those points are
cut at; a sheet without any is read as one piece.

The split only changes speed, never results: whenever a sheet is not known
to be safe to cut, :meth:`PieceReader.read` returns ``None`` and the caller
reads the sheet whole.  That happens for comments, CDATA or processing
instructions in the sheet data (text that could look like rows), a sheet
head or rows that cannot be found, rows out of order or pieces whose ranges
overlap, a piece whose range could pass the cell cap, shared strings too
large to copy into every piece, or any error while a piece is built or
parsed (the whole read then reports it as usual).  Prefixed tags
(``<x:row>``) are followed.

Every byte of a deferred worksheet goes through
:class:`~clmdesk.fileio.safety.EntryCheck` before calamine sees it, and a
piece is parsed only when the check's bound of everything fed so far fits
the cell cap (a piece's rows say nothing of where its cells' references
point); the running range of the pieces read so far counts against the
cap as the whole read's range would.  Thread contract: :class:`PieceReader` is used
from one thread; it runs the pieces on its own pool.
"""

from __future__ import annotations

import io
import logging
import os
import posixpath
import re
import struct
import zipfile
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import python_calamine as calamine

from clmdesk.core.importing.messages import FILE_CORRUPT, FILE_TOO_MANY_CELLS
from clmdesk.core.importing.records import Cell, RawSheet
from clmdesk.core.messages import Count
from clmdesk.core.tasks import Cancelled
from clmdesk.fileio.errors import ReadError, read_error

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from clmdesk.fileio.safety import DeferredChecks, EntryCheck

__all__ = ["PieceReader", "SplitSettings", "drop_empty_rows"]

_log = logging.getLogger(__name__)

_CHUNK = 1 << 20
# The part of a worksheet before its rows (sheet views, columns) is copied
# into every piece; a larger one is not worth splitting for.
_MAX_PREFIX = 1 << 20
_WORKSHEET_DIR = "xl/worksheets/"
_WORKSHEET_TYPE = "/worksheet"
_PIECE_TYPES = ("/styles", "/sharedStrings")
_ALWAYS_COPIED = (
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
)
_ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)worksheet[\s>/]")
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")
_QNAME_PREFIX = re.compile(rb"(?:[A-Za-z_][\w.-]*:)?")
_BLANKS = b" \t\r\n"
# Candidate cut points tried around the wanted size before reading on.
_CUT_TRIES = 32
# MS-DOS date of 1980-01-01 for the entries of a piece.
_DOS_DATE = (0 << 9) | (1 << 5) | 1


class _Unsplittable(Exception):
    """This sheet cannot be cut safely: read it whole."""


@dataclass(frozen=True)
class SplitSettings:
    """When and how a worksheet is read in pieces.

    Attributes
    ----------
    threshold
        Uncompressed size (declared in the zip directory) from which a
        worksheet is read in pieces; smaller ones are read whole.  Even a
        single piece parses faster than the whole-sheet read (its empty
        ``mergeCells`` spares calamine a second pass, see
        :func:`_find_head`): measured 10-25 % from 1 MB (some 3,000 rows
        of 7 columns) up; below that the pool and the copied parts are
        not worth setting up.
    piece_bytes
        Sheet XML per piece.  Small enough that turning one piece's cells
        into Python objects (one C call holding the GIL) stays near 10 ms,
        large enough that the parts copied into each piece cost little.
        Grows with the shared strings (see :attr:`sst_factor`).
    workers
        Threads parsing pieces; 0 = the number of CPUs, at most 4.  Fewer
        than 2 turns splitting off.
    sst_factor
        A piece holds at least this many times the shared strings' size,
        which every piece parses again (a 2.8 MB table costs 36 ms a piece).
    max_piece_bytes
        Largest piece (about 30 ms of GIL to convert); shared strings above
        half of it mean the sheet is read whole.
    """

    threshold: int = 2 << 20
    piece_bytes: int = 4 << 20
    workers: int = 0
    sst_factor: int = 4
    max_piece_bytes: int = 16 << 20

    @property
    def pool_size(self) -> int:
        """Threads of the pool (0 when splitting is off)."""
        workers = self.workers or min(os.cpu_count() or 1, 4)
        return workers if workers >= 2 else 0

    def is_big(self, entry: zipfile.ZipInfo) -> bool:
        """True for a worksheet entry large enough to read in pieces."""
        return (
            self.pool_size > 0
            and entry.filename.startswith(_WORKSHEET_DIR)
            and entry.filename.endswith(".xml")
            and entry.file_size >= self.threshold
        )


def drop_empty_rows(
    rows: list[list[Cell]],
) -> tuple[list[list[Cell]], list[int] | None]:
    """Drop rows whose cells are all empty (``""`` or ``None``).

    Returns
    -------
    tuple
        The kept rows and their indices in ``rows``, or ``None`` for the
        indices when every row was kept.  A row of zeros or ``False`` is
        kept.
    """
    flags = list(map(any, rows))  # C speed; a row of zeros is checked again below
    if all(flags):
        return rows, None
    kept: list[list[Cell]] = []
    indices: list[int] = []
    for index, (row, flag) in enumerate(zip(rows, flags, strict=True)):
        if flag or any(value != "" and value is not None for value in row):
            kept.append(row)
            indices.append(index)
    return kept, indices


class _ZipTemplate:
    """An in-memory xlsx made of fixed parts plus one worksheet, written by hand.

    Stored (not deflated) entries: a piece is zipped and unzipped at memory
    speed, and the fixed parts are laid out once for all pieces.
    """

    def __init__(self, parts: Sequence[tuple[str, bytes]]) -> None:
        local = bytearray()
        central = bytearray()
        for name, data in parts:
            header, record = _entry_headers(name, [data], len(local))
            local += header
            local += data
            central += record
        self._local = bytes(local)
        self._central = bytes(central)
        self._count = len(parts)
        self.size = len(self._local)

    def build(self, name: str, chunks: Sequence[bytes]) -> bytes:
        """The zip file: the fixed parts plus ``name`` holding ``chunks`` joined."""
        header, record = _entry_headers(name, chunks, len(self._local))
        size = sum(map(len, chunks))
        central = self._central + record
        end = struct.pack(
            "<IHHHHIIH",
            0x06054B50,
            0,
            0,
            self._count + 1,
            self._count + 1,
            len(central),
            len(self._local) + len(header) + size,
            0,
        )
        return b"".join([self._local, header, *chunks, central, end])


def _entry_headers(
    name: str, chunks: Sequence[bytes], offset: int
) -> tuple[bytes, bytes]:
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)  # releases the GIL on large chunks
    size = sum(map(len, chunks))
    encoded = name.encode("utf-8")
    flags = 0 if encoded.isascii() else 0x800
    local = struct.pack(
        "<IHHHHHIIIHH",
        0x04034B50,
        20,
        flags,
        0,
        0,
        _DOS_DATE,
        crc,
        size,
        size,
        len(encoded),
        0,
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        20,
        20,
        flags,
        0,
        0,
        _DOS_DATE,
        crc,
        size,
        size,
        len(encoded),
        0,
        0,
        0,
        0,
        0,
        offset,
    )
    return local + encoded, central + encoded


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _workbook_layout(
    archive: zipfile.ZipFile,
) -> tuple[dict[str, str], list[str]] | None:
    """Worksheet entry of each sheet name, and the entries a piece copies.

    Only plain targets are followed (``worksheets/sheet1.xml``,
    ``/xl/worksheets/sheet1.xml``); a sheet with any other, or a name used
    twice, gets no entry and is read whole.  ``None`` when the workbook
    parts cannot be read.
    """
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return None
    try:
        # inspect_zip has refused any DTD in these parts: no entity can expand.
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (ElementTree.ParseError, KeyError, zipfile.BadZipFile):
        return None
    targets: dict[str, tuple[str, str]] = {}
    for relation in relations.iter():
        if _local_name(relation.tag) != "Relationship":
            continue
        if relation.get("TargetMode", "") == "External":
            continue
        identifier, target = relation.get("Id"), relation.get("Target")
        if identifier and target:
            targets[identifier] = (relation.get("Type", ""), _resolve(target))
    entries: dict[str, str] = {}
    seen: set[str] = set()
    for sheet in workbook.iter():
        if _local_name(sheet.tag) != "sheet":
            continue
        name = sheet.get("name")
        identifier = next(
            (value for key, value in sheet.attrib.items() if _local_name(key) == "id"),
            None,
        )
        if name is None or identifier is None:
            continue
        kind, target = targets.get(identifier, ("", ""))
        if name in seen:
            entries.pop(name, None)
            continue
        seen.add(name)
        if kind.endswith(_WORKSHEET_TYPE) and target in names:
            entries[name] = target
    copied = [name for name in _ALWAYS_COPIED if name in names]
    for kind, target in targets.values():
        if kind.endswith(_PIECE_TYPES) and target in names and target not in copied:
            copied.append(target)
    return entries, copied


def _resolve(target: str) -> str:
    path = target[1:] if target.startswith("/") else "xl/" + target
    normal = posixpath.normpath(path)
    # Anything but a plain path inside xl/ is left to calamine alone.
    if normal != path or not normal.startswith("xl/"):
        return ""
    return normal


@dataclass
class _Piece:
    """What one piece gave: kept rows with their 1-based row numbers and its range."""

    rows: list[list[Cell]]
    numbers: Sequence[int]
    start: tuple[int, int] | None
    end: tuple[int, int] | None


@dataclass(frozen=True)
class _Tags:
    """The sheet's tags, with its namespace prefix (``b""`` or ``b"x:"``)."""

    row: bytes
    row_with_r: bytes
    row_end: bytes
    close_data: bytes
    suffix: bytes

    @classmethod
    def of(cls, data_prefix: bytes, root_prefix: bytes) -> _Tags:
        p = data_prefix
        return cls(
            row=b"<" + p + b"row",
            row_with_r=b"<" + p + b'row r="',
            row_end=b"</" + p + b"row>",
            close_data=b"</" + p + b"sheetData>",
            suffix=b"</" + p + b"sheetData></" + root_prefix + b"worksheet>",
        )


def _parse_piece(
    template: _ZipTemplate,
    entry: str,
    sheet_name: str,
    head: bytes,
    body: bytes,
    tags: _Tags,
) -> _Piece:
    """Check, wrap and parse one piece (on a pool thread)."""
    # A cut inside a comment, CDATA or a processing instruction would turn
    # their text into rows.  One-byte searches are memchr-fast; the exact
    # ones run only when a "!" or "?" is there at all.
    if (b"!" in body and b"<!" in body) or (b"?" in body and b"<?" in body):
        raise _Unsplittable("comments, CDATA or processing instructions")
    data = template.build(entry, [head, body, tags.suffix])
    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:
        raise _Unsplittable("calamine could not open a piece") from error
    del data
    try:
        sheet = workbook.get_sheet_by_name(sheet_name)
        start, end = sheet.start, sheet.end
        if start is None or end is None:
            return _Piece(rows=[], numbers=(), start=None, end=None)
        height, width = sheet.height, sheet.width
        # The piece's own range: no padding from row 0 (iter_rows pads).
        converted: Any = sheet.to_python(skip_empty_area=True)
    except Exception as error:
        raise _Unsplittable("calamine could not read a piece") from error
    finally:
        workbook.close()
    rows: list[list[Cell]] = converted
    if len(rows) != height or (rows and len(rows[0]) != width):
        raise _Unsplittable("a piece's range is not what calamine reported")
    kept, indices = drop_empty_rows(rows)
    first = start[0] + 1
    numbers: Sequence[int] = (
        range(first, first + len(rows))
        if indices is None
        else [first + index for index in indices]
    )
    return _Piece(rows=kept, numbers=numbers, start=start, end=end)


class _Assembly:
    """The pieces of one sheet put back together, in order."""

    def __init__(self, cells_before: int, max_cells: int, path: str | Path) -> None:
        self.pieces: list[_Piece] = []
        self.count = 0
        self.first_row = -1
        self.last_row = -1
        self.first_column = -1
        self.last_column = -1
        self._cells_before = cells_before
        self._max_cells = max_cells
        self._path = path

    @property
    def dense(self) -> int:
        """Cells of the range so far, from row 1 as the whole read counts them."""
        if self.first_row < 0:
            return 0
        return (self.last_row + 1) * (self.last_column - self.first_column + 1)

    def add(self, piece: _Piece) -> None:
        self.count += 1
        if piece.start is None or piece.end is None:
            return
        (top, left), (bottom, right) = piece.start, piece.end
        if self.first_row < 0:
            self.first_row, self.first_column = top, left
            self.last_row, self.last_column = bottom, right
        else:
            if top <= self.last_row:
                raise _Unsplittable("rows out of order")
            self.last_row = bottom
            self.first_column = min(self.first_column, left)
            self.last_column = max(self.last_column, right)
        self.pieces.append(piece)
        if self._cells_before + self.dense > self._max_cells:
            # The whole sheet's range is at least this one: the whole read
            # would refuse the file too.
            raise read_error(
                FILE_TOO_MANY_CELLS, self._path, limit=Count(self._max_cells)
            )

    def sheet(self, file: str, name: str) -> RawSheet:
        width = self.last_column - self.first_column + 1 if self.pieces else 0
        kept = sum(len(piece.rows) for piece in self.pieces)
        # No row dropped: the whole read gives a range too.
        every_row = bool(self.pieces) and kept == self.last_row - self.first_row + 1
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        for piece in self.pieces:
            assert piece.start is not None
            assert piece.end is not None
            left = piece.start[1] - self.first_column
            right = width - left - (piece.end[1] - piece.start[1] + 1)
            if left or right:
                # Re-anchor to the sheet's first column, as the whole range is.
                before: list[Cell] = [""] * left
                after: list[Cell] = [""] * right
                piece.rows = [before + row + after for row in piece.rows]
            rows.extend(piece.rows)
            if not every_row:
                numbers.extend(piece.numbers)
            piece.rows = []
        row_numbers: Sequence[int] = (
            range(self.first_row + 1, self.last_row + 2) if every_row else numbers
        )
        return RawSheet(
            file=file,
            name=name,
            rows=rows,
            row_numbers=row_numbers,
            width=width if rows else 0,
        )


class PieceReader:
    """Reads the large worksheets of one xlsx in pieces (see the module docstring).

    Parameters
    ----------
    path
        The file (named in errors).
    archive
        The file opened with :mod:`zipfile`, kept open by the caller.
    checks
        The content checks deferred by ``inspect_zip`` (every large
        worksheet's entry is among them).
    settings
        Threshold, piece size, pool size.
    is_cancelled
        Polled between chunks; :class:`~clmdesk.core.tasks.Cancelled` is
        raised when it turns true.
    progress
        ``progress(done, total)`` in bytes of the deferred entries read
        (their sizes declared in the zip directory make the total).
    """

    def __init__(
        self,
        path: str | Path,
        archive: zipfile.ZipFile,
        checks: DeferredChecks,
        settings: SplitSettings,
        is_cancelled: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self._path = path
        self._archive = archive
        self._checks = checks
        self._settings = settings
        self._is_cancelled = is_cancelled
        self._progress = progress
        self._bytes_read = 0
        self._bytes_total = sum(
            archive.getinfo(name).file_size for name in checks.pending
        )
        layout = _workbook_layout(archive)
        self._entries, copied = layout if layout is not None else ({}, [])
        self._copied = copied
        self._template: _ZipTemplate | None = None
        self._piece_bytes = settings.piece_bytes
        self._pool: ThreadPoolExecutor | None = None

    def __enter__(self) -> PieceReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool (waits for the pieces being parsed)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def read(
        self, sheet_name: str, cells_before: int, max_cells: int
    ) -> tuple[RawSheet, int] | None:
        """Read a large worksheet in pieces.

        Parameters
        ----------
        sheet_name
            The sheet, as calamine names it.
        cells_before
            Cells (dense range) of the sheets read before, for the cap.
        max_cells
            The file's cell cap.

        Returns
        -------
        tuple or None
            The sheet and its dense cells, or ``None`` when it is not a
            deferred large worksheet or cannot be split; its entry has then
            been checked in full and the caller reads it whole.

        Raises
        ------
        ReadError
            From the deferred checks, or too many cells.
        Cancelled
            When ``is_cancelled()`` turned true.
        """
        entry = self._entries.get(sheet_name)
        if entry is None or entry not in self._checks.pending:
            return None
        check = self._checks.entry(entry, self._archive)
        try:
            with self._archive.open(entry) as stream:
                try:
                    assembly: _Assembly | None = self._split(
                        stream, check, entry, sheet_name, cells_before, max_cells
                    )
                except (ReadError, Cancelled):
                    raise
                except Exception as error:
                    # _Unsplittable, or anything unexpected on the way: the
                    # split only changes speed, so read the sheet whole.
                    _log.debug(
                        "sheet %r read whole: %s", sheet_name, error or repr(error)
                    )
                    assembly = None
                # The checks must see every byte before calamine parses it.
                while chunk := stream.read(_CHUNK):
                    self._poll()
                    self._feed(check, chunk)
        except (ReadError, Cancelled):
            raise
        except Exception as error:  # zlib, CRC, truncated entry
            raise read_error(FILE_CORRUPT, self._path) from error
        check.close()
        if assembly is None:
            return None
        _log.debug("sheet %r read in %d pieces", sheet_name, assembly.count)
        return assembly.sheet(Path(self._path).name, sheet_name), assembly.dense

    def _poll(self) -> None:
        if self._is_cancelled is not None and self._is_cancelled():
            raise Cancelled

    def _feed(self, check: EntryCheck, chunk: bytes) -> None:
        """Pass ``chunk`` through the checks, and count it for progress."""
        check.feed(chunk)
        self._bytes_read += len(chunk)
        if self._progress is not None:
            total = max(self._bytes_total, self._bytes_read)
            self._progress(self._bytes_read, total)

    def _template_for_pieces(self) -> _ZipTemplate:
        if self._template is None:
            settings = self._settings
            # Every piece parses the shared strings again (about 13 ms per
            # MB, against some 16 ms per MB of sheet): pieces grow with
            # them, and beyond half the largest piece splitting gains little.
            shared = sum(
                self._archive.getinfo(name).file_size
                for name in self._copied
                if "sharedstrings" in name.lower()
            )
            if 2 * shared > settings.max_piece_bytes:
                raise _Unsplittable("shared strings too large to copy into every piece")
            self._piece_bytes = min(
                max(settings.piece_bytes, settings.sst_factor * shared),
                max(settings.max_piece_bytes, settings.piece_bytes),
            )
            parts = [(name, self._archive.read(name)) for name in self._copied]
            self._template = _ZipTemplate(parts)
        return self._template

    def _pool_for_pieces(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=self._settings.pool_size,
                thread_name_prefix="clmdesk-xlsx-piece",
            )
        return self._pool

    def _split(
        self,
        stream: Any,
        check: EntryCheck,
        entry: str,
        sheet_name: str,
        cells_before: int,
        max_cells: int,
    ) -> _Assembly:
        template = self._template_for_pieces()
        pool = self._pool_for_pieces()
        assembly = _Assembly(cells_before, max_cells, self._path)
        pending: deque[Future[_Piece]] = deque()
        in_flight = self._settings.pool_size + 2
        try:
            head, tags, buffer = self._read_head(stream, check)
            last_row = 0
            tail = _take_tail(buffer, tags, 0)
            while True:
                final = tail is not None
                while (
                    body := _cut(buffer, tags, self._piece_bytes, final)
                ) is not None:
                    rows = _row_span(body, tags)
                    if rows is None:
                        continue  # blanks between rows
                    first, last = rows
                    if first <= last_row:
                        raise _Unsplittable("rows out of order")
                    if check.dense_so_far() > max_cells:
                        # The whole read decides, with the exact bound.
                        raise _Unsplittable("a piece's range could pass the cell cap")
                    last_row = last
                    self._poll()
                    pending.append(
                        pool.submit(
                            _parse_piece, template, entry, sheet_name, head, body, tags
                        )
                    )
                    while len(pending) >= in_flight or (pending and pending[0].done()):
                        assembly.add(pending.popleft().result())
                if tail is not None:
                    break
                self._poll()
                chunk = stream.read(_CHUNK)
                if not chunk:
                    raise _Unsplittable("the sheet data never ends")
                self._feed(check, chunk)
                searched = max(0, len(buffer) - len(tags.close_data) + 1)
                buffer += chunk
                tail = _take_tail(buffer, tags, searched)
            self._finish_entry(stream, check, tail)
            while pending:
                assembly.add(pending.popleft().result())
            return assembly
        finally:
            for future in pending:
                future.cancel()
            for future in pending:
                if not future.cancelled():
                    future.exception()  # wait: the piece's memory is freed then

    def _read_head(
        self, stream: Any, check: EntryCheck
    ) -> tuple[bytes, _Tags, bytearray]:
        """Read up to the opening sheetData tag; return the head, the tags, the bytes after."""
        buffer = bytearray()
        while True:
            self._poll()
            chunk = stream.read(_CHUNK)
            if not chunk:
                raise _Unsplittable("the sheet data never starts")
            self._feed(check, chunk)
            buffer += chunk
            found = _find_head(buffer)
            if found is not None:
                head, tags, body_start = found
                del buffer[:body_start]
                return head, tags, buffer
            if len(buffer) > _MAX_PREFIX:
                raise _Unsplittable("too long a sheet head")

    def _finish_entry(self, stream: Any, check: EntryCheck, tail: bytes) -> None:
        """Read the rest of the entry through the checks; a second sheetData is not cut."""
        if b"sheetData" in tail:
            raise _Unsplittable("a second sheetData")
        previous = tail[-16:]
        while chunk := stream.read(_CHUNK):
            self._poll()
            self._feed(check, chunk)
            if b"sheetData" in previous + chunk[:16] or b"sheetData" in chunk:
                raise _Unsplittable("a second sheetData")
            previous = chunk[-16:]


def _find_head(buffer: bytearray) -> tuple[bytes, _Tags, int] | None:
    """Find the opening sheetData tag: the head of every piece, the tags, where rows start."""
    at = buffer.find(b"sheetData")
    if at < 0:
        return None
    opening = buffer.rfind(b"<", 0, at)
    if opening < 0:
        raise _Unsplittable("no tag before sheetData")
    data_prefix = bytes(buffer[opening + 1 : at])
    if _QNAME_PREFIX.fullmatch(data_prefix) is None:
        raise _Unsplittable("an unexpected sheetData tag")
    closing = buffer.find(b">", at)
    if closing < 0:
        return None
    tag_rest = bytes(buffer[at + len(b"sheetData") : closing])
    if tag_rest.strip(b" \t\r\n"):
        raise _Unsplittable("an empty sheetData or one with attributes")
    head = bytes(buffer[: closing + 1])
    if any(markup in head for markup in (b"<!--", b"<![CDATA[")):
        raise _Unsplittable("comments or CDATA in the sheet head")
    first = _ELEMENT_START.search(head)
    root = _ROOT.match(head, first.start()) if first is not None else None
    if root is None:
        raise _Unsplittable("no worksheet root element")
    # python-calamine looks for a sheet's merged cells before reading its
    # cells, parsing the XML up to the first mergeCells element: normally
    # after the rows, so through the whole piece (about a third of a
    # piece's parse). An empty one before sheetData ends that search at
    # once; the cell reader skips it, and a piece has no merged cells to
    # lose (they follow sheetData, and the import does not use them).
    merge_stop = b"<" + data_prefix + b"mergeCells></" + data_prefix + b"mergeCells>"
    head = head[:opening] + merge_stop + head[opening:]
    return head, _Tags.of(data_prefix, root.group(1)), closing + 1


def _take_tail(buffer: bytearray, tags: _Tags, searched: int) -> bytes | None:
    """Cut the sheet data's end off ``buffer``; return what follows it, or None if not there yet."""
    end = buffer.find(tags.close_data, searched)
    if end < 0:
        return None
    tail = bytes(buffer[end + len(tags.close_data) :])
    del buffer[end:]
    return tail


def _cut(buffer: bytearray, tags: _Tags, piece_bytes: int, final: bool) -> bytes | None:
    """Take the next piece off the front of ``buffer``; ``None`` when more data is needed.

    A piece ends before a ``<row r="…">`` that follows a ``</row>``: there
    calamine's parser of the whole sheet holds no state but what that tag
    sets (the row from ``r``, the column at 0), so a piece starting there
    parses exactly as that part of the whole sheet.  The cut is the last
    such row starting within ``piece_bytes`` (or the first after, for long
    rows).  Once the sheet data has ended (``final``), what is left is the
    last piece.
    """
    if not buffer:
        return None
    if final and len(buffer) <= piece_bytes:
        return _take(buffer, len(buffer))
    if not final and len(buffer) < piece_bytes:
        return None
    cut = _cut_point(buffer, tags, piece_bytes)
    if cut is not None:
        return _take(buffer, cut)
    if final:
        return _take(buffer, len(buffer))
    if len(buffer) > max(4 * piece_bytes, 4 * _CHUNK):
        raise _Unsplittable("no row to cut at")
    return None


def _take(buffer: bytearray, size: int) -> bytes:
    with memoryview(buffer) as view:
        body = bytes(view[:size])  # one copy (a bytearray slice would make two)
    del buffer[:size]  # CPython moves the start of a bytearray: no copy
    return body


def _cut_point(buffer: bytearray, tags: _Tags, piece_bytes: int) -> int | None:
    tag = tags.row_with_r
    # Leave room for the row number after the tag (read by _row_span).
    limit = len(buffer) - 16
    end = min(piece_bytes, limit) + len(tag)
    for _ in range(_CUT_TRIES):
        at = buffer.rfind(tag, 1, end)
        if at < 0:
            break
        if _after_row_end(buffer, at, tags):
            return at
        end = at + len(tag) - 1
    start = piece_bytes
    for _ in range(_CUT_TRIES):
        at = buffer.find(tag, start, limit)
        if at < 0:
            break
        if _after_row_end(buffer, at, tags):
            return at
        start = at + 1
    return None


def _after_row_end(buffer: bytearray, at: int, tags: _Tags) -> bool:
    """True when only blanks separate ``at`` from a preceding ``</row>``."""
    end = at
    while end > 0 and buffer[end - 1] in _BLANKS:
        end -= 1
    return buffer.endswith(tags.row_end, 0, end)


def _row_span(body: bytes, tags: _Tags) -> tuple[int, int] | None:
    """First and last row numbers of a piece (from ``r``); ``None`` for blanks only.

    Rows without ``r`` before the first with one (first piece only) are
    numbered from 1 by calamine: the span then starts at 1.
    """
    first_at = body.find(tags.row_with_r)
    if first_at < 0:
        if tags.row in body:
            # Only the first piece can hold rows without r alone (every
            # other starts at a row with one): calamine numbers them from 1.
            return 1, body.count(tags.row)
        if body.strip(_BLANKS):
            raise _Unsplittable("text between rows")
        return None
    last_at = body.rfind(tags.row_with_r)
    first = _number_at(body, first_at + len(tags.row_with_r))
    last = _number_at(body, last_at + len(tags.row_with_r))
    if last < first:
        raise _Unsplittable("rows out of order")
    if body.find(tags.row, 0, first_at + len(tags.row)) != first_at:
        first = 1
    return first, last


def _number_at(body: bytes, at: int) -> int:
    end = body.find(b'"', at, at + 12)
    digits = body[at:end] if end > at else b""
    if not digits.isdigit():
        raise _Unsplittable("a row reference that is not a number")
    return int(digits)
