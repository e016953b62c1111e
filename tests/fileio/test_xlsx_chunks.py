"""Large worksheets read in pieces give exactly what the whole-sheet read gives.

Every test writes a real workbook with openpyxl (post-processed where a
variant needs it: shared strings, rows without references, prefixed tags)
and reads it twice: whole (splitting off) and in pieces forced small, so a
few hundred rows make dozens of pieces.  The log of
``clmdesk.fileio.xlsx_chunks`` tells whether a sheet was really split.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from clmdesk.core.importing import ImportOptions
from clmdesk.core.tasks import Cancelled
from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import SplitSettings, read_file
from clmdesk.fileio.xlsx_chunks import _find_head, drop_empty_rows

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from clmdesk.core.importing.records import RawWorkbook

WHOLE = SplitSettings(workers=1)
LOGGER = "clmdesk.fileio.xlsx_chunks"

Cells = dict[tuple[int, int], object]


def _forced(piece_bytes: int = 2_000, **changes: int) -> SplitSettings:
    values = {"threshold": 0, "piece_bytes": piece_bytes, "workers": 2, "sst_factor": 0}
    values.update(changes)
    return SplitSettings(**values)


def _write(
    path: Path,
    sheets: dict[str, Cells],
    epoch_1904: bool = False,
    merged: tuple[str, ...] = (),
) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, cells in sheets.items():
        sheet = workbook.create_sheet(name)
        for (row, column), value in sorted(cells.items()):
            cell = sheet.cell(row=row, column=column, value=value)
            if isinstance(value, date) and not isinstance(value, datetime):
                cell.number_format = "dd/mm/yyyy"
        for cells_range in merged:
            sheet.merge_cells(cells_range)
    if epoch_1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        workbook.epoch = CALENDAR_MAC_1904
    workbook.save(path)
    return path


def _rewrite(path: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """Rewrite every entry of the zip through ``change(name, data)``."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, change(name, data))
    return path


_INLINE = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is>(<t[^>]*>.*?</t>)</is></c>')


def _with_shared_strings(path: Path) -> Path:
    """Turn openpyxl's inline strings into a shared-strings table, as Excel writes."""
    table: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = table.setdefault(match.group(3), len(table))
        return b'<c %st="s"%s><v>%d</v></c>' % (match.group(1), match.group(2), index)

    sheets: dict[str, bytes] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                sheets[name] = _INLINE.sub(shared, archive.read(name))
    items = b"".join(b"<si>" + text + b"</si>" for text in table)
    strings = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="%d" uniqueCount="%d">%s</sst>' % (len(table), len(table), items)
    )

    def change(name: str, data: bytes) -> bytes:
        if name in sheets:
            return sheets[name]
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                b"</Types>",
            )
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
                b'officeDocument/2006/relationships/sharedStrings" '
                b'Target="sharedStrings.xml"/></Relationships>',
            )
        return data

    _rewrite(path, change)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", strings)
    return path


def _read_both(
    path: Path, caplog: pytest.LogCaptureFixture, split: SplitSettings | None = None
) -> tuple[RawWorkbook, RawWorkbook, list[str]]:
    whole = read_file(path, split=WHOLE)
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        pieces = read_file(path, split=split or _forced())
    messages = [
        record.getMessage() for record in caplog.records if record.name == LOGGER
    ]
    return whole, pieces, messages


def _assert_same(whole: RawWorkbook, pieces: RawWorkbook) -> None:
    assert [sheet.name for sheet in pieces.sheets] == [
        sheet.name for sheet in whole.sheets
    ]
    for expected, got in zip(whole.sheets, pieces.sheets, strict=True):
        assert got.width == expected.width, expected.name
        assert list(got.row_numbers) == list(expected.row_numbers), expected.name
        assert type(got.row_numbers) is type(expected.row_numbers), expected.name
        for number, row, want in zip(
            got.row_numbers, got.rows, expected.rows, strict=True
        ):
            assert row == want, f"{expected.name} row {number}"
            assert [type(value) for value in row] == [type(value) for value in want]
        assert got == expected
    assert pieces == whole


def _split_count(messages: Iterable[str], sheet: str) -> int:
    for message in messages:
        found = re.fullmatch(
            rf"sheet '{re.escape(sheet)}' read in (\d+) pieces", message
        )
        if found:
            return int(found.group(1))
    return 0


