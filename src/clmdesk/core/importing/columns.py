"""Whole-column work over Python cells, sliced and shared (core layer).

Planning and conversion both look at whole columns of a sheet: the cells
of one column, the types among them, their distinct values.
:class:`ColumnData` computes each of these once and keeps it, and
:func:`sheet_columns` keeps one per column of a sheet's data rows, so that
conversion (and a second conversion: the dry run, then the import) reuses
what planning already computed.

The import runs on a worker thread while the window keeps painting.  A
single C call over a million Python objects (``set(cells)``,
``list(map(...))``, ``numpy.fromiter``) holds the GIL for tens of
milliseconds and freezes the window meanwhile; so such work goes through
:func:`chunked`, in slices of :data:`CHUNK` cells (a few milliseconds
each), and the Python between two slices lets the window's thread run.
numpy work on numeric arrays needs no slicing: it is fast, and most of it
releases the GIL.  That release is a trap of its own: a thread that drops
and retakes the GIL every millisecond or so (numpy does, around any loop
over a few hundred numbers) keeps winning it back before a waiting thread
wakes up, and CPython only forces a hand-over when nobody took the GIL for
a whole switch interval.  So :func:`chunked` also pauses briefly every
:data:`TURN` seconds (:func:`pause_if_due`), long enough for the window's
thread to take its turn.

A column is *factorised* (:class:`Factor`): one code per cell and the list
of distinct cells.  Converters parse each distinct cell once and map the
results back to the cells with one numpy ``take`` on the codes.
"""

from __future__ import annotations

import dataclasses
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, compress, count, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    import numpy.typing as npt

    from clmdesk.core.importing.records import Cell, RawSheet

__all__ = [
    "CHUNK",
    "Cells",
    "ColumnData",
    "Factor",
    "SheetColumns",
    "Sliceable",
    "chunked",
    "chunked_array",
    "chunked_list",
    "column_data",
    "factorize_objects",
    "index_of",
    "objects",
    "pause_if_due",
    "sheet_columns",
    "take_list",
]

#: Cells per slice of whole-column work on Python objects (a few ms per C call).
CHUNK = 20_000
#: Seconds of work between two pauses that let other threads take the GIL.
TURN = 0.020
#: Length of such a pause (long enough for a waiting thread to wake up).
PAUSE = 0.0002

_turn_started = time.perf_counter()

_R = TypeVar("_R")

#: Whole numbers spread over at most this many times the cell count are
#: factorised by direct indexing instead of sorting.
_DENSE = 4


class Sliceable(Protocol):
    """Anything sized that slices: a list, a tuple, a numpy array."""

    def __len__(self) -> int: ...

    def __getitem__(self, window: slice, /) -> Any: ...


def pause_if_due() -> None:
    """Sleep :data:`PAUSE` seconds if :data:`TURN` seconds passed since the last pause.

    Sleeping releases the GIL long enough for a waiting thread (the
    window's) to wake up and take it.
    """
    global _turn_started
    if time.perf_counter() - _turn_started >= TURN:
        time.sleep(PAUSE)
        _turn_started = time.perf_counter()


def chunked(function: Callable[[Any], _R], items: Sliceable) -> list[_R]:
    """``function`` applied to consecutive slices of ``items``, :data:`CHUNK` long.

    Each call is one short C call or a few, and other threads get their
    turn between two (see :func:`pause_if_due`).  (Slicing a ``range`` gives
    the indices of a slice, for work that writes or reads by position.)
    """
    results = []
    for part in _slices(items):
        results.append(function(part))
        pause_if_due()
    return results


