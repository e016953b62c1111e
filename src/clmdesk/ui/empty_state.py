"""The welcome page shown when a business database has no data yet (ui layer)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["EmptyStatePage", "centre_card"]


class EmptyStatePage(QWidget):
    """Offers the two ways to start: import a spreadsheet or explore the demo."""

    import_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyState")
        self.setAcceptDrops(False)  # the main window handles drops

        title = QLabel(self.tr("Welcome to clmdesk"))
        title_font = QFont(title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 2.0)
        title_font.setWeight(QFont.Weight.DemiBold)
        title.setFont(title_font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)

        subtitle = QLabel(
            self.tr(
                "Follow the life cycle of your customers: who is new, who is loyal, "
                "who needs attention and who was lost — month after month."
            )
        )
        subtitle.setWordWrap(True)
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)

        self.import_button = QPushButton(self.tr("Import a spreadsheet…"))
        self.import_button.setObjectName("primaryAction")
        self.import_button.setDefault(True)
        self.import_button.setMinimumHeight(44)
        self.import_button.clicked.connect(self.import_requested)
        self.demo_button = QPushButton(self.tr("Open the demo"))
        self.demo_button.setMinimumHeight(44)
        self.demo_button.clicked.connect(self.demo_requested)

        hint = QLabel(
            self.tr(
                "Export customers and sales from your ERP, online store or point of sale as "
                "Excel or CSV, then import them here or drop the files on this window. "
                "Everything stays on this computer."
            )
        )
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setForegroundRole(hint.foregroundRole())
        hint.setEnabled(False)  # rendered in the palette's muted text colour

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addSpacing(12)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)

        card = QFrame()
        card.setObjectName("welcomeCard")
        card.setFrameShape(QFrame.Shape.StyledPanel)
        card.setFixedWidth(640)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 40, 48, 40)
        inner.setSpacing(16)
        inner.addWidget(title)
        inner.addWidget(subtitle)
        inner.addSpacing(8)
        inner.addLayout(buttons)
        inner.addSpacing(8)
        inner.addWidget(hint)

        centre_card(self, card)


def centre_card(page: QWidget, card: QWidget) -> None:
    """Lay ``card`` out in the middle of ``page``, a little above centre.

    Stretches, not alignment flags: an aligned item loses height-for-width,
    which cuts the last line of the card's word-wrapped texts.
    """
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(card)
    row.addStretch(1)
    outer = QVBoxLayout(page)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
