"""What a business database holds, in a few numbers (storage layer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import text

from clmdesk.storage.app_settings import get_setting
from clmdesk.storage.history import classification_is_current

if TYPE_CHECKING:
    from clmdesk.storage.database import Database

__all__ = ["DatabaseOverview", "read_overview"]


@dataclass(frozen=True)
class DatabaseOverview:
    """Counts and names that decide which page the window shows."""

    customers: int
    order_lines: int
    orders: int
    latest_day: int | None
    business_name: str | None
    is_demo: bool
    classified_day: int | None
    classified_is_current: bool = True
    """False when the stored classification was computed from other data."""


def read_overview(database: Database) -> DatabaseOverview:
    """Read the overview in one short connection."""
    with database.read() as connection:

        def scalar(sql: str) -> int | None:
            value = connection.execute(text(sql)).scalar()
            return None if value is None else int(value)

        latest_order = scalar("SELECT MAX(day) FROM orders")
        latest_registration = scalar("SELECT MAX(registered_day) FROM customers")
        known = [day for day in (latest_order, latest_registration) if day is not None]
        return DatabaseOverview(
            customers=scalar("SELECT COUNT(*) FROM customers") or 0,
            order_lines=scalar("SELECT COUNT(*) FROM order_lines") or 0,
            orders=scalar("SELECT COUNT(*) FROM orders") or 0,
            latest_day=max(known) if known else None,
            business_name=get_setting(connection, "business_name"),
            is_demo=bool(get_setting(connection, "is_demo", False)),
            classified_day=scalar(
                "SELECT latest_day FROM classification_runs ORDER BY id DESC LIMIT 1"
            ),
            classified_is_current=classification_is_current(connection),
        )
