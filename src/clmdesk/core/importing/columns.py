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
releases the GIL.

A column is *factorised* (:class:`Factor`): one code per cell and the list
of distinct cells.  Converters parse each distinct cell once and map the
results back to the cells with one numpy ``take`` on the codes.
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass
from itertools import compress, repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import numpy.typing as npt

    from clmdesk.core.importing.records import Cell, RawSheet

__all__ = [
    "CHUNK",
    "ColumnData",
    "Factor",
    "SheetColumns",
    "Sliceable",
    "chunked",
    "chunked_array",
    "chunked_list",
    "column_data",
    "factorize_objects",
    "objects",
    "sheet_columns",
    "take_list",
]

#: Cells per slice of whole-column work on Python objects (a few ms per C call).
CHUNK = 20_000

_R = TypeVar("_R")

#: Whole numbers spread over at most this many times the cell count are
#: factorised by direct indexing instead of sorting.
_DENSE = 4


class Sliceable(Protocol):
    """Anything sized that slices: a list, a tuple, a numpy array."""

    def __len__(self) -> int: ...

    def __getitem__(self, window: slice, /) -> Any: ...


def chunked(function: Callable[[Any], _R], items: Sliceable) -> list[_R]:
    """``function`` applied to consecutive slices of ``items``, :data:`CHUNK` long.

    Each call is one short C call or a few: the Python between two calls
    lets the window's thread take the GIL.  (Slicing a ``range`` gives the
    indices of a slice, for work that writes or reads by position.)
    """
    size = CHUNK
    return [
        function(items[start : start + size]) for start in range(0, len(items), size)
    ]


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


def _types(part: Sequence[Cell]) -> set[type]:
    return set(map(type, part))


def _floats_of(part: Sequence[Cell]) -> npt.NDArray[np.float64]:
    return np.fromiter(part, dtype=np.float64, count=len(part))


def _is_float(part: Sequence[Cell]) -> npt.NDArray[np.bool_]:
    return np.fromiter(
        map(isinstance, part, repeat(float)), dtype=np.bool_, count=len(part)
    )


class ColumnData:
    """One column's cells and what is known about them, each computed once.

    Parameters
    ----------
    cells
        The column's cells (not modified).
    """

    def __init__(self, cells: Sequence[Cell]) -> None:
        self.cells = cells
        self._kinds: frozenset[type] | None = None
        self._factor: Factor | None = None
        self._floats: npt.NDArray[np.float64] | None = None
        self._floats_done = False

    def __len__(self) -> int:
        return len(self.cells)

    @property
    def kinds(self) -> frozenset[type]:
        """The types of the cells."""
        if self._kinds is None:
            found: set[type] = set()
            for part in chunked(_types, self.cells):
                found |= part
            self._kinds = frozenset(found)
        return self._kinds

    @property
    def floats(self) -> npt.NDArray[np.float64] | None:
        """The cells as float64 when every cell is a real number (``float``/``int``), else ``None``."""
        if not self._floats_done:
            self._floats_done = True
            if self.kinds <= {float, int}:
                try:
                    self._floats = chunked_array(_floats_of, self.cells, np.float64)
                except OverflowError:  # an int beyond any float
                    self._floats = None
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
        if float in kinds and not any(
            issubclass(kind, float) and kind is not float for kind in kinds
        ):
            return self._factorize_split()
        return factorize_objects(self.cells)

    def _factorize_split(self) -> Factor:
        """Real numbers with numpy, the other cells (blanks, texts) by hashing."""
        parts = chunked(_split_floats, self.cells)
        is_float = np.concatenate([flags for flags, _, _ in parts])
        numbers = _factorize_floats(np.concatenate([values for _, values, _ in parts]))
        others = factorize_objects([cell for _, _, rest in parts for cell in rest])
        codes = np.empty(len(self.cells), dtype=np.intp)
        codes[is_float] = numbers.codes
        codes[~is_float] = others.codes + len(numbers.uniques)
        return Factor(codes, numbers.uniques + others.uniques, numbers.floats)


def _split_floats(
    part: Sequence[Cell],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64], list[Cell]]:
    """Which cells of a slice are floats, their values, and the other cells."""
    flags = _is_float(part)
    if flags.all():
        return flags, np.fromiter(part, dtype=np.float64, count=len(part)), []
    keep = flags.tolist()
    values = np.fromiter(compress(part, keep), dtype=np.float64)
    return flags, values, list(compress(part, (~flags).tolist()))


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
        return Factor(position[offsets], distinct.tolist(), distinct)
    distinct, codes = np.unique(values, return_inverse=True)
    return Factor(codes.astype(np.intp).ravel(), distinct.tolist(), distinct)


def factorize_objects(cells: Sequence[Any]) -> Factor:
    """Factorise hashable values by hashing, in slices; distinct values in order of first appearance."""
    index: dict[Cell, int] = {}

    def codes(part: Sequence[Any]) -> npt.NDArray[np.intp]:
        seen = dict.fromkeys(part)
        if index:
            fresh = seen.keys() - index.keys()
            new = list(filter(fresh.__contains__, seen)) if fresh else []
        else:
            new = list(seen)
        index.update(zip(new, range(len(index), len(index) + len(new)), strict=True))
        return np.fromiter(map(index.__getitem__, part), dtype=np.intp, count=len(part))

    return Factor(chunked_array(codes, cells, np.intp), list(index))


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
    """

    def __init__(self, rows: Sequence[Sequence[Cell]], start: int = 0) -> None:
        self.rows = rows
        self.start = start
        self.count = max(0, len(rows) - start)
        self._columns: dict[int, ColumnData] = {}

    def __getitem__(self, index: int) -> ColumnData:
        column = self._columns.get(index)
        if column is None:
            column = ColumnData(self._extract(index))
            self._columns[index] = column
        return column

    def _extract(self, index: int) -> list[Cell]:
        getter = itemgetter(index)

        def cells(window: range) -> list[Cell]:
            part = self.rows[window.start : window.stop]
            try:
                return list(map(getter, part))
            except IndexError:  # a short row: its missing cells are empty
                return [row[index] if index < len(row) else "" for row in part]

        return chunked_list(cells, range(self.start, len(self.rows)))


_SHEETS: dict[int, tuple[weakref.ref[RawSheet], dict[int, SheetColumns]]] = {}


def sheet_columns(sheet: RawSheet, start: int) -> SheetColumns:
    """The columns of ``sheet.rows[start:]``, shared by every caller while the sheet lives."""
    key = id(sheet)
    entry = _SHEETS.get(key)
    if entry is None or entry[0]() is not sheet:
        entry = (weakref.ref(sheet), {})
        _SHEETS[key] = entry
        weakref.finalize(sheet, _SHEETS.pop, key, None)
    by_start = entry[1]
    columns = by_start.get(start)
    if columns is None:
        columns = SheetColumns(sheet.rows, start)
        by_start[start] = columns
    return columns
