"""``clmdesk report``: the three formats headless, in both languages, and clean one-line failures."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pypdf import PdfReader

from clmdesk.cli import main
from clmdesk.services.demo import ensure_demo_database
from clmdesk.storage.database import open_database


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_database(
        tmp_path_factory.mktemp("demo") / "demo.sqlite3", customers=300
    )


def _report(*args: str, language: str = "en") -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, CLMDESK_LANG=language)
    # Headless means headless: the command must not need a display.
    environment.pop("DISPLAY", None)
    environment.pop("WAYLAND_DISPLAY", None)
    environment.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "clmdesk", "report", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        check=False,
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def test_writes_pdf_png_and_svg(demo_path: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    for name in ("report.pdf", "report.png", "report.svg"):
        result = _report("--out", str(tmp_path / name), "--db", str(demo_path))
        assert result.returncode == 0, result.stderr
        assert name in result.stdout
    text = _words(PdfReader(tmp_path / "report.pdf").pages[0].extract_text())
    assert "Loja Exemplo" in text
    assert "Champions" in text
    assert "Purchase cycle (C)" in text
    image = QImage(str(tmp_path / "report.png"))
    assert image.width() >= 1500
    assert image.height() > image.width()
    root = ET.parse(tmp_path / "report.svg").getroot()
    assert any(element.tag.endswith("text") for element in root.iter())


def test_report_in_portuguese(demo_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "relatorio.pdf"
    result = _report("--out", str(target), "--db", str(demo_path), language="pt_BR")
    assert result.returncode == 0, result.stderr
    assert "Relatório gravado" in result.stdout
    text = _words(PdfReader(target).pages[0].extract_text())
    for expected in (
        "Loja Exemplo",
        "Situação em",
        "Ciclo de vida dos clientes",
        "Clientes ativos",
        "Necessitam de atenção",
        "Campeões",
        "Não podemos perder",
        "Ciclo de compra (C)",
    ):
        assert expected in text, expected


def test_bad_extension_fails_with_one_line(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["report", "--out", str(tmp_path / "report.docx"), "--db", str(demo_path)]
    )
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert "report.docx" in error
    assert ".pdf, .png or .svg" in error
    assert not (tmp_path / "report.docx").exists()


def test_database_without_classification_fails_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.sqlite3"
    open_database(empty).close()
    code = main(["report", "--out", str(tmp_path / "report.pdf"), "--db", str(empty)])
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert "nothing to report" in error
    assert not (tmp_path / "report.pdf").exists()


def test_missing_folder_fails_with_one_line(
    demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no such folder" / "report.pdf"
    code = main(["report", "--out", str(target), "--db", str(demo_path)])
    assert code == 1
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0
    assert "could not be written" in error
