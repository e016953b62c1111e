"""Sparse-cell bombs: tiny files whose cells calamine would spread over billions of dense cells.

calamine keeps a sheet as one dense block from its smallest to its largest
cell position and allocates it before any Python check runs: two values
at A1 and XFD1048576 make it ask for 512 GB and abort the whole process.
Every file here is a few hundred bytes written by hand (zipfile + XML, or
the binary records of .xls/.xlsb) and must be refused with a one-line
message before calamine parses it, on the whole-sheet read and on the
read in pieces alike.  Since a regression would kill the test process
itself, hostile files are read in a child process under a memory limit
and the test looks at what it printed.

Legitimate files that look a little like these (empty styled rows and
cells after the data, cells without references, sheets at unusual paths)
must still read.
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from typing import TYPE_CHECKING

import pytest

from clmdesk.core.importing import ImportOptions
from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import SplitSettings, read_file

if TYPE_CHECKING:
    from pathlib import Path

# Small files take the read in pieces when forced to (tiny pieces, threshold 0).
SPLIT = SplitSettings(threshold=0, piece_bytes=64, workers=2, sst_factor=0)
WHOLE = SplitSettings(workers=1)
TOO_MANY = "import.file.too_many_cells"

_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b"</Types>"
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    b"</Relationships>"
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="{target}"/>'
    "</Relationships>"
)

# A value, an inline string and the header row of the legitimate sheets.
_HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>Cliente</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>Valor</t></is></c></row>'
)


def _data_rows(first: int, count: int) -> bytes:
    return b"".join(
        b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d"><v>%d.5</v></c></row>'
        % (row, row, row, row, row)
        for row in range(first, first + count)
    )


def _xlsx(
    path: Path,
    sheet_data: bytes,
    *,
    entry: str = "xl/worksheets/sheet1.xml",
    target: str = "worksheets/sheet1.xml",
) -> Path:
    """An xlsx whose only sheet holds ``sheet_data`` inside ``<sheetData>``."""
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1"/><sheetData>' + sheet_data + b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr(
            "xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(target=target)
        )
        archive.writestr(entry, sheet)
    return path


# A child reads the file under a memory limit and prints what happened: an
# abort (calamine failing to allocate) shows as a negative return code.
_CHILD = """
import json, resource, sys
hard = resource.getrlimit(resource.RLIMIT_AS)[1]
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, hard))
from clmdesk.core.importing import ImportOptions
from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import SplitSettings, read_file
path, mode, max_cells = sys.argv[1], sys.argv[2], int(sys.argv[3])
split = (
    SplitSettings(threshold=0, piece_bytes=64, workers=2, sst_factor=0)
    if mode == "split" else SplitSettings(workers=1)
)
try:
    book = read_file(path, ImportOptions(max_cells=max_cells), split=split)
except ReadError as error:
    print(json.dumps({"error": error.message.id, "text": error.message.english()}))
else:
    print(json.dumps({"rows": [len(sheet.rows) for sheet in book.sheets]}))
