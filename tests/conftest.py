"""Test configuration shared by every test folder.

GUI tests run offscreen; nothing touches the developer's real settings or
databases: every test gets its own configuration and data folders.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("CLMDESK_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("CLMDESK_DATA_DIR", str(base / "data"))
    monkeypatch.delenv("CLMDESK_DB", raising=False)
    monkeypatch.setenv("CLMDESK_LANG", "en")


@pytest.fixture
def shared_data() -> Path:
    """The folder of real spreadsheet exports beside the checkout (skips when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real spreadsheet exports not found at {SHARED_DATA} (the shared/ folder beside the checkout)"
        )
    return SHARED_DATA


@pytest.fixture
def retail_file(shared_data: Path) -> Path:
    """The real 'Online Retail II' export (skips when absent)."""
    path = shared_data / "online_retail_II_part.xlsx"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file path for one test."""
    return tmp_path / "business.sqlite3"
