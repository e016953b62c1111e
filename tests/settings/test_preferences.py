"""User preferences and per-user paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clmdesk.settings.paths import default_database_path, resolve_database_target
from clmdesk.settings.preferences import (
    MAX_RECENT,
    Preferences,
    load_preferences,
    save_preferences,
)
from clmdesk.storage.location import risky_location


def test_preferences_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "prefs.json"
    prefs = Preferences(language="pt_BR")
    for index in range(MAX_RECENT + 3):
        prefs.remember_database(f"/data/{index}.sqlite3")
    save_preferences(prefs, path)
    loaded = load_preferences(path)
    assert loaded == prefs
    assert loaded.recent_databases[0] == f"/data/{MAX_RECENT + 2}.sqlite3"
    assert len(loaded.recent_databases) == MAX_RECENT


def test_broken_or_foreign_preferences_give_defaults(tmp_path: Path) -> None:
    path = tmp_path / "prefs.json"
    path.write_text("{not json", encoding="utf-8")
    assert load_preferences(path) == Preferences()
    path.write_text(
        json.dumps({"language": "en", "unknown_field": 1}), encoding="utf-8"
    )
    assert load_preferences(path).language == "en"


def test_database_target_order(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_database_target(None) == str(default_database_path())
    monkeypatch.setenv("CLMDESK_DB", "/env/db.sqlite3")
    assert resolve_database_target(None) == "/env/db.sqlite3"
    assert resolve_database_target("/cli/db.sqlite3") == "/cli/db.sqlite3"


def test_risky_locations(tmp_path: Path) -> None:
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "server:/share /mnt/share nfs4 rw 0 0\n/dev/vda / ext4 rw 0 0\n",
        encoding="utf-8",
    )
    assert risky_location(Path("/mnt/share/shop.sqlite3"), mounts) is not None
    assert risky_location(tmp_path / "Dropbox" / "shop.sqlite3", mounts) is not None
    assert risky_location(tmp_path / "shop.sqlite3", mounts) is None
