"""CSV and delimited text files: encoding detection, delimiter sniffing, streamed reading (fileio layer).

Brazilian exports are often Windows-1252 with ``;`` separators and decimal
commas; others are UTF-8 (with or without a BOM) and ``,``; Excel's
"Unicode text" is UTF-16 with tabs.  The encoding is decided from a sample
and confirmed while reading: a UTF-8 guess that meets an invalid byte later
restarts the read as Windows-1252 (bytes that Windows-1252 leaves undefined
fall back to Latin-1).  The delimiter is the candidate that splits the
sample's lines into the most consistent number of fields.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from clmdesk.core.importing.columns import pause_if_due
from clmdesk.core.importing.messages import (
    FILE_NOT_SPREADSHEET,
    FILE_TOO_MANY_CELLS,
    FILE_UNREADABLE,
)
from clmdesk.core.importing.records import RawSheet
from clmdesk.core.messages import Count
from clmdesk.core.tasks import Cancelled
from clmdesk.fileio.errors import read_error

if TYPE_CHECKING:
    from clmdesk.core.tasks import IsCancelled, Progress

__all__ = [
    "DELIMITERS",
    "decode_bytes",
    "detect_encoding",
    "read_csv",
    "sniff_delimiter",
]

DELIMITERS = (";", ",", "\t", "|")
_SAMPLE = 64 * 1024
_CAP_EVERY = 65_536
# Lines between two looks at progress and cancel (a power of two).
_WATCH_EVERY = 8_192
# csv's default field limit (128 KiB) is far above any real cell; keep it.


def detect_encoding(sample: bytes) -> str | None:
    """Guess the text encoding of a file from its first bytes.

    Parameters
    ----------
    sample
        The first bytes of the file (a multi-byte character may be cut at
        the end).

    Returns
    -------
    str or None
        ``"utf-8-sig"``, ``"utf-16"``, ``"utf-8"`` or ``"cp1252"``; ``None``
        when the bytes are binary (NUL bytes without a UTF-16 BOM).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        return None
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def sniff_delimiter(lines: list[str]) -> str:
    """Choose the delimiter that splits ``lines`` most consistently.

    Each candidate (``;`` ``,`` tab ``|``) parses the lines with the csv
    module (so quoted delimiters do not count); its score is the share of
    lines having the most common field count, when that count is at least 2.
    Ties go to the larger field count, then to the order of
    :data:`DELIMITERS` (``;`` first: with decimal commas it is the real one).

    Returns
    -------
    str
        The delimiter; ``","`` when no candidate splits anything.
    """
    best: tuple[float, int, int] = (0.0, 0, 0)
    chosen = ","
    for rank, delimiter in enumerate(DELIMITERS):
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if row]
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        score = (frequency / len(counts), mode, -rank)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def read_csv(
    path: str | Path,
    max_cells: int = 20_000_000,
    *,
    progress: Progress | None = None,
    is_cancelled: IsCancelled | None = None,
) -> RawSheet:
    """Read a delimited text file into one :class:`RawSheet` of strings.

    Parameters
    ----------
    path
        The file.
    max_cells
        Refuse files with more cells than this.
    progress
        ``progress(done, total)`` in bytes of the file, every few
        thousand lines.
    is_cancelled
        Polled as often; :class:`~clmdesk.core.tasks.Cancelled` is raised
        when it turns true.

    Returns
    -------
    RawSheet
        Rows as lists of ``str`` (empty rows dropped), with their 1-based
        line numbers; ``locale_hint`` is ``"pt_BR"`` for ``;`` or Windows-1252.

    Raises
    ------
    ReadError
        Binary content, unreadable file, more cells than ``max_cells``.
    Cancelled
        When ``is_cancelled()`` turned true.
    """
    path = Path(path)
    watch = _Watch(progress, is_cancelled)
    try:
        with open(path, "rb") as handle:
            sample = handle.read(_SAMPLE)
    except OSError as error:
        raise read_error(FILE_UNREADABLE, path, detail=error.strerror or "") from error
    encoding = detect_encoding(sample)
    if encoding is None:
        raise read_error(FILE_NOT_SPREADSHEET, path)
    try:
        try:
            return _read(path, encoding, sample, max_cells, watch)
        except UnicodeDecodeError:
            if encoding != "utf-8":
                raise read_error(FILE_NOT_SPREADSHEET, path) from None
            return _read(path, "cp1252", sample, max_cells, watch)
    except (csv.Error, UnicodeError) as error:
        # A NUL byte, a cell above csv's field limit: not a table we can read.
        raise read_error(FILE_NOT_SPREADSHEET, path) from error
    except OSError as error:
        raise read_error(FILE_UNREADABLE, path, detail=error.strerror or "") from error


