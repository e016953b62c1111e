"""cents as 64-bit integers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00.000000

Amounts in cents pass 2**31 (21 million in money) in a large order or in a
customer's lifetime sum, which PostgreSQL's INTEGER refuses. SQLite's
INTEGER holds 64 bits already: its files are left as they are (no table
rebuild).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable)
_CENTS = (
    ("order_lines", "amount_cents", False),
    ("orders", "amount_cents", False),
    ("campaigns", "cost_cents", True),
    ("customer_stages", "monetary_cents", False),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in _CENTS:
        op.alter_column(
            table,
            column,
            type_=sa.BigInteger(),
            existing_type=sa.Integer(),
            existing_nullable=nullable,
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in _CENTS:
        op.alter_column(
            table,
            column,
            type_=sa.Integer(),
            existing_type=sa.BigInteger(),
            existing_nullable=nullable,
        )
