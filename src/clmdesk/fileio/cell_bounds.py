"""Upper bounds of the dense cell block calamine builds for a zip entry (fileio layer).

calamine keeps an xlsx worksheet as one dense block from the smallest to the
largest cell position it meets, and allocates it before any check of ours
runs: a 500-byte file with values at A1 and XFD1048576 makes it ask for
512 GB and abort the process.  A cell's position is its ``r`` attribute
(the last one when there are several, in either quote, with blanks around
``=``, letters in either case and as many as wanted, numbers wrapping at
2**32) or, for a cell without one, two counters: the row (set by a row's
``r``, one more after each row end) and the column (set by a cell's ``r``,
one more after each cell, back to 0 after each row end).  Neither the
row's ``r`` nor the declared dimension bounds it, and calamine finds
worksheets by the workbook's relationships wherever they point, so every
entry of the zip is bounded as if it were a worksheet.

:class:`CellScan` bounds the block from the entry's bytes, chunk by chunk,
at C speed (numpy over each chunk; no Python step per cell):

* every ``r`` attribute anywhere (a superset of what calamine reads) gives
  the widest row and column referenced; values too long or written
  oddly are read one by one in Python;
* when every cell element opens with ``r="..."`` (what every real exporter
  writes), the block lies within the references met before the last
  value element (``<v>``, ``<is>``): a tight bound that ignores empty
  styled rows and cells after the data;
* otherwise (cells without ``r``) a loose bound adds the row and cell
  elements counted (:func:`loose_cells` when the first chunks went
  without counting rows), and when that one is too large,
  :func:`exact_cells` replays calamine's counters with expat.  An entry
  expat cannot parse (binary media, whose bytes look like a cell by
  chance) keeps the loose bound.

A value element, cell, row or ``r`` attribute is recognised by its
bytes, never by context: text that looks like one only makes the bound
larger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING
from xml.parsers import expat

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["CellScan", "exact_cells", "loose_cells"]

# Bytes kept before the next chunk: the look-behinds ("<", "ro") and the
# 8-byte words read just before a value's end.
_BEHIND = 8
# Bytes a position needs after it to be decided at C speed.
_AHEAD = 64
_ONE = np.uint64(1)
_ONES = np.uint64(0x0101010101010101)
_HIGH = np.uint64(0x8080808080808080)
_UPPER = np.uint64(0xDFDFDFDFDFDFDFDF)
_ZEROS = np.uint64(0x3030303030303030)
_TENS = np.uint64(0x0A0A0A0A0A0A0A0A)
# Byte b in every byte of a 64-bit word.
_SPREAD = [np.uint64(0x0101010101010101 * b) for b in range(256)]
# The bytes below byte k (little-endian) or the last k bytes (big-endian).
_BELOW = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)

_C, _R, _S, _V, _W = (ord(char) for char in "crsvw")
# Little-endian words read at a mark: ' r="' after a cell's "c" or around
# an "r", "ro" before a "w", '="' after an "r", "<i" or ":i" before an "s".
_SPACE_R_EQUAL_QUOTE = np.uint32(int.from_bytes(b' r="', "little"))
_RO = np.uint16(int.from_bytes(b"ro", "little"))
_OPEN_C = np.uint16(int.from_bytes(b"<c", "little"))
_PREFIX_C = np.uint16(int.from_bytes(b":c", "little"))
_EQUAL_QUOTE = np.uint16(int.from_bytes(b'="', "little"))
_OPEN_I = np.uint16(int.from_bytes(b"<i", "little"))
_PREFIX_I = np.uint16(int.from_bytes(b":i", "little"))
_EXPAT_CHUNK = 64 << 10
# References read at once: their 8-byte temporaries stay below 128 kB.
_BLOCK = 16000
# Bytes searched at once: the bytes and their masks stay in cache.
_SPAN = 64 << 10
_RESCAN_CHUNK = 1 << 20
_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]+)")
_BLANKS = rb"[ \t\r\n]*"
_ODD_ATTRIBUTE = re.compile(_BLANKS + rb"=" + _BLANKS + rb"(?:\"([^\"]*)\"|'([^']*)')")
_TRUNCATED = re.compile(_BLANKS + rb"(?:=" + _BLANKS + rb"(?:[\"'][^\"']*)?)?")


def _table(chars: bytes) -> NDArray[np.bool_]:
    table = np.zeros(256, dtype=np.bool_)
    table[list(chars)] = True
    return table


# quick-xml reads an attribute right after a blank or a value's closing quote.
_ATTRIBUTE_AFTER = _table(b" \t\r\n\"'")
_BLANK = _table(b" \t\r\n")
# A local name starts after "<" or after its prefix's ":", ends at these.
_NAME_START = _table(b"<:")
_NAME_END = _table(b" \t\r\n/>")


@dataclass
class _Counts:
    """What the bytes scanned so far say; rows and columns are 1-based maxima."""

    cells: int = 0
    plain_cells: int = 0
    rows: int = 0
    # Row elements are counted only once cells without r appear (before,
    # no position depends on them) unless asked; True when some went uncounted.
    count_rows: bool = False
    rows_missed: bool = False
    any_row: int = 0
    any_column: int = 0
    kept_row: int = 0
    kept_column: int = 0
    later_row: int = 0
    later_column: int = 0
    unknown: bool = False

    def fold(self, side: _Sides, has_value: bool) -> None:
        """Add one scanned stretch's references, split at its last value element."""
        self.any_row = max(self.any_row, side.before_row, side.after_row)
        self.any_column = max(self.any_column, side.before_column, side.after_column)
        if has_value:
            # Everything met before this value element came before a value.
            self.kept_row = max(self.kept_row, self.later_row, side.before_row)
            self.kept_column = max(
                self.kept_column, self.later_column, side.before_column
            )
            self.later_row, self.later_column = side.after_row, side.after_column
        else:
            self.later_row = max(self.later_row, side.after_row)
            self.later_column = max(self.later_column, side.after_column)

    @property
    def plain(self) -> bool:
        """Every cell element opens with ``r="..."``."""
        return self.cells == self.plain_cells and not self.unknown

    def tight(self) -> int:
        """Dense cells when :attr:`plain`: references before the last value."""
        return self.kept_row * self.kept_column

    def loose(self) -> float:
        """Dense cells whatever the cells: every reference plus every counter step."""
        if self.unknown or self.rows_missed:
            return float("inf")
        return float((self.any_row + self.rows) * (self.any_column + self.cells))


