"""Tests of the safe list writer (xlsx and csv, formula neutralising, atomic writes)."""

from __future__ import annotations

import csv
import os
import stat
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from clmdesk.core.tasks import Cancelled
from clmdesk.fileio.writers import (
    MACHINE,
    PEOPLE_EN,
    PEOPLE_PT_BR,
    UnknownFormatError,
    format_from_path,
    is_formula_like,
    neutralise_text,
    people_dialect,
    write_table,
)

DANGEROUS = [
    "=1+2",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    '=HYPERLINK("x")',
]
HEADER = ["customer_key", "name", "monetary", "orders", "last_order"]


def read_csv(
    path: Path, delimiter: str, encoding: str = "utf-8-sig"
) -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def read_xlsx(path: Path) -> list[list[openpyxl.cell.Cell]]:
    workbook = openpyxl.load_workbook(path)
    try:
        return [list(row) for row in workbook.active.iter_rows()]
    finally:
        workbook.close()


def leftovers(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", True),
        ("+55 11 98765-4321", True),
        ("-abc", True),
        ("@x", True),
        ("\tx", True),
        ("\rx", True),
        ("-", True),
        ("-12", False),
        ("-12,5", False),
        ("+3.25", False),
        ("-1.234,56", False),
        ("-1e-3", False),
        ("Ana", False),
        ("", False),
        ("a=b", False),
    ],
)
def test_is_formula_like(text: str, expected: bool) -> None:
    assert is_formula_like(text) is expected
    assert neutralise_text(text) == ("'" + text if expected else text)


def test_format_from_path() -> None:
    assert format_from_path("a/b.CSV") == "csv"
    assert format_from_path("list.xlsx") == "xlsx"
    with pytest.raises(UnknownFormatError) as caught:
        format_from_path("list.xls")
    assert caught.value.message.params == {"name": "list.xls"}


def test_people_dialect() -> None:
    assert people_dialect("pt_BR") is PEOPLE_PT_BR
    assert people_dialect("en") is PEOPLE_EN


def test_csv_neutralises_formula_text_and_keeps_numbers(tmp_path: Path) -> None:
    target = tmp_path / "list.csv"
    rows = [[text, "Zé", -12.5, -3, "-7"] for text in DANGEROUS]
    write_table(target, ["=head", *HEADER[1:]], rows, dialect=PEOPLE_EN)
    read = read_csv(target, ",")
    assert read[0][0] == "'=head"
    for original, row in zip(DANGEROUS, read[1:], strict=True):
        assert row[0] == "'" + original
        assert row[2] == "-12.5"
        assert row[3] == "-3"
        assert row[4] == "-7"  # numeric text stays as written


def test_xlsx_stores_formula_text_as_text_and_numbers_as_numbers(
    tmp_path: Path,
) -> None:
    target = tmp_path / "list.xlsx"
    rows = [[text, "Zé", -12.5, -3, date(2024, 1, 31)] for text in DANGEROUS]
    write_table(
        target,
        ["=head", *HEADER[1:]],
        rows,
        kinds=["text", "text", "money", "integer", "date"],
    )
    read = read_xlsx(target)
    assert read[0][0].value == "=head"
    assert read[0][0].data_type == "s"
    assert read[0][0].font.bold
    for original, row in zip(DANGEROUS, read[1:], strict=True):
        assert row[0].data_type == "s"
        # XML turns a carriage return into a line feed; the cell stays text.
        assert row[0].value == original.replace("\r", "\n")
        assert row[2].value == -12.5
        assert row[2].data_type == "n"
        assert row[2].number_format == "#,##0.00"
        assert row[3].value == -3
        assert row[3].data_type == "n"
        assert row[4].value == datetime(2024, 1, 31)
        assert row[4].number_format == "dd/mm/yyyy"


def test_xlsx_layout(tmp_path: Path) -> None:
    target = tmp_path / "list.xlsx"
    write_table(
        target,
        HEADER,
        [["k1", "Maria da Conceição Albuquerque", 1, 2, None]],
        sheet_title="Clientes: ativos",
    )
    workbook = openpyxl.load_workbook(target)
    sheet = workbook.active
    assert sheet.title == "Clientes  ativos"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= len("Maria da Conceição Albuquerque")
    workbook.close()


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_accents_survive_round_trip(tmp_path: Path, suffix: str) -> None:
    names = ["João Conceição", "Ângela Müller", "Ñandú ção €", "São Paulo – SP"]
    target = tmp_path / f"accents.{suffix}"
    write_table(target, ["Nome", "Município"], [[name, name] for name in names])
    if suffix == "csv":
        assert target.read_bytes().startswith(b"\xef\xbb\xbf")
        values = [row[0] for row in read_csv(target, ";")[1:]]
        assert read_csv(target, ";")[0] == ["Nome", "Município"]
    else:
        values = [row[0].value for row in read_xlsx(target)[1:]]
    assert values == names