def _orders(rows: int, first_row: int = 4, gaps: int = 13) -> Cells:
    """A title above the header, then order lines with every kind of value."""
    cells: Cells = {(first_row - 2, 2): "Relatório de vendas"}
    header = ["Pedido", "Data", "Dia", "Cliente", "Pago", "Valor", "Obs"]
    for column, title in enumerate(header, start=1):
        cells[(first_row, column)] = title
    moment = datetime(2021, 3, 1, 9, 30)
    row = first_row
    for index in range(rows):
        row += 1
        if index % gaps == gaps - 1:
            row += 1 + index % 3  # one to three empty rows
        cells[(row, 1)] = 1000 + index
        cells[(row, 2)] = moment + timedelta(hours=7 * index, minutes=index % 60)
        cells[(row, 3)] = (moment + timedelta(days=index)).date()
        cells[(row, 4)] = f"Cliente {index % 37} & cia <{index}>"
        cells[(row, 5)] = index % 2 == 0
        cells[(row, 6)] = round(index * 1.37, 2) if index % 11 else 0
        if index % 7 == 0:
            cells[(row, 7)] = "#N/A"  # an error cell: empty to the reader
        elif index % 5 == 0:
            cells[(row, 7)] = f"  nota {index}! Quem?  "
        elif index % 9 == 0:
            cells[(row, 7)] = f"=A{row}*2"  # a formula (no cached value)
        if index % 4 == 0:
            cells[(row, 8)] = time(index % 24, index % 60)
    row += 2
    cells[(row, 7)] = "#DIV/0!"  # a row holding nothing but an error: dropped
    return cells


@pytest.mark.parametrize("epoch_1904", [False, True], ids=["1900", "1904"])
@pytest.mark.parametrize("strings", ["inline", "shared"])
def test_pieces_give_the_whole_sheet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, epoch_1904: bool, strings: str
) -> None:
    path = _write(
        tmp_path / "orders.xlsx",
        {"Vendas": _orders(400)},
        epoch_1904,
        merged=("B2:G2", "C40:D40"),
    )
    if strings == "shared":
        _with_shared_strings(path)
        with zipfile.ZipFile(path) as archive:
            assert b't="s"' in archive.read("xl/worksheets/sheet1.xml")
    whole, pieces, messages = _read_both(path, caplog)
    assert _split_count(messages, "Vendas") > 20
    _assert_same(whole, pieces)
    sheet = pieces.sheets[0]
    assert sheet.row_numbers[0] == 2  # the title row, below an empty row 1
    assert sheet.rows[0][1] == "Relatório de vendas"
    first = sheet.rows[2]
    assert first[1] == datetime(2021, 3, 1, 9, 30)
    assert first[2] == date(2021, 3, 1)
    assert first[4] is True
    assert first[6] == ""  # #N/A
    assert (
        sheet.row_numbers[-1] < max(r for r, _ in _orders(400)) - 1
    )  # error row dropped


def test_every_piece_size_gives_the_same_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Empty rows fall at piece boundaries for some of these sizes.
    path = _write(tmp_path / "sizes.xlsx", {"S": _orders(150, gaps=4)})
    whole = read_file(path, split=WHOLE)
    for piece_bytes in (1, 300, 700, 1_100, 1_700, 3_000, 10_000):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger=LOGGER):
            pieces = read_file(path, split=_forced(piece_bytes))
        messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
        assert _split_count(messages, "S") >= 2, (piece_bytes, messages)
        _assert_same(whole, pieces)


def test_a_column_empty_in_whole_pieces_is_re_anchored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cells: Cells = {}
    for row in range(1, 301):
        cells[(row, 3)] = f"c{row}"
        cells[(row, 4)] = row
        if row <= 10:
            cells[(row, 2)] = "only at the top"
        if row > 290:
            cells[(row, 6)] = "only at the bottom"
        if 140 <= row <= 160:
            cells.pop((row, 3))  # pieces holding column D alone
    path = _write(tmp_path / "columns.xlsx", {"S": cells})
    whole, pieces, messages = _read_both(path, caplog)
    assert _split_count(messages, "S") > 10
    _assert_same(whole, pieces)
    assert pieces.sheets[0].width == 5  # B to F
    assert pieces.sheets[0].rows[150 - 1] == ["", "", 150.0, "", ""]


