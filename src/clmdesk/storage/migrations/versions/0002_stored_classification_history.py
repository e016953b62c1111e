"""stored classification history

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:54:34.960237
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "classification_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.String(length=32), nullable=False),
        sa.Column("cycle_days", sa.Integer(), nullable=False),
        sa.Column("cycle_automatic", sa.Boolean(), nullable=False),
        sa.Column("cycle_basis_json", sa.Text(), nullable=False),
        sa.Column("model_json", sa.Text(), nullable=False),
        sa.Column("latest_day", sa.Integer(), nullable=True),
        sa.Column("customer_ids", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "snapshot_counts",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("stage_key", sa.String(length=64), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["classification_runs.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "day", "stage_key"),
    )
    op.create_table(
        "snapshots",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("is_partial", sa.Boolean(), nullable=False),
        sa.Column("stages", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["classification_runs.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "day"),
    )
    op.create_table(
        "customer_stages",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("stage_key", sa.String(length=64), nullable=True),
        sa.Column("group_key", sa.String(length=64), nullable=True),
        sa.Column("frequency", sa.Integer(), nullable=False),
        sa.Column("recency_days", sa.Integer(), nullable=True),
        sa.Column("monetary_cents", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Integer(), nullable=True),
        sa.Column("last_day", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    with op.batch_alter_table("customer_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_stages_group_key"), ["group_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_stages_stage_key"), ["stage_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_stages_stage_key"))
        batch_op.drop_index(batch_op.f("ix_customer_stages_group_key"))

    op.drop_table("customer_stages")
    op.drop_table("snapshots")
    op.drop_table("snapshot_counts")
    op.drop_table("classification_runs")
