"""The command line: version, usage errors, screenshots."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clmdesk import __version__
from clmdesk.cli import build_parser, main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"clmdesk {__version__}"


def test_database_option_before_or_after_the_subcommand() -> None:
    parser = build_parser()
    assert parser.parse_args(["--db", "a.sqlite3", "classify"]).db == "a.sqlite3"
    assert parser.parse_args(["classify", "--db", "b.sqlite3"]).db == "b.sqlite3"
    args = parser.parse_args(
        [
            "export",
            "stages",
            "--as-of",
            "2024-01-31",
            "--out",
            "x.csv",
            "--db",
            "c.sqlite3",
        ]
    )
    assert (args.what, args.as_of, args.out, args.db) == (
        "stages",
        "2024-01-31",
        "x.csv",
        "c.sqlite3",
    )


def test_bad_usage_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["export", "stages"])
    assert raised.value.code == 2
    assert "--as-of" in capsys.readouterr().err


def test_screenshot_writes_a_large_non_blank_png(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    target = tmp_path / "window.png"
    environment = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        CLMDESK_DB=str(tmp_path / "empty.sqlite3"),
    )
    subprocess.run(
        [sys.executable, "-m", "clmdesk", "--screenshot", str(target)],
        check=True,
        timeout=120,
        env=environment,
        capture_output=True,
    )
    image = QImage(str(target))
    assert image.width() >= 1000
    assert image.height() >= 650
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), 37)
        for y in range(0, image.height(), 23)
    }
    assert len(colours) > 5, "the screenshot is blank"
