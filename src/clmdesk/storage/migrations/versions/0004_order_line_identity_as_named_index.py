"""order line identity as a named unique index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:00:00.000000

The uniqueness of ``order_lines.identity`` becomes the named unique index
``ux_order_lines_identity`` instead of an unnamed table constraint, so that
a bulk load into an empty table can drop it and build it once after the
load (SQLite cannot drop a table constraint without rebuilding the table).
``ix_order_lines_batch_id`` goes: only undo reads lines by batch, a rare
action for which a scan is fast enough, while every import paid for the
index. SQLite rebuilds the table (data kept); PostgreSQL drops the
constraint and creates the index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Gives SQLite's unnamed constraint a name that batch mode can drop.
_NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _identity_constraint() -> str | None:
    """PostgreSQL's name for the unnamed unique constraint (``order_lines_identity_key``)."""
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("order_lines"):
        if constraint["column_names"] == ["identity"]:
            return constraint["name"]
    return None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "order_lines", naming_convention=_NAMING, recreate="always"
        ) as batch_op:
            batch_op.drop_constraint("uq_order_lines_identity", type_="unique")
            batch_op.drop_index("ix_order_lines_batch_id")
            batch_op.create_index("ux_order_lines_identity", ["identity"], unique=True)
        return
    name = _identity_constraint()
    if name is not None:
        op.drop_constraint(name, "order_lines", type_="unique")
    op.drop_index("ix_order_lines_batch_id", table_name="order_lines")
    op.create_index("ux_order_lines_identity", "order_lines", ["identity"], unique=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("order_lines", recreate="always") as batch_op:
            batch_op.drop_index("ux_order_lines_identity")
            batch_op.create_unique_constraint("uq_order_lines_identity", ["identity"])
            batch_op.create_index("ix_order_lines_batch_id", ["batch_id"], unique=False)
        return
    op.drop_index("ux_order_lines_identity", table_name="order_lines")
    op.create_unique_constraint("order_lines_identity_key", "order_lines", ["identity"])
    op.create_index(
        "ix_order_lines_batch_id", "order_lines", ["batch_id"], unique=False
    )