def test_several_sheets_large_and_small(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    small: Cells = {(1, 1): "Cliente", (1, 2): "E-mail", (2, 1): 1, (2, 2): "a@b.c"}
    path = _write(
        tmp_path / "sheets.xlsx",
        {"Big 1": _orders(200), "Small": small, "Empty": {}, "Big 2": _orders(120, 7)},
    )
    with zipfile.ZipFile(path) as archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
    threshold = sizes["xl/worksheets/sheet2.xml"] + 1  # Small is read whole
    assert sizes["xl/worksheets/sheet3.xml"] < threshold
    whole, pieces, messages = _read_both(path, caplog, _forced(threshold=threshold))
    assert _split_count(messages, "Big 1") > 5
    assert _split_count(messages, "Big 2") > 5
    assert _split_count(messages, "Small") == 0
    _assert_same(whole, pieces)
    assert [len(sheet.rows) for sheet in pieces.sheets][1:3] == [2, 0]


def test_threshold_just_below_and_above_the_sheet(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path / "edge.xlsx", {"S": _orders(60)})
    with zipfile.ZipFile(path) as archive:
        size = archive.getinfo("xl/worksheets/sheet1.xml").file_size
    _, at_size, messages = _read_both(path, caplog, _forced(threshold=size))
    assert _split_count(messages, "S") > 1
    whole, above, messages = _read_both(path, caplog, _forced(threshold=size + 1))
    assert messages == []
    _assert_same(whole, at_size)
    _assert_same(whole, above)


def _without_row_references(name: str, data: bytes) -> bytes:
    if name.startswith("xl/worksheets/"):
        return re.sub(rb'<row r="\d+"', b"<row", data)
    return data


def _without_cell_references(name: str, data: bytes) -> bytes:
    if name.startswith("xl/worksheets/"):
        return re.sub(rb'<c r="[A-Z]+\d+" ?', b"<c ", data)
    return data


def _with_spans_first(name: str, data: bytes) -> bytes:
    if name.startswith("xl/worksheets/"):
        return re.sub(rb'<row r="(\d+)"', rb'<row spans="1:7" r="\1"', data)
    return data


@pytest.mark.parametrize(
    ("change", "pieces"),
    [
        # Rows without r cannot start a piece: one piece, parsed as a whole.
        (_without_row_references, 1),
        (_with_spans_first, 1),
        # Cells without r follow the cell before in their row: any row
        # with r can still start a piece.
        (_without_cell_references, 5),
    ],
    ids=["rows-without-r", "r-not-first", "cells-without-r"],
)
def test_references_missing(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    change: Callable[[str, bytes], bytes],
    pieces: int,
) -> None:
    cells: Cells = {
        (row, column): row * column for row in range(1, 120) for column in (1, 2, 3)
    }
    cells[(60, 5)] = "wider"
    path = _rewrite(_write(tmp_path / "norefs.xlsx", {"S": cells}), change)
    whole, split, messages = _read_both(path, caplog)
    if pieces == 1:
        assert messages == ["sheet 'S' read in 1 pieces"]
    else:
        assert _split_count(messages, "S") >= pieces
    _assert_same(whole, split)
    assert len(split.sheets[0].rows) == 119


def test_a_cut_only_after_a_row_end(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Empty styled rows (<row r="5" .../>) and rows without r between rows
    # with r: cuts land only where the previous row closed with </row>.
    cells: Cells = {(row, 1): f"r{row}" for row in range(1, 200) if row % 5}
    path = _write(tmp_path / "cuts.xlsx", {"S": cells})

    def change(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return data
        data = re.sub(
            rb'<row r="(\d*5)"/>', rb'<row r="\1" ht="20" customHeight="1"/>', data
        )
        for number in range(5, 200, 5):
            data = data.replace(
                b'<row r="%d">' % (number + 1),
                b'<row r="%d" ht="20"/>\n<row r="%d">' % (number, number + 1),
            )
        return re.sub(rb'<row r="(\d*7)">', b"<row>", data)

    _rewrite(path, change)
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b'<row r="10" ht="20"/>' in xml
    assert b"<row><c" in xml
    whole, split, messages = _read_both(path, caplog, _forced(piece_bytes=300))
    assert _split_count(messages, "S") > 10
    _assert_same(whole, split)


def _prefixed(name: str, data: bytes) -> bytes:
    if not name.startswith("xl/worksheets/"):
        return data
    data = re.sub(rb"<(/?)(?=[a-zA-Z])", rb"<\1x:", data)
    return data.replace(b"<x:worksheet xmlns=", b"<x:worksheet xmlns:x=")


def test_prefixed_tags(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _rewrite(_write(tmp_path / "prefixed.xlsx", {"S": _orders(80)}), _prefixed)
    with zipfile.ZipFile(path) as archive:
        assert b"<x:row r=" in archive.read("xl/worksheets/sheet1.xml")
    whole, pieces, messages = _read_both(path, caplog)
    assert _split_count(messages, "S") > 5
    _assert_same(whole, pieces)
    assert len(pieces.sheets[0].rows) > 80


def test_rows_out_of_order_mean_the_whole_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cells: Cells = {(row, 1): f"r{row}" for row in range(1, 101)}
    path = _write(tmp_path / "order.xlsx", {"S": cells})

    def swap(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/"):
            return data
        start = data.index(b"<sheetData>") + len(b"<sheetData>")
        end = data.index(b"</sheetData>")
        rows = re.findall(rb"<row .*?</row>", data[start:end])
        return data[:start] + b"".join(rows[50:] + rows[:50]) + data[end:]

    _rewrite(path, swap)
    whole, pieces, messages = _read_both(path, caplog)
    assert messages == ["sheet 'S' read whole: rows out of order"]
    _assert_same(whole, pieces)


def test_large_shared_strings_mean_the_whole_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cells: Cells = {(row, 1): f"distinct text {row}" for row in range(1, 300)}
    path = _with_shared_strings(_write(tmp_path / "strings.xlsx", {"S": cells}))
    with zipfile.ZipFile(path) as archive:
        shared = archive.getinfo("xl/sharedStrings.xml").file_size
    fits = _forced(max_piece_bytes=2 * shared)
    whole, split, messages = _read_both(path, caplog, fits)
    assert _split_count(messages, "S") > 1
    _assert_same(whole, split)
    too_large = _forced(max_piece_bytes=2 * shared - 1)
    whole, split, messages = _read_both(path, caplog, too_large)
    assert messages == [
        "sheet 'S' read whole: shared strings too large to copy into every piece"
    ]
    _assert_same(whole, split)


def test_comments_in_the_sheet_data_mean_the_whole_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = _write(tmp_path / "comments.xlsx", {"S": _orders(100)})

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet1.xml":
            return data
        return data.replace(
            b'<row r="60">', b'<!-- </row><row r="61"> --><row r="60">', 1
        )

    _rewrite(path, change)
    whole, split, messages = _read_both(path, caplog)
    assert messages == [
        "sheet 'S' read whole: comments, CDATA or processing instructions"
    ]
    _assert_same(whole, split)


def test_a_piece_starting_with_an_error_only_row(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cells: Cells = {}
    for row in range(1, 200):
        cells[(row, 2)] = "#REF!" if row % 10 == 0 else row
        if row % 10 == 1:
            cells[(row, 3)] = "#DIV/0!"
    path = _write(tmp_path / "errors.xlsx", {"S": cells})
    whole, split, messages = _read_both(path, caplog, _forced(piece_bytes=400))
    assert _split_count(messages, "S") > 5
    _assert_same(whole, split)


def test_row_numbers_when_row_1_is_empty(tmp_path: Path) -> None:
    # calamine's iter_rows pads from row 1: the numbers are the sheet's own.
    path = _write(
        tmp_path / "low.xlsx", {"S": {(3, 2): "título", (5, 2): "a", (6, 3): 1}}
    )
    for split in (WHOLE, _forced()):
        (sheet,) = read_file(path, split=split).sheets
        assert list(sheet.row_numbers) == [3, 5, 6]
        assert sheet.rows == [["título", ""], ["a", ""], ["", 1.0]]
        assert sheet.width == 2


def test_cell_cap_counts_the_pieces(tmp_path: Path) -> None:
    cells: Cells = {(row, column): row for row in range(1, 201) for column in (1, 2)}
    path = _write(tmp_path / "cap.xlsx", {"S": cells})
    options = ImportOptions(max_cells=400)
    assert len(read_file(path, options, split=_forced()).sheets[0].rows) == 200
    for split in (WHOLE, _forced()):
        with pytest.raises(ReadError) as caught:
            read_file(path, ImportOptions(max_cells=399), split=split)
        assert caught.value.message.id == "import.file.too_many_cells"


def test_sparse_bomb_is_refused_when_splitting(tmp_path: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "x"
    workbook.active.cell(row=200_000, column=2_000, value=5)
    path = tmp_path / "sparse.xlsx"
    workbook.save(path)
    with pytest.raises(ReadError) as caught:
        read_file(path, split=_forced())
    assert caught.value.message.id == "import.file.too_many_cells"


def test_entity_expansion_in_a_deferred_sheet_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "laughs.xlsx", {"S": _orders(30)})
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )

    def change(name: str, data: bytes) -> bytes:
        return laughs + data if name == "xl/worksheets/sheet1.xml" else data

    _rewrite(path, change)
    with pytest.raises(ReadError) as caught:
        read_file(path, split=_forced())
    assert caught.value.message.id == "import.file.unsafe"


def _outcome(path: Path, split: SplitSettings) -> object:
    try:
        return read_file(path, split=split)
    except ReadError as error:
        return error.message


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data.replace(b"</row>", b"</rox>", 1),
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(b"<v>1005</v>", b"<v>abc</v>", 1),
        lambda data: data.replace(b'<c r="A20"', b'<c r="A2"', 1),
        lambda data: data.replace(b'<row r="30">', b'<row r="3">', 1),
    ],
    ids=["end-tag", "truncated", "not-a-number", "cell-above-its-row", "row-repeated"],
)
def test_damaged_sheets_give_what_the_whole_read_gives(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    path = _write(tmp_path / "broken.xlsx", {"S": _orders(60)})

    def change(name: str, data: bytes) -> bytes:
        return damage(data) if name == "xl/worksheets/sheet1.xml" else data

    _rewrite(path, change)
    assert _outcome(path, _forced()) == _outcome(path, WHOLE)


def test_cancel_stops_the_read_and_its_threads(tmp_path: Path) -> None:
    path = _write(tmp_path / "cancel.xlsx", {"S": _orders(200)})
    before = threading.active_count()
    calls = 0

    def is_cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 2

    with pytest.raises(Cancelled):
        read_file(path, is_cancelled=is_cancelled, split=_forced(piece_bytes=100))
    assert threading.active_count() == before


@pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open files"
)
def test_files_are_closed_after_a_split_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "closed.xlsx", {"S": _orders(50)})
    read_file(path, split=_forced())
    open_files = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            open_files.add(os.readlink(fd))
    assert str(path) not in open_files


def test_real_export_in_pieces(
    retail_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Excel's own file: shared strings, styles, sheet views, a sort state.
    split = _forced(piece_bytes=256 << 10)
    whole, pieces, messages = _read_both(retail_file, caplog, split)
    assert _split_count(messages, "Year 2009-2010") > 5
    assert _split_count(messages, "Year 2010-2011") > 5
    _assert_same(whole, pieces)


def test_drop_empty_rows() -> None:
    rows: list[list[object]] = [["a", ""], ["", ""], [0.0, ""], [None, ""], ["", False]]
    kept, indices = drop_empty_rows(rows)  # type: ignore[arg-type]
    assert kept == [["a", ""], [0.0, ""], ["", False]]
    assert indices == [0, 2, 4]
    assert drop_empty_rows([["a"], [1.0]]) == ([["a"], [1.0]], None)


@pytest.mark.slow
def test_a_sheet_above_the_default_threshold(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Vendas")
    moment = datetime(2022, 1, 1, 8, 0)
    for index in range(60_000):
        sheet.append(
            [
                100_000 + index // 3,
                moment + timedelta(minutes=17 * index),
                10_000 + index % 997,
                f"Cliente {index % 997}",
                index % 12 + 1,
                (index % 2_000) / 100,
                index * 0.5,
            ]
        )
    path = tmp_path / "large.xlsx"
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        assert (
            archive.getinfo("xl/worksheets/sheet1.xml").file_size
            > SplitSettings().threshold
        )
    whole, pieces, messages = _read_both(path, caplog, SplitSettings(workers=2))
    assert _split_count(messages, "Vendas") >= 4
    _assert_same(whole, pieces)


@pytest.mark.parametrize("prefix", [b"", b"x:"])
def test_a_piece_head_ends_calamines_search_for_merged_cells(prefix: bytes) -> None:
    """An empty mergeCells before sheetData: calamine stops looking there, not at the end."""
    sheet = (
        b'<?xml version="1.0"?><'
        + prefix
        + b'worksheet xmlns:x="urn:x"><'
        + prefix
        + b"sheetData><"
        + prefix
        + b'row r="1"/>'
    )
    found = _find_head(bytearray(sheet))
    assert found is not None
    head, _tags, body_start = found
    assert head.endswith(
        b"<"
        + prefix
        + b"mergeCells></"
        + prefix
        + b"mergeCells><"
        + prefix
        + b"sheetData>"
    )
    assert sheet[body_start:] == b"<" + prefix + b'row r="1"/>'


def test_a_read_in_pieces_reports_its_progress(tmp_path: Path) -> None:
    path = _write(tmp_path / "progress.xlsx", {"S": _orders(300), "T": _orders(20)})
    with zipfile.ZipFile(path) as archive:
        sheet_bytes = sum(
            info.file_size
            for info in archive.infolist()
            if info.filename.startswith("xl/worksheets/")
        )
    seen: list[tuple[int, int]] = []

    read_file(
        path,
        progress=lambda done, total: seen.append((done, total)),
        split=_forced(piece_bytes=1_000),
    )

    assert len(seen) >= 2  # a report per megabyte of XML read, and per sheet
    assert all(total == sheet_bytes for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[-1] == sheet_bytes
