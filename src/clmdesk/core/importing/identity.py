"""Line identity for "already imported" detection (core layer).

DOMAIN.md: a line's identity is (customer key, order id or none, date and
time, every mapped value, n), where n numbers identical lines within one
sheet (1, 2, …): identical lines inside one sheet are genuine (the same
item rung up twice), while a line whose identity exists already (an earlier
batch, or an earlier sheet or file of the same import) is skipped.

The identity is built from normalised values, so the same line read from
an xlsx and from a CSV export of it has the same identity, and a 16-byte
BLAKE2b digest of it is what the write half stores (UNIQUE).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from clmdesk.core.importing.records import NO_TIME

if TYPE_CHECKING:
    from clmdesk.core.importing.records import OrderColumns

__all__ = ["IDENTITY_VERSION", "line_identities"]

#: Bump when the identity recipe changes (stored identities would no longer match).
IDENTITY_VERSION = 1


def _number_text(value: float) -> str:
    if value != value:  # nan: empty
        return ""
    return repr(float(value))


def line_identities(orders: OrderColumns) -> list[bytes]:
    """Identity digests of a sheet's order lines, in line order.

    Parameters
    ----------
    orders
        The valid lines of one sheet.

    Returns
    -------
    list of bytes
        16-byte digests; equal digests within the list never occur (the
        n-th identical line gets n in its identity).

    Notes
    -----
    The parts are: customer key, order id (``""`` when none), day, time of
    day (``""`` when none), amount in cents, quantity and unit price (their
    shortest decimal text, when mapped), status and channel (when mapped),
    then n.  E-mail and document are aliases of the key, not line values.
    """
    count = len(orders)
    columns: list[list[str]] = [
        list(orders.customer_key),
        [v or "" for v in orders.order_ref]
        if orders.order_ref is not None
        else [""] * count,
        list(map(str, orders.day.tolist())),
        ["" if s == NO_TIME else str(s) for s in orders.seconds.tolist()],
        list(map(str, orders.amount_cents.tolist())),
    ]
    if orders.quantity is not None:
        columns.append(list(map(_number_text, orders.quantity.tolist())))
    if orders.unit_price is not None:
        columns.append(list(map(_number_text, orders.unit_price.tolist())))
    for text in (orders.status, orders.channel):
        if text is not None:
            columns.append([v or "" for v in text])
    seen: dict[str, int] = {}
    digests = []
    blake = hashlib.blake2b
    for parts in zip(*columns, strict=True):
        base = "\x1f".join(parts)
        n = seen.get(base, 0) + 1
        seen[base] = n
        digests.append(blake(f"{base}\x1e{n}".encode(), digest_size=16).digest())
    return digests