def _decode_sample(sample: bytes, encoding: str) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample)
    return text.lstrip("\ufeff")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start : error.end]
    return bytes(chunk).decode("latin-1"), error.end


codecs.register_error("latin1fallback", _latin1_fallback)


class _Watch:
    """Progress and cancel of a read, looked at every :data:`_WATCH_EVERY` lines."""

    def __init__(
        self, progress: Progress | None, is_cancelled: IsCancelled | None
    ) -> None:
        self.progress = progress
        self.is_cancelled = is_cancelled

    def look(self, done: int, total: int) -> None:
        if self.is_cancelled is not None and self.is_cancelled():
            raise Cancelled
        if self.progress is not None:
            self.progress(min(done, total), total)


def _read(
    path: Path, encoding: str, sample: bytes, max_cells: int, watch: _Watch
) -> RawSheet:
    text_sample = _decode_sample(sample, encoding)
    lines = text_sample.splitlines()
    if len(sample) == _SAMPLE and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample is incomplete
    delimiter = sniff_delimiter(lines[:200])
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    errors = "latin1fallback" if encoding == "cp1252" else "strict"
    # Rows are counted for the cell cap and the width every _CAP_EVERY rows,
    # not one by one, and never all at once: each C call over a block holds
    # the GIL about a millisecond, one over a million rows far longer.
    checked = 0
    cells = 0
    width = 0
    with (
        open(path, "rb") as raw,  # its position: the bytes decoded so far
        io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline="") as handle,
    ):
        size = os.fstat(raw.fileno()).st_size
        reader = csv.reader(handle, delimiter=delimiter)
        keep, number = rows.append, row_numbers.append
        join = "".join
        start = 1
        for row in reader:
            if join(row).strip():  # C speed; a row of blanks is an empty row
                keep(row)
                number(start)
            start = reader.line_num + 1
            if not start & 1023:
                # A loop over a file's lines wins the GIL back too often for
                # the window's thread, waiting beside it, to get a turn.
                pause_if_due()
                if not start & (_WATCH_EVERY - 1):
                    watch.look(raw.tell(), size)
            if len(rows) - checked >= _CAP_EVERY:
                lengths = list(map(len, rows[checked:]))
                cells += sum(lengths)
                width = max(width, max(lengths))
                checked = len(rows)
                if cells > max_cells:
                    raise read_error(FILE_TOO_MANY_CELLS, path, limit=Count(max_cells))
        watch.look(size, size)
    lengths = list(map(len, rows[checked:]))
    cells += sum(lengths)
    width = max(width, max(lengths)) if lengths else width
    if cells > max_cells:
        raise read_error(FILE_TOO_MANY_CELLS, path, limit=Count(max_cells))
    hint = "pt_BR" if delimiter == ";" or encoding == "cp1252" else ""
    return RawSheet(
        file=path.name,
        name=path.stem,
        rows=rows,
        row_numbers=row_numbers,
        width=width,
        locale_hint=hint,
    )


# Kept for callers that want the decoded text of a small file (tests, previews).
def decode_bytes(data: bytes) -> str:
    """Decode ``data`` with the encoding :func:`detect_encoding` would choose."""
    encoding = detect_encoding(data) or "latin-1"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="latin1fallback")
