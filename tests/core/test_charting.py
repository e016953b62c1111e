"""Hit-testing, tooltip figures, periods and tile packing of the panel (core, no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from clmdesk.core.charting import (
    Period,
    TilePlacement,
    hit_test,
    pack_tiles,
    period_range,
    segment_figures,
    segment_rect,
    stack_layout,
)


def _generated_counts(seed: int = 7, bars: int = 9, segments: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 60, size=(bars, segments))
    counts[2, 3] = 0  # an empty segment inside a stack
    counts[4, :] = 0  # an empty bar
    counts[6, -2:] = 0  # empty segments at the top of a stack
    return counts


def test_every_segment_edge_of_a_generated_chart() -> None:
    counts = _generated_counts()
    layout = stack_layout(counts, width=0.6)
    eps = 1e-9
    for bar in range(counts.shape[0]):
        centre = float(layout.x[bar])
        nonempty = [j for j in range(counts.shape[1]) if counts[bar, j] > 0]
        for j in nonempty:
            bottom = float(layout.bottoms[bar, j])
            top = float(layout.tops[bar, j])
            middle = (bottom + top) / 2
            # inside, at the bottom edge (which belongs to this segment), just below the top
            assert hit_test(layout, centre, middle) == (bar, j)
            assert hit_test(layout, centre, bottom) == (bar, j)
            assert hit_test(layout, centre, top - eps) == (bar, j)
            # left and right edges are part of the bar, just outside is not
            assert hit_test(layout, centre - 0.3, middle) == (bar, j)
            assert hit_test(layout, centre + 0.3, middle) == (bar, j)
            assert hit_test(layout, centre - 0.3 - eps, middle) is None
            assert hit_test(layout, centre + 0.3 + eps, middle) is None
            # the top edge belongs to the segment above, or to this one at the stack's top
            above = [k for k in nonempty if k > j]
            assert hit_test(layout, centre, top) == (bar, above[0] if above else j)
        total = float(counts[bar].sum())
        assert hit_test(layout, centre, total + eps) is None
        assert hit_test(layout, centre, -eps) is None
        if total == 0:
            assert hit_test(layout, centre, 0.0) is None


def test_between_bars_and_outside() -> None:
    counts = _generated_counts()
    layout = stack_layout(counts, width=0.6)
    for bar in range(counts.shape[0] - 1):
        assert hit_test(layout, bar + 0.5, 1.0) is None
        assert hit_test(layout, bar + 0.31, 1.0) is None
    assert hit_test(layout, -0.5, 1.0) is None
    assert hit_test(layout, counts.shape[0] + 2.0, 1.0) is None
    assert hit_test(layout, float("nan"), 1.0) is None
    assert hit_test(layout, 0.0, float("inf")) is None


def test_touching_bars_prefer_the_nearer_centre_and_the_left_on_a_tie() -> None:
    layout = stack_layout([[1, 1], [2, 2]], width=1.0)
    assert hit_test(layout, 0.5, 0.5) == (0, 0)
    assert hit_test(layout, 0.5000001, 0.5) == (1, 0)
    assert hit_test(layout, 1.5, 3.9) == (1, 1)


def test_custom_centres() -> None:
    layout = stack_layout([[3], [4]], width=2.0, x=[10.0, 20.0])
    assert hit_test(layout, 11.0, 2.0) == (0, 0)
    assert hit_test(layout, 15.0, 2.0) is None
    assert hit_test(layout, 19.0, 4.0) == (1, 0)
    assert segment_rect(layout, 1, 0) == (19.0, 0.0, 2.0, 4.0)


def test_empty_charts_hit_nothing() -> None:
    assert hit_test(stack_layout(np.zeros((0, 3))), 0, 0) is None
    assert hit_test(stack_layout(np.zeros((3, 0))), 0, 0) is None


@pytest.mark.parametrize(
    ("counts", "kwargs"),
    [
        ([1, 2], {}),
        ([[1, -1]], {}),
        ([[1], [2]], {"x": [1.0, 1.0]}),
        ([[1], [2]], {"x": [1.0]}),
        ([[1]], {"width": 0.0}),
    ],
)
def test_invalid_layouts_are_refused(counts: object, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        stack_layout(counts, **kwargs)  # type: ignore[arg-type]


@given(
    st.lists(
        st.lists(st.integers(0, 50), min_size=3, max_size=3), min_size=1, max_size=6
    ),
    st.floats(-1, 7, allow_nan=False),
    st.floats(-5, 160, allow_nan=False),
)
def test_hit_is_consistent_with_the_segment_rectangles(
    rows: list[list[int]], x: float, y: float
) -> None:
    layout = stack_layout(rows, width=0.8)
    hit = hit_test(layout, x, y)
    inside = []
    for bar in range(layout.n_bars):
        for seg in range(layout.n_segments):
            left, bottom, width, height = segment_rect(layout, bar, seg)
            if (
                height > 0
                and left <= x <= left + width
                and bottom <= y <= bottom + height
            ):
                inside.append((bar, seg))
    if hit is None:
        assert inside == []
    else:
        assert hit in inside


def test_segment_figures() -> None:
    counts = np.array([[10, 30], [0, 40], [5, 45]])
    first = segment_figures(counts, 0, 1)
    assert (first.count, first.bar_total, first.previous, first.change) == (
        30,
        40,
        None,
        None,
    )
    assert first.share == pytest.approx(0.75)
    grew = segment_figures(counts, 2, 0)
    assert (grew.count, grew.previous, grew.change, grew.relative_change) == (
        5,
        0,
        5,
        None,
    )
    assert grew.share == pytest.approx(0.1)
    fell = segment_figures(counts, 1, 0)
    assert (fell.change, fell.relative_change) == (-10, -1.0)
    empty = segment_figures(np.zeros((1, 2)), 0, 0)
    assert empty.share == 0.0


def test_period_range() -> None:
    assert period_range(84, Period.LAST_12) == (72, 84)
    assert period_range(84, Period.LAST_24) == (60, 84)
    assert period_range(84, Period.ALL) == (0, 84)
    assert period_range(5, Period.LAST_12) == (0, 5)
    assert period_range(0, Period.ALL) == (0, 0)
    assert period_range(84, Period.CUSTOM, (10, 20)) == (10, 21)
    assert period_range(84, Period.CUSTOM, (20, 10)) == (10, 21)
    assert period_range(84, Period.CUSTOM, (-3, 200)) == (0, 84)
    assert period_range(84, Period.CUSTOM) == (0, 84)


def test_pack_tiles_keeps_reading_order() -> None:
    placements = pack_tiles([(4, 1), (3, 3), (1, 3), (2, 2), (2, 2), (4, 2)], columns=4)
    assert placements == [
        TilePlacement(0, 0, 4, 1),
        TilePlacement(1, 0, 3, 3),
        TilePlacement(1, 3, 1, 3),
        TilePlacement(4, 0, 2, 2),
        TilePlacement(4, 2, 2, 2),
        TilePlacement(6, 0, 4, 2),
    ]


def test_pack_tiles_never_goes_back_and_clamps_spans() -> None:
    placements = pack_tiles([(1, 1), (3, 1), (1, 1), (9, 1)], columns=3)
    # the (3, 1) tile cannot fit after the first one, so it wraps; the next
    # small tile does not jump back into the hole left on row 0
    assert placements == [
        TilePlacement(0, 0, 1, 1),
        TilePlacement(1, 0, 3, 1),
        TilePlacement(2, 0, 1, 1),
        TilePlacement(3, 0, 3, 1),
    ]
    assert pack_tiles([], 4) == []


@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(1, 3)), max_size=12),
    st.integers(1, 5),
)
def test_packed_tiles_never_overlap(spans: list[tuple[int, int]], columns: int) -> None:
    seen: set[tuple[int, int]] = set()
    previous = (0, 0)
    for p in pack_tiles(spans, columns):
        assert p.column + p.column_span <= columns
        assert (p.row, p.column) >= previous
        previous = (p.row, p.column)
        cells = {
            (r, c)
            for r in range(p.row, p.row + p.row_span)
            for c in range(p.column, p.column + p.column_span)
        }
        assert not cells & seen
        seen |= cells