@dataclass
class _Sides:
    """Widest references before and after a stretch's last value element."""

    last_value: int
    before_row: int = 0
    before_column: int = 0
    after_row: int = 0
    after_column: int = 0

    def add(self, at: int, value: bytes) -> None:
        """Add the reference ``value`` of the attribute at ``at`` (ignored if calamine would refuse it)."""
        reference = _reference(value)
        if reference is None:
            return
        row, column = reference
        if at < self.last_value:
            self.before_row = max(self.before_row, row)
            self.before_column = max(self.before_column, column)
        else:
            self.after_row = max(self.after_row, row)
            self.after_column = max(self.after_column, column)


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def _reference(value: bytes) -> tuple[int, int] | None:
    """(row, column), 1-based, of an r value; None when calamine would refuse it.

    Numbers are not wrapped at 2**32 as calamine does: the bound can only
    be larger.  A row's ``r`` reads the same way (its letters are ignored
    by calamine; here they only widen the bound).
    """
    match = _REFERENCE.fullmatch(value)
    if match is None:
        return None
    return int(match.group(2)), _column_number(match.group(1))


class CellScan:
    """Bounds, chunk by chunk, the dense cells calamine would build for one entry.

    Feed every chunk of the inflated entry in order, then call
    :meth:`final`; :meth:`bound` tells the dense cells of the complete
    elements fed so far (for the pieces of a sheet read in pieces).
    """

    def __init__(self, *, count_rows: bool = False) -> None:
        self._counts = _Counts(count_rows=count_rows)
        self._carry = bytes(_BEHIND)
        self._finished = False
        # Reused from chunk to chunk: a fresh megabyte per chunk (and per
        # full-size temporary) costs more in page faults than the scan.
        self._buffer = bytearray()
        self._scratch = _Scratch()

    @property
    def rows_missed(self) -> bool:
        """True when the loose bound is unknown only for row elements not counted.

        Scanning the entry again with ``count_rows`` then gives a finite one.
        """
        return self._counts.rows_missed and not self._counts.unknown

    def feed(self, chunk: bytes) -> None:
        """Scan the next chunk (positions needing bytes not fed yet wait for them)."""
        kept = len(self._carry)
        size = kept + len(chunk)
        stop = size - _AHEAD
        if stop <= _BEHIND:
            self._carry += chunk
            return
        if len(self._buffer) != size:
            self._buffer = bytearray(size)
        data = self._buffer
        data[:kept] = self._carry
        data[kept:] = chunk
        _scan(
            self._counts, data, _BEHIND, stop, size, self._scratch, cut_is_unknown=True
        )
        self._carry = bytes(data[stop - _BEHIND :])

    def _rest(self, counts: _Counts, *, cut_is_unknown: bool) -> None:
        data = self._carry + bytes(_AHEAD)
        stop = len(data) - _AHEAD
        _scan(
            counts, data, _BEHIND, stop, stop, _Scratch(), cut_is_unknown=cut_is_unknown
        )

    def bound(self) -> float:
        """Dense cells of the complete elements fed so far.

        The bytes still waiting for their look-ahead are scanned on a copy
        of the counts; what the end of the bytes fed cuts short is beyond
        every complete element and left out.
        """
        counts = replace(self._counts)
        if not self._finished:
            self._rest(counts, cut_is_unknown=False)
        return counts.tight() if counts.plain else counts.loose()

    def final(self) -> tuple[float, bool]:
        """Dense cells of the whole entry (it has ended), and whether that is tight.

        Not tight means cells without ``r`` were met (or an ``r`` could not
        be read): the bound counts every row and cell element, and
        :func:`loose_cells` or :func:`exact_cells` may tell less.
        """
        if not self._finished:
            self._rest(self._counts, cut_is_unknown=True)
            self._carry = b""
            self._finished = True
            self._buffer = bytearray()
            self._scratch = _Scratch()
        counts = self._counts
        if counts.plain:
            return counts.tight(), True
        return counts.loose(), False


