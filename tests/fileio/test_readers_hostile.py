"""Bad and hostile files: each gets one ReadError with a one-line message naming the file."""

from __future__ import annotations

import struct
import zipfile
from typing import TYPE_CHECKING

import pytest

from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import read_file
from clmdesk.fileio.safety import OLE2_MAGIC, ZipLimits, inspect_zip

if TYPE_CHECKING:
    from pathlib import Path


def _xlsx(path: Path) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Cliente", "Data", "Valor"])
    sheet.append(["ana", "01/02/2024", "10,00"])
    workbook.save(path)
    return path


def _refused(path: Path) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_file(path)
    error = caught.value
    assert error.message.params["file"] == path.name
    text = error.message.english()
    assert "\n" not in text
    assert text.startswith(path.name)
    return error


def _replace_entry(source: Path, target: Path, name: str, data: bytes) -> Path:
    with (
        zipfile.ZipFile(source) as old,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for entry in old.infolist():
            new.writestr(
                entry.filename, data if entry.filename == name else old.read(entry)
            )
    return target


def test_missing_file(tmp_path: Path) -> None:
    assert _refused(tmp_path / "nowhere.xlsx").message.id == "import.file.not_found"


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert _refused(path).message.id == "import.file.empty"


def test_blank_csv_has_no_data(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text(";;\n\n ; \n", encoding="utf-8")
    assert _refused(path).message.id == "import.file.empty"


def test_workbook_whose_sheets_are_all_empty(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "nothing.xlsx"
    openpyxl.Workbook().save(path)
    assert _refused(path).message.id == "import.file.empty"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20),
        ("program.csv", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 512),
    ],
)
def test_not_a_spreadsheet(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert _refused(path).message.id == "import.file.not_spreadsheet"


def test_a_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _refused(path).message.id == "import.file.not_spreadsheet"


def test_truncated_zip(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx").read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(good[: len(good) // 2])
    assert _refused(path).message.id == "import.file.corrupt"


def test_corrupt_entry(tmp_path: Path) -> None:
    good = bytearray(_xlsx(tmp_path / "good.xlsx").read_bytes())
    # Damage compressed bytes in the middle of the first entries (CRC/inflate fails).
    for offset in range(200, 600):
        good[offset] ^= 0x5A
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(good))
    assert _refused(path).message.id == "import.file.corrupt"


def _ole2(entries: list[str]) -> bytes:
    """A minimal OLE2 container whose directory names the given streams."""
    header = bytearray(512)
    header[:8] = OLE2_MAGIC
    struct.pack_into("<HH", header, 0x1A, 0x3E, 3)  # minor/major version
    struct.pack_into("<HH", header, 0x1C, 0xFFFE, 9)  # byte order, sector shift (512)
    struct.pack_into("<I", header, 0x30, 0)  # first directory sector
    directory = bytearray(512)
    for slot, name in enumerate(["Root Entry", *entries][:4]):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        base = slot * 128
        directory[base : base + len(encoded)] = encoded
        struct.pack_into("<H", directory, base + 0x40, len(encoded))
        directory[base + 0x42] = 5 if slot == 0 else 2
    return bytes(header) + bytes(directory)


def test_password_protected_workbook(tmp_path: Path) -> None:
    path = tmp_path / "secret.xlsx"
    path.write_bytes(_ole2(["EncryptionInfo", "EncryptedPackage"]))
    assert _refused(path).message.id == "import.file.encrypted"


def test_ole2_without_encryption_is_an_old_xls_not_a_protected_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(_ole2(["Workbook"]))
    # Not a valid BIFF workbook either: damaged, but never "protected by a password".
    assert _refused(path).message.id in {
        "import.file.corrupt",
        "import.file.not_spreadsheet",
    }


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def test_xml_entity_expansion(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx")
    path = _replace_entry(
        good, tmp_path / "laughs.xlsx", "xl/worksheets/sheet1.xml", BILLION_LAUGHS
    )
    assert _refused(path).message.id == "import.file.unsafe"


def test_sparse_dense_range_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    import openpyxl

    # Two values far apart: a 5 KB file that calamine would expand to 400
    # million dense cells (12 GB).  The zip pre-scan refuses it at once.
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "x"
    workbook.active.cell(row=200_000, column=2_000, value=5)
    path = tmp_path / "sparse.xlsx"
    workbook.save(path)
    assert path.stat().st_size < 20_000
    assert _refused(path).message.id == "import.file.too_many_cells"


def test_decompression_bomb_by_ratio(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx")
    path = _replace_entry(
        good, tmp_path / "bomb.xlsx", "xl/styles.xml", b" " * (40 << 20)
    )
    with pytest.raises(ReadError) as caught:
        inspect_zip(path, ZipLimits(ratio_floor=1 << 20, max_ratio=200))
    assert caught.value.message.id == "import.file.unsafe"


def test_decompression_bomb_by_size(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx")
    path = _replace_entry(
        good, tmp_path / "big.xlsx", "xl/styles.xml", b" " * (8 << 20)
    )
    with pytest.raises(ReadError) as caught:
        inspect_zip(path, ZipLimits(max_unpacked=4 << 20))
    assert caught.value.message.id == "import.file.too_big"


def test_too_many_zip_entries(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx")
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(path, "w") as new:
        for entry in old.infolist():
            new.writestr(entry.filename, old.read(entry))
        for index in range(50):
            new.writestr(f"junk/{index}.bin", b"")
    with pytest.raises(ReadError) as caught:
        inspect_zip(path, ZipLimits(max_entries=20))
    assert caught.value.message.id == "import.file.unsafe"


def test_lying_declared_size_is_caught(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx")
    path = _replace_entry(
        good, tmp_path / "liar.xlsx", "xl/styles.xml", b"<a/>" * 50_000
    )
    data = bytearray(path.read_bytes())
    # Shrink the declared uncompressed size of styles.xml in the central directory.
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/styles.xml")
    central = data.rfind(
        b"PK\x01\x02", 0, data.find(b"xl/styles.xml", info.header_offset + 30)
    )
    struct.pack_into("<I", data, central + 24, 100)
    path.write_bytes(bytes(data))
    assert _refused(path).message.id in {"import.file.corrupt", "import.file.unsafe"}


def test_a_good_file_passes_inspection(tmp_path: Path) -> None:
    report = inspect_zip(_xlsx(tmp_path / "good.xlsx"))
    assert report.kind == "xlsx"
    assert 0 < report.dense_cells < 100


def test_declared_dimensions_are_ignored(tmp_path: Path) -> None:
    good = _xlsx(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    claimed = xml.replace(
        b'<dimension ref="A1:C2" />', b'<dimension ref="A1:XFD1048576" />'
    )
    assert claimed != xml
    path = _replace_entry(
        good, tmp_path / "claims.xlsx", "xl/worksheets/sheet1.xml", claimed
    )
    (sheet,) = read_file(path).sheets
    assert len(sheet.rows) == 2
    assert sheet.width == 3
