"""The page that stands in the window while a database opens or upgrades (ui layer)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from clmdesk.ui.database_opening import OpeningStep
from clmdesk.ui.empty_state import centre_card

__all__ = ["OpeningPage"]

_DONE, _CURRENT, _PENDING = "✓", "▸", "○"


class OpeningPage(QWidget):
    """What the opening is doing: a title, the location, a busy bar and the upgrade's steps.

    The bar stays indeterminate: neither the connection nor the steps of an
    upgrade can tell how far along they are. GUI thread only.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("openingPage")

        self.title = QLabel()
        title_font = QFont(self.title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.6)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(title_font)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.location = QLabel()
        self.location.setWordWrap(True)
        self.location.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.location.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )

        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)

        self.backup_step = QLabel()
        self.upgrade_step = QLabel()
        self.note = QLabel(
            self.tr(
                "The upgrade cannot be interrupted: please keep clmdesk open until "
                "it is done. If it fails, the database is left as it was."
            )
        )
        self.note.setWordWrap(True)
        self.closing_note = QLabel(
            self.tr("clmdesk will close once the upgrade is done.")
        )
        self.closing_note.setWordWrap(True)
        self.closing_note.setVisible(False)

        card = QFrame()
        card.setObjectName("welcomeCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setFixedWidth(640)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 40, 48, 40)
        inner.setSpacing(14)
        inner.addWidget(self.title)
        inner.addWidget(self.location)
        inner.addSpacing(4)
        inner.addWidget(self.bar)
        inner.addSpacing(4)
        inner.addWidget(self.backup_step)
        inner.addWidget(self.upgrade_step)
        inner.addWidget(self.note)
        inner.addWidget(self.closing_note)

        centre_card(self, card)

        self._backed_up = False
        self.show_step(OpeningStep.CONNECTING, "")

    def show_step(self, step: OpeningStep, location: str | None = None) -> None:
        """Show ``step`` of the opening of ``location`` (kept when None)."""
        if location is not None:
            self.location.setText(location)
        if step == OpeningStep.CONNECTING:
            self._backed_up = False
            self.closing_note.setVisible(False)
        elif step == OpeningStep.BACKING_UP:
            self._backed_up = True
        upgrading = step != OpeningStep.CONNECTING
        self.title.setText(
            self.tr("Opening database…")
            if not upgrading
            else self.tr("Database upgraded; opening it…")
            if step == OpeningStep.UPGRADED
            else self.tr("Upgrading the database to this version of clmdesk…")
        )
        # A server database is not copied: its backup step never shows.
        self.backup_step.setVisible(upgrading and self._backed_up)
        self.upgrade_step.setVisible(upgrading)
        self.note.setVisible(upgrading and step != OpeningStep.UPGRADED)
        backup_mark = _CURRENT if step == OpeningStep.BACKING_UP else _DONE
        upgrade_mark = {
            OpeningStep.BACKING_UP: _PENDING,
            OpeningStep.UPGRADING: _CURRENT,
        }.get(step, _DONE)
        _set_step(
            self.backup_step,
            backup_mark,
            self.tr("Backup copy of the database"),
        )
        _set_step(self.upgrade_step, upgrade_mark, self.tr("Database upgrade"))

    def show_closing(self) -> None:
        """Say that the window closes once the upgrade is done."""
        self.closing_note.setVisible(True)


def _set_step(label: QLabel, mark: str, text: str) -> None:
    label.setText(f"{mark}  {text}")
    font = QFont(label.font())
    font.setWeight(QFont.Weight.DemiBold if mark == _CURRENT else QFont.Weight.Normal)
    label.setFont(font)
    label.setEnabled(mark != _PENDING)  # pending steps in the muted colour