class _Scratch:
    """Work masks kept from one chunk to the next."""

    def __init__(self) -> None:
        self._masks: NDArray[np.bool_] = np.empty((3, 0), dtype=np.bool_)

    def masks(
        self, size: int
    ) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
        """Three masks of ``size`` items (contents undefined)."""
        if self._masks.shape[1] < size:
            self._masks = np.empty((3, size), dtype=np.bool_)
        return self._masks[0, :size], self._masks[1, :size], self._masks[2, :size]


def _scan(
    counts: _Counts,
    data: bytes | bytearray,
    start: int,
    stop: int,
    end: int,
    scratch: _Scratch,
    *,
    cut_is_unknown: bool,
) -> None:
    """Add positions ``start`` to ``stop`` of ``data``.

    ``_AHEAD`` bytes follow ``stop``; the real bytes end at ``end`` (zeros
    may pad them).  An attribute cut at ``end`` makes the bound unknown
    when ``cut_is_unknown``, else it is left out.  Each kind of mark is
    found by its rarest byte, then checked by the bytes around it.
    """
    a = np.frombuffer(data, dtype=np.uint8)
    region = a[start:stop]
    last_value = _last_value(a, data, start, stop)
    sides = _Sides(last_value)
    # Masks are made a span at a time, so that the passes over each span
    # stay in cache.  An attribute's r follows a blank or a quote, all at most "'";
    # a cell's "c" follows "<" or ":".
    found: list[NDArray[np.intp]] = []
    bigrams = 0
    for low in range(start, stop, _SPAN):
        high = min(stop, low + _SPAN)
        mask, other, third = scratch.masks(high - low)
        span, before = a[low:high], a[low - 1 : high - 1]
        np.equal(span, _R, out=mask)
        np.less_equal(before, 0x27, out=other)
        np.logical_and(mask, other, out=mask)
        found.append(np.flatnonzero(mask) + low)
        np.equal(span, _C, out=mask)
        np.equal(before, 0x3C, out=other)
        np.logical_or(other, np.equal(before, 0x3A, out=third), out=other)
        np.logical_and(mask, other, out=other)
        bigrams += int(np.count_nonzero(other))
    names = np.concatenate(found) if found else np.zeros(0, dtype=np.intp)
    # Names are taken in blocks: small temporaries stay in the allocator's
    # free lists and in cache instead of being mapped afresh every chunk.
    opened = 0
    slow: list[NDArray[np.intp]] = []
    unusual: list[NDArray[np.intp]] = []
    for low in range(0, names.size, _BLOCK):
        block = names[low : low + _BLOCK]
        # ' r="' is how every exporter writes it; anything else is looked at closer.
        usual = _view(data, "<u4")[block - 1] == _SPACE_R_EQUAL_QUOTE
        plain = block[usual]
        unusual.append(block[~usual])
        # Cells all opening with ' r="' (every exporter) are counted from
        # their r attributes; any other cell, or a "<c" that opens no cell
        # ("<col"), is found by the full search below.
        # (An r at the stretch's first two bytes has its "c" in the one before.)
        inside = plain[int(np.searchsorted(plain, start + 2)) :]
        pairs = _view(data, "<u2")[inside - 3]
        opened += int(np.count_nonzero(pairs == _OPEN_C))
        opened += int(np.count_nonzero(pairs == _PREFIX_C))
        slow.append(_plain_references(data, plain, sides))
    if cut_is_unknown and bigrams == opened:
        counts.cells += opened
        counts.plain_cells += opened
    else:
        cells = np.flatnonzero(region == _C) + start
        cells = cells[_NAME_START[a[cells - 1]]]
        cells = cells[_NAME_END[a[cells + 1]]]
        if not cut_is_unknown:
            # A cell element cut short by the end of the bytes is in no piece yet.
            cells = cells[cells + 5 <= end]
        counts.cells += int(cells.size)
        counts.plain_cells += int(
            np.count_nonzero(_view(data, "<u4")[cells + 1] == _SPACE_R_EQUAL_QUOTE)
        )
    if counts.count_rows or counts.cells != counts.plain_cells:
        # Every row end is "</row>", "</p:row>" or a "<row .../>": counting
        # every "row" only loosens the bound.
        ends = np.flatnonzero(region == _W) + start
        counts.rows += int(np.count_nonzero(_view(data, "<u2")[ends - 2] == _RO))
    elif data.find(b"row", start - 2, stop) >= 0:
        counts.rows_missed = True
    odd = np.concatenate(unusual) if unusual else names
    odd = odd[_ATTRIBUTE_AFTER[a[odd - 1]]]
    after = a[odd + 1]
    odd = odd[(after == 0x3D) | _BLANK[after]]
    plain = _view(data, "<u2")[odd + 1] == _EQUAL_QUOTE
    if plain.any():
        slow.append(_plain_references(data, odd[plain], sides))
    odd = odd[~plain]
    long = np.concatenate(slow) if slow else names
    if long.size or odd.size:
        counts.unknown |= _read_slowly(data, long, odd, end, sides) and cut_is_unknown
    counts.fold(sides, last_value >= 0)


