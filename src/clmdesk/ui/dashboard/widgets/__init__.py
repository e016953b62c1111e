# ruff: noqa: I001  (the import order is the catalog order)
"""Every panel widget, registered in catalog order — the one place widgets are registered.

Importing this package registers them all (each module's class carries the
:func:`~clmdesk.ui.dashboard.registry.register_widget` decorator).
"""

from clmdesk.ui.dashboard.widgets.lifecycle import LifecycleIndicatorWidget
from clmdesk.ui.dashboard.widgets.distribution import DistributionWidget
from clmdesk.ui.dashboard.widgets.kpis import KpiCardsWidget
from clmdesk.ui.dashboard.widgets.funnel import FunnelWidget
from clmdesk.ui.dashboard.widgets.movements import MovementsWidget
from clmdesk.ui.dashboard.widgets.attention import AttentionListWidget

__all__ = [
    "AttentionListWidget",
    "DistributionWidget",
    "FunnelWidget",
    "KpiCardsWidget",
    "LifecycleIndicatorWidget",
    "MovementsWidget",
]
