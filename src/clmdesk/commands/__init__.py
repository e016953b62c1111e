"""Headless subcommands of the ``clmdesk`` command line.

Each module ``clmdesk.commands.<name>`` exposes ``run(args, database) -> int``
and raises :class:`CommandError` with a message for bad input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clmdesk.core.messages import Message

__all__ = ["CommandError"]


class CommandError(Exception):
    """A headless command cannot go on; ``message`` says why in one line."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message