def _slices(items: Sliceable) -> Iterator[Any]:
    """Consecutive slices of ``items``, :data:`CHUNK` long (a sheet column's own pieces)."""
    if isinstance(items, Cells) and items.size == CHUNK:
        yield from items.pieces
        return
    size = CHUNK
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Cells(Sequence["Cell"]):
    """A sheet column kept as the pieces it was taken in (no copy into one list).

    Parameters
    ----------
    pieces
        Consecutive pieces, each ``size`` long but maybe the last.
    size
        Their length.
    """

    def __init__(self, pieces: list[Sequence[Cell]], size: int) -> None:
        self.pieces = pieces
        self.size = size
        self._length = sum(map(len, pieces))

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Cell: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Cell]: ...

    def __getitem__(self, index: int | slice) -> Cell | Sequence[Cell]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step == 1 and start % self.size == 0 and start < stop:
                piece = self.pieces[start // self.size]
                if stop - start == len(piece):
                    return piece
            return [self[position] for position in range(start, stop, step)]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self.pieces[index // self.size][index % self.size]

    def __iter__(self) -> Iterator[Cell]:
        return chain.from_iterable(self.pieces)


def chunked_list(function: Callable[[Any], list[_R]], items: Sliceable) -> list[_R]:
    """The concatenated lists ``function`` returns for each slice of ``items``."""
    result: list[_R] = []
    for part in chunked(function, items):
        result += part
    return result


def chunked_array(
    function: Callable[[Any], npt.NDArray[Any]],
    items: Sliceable,
    dtype: npt.DTypeLike,
) -> npt.NDArray[Any]:
    """The concatenated arrays ``function`` returns for each slice of ``items``."""
    parts = chunked(function, items)
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


def objects(values: Sequence[object]) -> npt.NDArray[np.object_]:
    """A numpy object array of ``values`` (for indexing Python objects at C speed)."""
    array = np.empty(len(values), dtype=object)

    def fill(window: range) -> None:
        array[window.start : window.stop] = values[window.start : window.stop]

    chunked(fill, range(len(values)))
    return array


def index_of(values: Sequence[Any]) -> dict[Any, int]:
    """``{value: position}`` of distinct values, built in slices."""
    index: dict[Any, int] = {}
    chunked(
        lambda window: index.update(
            zip(values[window.start : window.stop], window, strict=True)
        ),
        range(len(values)),
    )
    return index


def take_list(table: npt.NDArray[np.object_], codes: npt.NDArray[np.intp]) -> list[Any]:
    """``[table[c] for c in codes]`` as a list, at C speed and in slices."""
    return chunked_list(lambda part: table[part].tolist(), codes)


@dataclass(frozen=True)
class Factor:
    """A column as codes into its distinct cells.

    Attributes
    ----------
    codes
        Per cell, the index of its value in ``uniques``.
    uniques
        The distinct cells.  Equal cells share one entry, except that real
        numbers (``float``) never share one with cells of another type
        (``True`` is not ``1.0`` here).
    floats
        The values of the first ``len(floats)`` entries of ``uniques``, all
        ``float`` cells (the others are not), for numpy work on them.
    """

    codes: npt.NDArray[np.intp]
    uniques: list[Cell]
    floats: npt.NDArray[np.float64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.float64)
    )


@dataclass(frozen=True)
class _Part:
    """What one slice of a column holds, found while the slice is fresh in memory."""

    kinds: frozenset[type]
    floats: npt.NDArray[np.float64] | None  # every cell a real number
    split: _Split | None  # real numbers among other cells


#: A slice's real-number flags, the values of those cells, and its other cells.
_Split = tuple["npt.NDArray[np.bool_]", "npt.NDArray[np.float64]", "list[Cell]"]


def _analyse(part: Sequence[Cell]) -> _Part:
    kinds = frozenset(map(type, part))
    floats = split = None
    if kinds <= {float, int}:
        try:
            floats = np.fromiter(part, dtype=np.float64, count=len(part))
        except OverflowError:  # an int beyond any float: no floats for the column
            floats = None
    if float in kinds and kinds != {float} and _plain_floats(kinds):
        split = _split_floats(part)
    return _Part(kinds, floats, split)


def _plain_floats(kinds: frozenset[type]) -> bool:
    """True when every float among the cells is exactly a ``float`` (no subclass)."""
    return not any(issubclass(kind, float) and kind is not float for kind in kinds)


def _split_floats(part: Sequence[Cell]) -> _Split:
    """Which cells of a slice are floats, their values, and the other cells."""
    flags = np.fromiter(
        map(isinstance, part, repeat(float)), dtype=np.bool_, count=len(part)
    )
    if flags.all():
        return flags, np.fromiter(part, dtype=np.float64, count=len(part)), []
    values = np.fromiter(compress(part, flags.tolist()), dtype=np.float64)
    return flags, values, list(compress(part, (~flags).tolist()))


class ColumnData:
    """One column's cells and what is known about them, each computed once.

    Parameters
    ----------
    cells
        The column's cells (not modified).
    """

    def __init__(self, cells: Sequence[Cell], parts: list[_Part] | None = None) -> None:
        self.cells = cells
        self._parts = parts
        self._kinds: frozenset[type] | None = None
        self._factor: Factor | None = None
        self._floats: npt.NDArray[np.float64] | None = None
        self._floats_done = False

    def __len__(self) -> int:
        return len(self.cells)

    def release(self) -> None:
        """Free the cells a piece at a time (see :func:`pause_if_due`); the column is empty then."""
        cells = self.cells
        self.cells, self._parts, self._factor, self._floats = [], None, None, None
        self._kinds, self._floats_done = None, False
        if isinstance(cells, Cells):
            pieces = cells.pieces
            while pieces:
                pieces.pop()
                pause_if_due()

    @property
    def parts(self) -> list[_Part]:
        """The column's slices (see :func:`chunked`), analysed."""
        if self._parts is None:
            self._parts = chunked(_analyse, self.cells)
        return self._parts

    @property
    def kinds(self) -> frozenset[type]:
        """The types of the cells."""
        if self._kinds is None:
            self._kinds = frozenset().union(*(part.kinds for part in self.parts))
        return self._kinds

    @property
    def floats(self) -> npt.NDArray[np.float64] | None:
        """The cells as float64 when every cell is a real number (``float``/``int``), else ``None``."""
        if not self._floats_done:
            self._floats_done = True
            if self.kinds <= {float, int}:
                self._floats = _concatenate(
                    [part.floats for part in self.parts], np.float64
                )
                # The pieces' numbers are in the whole column's now.
                self._parts = [
                    dataclasses.replace(part, floats=None) for part in self.parts
                ]
        return self._floats

    @property
    def factor(self) -> Factor:
        """The column factorised (see :class:`Factor`)."""
        if self._factor is None:
            self._factor = self._factorize()
        return self._factor

    def distinct(self) -> list[Cell]:
        """The distinct cells."""
        return self.factor.uniques

    def distinct_texts(self) -> list[str]:
        """The distinct text cells (none without computing the factor when the column holds no text)."""
        if str not in self.kinds:
            return []
        return [v for v in self.distinct() if type(v) is str]

    def _factorize(self) -> Factor:
        kinds = self.kinds
        floats = self.floats if kinds == {float} else None
        if floats is not None:
            return _factorize_floats(floats)
        if float in kinds and _plain_floats(kinds):
            return self._factorize_split()
        return factorize_objects(self.cells)

    def _factorize_split(self) -> Factor:
        """Real numbers with numpy, the other cells (blanks, texts) by hashing."""
        splits = [
            part.split or _split_floats(cells)
            for part, cells in zip(self.parts, _slices(self.cells), strict=True)
        ]
        self._parts = [dataclasses.replace(part, split=None) for part in self.parts]
        is_float = np.concatenate([flags for flags, _, _ in splits])
        numbers = _factorize_floats(np.concatenate([values for _, values, _ in splits]))
        others = factorize_objects([cell for _, _, rest in splits for cell in rest])
        codes = np.empty(len(self.cells), dtype=np.intp)
        codes[is_float] = numbers.codes
        codes[~is_float] = others.codes + len(numbers.uniques)
        return Factor(codes, numbers.uniques + others.uniques, numbers.floats)


def _concatenate(
    arrays: list[npt.NDArray[np.float64] | None], dtype: npt.DTypeLike
) -> npt.NDArray[np.float64] | None:
    if any(array is None for array in arrays):
        return None
    if not arrays:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(arrays)  # type: ignore[arg-type]


def _factorize_floats(values: npt.NDArray[np.float64]) -> Factor:
    """Factorise float64 values with numpy (sorting, or direct indexing for dense whole numbers)."""
    if not len(values):
        return Factor(np.zeros(0, dtype=np.intp), [])
    with np.errstate(invalid="ignore"):
        low, high = values.min(), values.max()
        dense = (
            np.isfinite(low)
            and np.isfinite(high)
            and high - low < _DENSE * len(values) + 1024
            and bool(np.all(values == np.floor(values)))
        )
    if dense:
        offsets = (values - low).astype(np.intp)
        seen = np.zeros(int(high - low) + 1, dtype=np.bool_)
        seen[offsets] = True
        present = np.flatnonzero(seen)
        position = np.cumsum(seen, dtype=np.intp) - 1
        # -0.0 and 0.0 are one value, as in a set.
        distinct = (present + low).astype(np.float64)
        return Factor(position[offsets], chunked_list(_as_list, distinct), distinct)
    distinct, codes = np.unique(values, return_inverse=True)
    return Factor(
        codes.astype(np.intp).ravel(), chunked_list(_as_list, distinct), distinct
    )


def _as_list(values: npt.NDArray[Any]) -> list[Any]:
    result: list[Any] = values.tolist()
    return result


def factorize_objects(cells: Sequence[Any]) -> Factor:
    """Factorise hashable values by hashing, in slices; distinct values in order of first appearance.

    One hashing pass: ``dict.setdefault`` gives each cell the position of
    its value's first appearance, and numpy turns those positions into
    codes.
    """
    first: dict[Any, int] = {}
    offset = 0

    def positions(part: Sequence[Any]) -> npt.NDArray[np.intp]:
        nonlocal offset
        found = np.fromiter(
            map(first.setdefault, part, count(offset)), dtype=np.intp, count=len(part)
        )
        offset += len(part)
        return found

    seen = chunked_array(positions, cells, np.intp)
    starts = np.fromiter(first.values(), dtype=np.intp, count=len(first))
    code_at = np.empty(len(cells), dtype=np.intp)
    code_at[starts] = np.arange(len(starts), dtype=np.intp)
    return Factor(code_at[seen], list(first))


def column_data(cells: Sequence[Cell] | ColumnData) -> ColumnData:
    """``cells`` as :class:`ColumnData` (as is when it already is one)."""
    return cells if isinstance(cells, ColumnData) else ColumnData(cells)


class SheetColumns:
    """The columns of a sheet's data rows, each extracted and analysed once.

    Parameters
    ----------
    rows
        The sheet's rows; a short row has ``""`` in its missing cells.
    start
        Index of the first data row (below the header).
    width
        The longest row's length.
    """

    def __init__(
        self, rows: Sequence[Sequence[Cell]], start: int = 0, width: int = 0
    ) -> None:
        self.rows = rows
        self.start = start
        self.width = width
        self.count = max(0, len(rows) - start)
        self._columns: dict[int, ColumnData] = {}

    def __getitem__(self, index: int) -> ColumnData:
        if index not in self._columns:
            self.load([index])
        return self._columns[index]

    def release(self) -> None:
        """Forget every column, freeing their cells a piece at a time."""
        while self._columns:
            _, column = self._columns.popitem()
            column.release()

    def load(self, indices: Iterable[int]) -> None:
        """Extract the columns at ``indices`` not extracted yet, in one pass over the rows.

        Each piece of a column is analysed (types, real numbers) as it is
        taken, while it is fresh in memory.  When the wanted columns are
        most of the row, ``zip(*rows)`` takes every column of a slice of rows
        at once, about twice as fast per column as one pass per column.
        """
        wanted = sorted(set(indices) - self._columns.keys())
        if not wanted:
            return
        rows = self.rows
        together = self.width < 2 * len(wanted)
        getters = [itemgetter(index) for index in wanted]

        def take(window: range) -> list[tuple[Sequence[Cell], _Part]]:
            chunk = rows[window.start : window.stop]
            pieces: list[Sequence[Cell]] = []
            if together:
                # zip stops at the shortest row: enough columns, or none at all.
                every = list(zip(*chunk, strict=False))
                if len(every) > wanted[-1]:
                    pieces = [every[index] for index in wanted]
            if not pieces:
                pieces = [
                    _column_of(chunk, index, getter)
                    for index, getter in zip(wanted, getters, strict=True)
                ]
            return [(piece, _analyse(piece)) for piece in pieces]

        taken = chunked(take, range(self.start, len(rows)))
        for position, index in enumerate(wanted):
            pieces = [columns[position] for columns in taken]
            self._columns[index] = ColumnData(
                Cells([piece for piece, _ in pieces], CHUNK),
                [part for _, part in pieces],
            )


def _column_of(
    rows: Sequence[Sequence[Cell]], index: int, getter: Callable[[Any], Cell]
) -> list[Cell]:
    try:
        return list(map(getter, rows))
    except IndexError:  # a short row: its missing cells are empty
        return [row[index] if index < len(row) else "" for row in rows]


_SHEETS: dict[int, tuple[weakref.ref[RawSheet], dict[int, SheetColumns]]] = {}


def sheet_columns(sheet: RawSheet, start: int) -> SheetColumns:
    """The columns of ``sheet.rows[start:]``, shared by every caller while the sheet lives."""
    key = id(sheet)
    entry = _SHEETS.get(key)
    if entry is None or entry[0]() is not sheet:
        entry = (weakref.ref(sheet), {})
        _SHEETS[key] = entry
        weakref.finalize(sheet, _forget, key)
    by_start = entry[1]
    columns = by_start.get(start)
    if columns is None:
        columns = SheetColumns(sheet.rows, start, sheet.width)
        by_start[start] = columns
    return columns


def _forget(key: int) -> None:
    """Drop a dead sheet's columns a piece at a time (a million cells freed at
    once would hold the GIL for tens of milliseconds)."""
    entry = _SHEETS.pop(key, None)
    if entry is None:
        return
    for columns in entry[1].values():
        columns.release()
