"""Message boxes recorded instead of shown, for tests that expect one."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox


def record_critical(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Replace ``QMessageBox.critical``; returns the list its (title, text) pairs go to."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox,
        "critical",
        lambda _parent, title, text, *_args: shown.append((title, text)),
    )
    return shown
