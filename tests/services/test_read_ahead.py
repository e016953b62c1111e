"""Reading files ahead on a helper thread: order, errors, one file ahead, clean shutdown."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from clmdesk.fileio.errors import ReadError
from clmdesk.services.read_ahead import ReadAhead


def _csv(path: Path, customer: str) -> Path:
    path.write_text(
        f"Cliente;Data;Valor\n{customer};02/01/2024;10,00\n", encoding="utf-8"
    )
    return path


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("clmdesk-read")]


def test_files_come_back_in_order_and_the_thread_is_let_go(tmp_path: Path) -> None:
    paths = [_csv(tmp_path / f"{n}.csv", f"C{n}") for n in range(3)]
    with ReadAhead(paths) as reads:
        assert len(reads) == 3
        taken = [reads.take(index) for index in range(3)]
    assert [workbook.file for workbook in taken] == ["0.csv", "1.csv", "2.csv"]
    assert [workbook.sheets[0].rows[1][0] for workbook in taken] == ["C0", "C1", "C2"]
    assert not _reader_threads()


def test_only_the_next_file_is_read_ahead(tmp_path: Path) -> None:
    paths = [_csv(tmp_path / f"{n}.csv", f"C{n}") for n in range(4)]
    with ReadAhead(paths) as reads:
        reads.take(0)
        assert sorted(reads._pending) == [1]


def test_an_unreadable_file_raises_when_taken_and_names_it(tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", "C1")
    missing = tmp_path / "missing.xlsx"
    with ReadAhead([good, missing]) as reads:
        assert reads.take(0).file == "good.csv"
        with pytest.raises(ReadError) as raised:
            reads.take(1)
    assert raised.value.message.params["file"] == "missing.xlsx"
    assert not _reader_threads()


def test_closing_before_taking_anything_waits_for_the_read_in_progress(
    tmp_path: Path,
) -> None:
    reads = ReadAhead([_csv(tmp_path / "a.csv", "C1"), _csv(tmp_path / "b.csv", "C2")])
    reads.close()
    assert not _reader_threads()
