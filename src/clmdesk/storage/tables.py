"""ORM tables of a clmdesk business database (storage layer).

One database holds one business: its customers, the raw order lines of every
import batch, the orders derived from them, survey answers, campaigns, the
business's own settings (stage model, panel layout) and the stored
classification. Dates are integer day numbers (days since 1970-01-01) so that
the engine loads them straight into numpy; money is integer cents.

Bulk paths (imports, classification) write with the DBAPI's
``executemany`` through these tables' names; the ORM classes serve small
interactive edits and describe the schema for Alembic.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AppSettingRow",
    "Base",
    "CampaignRow",
    "Cents",
    "ClassificationRunRow",
    "CustomerFieldFillRow",
    "CustomerRow",
    "CustomerStageRow",
    "ImportBatchRow",
    "NpsAnswerRow",
    "OrderLineRow",
    "OrderRow",
    "SnapshotCountRow",
    "SnapshotRow",
]


# A signed 64-bit number: BIGINT on PostgreSQL; SQLite's INTEGER is 64-bit
# already, and keeping its declared type spares SQLite files a table rebuild.
Int64 = BigInteger().with_variant(Integer(), "sqlite")
# Cents can pass 2**31 (a 21-million order, or a customer's lifetime sum)
# (revision 0003).
Cents = Int64


class Base(DeclarativeBase):
    """Declarative base shared by every clmdesk table."""


class ImportBatchRow(Base):
    """One import: the files it read, what it counted and the mappings it used."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[str] = mapped_column(String(32))  # ISO-8601 UTC
    status: Mapped[str] = mapped_column(String(16), default="done")
    files_json: Mapped[str] = mapped_column(Text, default="[]")
    counts_json: Mapped[str] = mapped_column(Text, default="{}")
    mappings_json: Mapped[str] = mapped_column(Text, default="[]")


class CustomerRow(Base):
    """A customer, keyed by the text key of DOMAIN.md's identity rules."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    name: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String, index=True)
    phone: Mapped[str | None] = mapped_column(String)
    document: Mapped[str | None] = mapped_column(String, index=True)
    city: Mapped[str | None] = mapped_column(String)
    state: Mapped[str | None] = mapped_column(String)
    registered_day: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String)
    referred_by_key: Mapped[str | None] = mapped_column(String, index=True)
    nps_score_undated: Mapped[int | None] = mapped_column(Integer)
    created_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="SET NULL"), index=True
    )


class CustomerFieldFillRow(Base):
    """Which batch filled which customer field, so that undo can clear it again."""

    __tablename__ = "customer_field_fills"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(32), primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[str | None] = mapped_column(String)


class OrderLineRow(Base):
    """A source line (an order or one item of it), exactly as imported.

    ``identity_a`` and ``identity_b`` hold a digest of DOMAIN.md's line
    identity (its two 64-bit halves, see
    :mod:`clmdesk.storage.line_identity`); its uniqueness is what makes a
    second import of the same file add nothing. It is a named
    unique index, not a table constraint, so that a bulk load into an empty
    table can build it once after the load. Lines are not indexed by batch:
    only undo reads them that way, and a scan serves a rare undo well enough.
    """

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE")
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_ref: Mapped[str | None] = mapped_column(String)
    day: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Cents)
    identity_a: Mapped[int] = mapped_column(Int64)
    identity_b: Mapped[int] = mapped_column(Int64)

    __table_args__ = (
        Index("ux_order_lines_identity", "identity_a", "identity_b", unique=True),
        Index("ix_order_lines_customer_day", "customer_id", "day"),
    )


class OrderRow(Base):
    """An order derived from its lines: one per (customer, order ref), or per (customer, day) without a ref."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE")
    )
    order_ref: Mapped[str | None] = mapped_column(String)
    day: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Cents)
    line_count: Mapped[int] = mapped_column(Integer)

    # Covering index: the engine loads (customer, day, amount) for every order.
    __table_args__ = (
        Index("ix_orders_customer_day_amount", "customer_id", "day", "amount_cents"),
    )


class NpsAnswerRow(Base):
    """A dated NPS answer (0–10)."""

    __tablename__ = "nps_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)


class CampaignRow(Base):
    """A marketing campaign, for the Reach stage of the CLM funnel."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batches.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String)
    reached: Mapped[int] = mapped_column(Integer, default=0)
    cost_cents: Mapped[int | None] = mapped_column(Cents)


class AppSettingRow(Base):
    """A business setting stored with the data (stage model, panel layout, business name…)."""

    __tablename__ = "app_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)


class ClassificationRunRow(Base):
    """The stored classification: which model and cycle produced the snapshots."""

    __tablename__ = "classification_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    computed_at: Mapped[str] = mapped_column(String(32))
    cycle_days: Mapped[int] = mapped_column(Integer)
    cycle_automatic: Mapped[bool] = mapped_column(Boolean)
    cycle_basis_json: Mapped[str] = mapped_column(Text, default="{}")
    model_json: Mapped[str] = mapped_column(Text)
    latest_day: Mapped[int | None] = mapped_column(Integer)
    # Customer ids in engine order: snapshot stage arrays index into it.
    customer_ids: Mapped[bytes] = mapped_column(LargeBinary)
    # The data fingerprint read with the run's inputs (None before 0005).
    data_fingerprint: Mapped[str | None] = mapped_column(String(255))


class SnapshotRow(Base):
    """One snapshot of the history, with every customer's stage index as a compact array."""

    __tablename__ = "snapshots"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("classification_runs.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_partial: Mapped[bool] = mapped_column(Boolean, default=False)
    stages: Mapped[bytes] = mapped_column(LargeBinary)


class SnapshotCountRow(Base):
    """How many customers a stage held at a snapshot."""

    __tablename__ = "snapshot_counts"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("classification_runs.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    customers: Mapped[int] = mapped_column(Integer)


class CustomerStageRow(Base):
    """Each customer's measures and stage at the latest snapshot, for filtering and sorting in SQL."""

    __tablename__ = "customer_stages"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    stage_key: Mapped[str | None] = mapped_column(String(64), index=True)
    group_key: Mapped[str | None] = mapped_column(String(64), index=True)
    frequency: Mapped[int] = mapped_column(Integer)
    recency_days: Mapped[int | None] = mapped_column(Integer)
    monetary_cents: Mapped[int] = mapped_column(Cents)
    first_day: Mapped[int | None] = mapped_column(Integer)
    last_day: Mapped[int | None] = mapped_column(Integer)
