"""Line identity for "already imported" detection (core layer).

DOMAIN.md: a line's identity is (customer key, order id or none, date and
time, every mapped value, n), where n numbers identical lines within one
sheet (1, 2, …): identical lines inside one sheet are genuine (the same
item rung up twice), while a line whose identity exists already (an earlier
batch, or an earlier sheet or file of the same import) is skipped.

The identity is built from normalised values, so the same line read from
an xlsx and from a CSV export of it has the same identity.  It is a
128-bit digest, computed column by column with numpy (a hash per line in
Python costs over a second per million lines): each text column's distinct
values are hashed once with BLAKE2b, numbers are taken by value, and two
independent 64-bit lanes mix the parts in a fixed order.  The digest is
stable across runs and platforms; :data:`IDENTITY_VERSION` names the
recipe.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

from clmdesk.core.importing.columns import chunked, chunked_array, chunked_list

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy.typing as npt

    from clmdesk.core.importing.records import OrderColumns, TextCodes

__all__ = ["IDENTITY_VERSION", "line_identities"]

#: Bump when the identity recipe changes (stored identities would no longer match).
IDENTITY_VERSION = 1

_U64 = np.uint64
_LANES = (
    (_U64(0x9E3779B97F4A7C15), _U64(0x6A09E667F3BCC908)),  # (multiplier, seed)
    (_U64(0xC2B2AE3D27D4EB4F), _U64(0xBB67AE8584CAA73B)),
)
_SHIFT = _U64(31)
_MISSING = _U64(0x7FF8DEADBEEF0001)  # an empty number (never a float64's own bits here)

Hashes = tuple["npt.NDArray[np.uint64]", "npt.NDArray[np.uint64]"]


def _mix(
    state: npt.NDArray[np.uint64], word: npt.NDArray[np.uint64], lane: int
) -> npt.NDArray[np.uint64]:
    multiplier = _LANES[lane][0]
    with np.errstate(over="ignore"):
        mixed = (state ^ word) * multiplier
    return mixed ^ (mixed >> _SHIFT)


def _text_words(values: Sequence[str | None], coded: TextCodes | None = None) -> Hashes:
    """Two 64-bit words per value: BLAKE2b of each distinct text, hashed once.

    ``coded``, the same values factorised, spares finding the distinct ones.
    """
    if coded is None:
        codes, distinct = _by_identity(values)
    else:
        # Code -1 (no text) takes the place after the texts: None, hashed as "".
        distinct = [*coded.texts, None]
        codes = np.where(coded.codes < 0, len(coded.texts), coded.codes)
    words = np.frombuffer(_digests(distinct), dtype="<u8").reshape(-1, 2)
    table = words.astype(np.uint64)
    return table[codes, 0], table[codes, 1]


def _by_identity(values: Sequence[object]) -> tuple[npt.NDArray[np.intp], list[Any]]:
    """Codes of the values into their distinct objects (by identity, with numpy).

    The text columns of converted lines share one object per distinct text,
    so grouping the objects by ``id`` finds the distinct texts without
    hashing a million strings.  Equal texts held by different objects just
    get equal digests.
    """
    count = len(values)
    ids = chunked_array(
        lambda part: np.fromiter(map(id, part), dtype=np.intp, count=len(part)),
        values,
        np.intp,
    )
    order = np.argsort(ids)
    ordered = ids[order]
    starts = np.ones(count, dtype=np.bool_)
    starts[1:] = ordered[1:] != ordered[:-1]
    codes = np.empty(count, dtype=np.intp)
    codes[order] = np.cumsum(starts) - 1
    firsts = chunked_list(_as_list, order[starts])
    return codes, [values[index] for index in firsts]


def _digests(texts: Sequence[str | None]) -> bytes:
    """The 16-byte BLAKE2b digests of the UTF-8 texts (``None`` as ``""``), end to end."""
    base = hashlib.blake2b(digest_size=16)

    def digests(part: Sequence[str | None]) -> bytes:
        found = []
        for text in part:
            state = base.copy()  # cheaper than a new hash object with its parameters
            state.update((text or "").encode("utf-8"))
            found.append(state.digest())
        return b"".join(found)

    return b"".join(chunked(digests, texts))


def _integer_words(values: npt.NDArray[np.integer]) -> npt.NDArray[np.uint64]:
    return values.astype(np.int64).view(np.uint64)


def _float_words(values: npt.NDArray[np.float64]) -> npt.NDArray[np.uint64]:
    # Equal numbers give equal words: +0.0 for -0.0, one marker for empty (nan).
    clean = np.where(values == 0.0, 0.0, values).astype("<f8")
    words = clean.view("<u8").astype(np.uint64)
    return np.where(np.isnan(values), _MISSING, words)


def line_identities(orders: OrderColumns) -> list[bytes]:
    """Identity digests of a sheet's order lines, in line order.

    Parameters
    ----------
    orders
        The valid lines of one sheet.

    Returns
    -------
    list of bytes
        16-byte digests, distinct within the list (the n-th identical line
        gets n in its identity).

    Notes
    -----
    The parts, in order: customer key, order id (empty when none or not
    mapped), day, time of day (``NO_TIME`` when none), amount in cents,
    then quantity, unit price, status and channel when the sheet maps
    them (an unmapped part and an empty one differ), then n.  E-mail and
    document are aliases of the key, not line values.
    """
    count = len(orders)
    if not count:
        return []
    lanes = [np.full(count, seed, dtype=np.uint64) for _, seed in _LANES]

    def add(words: npt.NDArray[np.uint64] | Hashes) -> None:
        first, second = words if isinstance(words, tuple) else (words, words)
        lanes[0] = _mix(lanes[0], first, 0)
        lanes[1] = _mix(lanes[1], second, 1)

    def absent(tag: int) -> npt.NDArray[np.uint64]:
        return np.full(count, _U64(tag), dtype=np.uint64)

    add(_text_words(orders.customer_key, orders.customer_key_codes))
    add(
        _text_words(orders.order_ref, orders.order_ref_codes)
        if orders.order_ref is not None
        else absent(1)
    )
    add(_integer_words(orders.day))
    add(_integer_words(orders.seconds))
    add(_integer_words(orders.amount_cents))
    add(_float_words(orders.quantity) if orders.quantity is not None else absent(2))
    add(_float_words(orders.unit_price) if orders.unit_price is not None else absent(3))
    add(_text_words(orders.status) if orders.status is not None else absent(4))
    add(_text_words(orders.channel) if orders.channel is not None else absent(5))
    add(_occurrence(lanes[0], lanes[1]))
    stacked = np.stack([lanes[0].astype("<u8"), lanes[1].astype("<u8")], axis=1)
    records = np.ascontiguousarray(stacked).view("V16").ravel()
    return chunked_list(_as_bytes, records)


def _as_bytes(records: npt.NDArray[np.void]) -> list[bytes]:
    digests: list[bytes] = records.tolist()
    return digests


def _as_list(values: npt.NDArray[np.intp]) -> list[int]:
    result: list[int] = values.tolist()
    return result


def _occurrence(
    first: npt.NDArray[np.uint64], second: npt.NDArray[np.uint64]
) -> npt.NDArray[np.uint64]:
    """n of each line among identical lines (1, 2, … in line order)."""
    count = len(first)
    occurrence = np.ones(count, dtype=np.uint64)
    ordered = np.sort(first)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(repeated):
        return occurrence  # the usual case: no two lines alike
    # Rank only the lines whose first word repeats.
    candidates = np.flatnonzero(np.isin(first, repeated))
    order = candidates[np.lexsort((second[candidates], first[candidates]))]  # stable
    a, b = first[order], second[order]
    starts = np.ones(len(order), dtype=np.bool_)
    starts[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    positions = np.arange(len(order))
    group_start = np.maximum.accumulate(np.where(starts, positions, 0))
    occurrence[order] = (positions - group_start + 1).astype(np.uint64)
    return occurrence