def _last_value(
    a: NDArray[np.uint8], data: bytes | bytearray, start: int, stop: int
) -> int:
    """Position of the last value element (``<v>``, ``<is>``) in ``start``..``stop``, or -1.

    Searched backwards in growing stretches: a chunk of rows ends with one.
    """
    size = 4096
    high = stop
    while high > start:
        low = max(start, high - size)
        stretch = a[low:high]
        values = np.flatnonzero(stretch == _V) + low
        values = values[_NAME_START[a[values - 1]] & _NAME_END[a[values + 1]]]
        strings = np.flatnonzero(stretch == _S) + low
        before = _view(data, "<u2")[strings - 2]
        strings = strings[
            ((before == _OPEN_I) | (before == _PREFIX_I)) & _NAME_END[a[strings + 1]]
        ]
        if values.size or strings.size:
            return max(
                int(values[-1]) if values.size else -1,
                int(strings[-1]) if strings.size else -1,
            )
        high = low
        size *= 8
    return -1


def _view(data: bytes | bytearray, dtype: str) -> NDArray[np.unsignedinteger]:
    """``data`` as overlapping integers, one starting at every byte."""
    size = np.dtype(dtype).itemsize
    return np.ndarray(
        shape=(len(data) - size + 1,), dtype=dtype, buffer=data, strides=(1,)
    )


