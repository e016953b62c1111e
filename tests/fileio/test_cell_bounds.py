"""The dense-cell bound from bytes is never below what calamine really builds.

Random small sheets mix every way calamine places a cell (references in
either case, quoted either way, with blanks, repeated; cells and rows
without references; values of each kind or none; references in text), are
fed to :class:`CellScan` in random chunkings, and the bound is compared
with the block calamine allocates for the same sheet, counted as the reader
counts it (``iter_rows`` pads from row 1).
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

import python_calamine as calamine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clmdesk.fileio.cell_bounds import CellScan, exact_cells
from tests.fileio.test_readers_dense import _xlsx

if TYPE_CHECKING:
    from pathlib import Path


def _letters(column: int) -> str:
    text = ""
    while column:
        column, rest = divmod(column - 1, 26)
        text = chr(65 + rest) + text
    return text


@st.composite
def _cell(draw: st.DrawFn) -> bytes:
    row = draw(st.integers(1, 400))
    column = draw(st.integers(1, 60))
    letters = _letters(column)
    if draw(st.booleans()):
        letters = letters.lower()
    digits = str(row).zfill(draw(st.integers(0, 9)))
    reference = (letters + digits).encode()
    kind = draw(
        st.sampled_from(["plain", "none", "single", "blanks", "second", "late"])
    )
    attribute = {
        "plain": b' r="%s"' % reference,
        "none": b"",
        "single": b" r='%s'" % reference,
        "blanks": b' r \n= "%s"' % reference,
        "second": b' r="A1" r="%s"' % reference,
        "late": b' s="1" t="n" r="%s"' % reference,
    }[kind]
    value = draw(
        st.sampled_from(
            [
                b"<v>1</v>",
                b"",
                b"<v></v>",
                b'<v xml:space="preserve">2</v>',
                b"<is><t>x</t></is>",
            ]
        )
    )
    if value.startswith(b"<is"):
        attribute += b' t="inlineStr"'
    prefix = b"x:" if draw(st.integers(0, 9)) == 0 else b""
    if not value:
        return b"<" + prefix + b"c" + attribute + b"/>"
    value = value.replace(b"<v", b"<" + prefix + b"v").replace(
        b"</v", b"</" + prefix + b"v"
    )
    return b"<" + prefix + b"c" + attribute + b">" + value + b"</" + prefix + b"c>"


@st.composite
def _sheet(draw: st.DrawFn) -> bytes:
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        number = draw(st.one_of(st.none(), st.integers(1, 400)))
        attribute = b"" if number is None else b' r="%d"' % number
        cells = b"".join(draw(st.lists(_cell(), max_size=6)))
        if draw(st.integers(0, 5)) == 0:
            cells += b'<c r="A1" t="inlineStr"><is><t>r="ZZ9" x:c </t></is></c>'
        rows.append(b"<row" + attribute + b">" + cells + b"</row>")
    return b"".join(rows)


def _calamine_cells(path: Path) -> int | None:
    """Cells the reader would hold for the sheet, or None when calamine refuses it."""
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_name("S")
    except Exception:
        return None
    end = sheet.end
    return 0 if end is None else (end[0] + 1) * sheet.width


def _bound(xml: bytes, sizes: list[int]) -> float:
    scan = CellScan()
    at = 0
    for size in sizes:
        scan.feed(xml[at : at + size])
        at += size
    scan.feed(xml[at:])
    dense, tight = scan.final()
    if not tight:
        exact = exact_cells(io.BytesIO(xml))
        if exact is not None:
            dense = min(dense, exact)
    return dense


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=_sheet(), sizes=st.lists(st.integers(1, 200), max_size=40))
def test_the_bound_covers_calamine(
    tmp_path: Path, rows: bytes, sizes: list[int]
) -> None:
    path = _xlsx(tmp_path / "random.xlsx", rows)
    actual = _calamine_cells(path)
    if actual is None:
        return
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert _bound(xml, sizes) >= actual


def test_a_far_reference_across_every_chunk_boundary() -> None:
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c>'
        b'<c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>'
    )
    for cut in range(1, len(xml)):
        scan = CellScan()
        scan.feed(xml[:cut])
        scan.feed(xml[cut:])
        assert scan.final() == (1048576 * 16384, True), cut


def test_blanks_longer_than_the_look_ahead_are_not_trusted() -> None:
    xml = (
        b'<sheetData><row r="1"><c r'
        + b" " * 5000
        + b'="XFD9"><v>1</v></c></row></sheetData>'
    )
    scan = CellScan()
    for at in range(0, len(xml), 1000):
        scan.feed(xml[at : at + 1000])
    dense, tight = scan.final()
    assert dense >= 9 * 16384
    assert not tight


def test_empty_styled_cells_after_the_data_do_not_count() -> None:
    xml = (
        b'<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'
        b'<row r="1048576"><c r="XFD1048576" s="3"/></row></sheetData>'
    )
    scan = CellScan()
    scan.feed(xml)
    assert scan.final() == (2, True)


def test_a_piece_bound_ignores_an_element_cut_by_the_end_of_the_bytes() -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, 50)
    )
    scan = CellScan()
    scan.feed(b"<sheetData>" + rows + b'<row r="50"><c r="A5')
    assert scan.bound() == 49
    scan.feed(
        b'0"><v>1</v></c></row><row r="51"><c r="XFD51"><v>1</v></c></row></sheetData>'
    )
    assert scan.final() == (51 * 16384, True)


def test_exact_cells_replays_cells_without_references() -> None:
    xml = (
        b'<worksheet><sheetData><row r="3"><c><v>1</v></c><c r="D3"><v>1</v></c><c><v>1</v></c>'
        b"</row><row><c/><c><v>1</v></c></row></sheetData></worksheet>"
    )
    # Row 3: A3, D3, E3; row 4: B4 (A4 holds no value).
    assert exact_cells(io.BytesIO(xml)) == 4 * 5
    assert exact_cells(io.BytesIO(b"<worksheet><sheetData>")) is None


def _cut_everywhere(xml: bytes) -> set[tuple[float, bool]]:
    finals = set()
    for cut in range(1, len(xml)):
        scan = CellScan()
        scan.feed(xml[:cut])
        scan.feed(xml[cut:])
        finals.add(scan.final())
    return finals


def test_cells_counted_from_their_references_across_every_chunk_boundary() -> None:
    # "<col" and "<cols" open no cell; "<x:c" does (a "</x:c>" would count
    # as a cell without r); every cell has its r.
    xml = (
        b'<worksheet><cols><col min="1" max="3"/></cols><sheetData>'
        b'<row r="1"><c r="A1"><v>1</v></c><x:c r="C1"/></row>'
        b'<row r="2"><c r="B2" s="1"><v>1</v></c><c r="Z9" s="1"/></row>'
        b"</sheetData></worksheet>"
    )
    assert _cut_everywhere(xml) == {(2 * 3, True)}


def test_a_cell_without_reference_is_seen_across_every_chunk_boundary() -> None:
    xml = (
        b'<worksheet><cols><col min="1" max="3"/></cols><sheetData>'
        b'<row r="1"><c r="A1"><v>1</v></c><c><v>1</v></c></row>'
        b'<row r="2"><c r="B2"><v>1</v></c><x:c><v>1</v></x:c></row>'
        b"</sheetData></worksheet>"
    )
    whole = CellScan()
    whole.feed(xml)
    assert whole.final()[1] is False
    for cut in range(1, len(xml)):
        scan = CellScan()
        scan.feed(xml[:cut])
        scan.feed(xml[cut:])
        assert scan.final()[1] is False, cut


def test_many_references_in_one_chunk() -> None:
    # More references than are read at once, the widest in the middle.
    rows = [
        b'<row r="%d">%s</row>'
        % (n, b"".join(b'<c r="%s%d"><v>1</v></c>' % (c, n) for c in (b"A", b"B")))
        for n in range(1, 12001)
    ]
    rows[5000] = b'<row r="5001"><c r="AB70000"><v>1</v></c></row>'
    rows.append(b'<row r="12001"><c r="XFD999999" s="1"/></row>')
    scan = CellScan()
    scan.feed(b"<sheetData>" + b"".join(rows) + b"</sheetData>")
    assert scan.final() == (70000 * 28, True)
