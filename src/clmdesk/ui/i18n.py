"""Qt side of translation: the catalogue translator and message rendering (ui layer).

Qt's ``tr`` looks strings up through installed translators. Ours answers
from the same JSON catalogues the command line reads
(:mod:`clmdesk.core.i18n`), keyed by the English source text, so adding a
translated string never needs a build step.

Messages from the Qt-free layers carry raw numbers; :func:`message_text`
writes those with decimals in the interface locale (:func:`format_decimal`),
so a pt-BR window reads ``45,5`` where the English one reads ``45.5``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from clmdesk.core.decimals import DECIMAL_PLACES
from clmdesk.core.decimals import format_decimal as _plain_decimal
from clmdesk.core.i18n import catalogue
from clmdesk.core.messages import render

if TYPE_CHECKING:
    from decimal import Decimal

    from clmdesk.core.messages import Message

__all__ = [
    "CatalogueTranslator",
    "format_decimal",
    "install_translators",
    "locale_for",
    "message_text",
]


class CatalogueTranslator(QTranslator):
    """Translates any context from a flat English → target catalogue."""

    def __init__(self, language: str, parent: QCoreApplication | None = None) -> None:
        super().__init__(parent)
        self._language = language
        self._catalogue = catalogue(language)

    def translate(
        self,
        context: str,
        source_text: str,
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        # None becomes a null QString, which tells Qt to try the next
        # translator and finally keep the source; "" would blank the text.
        return self._catalogue.get(source_text)

    def isEmpty(self) -> bool:
        return not self._catalogue


def locale_for(language: str) -> QLocale:
    """The QLocale used for numbers and dates in ``language``."""
    if language == "pt_BR":
        return QLocale(QLocale.Language.Portuguese, QLocale.Country.Brazil)
    system = QLocale.system()
    if system.language() == QLocale.Language.English:
        return system
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install clmdesk's catalogue and Qt's own translations for ``language``.

    Returns the translators so that the caller keeps them alive.
    """
    installed: list[QTranslator] = []
    if language != "en":
        qt_own = QTranslator(app)
        if qt_own.load(
            QLocale(language),
            "qtbase",
            "_",
            QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
        ):
            app.installTranslator(qt_own)
            installed.append(qt_own)
        ours = CatalogueTranslator(language, app)
        app.installTranslator(ours)
        installed.append(ours)
    QLocale.setDefault(locale_for(language))
    return installed


def format_decimal(value: float | Decimal, locale: QLocale | None = None) -> str:
    """A number that may have decimals, in the interface locale (45,5 in pt-BR, 45.5 in English).

    At most :data:`~clmdesk.core.decimals.DECIMAL_PLACES` decimals, no
    trailing zeros (20.0 → ``20``), grouped like whole numbers (1.234,5).
    """
    number = float(value)
    if not math.isfinite(number):
        return _plain_decimal(number)
    return (locale if locale is not None else QLocale()).toString(
        round(number, DECIMAL_PLACES),
        "f",
        QLocale.FloatingPointPrecisionOption.FloatingPointShortest,
    )


def message_text(message: Message) -> str:
    """Render a Qt-free message (and messages among its parameters) in the interface language."""
    return render(
        message,
        lambda text: QCoreApplication.translate("messages", text),
        format_decimal,
    )
