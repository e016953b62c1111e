"""Line identity digests as ``order_lines`` stores them (storage layer).

A line's identity (:func:`clmdesk.core.importing.line_identities`) is a
16-byte digest.  ``order_lines`` keeps it as two integer columns,
``identity_a`` (bytes 0-7) and ``identity_b`` (bytes 8-15), each read as a
little-endian signed 64-bit number, under one unique index.  SQLite binds,
stores and sorts integers faster than blobs: measured on 1,000,000 lines,
the inserts took 0.4-0.6 s less and the unique index's build 0.2-0.3 s
less than with one 16-byte blob (the sorter compares integers directly,
blobs through the generic record comparison).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import numpy.typing as npt

__all__ = [
    "IDENTITY_COLUMNS",
    "digest_halves",
    "digests_from_halves",
    "first_halves",
    "identity_halves",
]

#: The columns of ``order_lines`` that hold a line's identity, in index order.
IDENTITY_COLUMNS = ("identity_a", "identity_b")

_HALVES = np.dtype("<i8")


def _pairs(digests: Sequence[bytes]) -> npt.NDArray[np.int64]:
    return np.frombuffer(b"".join(digests), dtype=_HALVES).reshape(-1, 2)


def digest_halves(digest: bytes) -> tuple[int, int]:
    """The ``identity_a`` and ``identity_b`` values of one 16-byte digest."""
    return (
        int.from_bytes(digest[:8], "little", signed=True),
        int.from_bytes(digest[8:], "little", signed=True),
    )


def identity_halves(digests: Sequence[bytes]) -> tuple[list[int], list[int]]:
    """The ``identity_a`` and ``identity_b`` values of 16-byte digests, as two lists."""
    if not len(digests):
        return [], []
    pairs = _pairs(digests)
    first: list[int] = pairs[:, 0].tolist()
    second: list[int] = pairs[:, 1].tolist()
    return first, second


def digests_from_halves(rows: Iterable[Sequence[Any]]) -> list[bytes]:
    """The 16-byte digests of stored ``(identity_a, identity_b)`` rows."""
    pairs = np.array([(int(a), int(b)) for a, b in rows], dtype=_HALVES)
    if not len(pairs):
        return []
    digests: list[bytes] = pairs.reshape(-1, 2).view("V16").ravel().tolist()
    return digests


def first_halves(digests: Sequence[bytes]) -> npt.NDArray[np.int64]:
    """The ``identity_a`` values of ``digests``: the unique index's order, but for rare ties."""
    if not len(digests):
        return np.zeros(0, dtype=np.int64)
    return _pairs(digests)[:, 0].astype(np.int64)
