"""User-facing messages as ids with parameters (core layer).

Qt-free layers never assemble sentences. They return :class:`Message`
values; the interface translates the English template with Qt's ``tr`` and
the command line with :mod:`clmdesk.core.i18n`, so both read one catalogue.

Each module declares its messages once, at import time::

    ROW_NO_DATE = define("import.row.no_date", "Row {row}: the date is empty.")

and returns ``Message(ROW_NO_DATE, {"row": 12})``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["Message", "all_templates", "define", "render", "template"]

_TEMPLATES: dict[str, str] = {}


def define(message_id: str, template_en: str) -> str:
    """Register the English template of a message id and return the id.

    Parameters
    ----------
    message_id
        Stable, dotted identifier, e.g. ``"import.row.no_date"``.
    template_en
        English text with ``str.format`` placeholders.

    Returns
    -------
    str
        ``message_id``, so that modules can keep it in a constant.
    """
    known = _TEMPLATES.get(message_id)
    if known is not None and known != template_en:
        raise ValueError(f"message id {message_id!r} defined twice with different text")
    _TEMPLATES[message_id] = template_en
    return message_id


def template(message_id: str) -> str:
    """Return the English template of a registered message id."""
    return _TEMPLATES[message_id]


def all_templates() -> Mapping[str, str]:
    """Return a read-only view of every registered template (for catalogue checks)."""
    return MappingProxyType(_TEMPLATES)


@dataclass(frozen=True)
class Message:
    """A message id with its parameters, translated only where it is shown."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        """Render the message in English (logs, exceptions, tests)."""
        return render(self, lambda text: text)


def render(message: Message, translate: Any) -> str:
    """Render ``message`` with ``translate(english_template) -> template``.

    Parameters
    ----------
    message
        The message to render.
    translate
        A callable mapping the English template to the target language's
        template; placeholders are filled after translation.

    Returns
    -------
    str
        The finished sentence.
    """
    text: str = translate(template(message.id))
    try:
        return text.format(**message.params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must never hide the message itself.
        return template(message.id).format(**message.params)
