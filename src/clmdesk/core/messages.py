"""User-facing messages as ids with parameters (core layer).

Qt-free layers never assemble sentences. They return :class:`Message`
values; the interface translates the English template with Qt's ``tr`` and
the command line with :mod:`clmdesk.core.i18n`, so both read one catalogue.

Parameters stay raw values: a number with decimals is passed as a number
(never as text written with a dot), and :func:`render` writes it in the
reader's language. Templates therefore put no format spec on placeholders.

Each module declares its messages once, at import time::

    ROW_NO_DATE = define("import.row.no_date", "Row {row}: the date is empty.")

and returns ``Message(ROW_NO_DATE, {"row": 12})``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from clmdesk.core.decimals import format_decimal, is_decimal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["Count", "Message", "all_templates", "define", "render", "template"]

_TEMPLATES: dict[str, str] = {}
_AS_IS = frozenset({str, int, bool})


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


class Count(int):
    """A whole number a sentence shows grouped by thousands in the reader's language.

    ``Count(20_000_000)`` reads "20.000.000" in pt-BR and "20,000,000" in
    English; a plain ``int`` parameter stays ungrouped (row numbers, years).
    """

    __slots__ = ()


@dataclass(frozen=True)
class Message:
    """A message id with its parameters, translated only where it is shown."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        """Render the message in English (logs, exceptions, tests)."""
        return render(self, lambda text: text)


def render(
    message: Message,
    translate: Any,
    number: Callable[[Any], str] | None = None,
) -> str:
    """Render ``message`` with ``translate(english_template) -> template``.

    Parameters
    ----------
    message
        The message to render. Parameters that are messages themselves are
        rendered first, with the same ``translate`` and ``number``.
    translate
        A callable mapping the English template to the target language's
        template; placeholders are filled after translation.
    number
        Writes a parameter that may have decimals (float, Decimal) in the
        target language; English (``1,234.5``) by default; also writes
        :class:`Count` parameters. Other integers keep ``str.format``'s
        plain form.

    Returns
    -------
    str
        The finished sentence.
    """
    params = {
        key: _shown(value, translate, number) for key, value in message.params.items()
    }
    text: str = translate(template(message.id))
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        # A broken translation must never hide the message itself.
        return template(message.id).format(**params)


def _shown(value: Any, translate: Any, number: Callable[[Any], str] | None) -> Any:
    """A parameter as the sentence shows it: nested messages and decimals as text."""
    if type(value) in _AS_IS:  # the common case, before the slower ABC checks
        return value
    if isinstance(value, Message):
        return render(value, translate, number)
    if is_decimal(value) or isinstance(value, Count):
        return format_decimal(value) if number is None else number(value)
    return value
