"""Fixtures of the panel tests: pyqtgraph without mouse rate limit, demo panel data, a fixed locale."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QLocale

import pyqtgraph as pg  # isort: skip

from clmdesk.services.panel import demo_panel_data

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clmdesk.services.panel import ContactSource, PanelData


@pytest.fixture(autouse=True)
def _charts_setup() -> Iterator[None]:
    # Synthetic mouse moves come faster than pyqtgraph's 100 Hz limit (STACK.md).
    pg.setConfigOptions(mouseRateLimit=-1)
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture(scope="session")
def demo_panel() -> tuple[PanelData, ContactSource]:
    return demo_panel_data(customers=600)
