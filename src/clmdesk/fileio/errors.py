"""The one error every spreadsheet reader raises (fileio layer).

Whatever goes wrong while reading a file (missing, not a spreadsheet,
damaged, protected by a password, hostile, too large, empty), the caller
gets a :class:`ReadError` whose :attr:`~ReadError.message` is a one-line
:class:`~clmdesk.core.messages.Message` naming the file; ids are declared in
:mod:`clmdesk.core.importing.messages`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clmdesk.core.messages import Message

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ReadError", "is_parser_panic", "read_error"]


class ReadError(Exception):
    """A file cannot be read; :attr:`message` says why in one line.

    Parameters
    ----------
    message
        The user-facing reason; its ``file`` parameter names the file.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


def read_error(message_id: str, path: str | Path, **params: Any) -> ReadError:
    """Build a :class:`ReadError` for ``path`` (its base name becomes ``{file}``)."""
    from pathlib import Path as _Path

    return ReadError(Message(message_id, {"file": _Path(path).name, **params}))


def is_parser_panic(error: BaseException) -> bool:
    """Whether ``error`` is a Rust panic inside python-calamine.

    PyO3 raises a panic as ``pyo3_runtime.PanicException``, a
    ``BaseException`` that ``except Exception`` lets through; for the user it
    is a file calamine could not read, like any other damaged file.
    """
    kind = type(error)
    return kind.__name__ == "PanicException" and kind.__module__ == "pyo3_runtime"