def _not_digits(word: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """High bit of each byte set where the byte is not an ASCII digit (exact per byte).

    Each byte xor "0" is below 10 for a digit; it is compared with its high
    bit forced on, so a subtraction never borrows from the next byte.
    """
    offset = word ^ _ZEROS
    return (((offset | _HIGH) - _TENS) | offset) & _HIGH


def _not_letters(word: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """High bit of each byte set where the byte is not an ASCII letter (exact per byte)."""
    upper = (word & _UPPER) | _HIGH
    at_least_a = upper - _SPREAD[0x41]
    beyond_z = upper - _SPREAD[0x5B]
    return (~at_least_a | beyond_z | word) & _HIGH


def _first(mask: NDArray[np.uint64]) -> NDArray[np.intp]:
    """Index of the first byte (little-endian) whose high bit is set in ``mask`` (8 when none).

    The bits below the lowest one set, 8 k + 7 of them, count k (64 when none).
    """
    below: NDArray[np.intp] = np.bitwise_count((mask - _ONE) & ~mask).astype(np.intp)
    return below >> 3


def _equal_bytes(word: NDArray[np.uint64], char: int) -> NDArray[np.uint64]:
    """High bit of each byte of ``word`` set where the byte is ``char`` (exact per byte)."""
    zero = word ^ _SPREAD[char]
    return ~((zero | _HIGH) - _ONES) & ~zero & _HIGH


def _plain_references(
    data: bytes | bytearray, names: NDArray[np.intp], sides: _Sides
) -> NDArray[np.intp]:
    """Read ``r="..."`` values at C speed into ``sides``.

    Bytes are classified eight at a time inside 64-bit integers.  The
    closing quote is found in the 16 bytes after the opening one; the 8
    bytes before it, read big-endian, end with the value's digits, whose
    values (a byte each, zeros above) compare as integers in the order of
    the numbers; the
    bytes before the digits end with its letters (padded below "A").
    So the widest reference on each side of the last value element is a
    maximum over integers, without one Python object per reference.  A
    value calamine would refuse (not letters then digits) is left out:
    calamine fails on it before it builds any block.

    Returns the positions of the attributes whose value does not fit
    (more than 4 letters or 7 digits, or no quote within 16 bytes): they
    are read in Python.
    """
    if not names.size:
        return names
    starts = names + 3
    close = _first(_equal_bytes(_view(data, "<u8")[starts], 0x22))
    far = close == 8
    if far.any():
        beyond = 8 + _first(_equal_bytes(_view(data, "<u8")[starts[far] + 8], 0x22))
        close[far] = beyond
    tail = _view(data, ">u8")[starts + close - 8]
    not_digit = _not_digits(tail)
    # The digits run back from the quote to the first other byte: 8 k + 7
    # bits lie below the high bit of the k-th byte from the end.
    below = (not_digit - _ONE) & ~not_digit
    digits = np.bitwise_count(below).astype(np.intp) >> 3
    # Their bytes (all 8 when none is another byte: weird below, left out).
    digits_mask = below >> np.uint64(7)
    letters = close - digits
    weird = (close >= 16) | (digits > 7) | (letters > 4)
    slow: NDArray[np.intp] = names[:0]
    if weird.any():
        # Too long to read here, or more than 4 letters or 7 digits.
        slow = names[weird & ((close >= 16) | (digits >= 1))]
        letters = np.where(weird, 0, letters)
    # The letters end where the digits start: in the same 8 bytes when the
    # value is that short, else in the 4 bytes before the digits.
    head = tail >> (digits.astype(np.uint64) << np.uint64(3))
    long = close > 8
    if long.any():
        head[long] = _view(data, ">u4")[starts[long] + letters[long] - 4]
    letter_mask = _BELOW[letters]
    fits = (_not_letters(head) & letter_mask) == 0
    fits &= (digits >= 1) & ~weird
    # Digit values (not characters) compare as integers in the numbers' order.
    row_keys = np.where(fits, (tail ^ _ZEROS) & digits_mask, 0)
    column_keys = np.where(fits, head & letter_mask & _UPPER, 0)
    # Positions ascend: the references before the last value come first.
    split = int(np.searchsorted(names, sides.last_value))
    if split:
        sides.before_row = max(sides.before_row, _row(row_keys[:split].max()))
        sides.before_column = max(
            sides.before_column, _column(column_keys[:split].max())
        )
    if split < len(names):
        sides.after_row = max(sides.after_row, _row(row_keys[split:].max()))
        sides.after_column = max(sides.after_column, _column(column_keys[split:].max()))
    return slow


def _row(key: np.uint64) -> int:
    """The number whose digit values (a byte each) a row key holds (0 for none)."""
    return int(bytes(value + 0x30 for value in int(key).to_bytes(8, "big")))


def _column(key: np.uint64) -> int:
    """The column number of the letters a column key holds (0 for none)."""
    return _column_number(int(key).to_bytes(8, "big").lstrip(b"\0"))


def _read_slowly(
    data: bytes | bytearray,
    slow: NDArray[np.intp],
    odd: NDArray[np.intp],
    end: int,
    sides: _Sides,
) -> bool:
    """Read long ``r="..."`` values and oddly written ``r`` attributes one by one.

    Returns True when one of them is cut by the end of the bytes at hand.
    """
    cut = False
    for name in slow.tolist():
        close = data.find(b'"', name + 3, end)
        if close < 0:
            cut = True
            continue
        sides.add(name, bytes(data[name + 3 : close]))
    for name in odd.tolist():
        match = _ODD_ATTRIBUTE.match(data, name + 1, end)
        if match is None:
            # Not an attribute (text), or one cut by the end of the bytes.
            partial = _TRUNCATED.match(data, name + 1, end)
            cut |= partial is not None and partial.end() == end
            continue
        value = match.group(1) if match.group(1) is not None else match.group(2)
        sides.add(name, value)
    return cut


class _Replay:
    """calamine's row and column counters, replayed over expat's events."""

    def __init__(self) -> None:
        self.row = 0
        self.column = 0
        self.cell: tuple[int, int] | None = None
        self.valued = False
        self.max_row = 0
        self.max_column = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            reference = attributes.get("r")
            place = _reference(reference.encode()) if reference is not None else None
            if place is not None:
                self.column = place[1] - 1
                self.cell = (place[0] - 1, place[1] - 1)
            else:
                self.cell = (self.row, self.column)
            self.valued = False
        elif local in ("v", "is"):
            self.valued = True
        elif local == "row":
            reference = attributes.get("r")
            place = _reference(reference.encode()) if reference is not None else None
            if place is not None:
                self.row = place[0] - 1

    def end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            if self.valued and self.cell is not None:
                self.max_row = max(self.max_row, self.cell[0] + 1)
                self.max_column = max(self.max_column, self.cell[1] + 1)
            self.cell = None
            self.column += 1
        elif local == "row":
            self.row += 1
            self.column = 0


def loose_cells(stream: IO[bytes]) -> float:
    """The loose bound of an entry read again, counting every row element."""
    scan = CellScan(count_rows=True)
    while chunk := stream.read(_RESCAN_CHUNK):
        scan.feed(chunk)
    return scan.final()[0]


def exact_cells(stream: IO[bytes]) -> int | None:
    """Dense cells of an entry, replaying calamine's counters over its XML.

    Returns
    -------
    int or None
        The cells of the block from A1 to the farthest valued cell; None
        when the entry is not well-formed XML (calamine may still read
        it: keep the bound from bytes).
    """
    replay = _Replay()
    parser = expat.ParserCreate()
    parser.StartElementHandler = replay.start
    parser.EndElementHandler = replay.end
    try:
        while chunk := stream.read(_EXPAT_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        return None
    return replay.max_row * replay.max_column