"""


def _outcome_in_child(
    path: Path, mode: str, max_cells: int = 20_000_000
) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), mode, str(max_cells)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        reason = [line for line in done.stderr.splitlines() if "alloc" in line][:1]
        return {"crashed": done.returncode, "reason": reason}
    outcome: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def _assert_refused(path: Path, mode: str, ids: tuple[str, ...] = (TOO_MANY,)) -> None:
    outcome = _outcome_in_child(path, mode)
    assert outcome.get("error") in ids, outcome
    text = str(outcome["text"])
    assert text.startswith(path.name)
    assert "\n" not in text


_VALUE = b"<v>1</v>"

# Each holds at most a few values; calamine's dense range would be huge.
HOSTILE_XLSX = {
    # Two values in one row, at the two ends of the sheet.
    "two-corners": b'<row r="1"><c r="A1">'
    + _VALUE
    + b'</c><c r="XFD1048576">'
    + _VALUE
    + b"</c></row>",
    # A cell whose reference points far below its row's r.
    "cell-below-its-row": _HEADER
    + b'<row r="5"><c r="XFD1048576">'
    + _VALUE
    + b"</c></row>",
    # The far corner only in lower case (calamine reads either case).
    "lower-case": _HEADER + b'<row r="2"><c r="xfd1048576">' + _VALUE + b"</c></row>",
    # Single quotes and blanks around "=" are XML too.
    "odd-quoting": _HEADER
    + b"<row r=\"2\"><c r = 'XFD1048576'>"
    + _VALUE
    + b"</c></row>",
    # Two r attributes: calamine keeps the last one.
    "second-r": _HEADER
    + b'<row r="2"><c r="A2" r="XFD1048576">'
    + _VALUE
    + b"</c></row>",
    # Four letters: column 18,279, wider than Excel allows.
    "four-letters": _HEADER
    + b'<row r="2"><c r="AAAA1048576">'
    + _VALUE
    + b"</c></row>",
    # The far cell's value element carries an attribute (<v xml:space=...>).
    "value-with-attribute": _HEADER
    + b'<row r="1048576"><c r="XFD1048576"><v xml:space="preserve">1</v></c></row>',
    # Rows out of order: the far row first, the wide one last.
    "rows-descending": b'<row r="1048576"><c r="A1048576">'
    + _VALUE
    + b"</c></row>"
    + b'<row r="1"><c r="XFD1">'
    + _VALUE
    + b"</c></row>",
    # Cells without r continue from the cell before: 20,000 of them far down.
    "cells-without-r": _HEADER
    + b'<row r="1048576">'
    + (b"<c>" + _VALUE + b"</c>") * 20_000
    + b"</row>",
    # A prefixed cell element (calamine ignores the prefix).
    "prefixed": _HEADER + b'<row r="2"><x:c r="XFD1048576">' + _VALUE + b"</x:c></row>",
}


@pytest.mark.parametrize("mode", ["whole", "split"])
@pytest.mark.parametrize("case", sorted(HOSTILE_XLSX))
def test_sparse_xlsx_is_refused_before_calamine_parses_it(
    tmp_path: Path, case: str, mode: str
) -> None:
    path = _xlsx(tmp_path / f"{case}.xlsx", HOSTILE_XLSX[case])
    assert path.stat().st_size < 4_000
    _assert_refused(path, mode)


@pytest.mark.parametrize("mode", ["whole", "split"])
@pytest.mark.parametrize(
    ("entry", "target"),
    [
        # calamine follows the workbook's relationship wherever it points,
        # and finds the entry whatever the case of its name.
        ("xl/other/sheet1.xml", "other/sheet1.xml"),
        ("XL/WORKSHEETS/SHEET1.XML", "worksheets/sheet1.xml"),
        ("sheet1.bin", "/sheet1.bin"),
    ],
    ids=["other-folder", "upper-case-name", "root-binary-name"],
)
def test_a_sheet_anywhere_in_the_zip_is_bounded(
    tmp_path: Path, mode: str, entry: str, target: str
) -> None:
    path = _xlsx(
        tmp_path / "hidden.xlsx",
        HOSTILE_XLSX["two-corners"],
        entry=entry,
        target=target,
    )
    _assert_refused(path, mode)


def test_many_rows_with_data_far_down_is_refused_in_pieces(tmp_path: Path) -> None:
    # Over the threshold: hundreds of pieces, then a far cell in a late piece.
    rows = (
        _HEADER
        + _data_rows(2, 400)
        + b'<row r="402"><c r="XFD1048576"><v>1</v></c></row>'
    )
    path = _xlsx(tmp_path / "late.xlsx", rows)
    _assert_refused(path, "split")


# Files that resemble the bombs but are what real exporters write.
BENIGN_XLSX = {
    # Empty styled rows and cells after the data, down to the last row.
    "styled-tail": _HEADER
    + _data_rows(2, 50)
    + b'<row r="60" s="1" customFormat="1"><c r="XFD60" s="1"/></row>'
    + b'<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1"/></row>',
    # No cell references at all: cells follow one another.
    "no-cell-references": b"".join(
        b'<row r="%d"><c t="inlineStr"><is><t>c%d</t></is></c><c><v>%d</v></c></row>'
        % (row, row, row)
        for row in range(1, 60)
    ),
    # Neither rows nor cells referenced.
    "no-references": b"".join(
        b"<row><c><v>%d</v></c><c><v>%d</v></c></row>" % (row, row)
        for row in range(1, 60)
    ),
    # Text that looks like a reference inside a value.
    "reference-in-text": _HEADER
    + b'<row r="2"><c r="A2" t="inlineStr"><is><t>see r="B9"</t></is></c></row>',
}


@pytest.mark.parametrize("mode", ["whole", "split"])
@pytest.mark.parametrize("case", sorted(BENIGN_XLSX))
def test_benign_sheets_still_read(tmp_path: Path, case: str, mode: str) -> None:
    path = _xlsx(tmp_path / f"{case}.xlsx", BENIGN_XLSX[case])
    book = read_file(path, split=SPLIT if mode == "split" else WHOLE)
    assert book.sheets[0].rows
    assert book.sheets[0].width <= 3


def test_a_sheet_at_an_unusual_path_still_reads(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "elsewhere.xlsx",
        _HEADER + _data_rows(2, 5),
        entry="xl/other/data.xml",
        target="other/data.xml",
    )
    (sheet,) = read_file(path).sheets
    assert len(sheet.rows) == 6


@pytest.mark.parametrize("mode", ["whole", "split"])
def test_cells_without_references_are_counted_exactly_near_the_cap(
    tmp_path: Path, mode: str
) -> None:
    # 300 rows x 3 cells without r: 900 cells.  A bound from byte counts
    # alone would pass the cap of 1,000; the exact count does not.
    rows = b"".join(
        b'<row r="%d"><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>' % row
        for row in range(1, 301)
    )
    path = _xlsx(tmp_path / "norefs.xlsx", rows)
    split = SPLIT if mode == "split" else WHOLE
    book = read_file(path, ImportOptions(max_cells=1_000), split=split)
    assert len(book.sheets[0].rows) == 300
    with pytest.raises(ReadError) as caught:
        read_file(path, ImportOptions(max_cells=899), split=split)
    assert caught.value.message.id == TOO_MANY


def test_cells_without_references_wider_than_the_cap(tmp_path: Path) -> None:
    # One row of 2,000 cells without r, then a value 1,000 rows below.
    rows = (
        b'<row r="1">'
        + b"<c><v>1</v></c>" * 2_000
        + b'</row><row r="1000"><c><v>1</v></c></row>'
    )
    path = _xlsx(tmp_path / "wide.xlsx", rows)
    for split in (WHOLE, SPLIT):
        with pytest.raises(ReadError) as caught:
            read_file(path, ImportOptions(max_cells=1_000_000), split=split)
        assert caught.value.message.id == TOO_MANY


# --- .xls (BIFF8 in an OLE2 container) -------------------------------------


def _cfb(stream_name: str, data: bytes) -> bytes:
    """A minimal OLE2 compound file holding one stream in regular sectors."""
    data = data.ljust(max(len(data), 4096), b"\0")
    sectors = -(-len(data) // 512)
    data = data.ljust(sectors * 512, b"\0")
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    # Sector 0: the FAT; sector 1: the directory; then the stream.
    fat = [0xFFFFFFFD, end] + [
        3 + i if i < sectors - 1 else end for i in range(sectors)
    ]
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 0x2C, 1)
    struct.pack_into("<I", header, 0x30, 1)
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<IIII", header, 0x3C, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    directory = bytearray(512)
    for slot, (name, kind, child, start, size) in enumerate(
        [("Root Entry", 5, 1, end, 0), (stream_name, 2, free, 2, len(data))]
    ):
        base = slot * 128
        encoded = name.encode("utf-16-le") + b"\0\0"
        directory[base : base + len(encoded)] = encoded
        struct.pack_into("<HBB", directory, base + 0x40, len(encoded), kind, 1)
        struct.pack_into("<III", directory, base + 0x44, free, free, child)
        struct.pack_into("<II", directory, base + 0x74, start, size)
    for slot in (2, 3):
        struct.pack_into("<III", directory, slot * 128 + 0x44, free, free, free)
    return bytes(header) + struct.pack("<128I", *fat) + bytes(directory) + data


def _biff(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def _xls(
    path: Path,
    cells: list[tuple[int, int, float]],
    dimensions: tuple[int, int, int, int] | None = None,
) -> Path:
    """A BIFF8 workbook with one sheet "S" of numbers at (row, column), 0-based."""
    bof_globals = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 0, 0, 0))
    eof = _biff(0x000A, b"")
    sheet_at = len(bof_globals) + 4 + 9 + len(eof)
    sheet_entry = _biff(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, 1, 0) + b"S")
    sheet = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 0, 0, 0))
    if dimensions is not None:
        sheet += _biff(0x0200, struct.pack("<IIHHH", *dimensions, 0))
    for row, column, value in cells:
        sheet += _biff(0x0203, struct.pack("<HHHd", row, column, 0, value))
    path.write_bytes(_cfb("Workbook", bof_globals + sheet_entry + eof + sheet + eof))
    return path


def test_a_small_xls_reads(tmp_path: Path) -> None:
    path = _xls(
        tmp_path / "old.xls", [(0, 0, 1.0), (1, 2, 5.0)], dimensions=(0, 2, 0, 3)
    )
    (sheet,) = read_file(path).sheets
    assert sheet.rows == [[1.0, "", ""], ["", "", 5.0]]


@pytest.mark.parametrize(
    ("cells", "dimensions"),
    [
        # BIFF8 stores columns in 16 bits: 65,536 x 65,536 dense cells.
        ([(0, 0, 1.0), (65535, 65535, 2.0)], None),
        # calamine reserves the declared dimensions before reading any cell.
        ([(0, 0, 1.0)], (0, 0xFFFFFFFF, 0, 0xFFFF)),
    ],
    ids=["far-cell", "declared-dimensions"],
)
def test_sparse_xls_is_refused_without_harm(
    tmp_path: Path,
    cells: list[tuple[int, int, float]],
    dimensions: tuple[int, int, int, int] | None,
) -> None:
    path = _xls(tmp_path / "bomb.xls", cells, dimensions)
    _assert_refused(path, "whole", (TOO_MANY, "import.file.unsafe"))


# --- .xlsb (binary records in a zip) ---------------------------------------


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _record(kind: int, body: bytes = b"") -> bytes:
    return _varint(kind) + _varint(len(body)) + body


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def _xlsb(path: Path, cells: list[tuple[int, int, float]]) -> Path:
    """An xlsb with one sheet "S" of numbers at (row, column), rows ascending."""
    workbook = (
        _record(0x83)
        + _record(0x8F)
        + _record(0x9C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("S"))
        + _record(0x90)
        + _record(0x84)
    )
    sheet = _record(0x81) + _record(0x94, bytes(16)) + _record(0x91)
    current = None
    for row, column, value in cells:
        if row != current:
            sheet += _record(0x00, struct.pack("<I", row) + bytes(13))
            current = row
        sheet += _record(0x05, struct.pack("<IId", column, 0, value))
    sheet += _record(0x92) + _record(0x82)
    relations = _WORKBOOK_RELS.format(target="worksheets/sheet1.bin")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels", _ROOT_RELS.replace(b"workbook.xml", b"workbook.bin")
        )
        archive.writestr("xl/_rels/workbook.bin.rels", relations)
        archive.writestr("xl/workbook.bin", workbook)
        archive.writestr("xl/worksheets/sheet1.bin", sheet)
    return path


def test_a_small_xlsb_reads(tmp_path: Path) -> None:
    path = _xlsb(tmp_path / "book.xlsb", [(0, 0, 1.0), (1, 2, 5.0)])
    (sheet,) = read_file(path).sheets
    assert sheet.rows == [[1.0, "", ""], ["", "", 5.0]]


def test_sparse_xlsb_is_refused_without_harm(tmp_path: Path) -> None:
    path = _xlsb(tmp_path / "bomb.xlsb", [(0, 0, 1.0), (1048575, 16383, 2.0)])
    _assert_refused(path, "whole", (TOO_MANY, "import.file.unsafe"))


# --- .ods -------------------------------------------------------------------


def _ods(path: Path, table: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Plan1">{table}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return path


_ODS_VALUE = (
    '<table:table-cell office:value-type="float" office:value="1">'
    "<text:p>1</text:p></table:table-cell>"
)


@pytest.mark.parametrize(
    "table",
    [
        # A value repeated over every row and column of a sheet.
        '<table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" '
        'office:value-type="float" office:value="1"/></table:table-row>',
        # One value at each end, empty repeated rows and cells between.
        f"<table:table-row>{_ODS_VALUE}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"/>'
        '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        f"{_ODS_VALUE}</table:table-row>",
    ],
    ids=["repeated-value", "far-corner"],
)
def test_repeated_ods_cells_are_refused(tmp_path: Path, table: str) -> None:
    path = _ods(tmp_path / "bomb.ods", table)
    _assert_refused(path, "whole")


def test_binary_parts_that_look_like_markup_do_not_refuse_the_file(
    tmp_path: Path,
) -> None:
    # Compressed media hold any bytes: "row" and "<c " turn up by chance.
    import random

    # No "<" or ":" in the noise itself: the only cell-like bytes come late.
    noise = (
        random.Random(7).randbytes(1_500_000).translate(bytes.maketrans(b"<:", b"()"))
    )
    picture = b"\x89PNG\r\n\x1a\n" + noise + b"arrow" + noise + b"<c \x00" + noise
    path = _xlsx(tmp_path / "with-picture.xlsx", _HEADER + _data_rows(2, 20))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/image1.png", picture)
    for split in (WHOLE, SPLIT):
        (sheet,) = read_file(path, split=split).sheets
        assert len(sheet.rows) == 21
