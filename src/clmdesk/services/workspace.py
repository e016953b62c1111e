"""What the window needs to know about an open database (services layer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from clmdesk.core.days import from_day_number
from clmdesk.storage.overview import read_overview

if TYPE_CHECKING:
    from clmdesk.storage.database import Database

__all__ = ["DatabaseInfo", "describe_database"]


@dataclass(frozen=True)
class DatabaseInfo:
    """A summary of the open database for titles, status bar and page choice."""

    has_data: bool
    customers: int
    orders: int
    business_name: str | None
    is_demo: bool
    latest_day: int | None
    needs_classification: bool = False

    @property
    def latest_day_text(self) -> str:
        """The latest date as ISO text ('' without data); the interface reformats it."""
        return (
            from_day_number(self.latest_day).isoformat()
            if self.latest_day is not None
            else ""
        )


def describe_database(database: Database) -> DatabaseInfo:
    """Summarise ``database`` (one short read)."""
    overview = read_overview(database)
    return DatabaseInfo(
        has_data=overview.customers > 0,
        customers=overview.customers,
        orders=overview.orders,
        business_name=overview.business_name,
        is_demo=overview.is_demo,
        latest_day=overview.latest_day,
        # The stored history ends on another day than the data (L) or was
        # computed from other data: it was never computed, or data came in
        # without it (`import --no-classify`), even inside months it covers.
        needs_classification=(
            overview.latest_day is not None
            and (
                overview.classified_day != overview.latest_day
                or not overview.classified_is_current
            )
        ),
    )
