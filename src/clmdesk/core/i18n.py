"""Translation catalogues shared by the interface and the command line (core layer).

Catalogues are flat JSON files ``assets/i18n/<lang>/*.json`` mapping the
English source text to its translation; one file per area of the app so
that each area keeps its own strings. The Qt translator in the interface and
the command line both read them through :func:`catalogue`.

:func:`render_message` is the command line's way to show a
:class:`~clmdesk.core.messages.Message`: template from the catalogue, and
numbers with decimals written for the language (``45,5`` in pt-BR).
"""

from __future__ import annotations

import contextlib
import json
import locale
import os
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from clmdesk.core.decimals import format_decimal
from clmdesk.core.messages import render

if TYPE_CHECKING:
    from clmdesk.core.messages import Message

__all__ = [
    "SUPPORTED_LANGUAGES",
    "catalogue",
    "detect_language",
    "render_message",
    "translate",
]

SUPPORTED_LANGUAGES = ("en", "pt_BR")


@cache
def catalogue(language: str) -> dict[str, str]:
    """Return the merged catalogue of ``language`` (empty for English).

    Parameters
    ----------
    language
        ``"en"`` or ``"pt_BR"``.
    """
    if language == "en":
        return {}
    merged: dict[str, str] = {}
    folder = resources.files("clmdesk.assets").joinpath("i18n", language)
    if not folder.is_dir():
        return merged
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".json"):
            merged.update(json.loads(entry.read_text(encoding="utf-8")))
    return merged


def translate(text: str, language: str) -> str:
    """Translate an English source text, falling back to the text itself."""
    return catalogue(language).get(text, text)


def render_message(message: Message, language: str) -> str:
    """Render ``message`` (and any message among its parameters) in ``language``.

    Parameters
    ----------
    message
        The message to show.
    language
        ``"en"`` or ``"pt_BR"``: picks the template and the decimal mark.

    Returns
    -------
    str
        The sentence, e.g. ``"… (mediana de 45,5 dias)."`` in pt-BR.
    """

    def number(value: Any) -> str:
        return format_decimal(value, language)

    return render(message, lambda text: translate(text, language), number)


def detect_language(preferred: str | None = None) -> str:
    """Choose the interface language: an explicit choice, ``CLMDESK_LANG``, then the system.

    Any Portuguese system locale selects ``pt_BR``; everything else English.
    """
    candidates = [preferred, os.environ.get("CLMDESK_LANG")]
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        candidates.append(os.environ.get(name))
    with contextlib.suppress(ValueError):
        candidates.append(locale.getlocale()[0])
    for candidate in candidates:
        if not candidate or candidate in ("C", "POSIX", "auto"):
            continue
        return "pt_BR" if candidate.lower().startswith("pt") else "en"
    return "en"
