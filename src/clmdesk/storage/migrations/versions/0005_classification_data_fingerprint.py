"""classification run remembers the data it was computed from

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:00:00.000000

``classification_runs.data_fingerprint`` keeps the data fingerprint (batch,
customer and order counts) read with the run's inputs. A run whose
fingerprint differs from the data's is out of date even when it covers the
same customers and the same last day, e.g. after an import inside months
already classified with ``--no-classify``. Runs stored before this
revision have none and are judged as before (customers and last day).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "classification_runs",
        sa.Column("data_fingerprint", sa.String(length=255), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("classification_runs") as batch_op:
        batch_op.drop_column("data_fingerprint")