def test_pt_br_csv_formats(tmp_path: Path) -> None:
    target = tmp_path / "ptbr.csv"
    write_table(
        target,
        ["a", "b", "c", "d", "e"],
        [
            [
                Decimal("1234.5"),
                12345,
                date(2024, 3, 7),
                1.25,
                datetime(2024, 3, 7, 9, 5),
            ]
        ],
        kinds=["money", "money_cents", "date", "auto", "auto"],
    )
    assert target.read_bytes() == (
        "\ufeffa;b;c;d;e\r\n1234,50;123,45;07/03/2024;1,25;07/03/2024 09:05:00\r\n".encode()
    )


def test_machine_dialect_bytes(tmp_path: Path) -> None:
    target = tmp_path / "machine.csv"
    write_table(
        target,
        ["customer_key", "stage", "frequency", "monetary", "first_order", "note"],
        [
            ["00123", "champion", 5, -1250, date(2024, 1, 2), "São Paulo, SP"],
            ["abc", "prospect", None, 0, None, "=1+2"],
            ["x", "lost", 1, Decimal("0.5"), datetime(2024, 1, 2, 3, 4, 5), 'say "hi"'],
        ],
        kinds=["text", "text", "integer", "money_cents", "date", "text"],
        dialect="machine",
    )
    assert target.read_bytes() == (
        b"customer_key,stage,frequency,monetary,first_order,note\n"
        b'00123,champion,5,-12.50,2024-01-02,"S\xc3\xa3o Paulo, SP"\n'
        b"abc,prospect,,0.00,,'=1+2\n"
        b'x,lost,1,0.01,2024-01-02,"say ""hi"""\n'
    )
    assert MACHINE.bom is False


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_interrupted_write_leaves_nothing(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"broken.{suffix}"

    def rows():
        for index in range(2500):
            if index == 2100:
                raise RuntimeError("disk on fire")
            yield [f"k{index}", index]

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_table(target, ["key", "n"], rows())
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_failed_rewrite_keeps_previous_file(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"list.{suffix}"
    write_table(target, ["key"], [["old"]])
    before = target.read_bytes()
    with pytest.raises(TypeError):
        write_table(target, ["key"], [["new"], [object()]])  # type: ignore[list-item]
    assert target.read_bytes() == before
    assert leftovers(tmp_path) == [target.name]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_cancel_and_progress(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"big.{suffix}"
    rows = [[f"k{index}", index] for index in range(3500)]
    seen: list[tuple[int, int]] = []
    write_table(
        target,
        ["key", "n"],
        rows,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 3500)
    assert seen[-1] == (3500, 3500)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    target.unlink()
    with pytest.raises(Cancelled):
        write_table(target, ["key", "n"], rows, is_cancelled=lambda: True)
    assert leftovers(tmp_path) == []


def test_explicit_format_overrides_extension(tmp_path: Path) -> None:
    target = tmp_path / "list.txt"
    write_table(target, ["a"], [[1]], file_format="csv", dialect=MACHINE)
    assert target.read_bytes() == b"a\n1\n"


def test_row_longer_than_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cells for 1 columns"):
        write_table(tmp_path / "x.csv", ["a"], [[1, 2]])
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_like_a_plain_new_file_or_the_replaced_one(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    target = tmp_path / "list.csv"
    write_table(target, ["a"], [[1]])
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    target.chmod(0o640)
    write_table(target, ["a"], [[2]])
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_integer_columns_drop_a_whole_float_fraction(
    tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"ints.{suffix}"
    write_table(
        target,
        ["n", "m"],
        [[3.0, 2.5], [Decimal("4.00"), -1.0]],
        kinds=["integer", "integer"],
        dialect=MACHINE,
    )
    if suffix == "csv":
        assert target.read_bytes() == b"n,m\n3,2.5\n4,-1\n"
    else:
        values = [[cell.value for cell in row] for row in read_xlsx(target)[1:]]
        assert values == [[3, 2.5], [4, -1]]
        assert isinstance(values[0][0], int)
