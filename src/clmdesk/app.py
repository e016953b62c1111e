"""Composition root of the desktop app: settings, QApplication, database, main window.

Only this module and ``__main__`` sit above every layer. The window is
shown first and opens the database in the background (creating or upgrading
it may take seconds; a server may be slow to answer): it says what it is
doing meanwhile, and reports a refused or broken database before any page
reads it.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from clmdesk import __version__
from clmdesk.settings.paths import resolve_database_target
from clmdesk.settings.preferences import load_preferences

if TYPE_CHECKING:
    import argparse

    from PySide6.QtWidgets import QApplication

    from clmdesk.ui.main_window import MainWindow

__all__ = ["create_application", "run_app"]

SCREENSHOT_TIMEOUT_MS = 60_000


def create_application(language: str, argv: list[str] | None = None) -> QApplication:
    """Create (or reuse) the QApplication with clmdesk's identity, style and translations."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from clmdesk.ui.i18n import install_translators
    from clmdesk.ui.theme import apply_theme

    # Fractional scaling (125 %, 150 %) keeps charts crisp instead of rounding them.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setOrganizationName("clmdesk")
    app.setApplicationName("clmdesk")
    app.setApplicationVersion(__version__)
    app.setApplicationDisplayName("clmdesk")
    app.setProperty("clmdesk_translators", install_translators(app, language))
    apply_theme(app)
    return app


def _open_initial_data(window: MainWindow, args: argparse.Namespace) -> None:
    if args.demo:
        window.open_demo()
        return
    window.open_database(resolve_database_target(args.db))


def _take_screenshot(window: MainWindow, path: str) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    done = False

    def grab() -> None:
        nonlocal done
        if done:
            return
        done = True
        QApplication.processEvents()
        image = window.grab()
        if not image.save(path):
            QApplication.exit(1)
            return
        QApplication.exit(0)

    # Let the page paint its final state before grabbing.
    window.data_ready.connect(lambda: QTimer.singleShot(300, grab))
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, grab)


def run_app(args: argparse.Namespace, language: str) -> int:
    """Open the main window and run the event loop; returns the exit status."""
    if args.screenshot and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    preferences = load_preferences()
    if args.lang is None and preferences.language in ("en", "pt_BR"):
        language = preferences.language
    app = create_application(language)

    from clmdesk.ui.main_window import MainWindow

    window = MainWindow(preferences, language)
    if args.screenshot:
        window.resize(1440, 900)
        _take_screenshot(window, args.screenshot)
    window.show()
    _open_initial_data(window, args)
    return int(app.exec())
