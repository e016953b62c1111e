"""Readers: Excel (1900 and 1904 dates), OpenDocument, CSV encodings and delimiters."""

from __future__ import annotations

import contextlib
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from clmdesk.core.importing import ImportOptions
from clmdesk.fileio.csv_reader import detect_encoding, sniff_delimiter
from clmdesk.fileio.readers import read_file


def _xlsx(
    path: Path, sheets: dict[str, list[list[object]]], epoch_1904: bool = False
) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    if epoch_1904:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904

        workbook.epoch = CALENDAR_MAC_1904
    workbook.save(path)
    return path


def test_xlsx_values_and_row_numbers(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "orders.xlsx",
        {
            "Vendas": [
                ["Relatório de vendas"],
                [],
                ["Cliente", "Data", "Valor"],
                [12346, datetime(2024, 3, 5, 14, 30), 10.5],
                [None, None, None],
                ["00123", date(2024, 3, 6), 7],
            ]
        },
    )
    workbook = read_file(path)
    assert workbook.file == "orders.xlsx"
    assert workbook.size == path.stat().st_size
    assert len(workbook.sha256) == 64
    (sheet,) = workbook.sheets
    assert sheet.name == "Vendas"
    # Empty rows are dropped; the others keep their Excel row numbers.
    assert list(sheet.row_numbers) == [1, 3, 4, 6]
    assert sheet.rows[2][0] == 12346.0  # calamine: numbers are floats
    assert sheet.rows[2][1] == datetime(2024, 3, 5, 14, 30)
    assert sheet.rows[3][0] == "00123"
    assert sheet.rows[3][1] == date(2024, 3, 6)


@pytest.mark.parametrize("epoch_1904", [False, True])
def test_both_date_systems_give_the_same_dates(
    tmp_path: Path, epoch_1904: bool
) -> None:
    path = _xlsx(
        tmp_path / "dates.xlsx",
        {"S": [["Data"], [date(2021, 1, 31)], [datetime(1999, 12, 31, 23, 59, 59)]]},
        epoch_1904=epoch_1904,
    )
    (sheet,) = read_file(path).sheets
    assert sheet.rows[1][0] == date(2021, 1, 31)
    assert sheet.rows[2][0] == datetime(1999, 12, 31, 23, 59, 59)


def test_several_sheets_and_an_empty_one(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "two.xlsx",
        {"A": [["x", "y"], [1, 2]], "Empty": [], "B": [["z"], [3]]},
    )
    sheets = read_file(path).sheets
    assert [s.name for s in sheets] == ["A", "Empty", "B"]
    assert sheets[1].rows == []


def _ods(path: Path, rows: list[list[str]]) -> Path:
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            for v in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Plan1">{cells}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
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


def test_ods_is_read_in_a_child_process(tmp_path: Path) -> None:
    path = _ods(
        tmp_path / "clientes.ods", [["Código", "Nome"], ["1", "Ana"], ["2", "Bruno"]]
    )
    (sheet,) = read_file(path).sheets
    assert sheet.name == "Plan1"
    assert [list(r) for r in sheet.rows] == [
        ["Código", "Nome"],
        ["1", "Ana"],
        ["2", "Bruno"],
    ]


def test_brazilian_csv_in_cp1252_with_semicolons(tmp_path: Path) -> None:
    text = "Código;Descrição;Valor (R$)\r\n1;Pão de açúcar;1.234,56\r\n\r\n2;Café;(12,00)\r\n"
    path = tmp_path / "vendas.csv"
    path.write_bytes(text.encode("cp1252"))
    (sheet,) = read_file(path).sheets
    assert sheet.name == "vendas"
    assert sheet.locale_hint == "pt_BR"
    assert sheet.rows[0] == ["Código", "Descrição", "Valor (R$)"]
    assert sheet.rows[1] == ["1", "Pão de açúcar", "1.234,56"]
    assert list(sheet.row_numbers) == [1, 2, 4]


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16", b"")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(bom + "nome,cidade\r\nJoão,São Paulo\r\n".encode(encoding))
    (sheet,) = read_file(path).sheets
    assert sheet.rows == [["nome", "cidade"], ["João", "São Paulo"]]


def test_utf8_sample_then_cp1252_later_restarts_as_cp1252(tmp_path: Path) -> None:
    head = "a,b\n" + "x,y\n" * 30_000
    path = tmp_path / "late.csv"
    path.write_bytes(head.encode() + "ç,é\n".encode("cp1252"))
    (sheet,) = read_file(path).sheets
    assert sheet.rows[-1] == ["ç", "é"]


