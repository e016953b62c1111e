"""order line identity as two 64-bit integers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:00:00.000000

``order_lines.identity`` (a 16-byte digest) becomes ``identity_a`` and
``identity_b``: bytes 0-7 and 8-15 of the same digest, each read as a
little-endian signed 64-bit integer, under the unique index
``ux_order_lines_identity`` on both. SQLite binds, stores and sorts
integers faster than blobs, which makes every import's inserts and the
index build cheaper (see :mod:`clmdesk.storage.line_identity`). The
digests are kept bit for bit: lines already imported are still recognised.
SQLite computes the halves with a function of this script, then rebuilds
the table; PostgreSQL computes them in SQL.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INT64 = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_HALVES = ("identity_a", "identity_b")


def _half(digest: bytes, offset: int) -> int:
    return int.from_bytes(digest[offset : offset + 8], "little", signed=True)


def _digest(first: int, second: int) -> bytes:
    return first.to_bytes(8, "little", signed=True) + second.to_bytes(
        8, "little", signed=True
    )


def _postgresql_half(offset: int) -> str:
    """SQL for the signed little-endian 64-bit integer at ``offset`` of ``identity``."""
    low = " | ".join(
        f"(get_byte(identity, {offset + k})::bigint << {8 * k})" for k in range(7)
    )
    # The last byte carries the sign: (b # 128) - 128 is b read as signed.
    top = f"(((get_byte(identity, {offset + 7}) # 128) - 128)::bigint << 56)"
    return f"{low} | {top}"


def _postgresql_digest() -> str:
    """SQL for the 16 bytes of ``identity_a`` and ``identity_b``, little-endian."""
    parts = [
        f"decode(lpad(to_hex(({column} >> {8 * k}) & 255), 2, '0'), 'hex')"
        for column in _HALVES
        for k in range(8)
    ]
    return " || ".join(parts)


def _sqlite_function(name: str, function: Callable[[Any, Any], Any]) -> None:
    """Give this migration's SQLite connection ``function`` as the SQL function ``name``."""
    driver = op.get_bind().connection.driver_connection
    assert driver is not None
    driver.create_function(name, 2, function, deterministic=True)


def upgrade() -> None:
    bind = op.get_bind()
    for column in _HALVES:
        op.add_column("order_lines", sa.Column(column, _INT64, nullable=True))
    if bind.dialect.name == "sqlite":
        _sqlite_function("clmdesk_identity_half", _half)
        op.execute(
            "UPDATE order_lines SET"
            " identity_a = clmdesk_identity_half(identity, 0),"
            " identity_b = clmdesk_identity_half(identity, 8)"
        )
        with op.batch_alter_table("order_lines", recreate="always") as batch_op:
            batch_op.drop_index("ux_order_lines_identity")
            batch_op.drop_column("identity")
            for column in _HALVES:
                batch_op.alter_column(column, existing_type=_INT64, nullable=False)
            batch_op.create_index(
                "ux_order_lines_identity", ["identity_a", "identity_b"], unique=True
            )
        return
    op.execute(
        "UPDATE order_lines SET"
        f" identity_a = {_postgresql_half(0)}, identity_b = {_postgresql_half(8)}"
    )
    op.drop_index("ux_order_lines_identity", table_name="order_lines")
    op.drop_column("order_lines", "identity")
    for column in _HALVES:
        op.alter_column("order_lines", column, existing_type=_INT64, nullable=False)
    op.create_index(
        "ux_order_lines_identity",
        "order_lines",
        ["identity_a", "identity_b"],
        unique=True,
    )


def downgrade() -> None:
    bind = op.get_bind()
    op.add_column(
        "order_lines", sa.Column("identity", sa.LargeBinary(length=16), nullable=True)
    )
    if bind.dialect.name == "sqlite":
        _sqlite_function("clmdesk_identity_digest", _digest)
        op.execute(
            "UPDATE order_lines SET identity = clmdesk_identity_digest(identity_a, identity_b)"
        )
        with op.batch_alter_table("order_lines", recreate="always") as batch_op:
            batch_op.drop_index("ux_order_lines_identity")
            for column in _HALVES:
                batch_op.drop_column(column)
            batch_op.alter_column(
                "identity", existing_type=sa.LargeBinary(length=16), nullable=False
            )
            batch_op.create_index("ux_order_lines_identity", ["identity"], unique=True)
        return
    op.execute(f"UPDATE order_lines SET identity = {_postgresql_digest()}")
    op.drop_index("ux_order_lines_identity", table_name="order_lines")
    for column in _HALVES:
        op.drop_column("order_lines", column)
    op.alter_column(
        "order_lines",
        "identity",
        existing_type=sa.LargeBinary(length=16),
        nullable=False,
    )
    op.create_index("ux_order_lines_identity", "order_lines", ["identity"], unique=True)