@pytest.mark.parametrize("delimiter", [";", ",", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = [
        f"id{delimiter}data{delimiter}valor",
        f"1{delimiter}01/02/2024{delimiter}1,50",
    ]
    lines.append(f'2{delimiter}"03/02/2024"{delimiter}"2,5"')
    path = tmp_path / "d.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    (sheet,) = read_file(path).sheets
    assert sheet.rows[0] == ["id", "data", "valor"]
    assert sheet.rows[2] == ["2", "03/02/2024", "2,5"]


def test_semicolon_wins_over_decimal_commas() -> None:
    assert sniff_delimiter(["a;b;c", "1,5;2,5;3", "4,0;5;6,25"]) == ";"
    assert sniff_delimiter(["just one column", "another"]) == ","


def test_detect_encoding() -> None:
    assert detect_encoding(b"\xef\xbb\xbfabc") == "utf-8-sig"
    assert detect_encoding("ação".encode()) == "utf-8"
    assert detect_encoding("ação".encode("cp1252")) == "cp1252"
    assert detect_encoding(b"\x00\x01\x02binary") is None


@pytest.mark.slow
def test_csv_longer_than_excel_row_limit_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id\n")
        handle.writelines(f"{i}\n" for i in range(1_048_600))
    (sheet,) = read_file(path).sheets
    assert len(sheet.rows) == 1_048_601


def test_cell_cap_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    assert len(read_file(path, ImportOptions(max_cells=6)).sheets[0].rows) == 3
    from clmdesk.fileio.errors import ReadError

    with pytest.raises(ReadError) as caught:
        read_file(path, ImportOptions(max_cells=5))
    assert caught.value.message.id == "import.file.too_many_cells"
    xlsx = _xlsx(tmp_path / "c.xlsx", {"S": [["a", "b"], [1, 2], [3, 4]]})
    with pytest.raises(ReadError) as caught:
        read_file(xlsx, ImportOptions(max_cells=5))
    assert caught.value.message.id == "import.file.too_many_cells"
    assert caught.value.message.params["file"] == "c.xlsx"


@pytest.mark.skipif(
    not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open files"
)
@pytest.mark.parametrize("name", ["closed.xlsx", "closed.csv"])
def test_files_are_closed_after_reading(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        _xlsx(path, {"S": [["a"], [1]]})
    else:
        path.write_text("a\n1\n", encoding="utf-8")
    read_file(path)
    open_files = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            open_files.add(os.readlink(fd))
    assert str(path) not in open_files


def test_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(
        "nome;valor\r\nJoão;1,00\r\n".encode("cp1252") + b"x\x81y;2,00\r\n"
    )
    (sheet,) = read_file(path).sheets
    assert sheet.rows[1] == ["João", "1,00"]
    assert sheet.rows[2] == ["x\x81y", "2,00"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_cell_cap_is_written_for_the_readers_language(
    tmp_path: Path, suffix: str
) -> None:
    from openpyxl import Workbook

    from clmdesk.core.i18n import render_message
    from clmdesk.fileio.errors import ReadError

    path = tmp_path / f"big{suffix}"
    if suffix == ".csv":
        path.write_text("a;b\n" + "1;2\n" * 7_000, encoding="utf-8")
    else:
        workbook = Workbook()
        for row in range(7_000):
            workbook.active.append([row, row])
        workbook.save(path)
    with pytest.raises(ReadError) as raised:
        read_file(path, ImportOptions(max_cells=12_345))
    assert "12.345" in render_message(raised.value.message, "pt_BR")
    assert "12,345" in render_message(raised.value.message, "en")


def test_a_panic_inside_calamine_is_a_damaged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import Workbook

    from clmdesk.fileio import readers
    from clmdesk.fileio.errors import ReadError

    class PanicException(BaseException):  # as PyO3 raises a Rust panic
        __module__ = "pyo3_runtime"

    def panics(*_args: object, **_kwargs: object) -> None:
        raise PanicException("called `Option::unwrap()` on a `None` value")

    path = tmp_path / "panics.xlsx"
    workbook = Workbook()
    workbook.active.append(["Cliente", "Valor"])
    workbook.save(path)
    monkeypatch.setattr(readers, "_open_calamine", panics)
    with pytest.raises(ReadError) as raised:
        read_file(path)
    from clmdesk.core.importing.messages import FILE_CORRUPT

    assert raised.value.message.id == FILE_CORRUPT
    assert "panics.xlsx" in raised.value.message.english()
    # Anything else a BaseException is stays what it is.
    monkeypatch.setattr(
        readers, "_open_calamine", lambda *_a: (_ for _ in ()).throw(KeyboardInterrupt)
    )
    with pytest.raises(KeyboardInterrupt):
        read_file(path)


def test_a_long_csv_reports_its_progress_and_stops_on_cancel(tmp_path: Path) -> None:
    from clmdesk.core.tasks import Cancelled

    path = tmp_path / "vendas.csv"
    lines = ["Cliente;Data;Valor"] + [
        f"{i % 500};{1 + i % 28:02d}/01/2024;{i % 997},50" for i in range(40_000)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = path.stat().st_size
    seen: list[tuple[int, int]] = []

    sheet = read_file(path, progress=lambda d, t: seen.append((d, t))).sheets[0]

    assert len(sheet.rows) == 40_001
    assert all(total == size for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert len(done) >= 3
    assert 0 < done[0] < size
    assert done[-1] == size

    reports: list[int] = []
    with pytest.raises(Cancelled):
        read_file(
            path,
            progress=lambda d, _t: reports.append(d),
            is_cancelled=lambda: bool(reports),
        )
    assert len(reports) == 1
