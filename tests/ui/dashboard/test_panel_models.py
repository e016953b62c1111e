"""Item models of the panel (qtmodeltester), the customer list dialog and the catalog."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any

import pytest
from PySide6.QtCore import Qt

from clmdesk.services.panel import CustomerListRow
from clmdesk.ui.customer_list.dialog import CustomerFilterProxy, CustomerListDialog
from clmdesk.ui.customer_list.model import (
    COL_LAST,
    COL_MONETARY,
    COL_NAME,
    SORT_ROLE,
    CustomerTableModel,
    fold,
)
from clmdesk.ui.dashboard.catalog import SPEC_ROLE, CatalogDialog, CatalogModel
from clmdesk.ui.dashboard.widgets.movements import MovementsSettings, MovementsWidget

if TYPE_CHECKING:
    from pathlib import Path

    from pytestqt.modeltest import ModelTester
    from pytestqt.qtbot import QtBot

    from clmdesk.services.panel import ContactSource, PanelData


def _row(i: int, **changes: object) -> CustomerListRow:
    base = CustomerListRow(
        customer_id=i,
        key=f"C{i:03d}",
        name=f"Cliente {i}",
        email=f"c{i}@example.com",
        phone="(19) 99999-0000",
        city="Campinas",
        state="SP",
        stage_key="at_risk",
        frequency=i,
        recency_days=10 * i,
        monetary_cents=1000 * i,
        first_day=19000,
        last_day=19000 + i,
    )
    return base._replace(**changes)  # type: ignore[arg-type]


def test_customer_table_model(qtmodeltester: ModelTester) -> None:
    model = CustomerTableModel("BRL", {"at_risk": "At risk"}, {"at_risk": "#ef8a62"})
    model.set_rows(
        [_row(i) for i in range(1, 30)]
        + [_row(99, name=None, last_day=None, recency_days=None)]
    )
    qtmodeltester.check(model)
    index = model.index(0, COL_MONETARY)
    assert index.data(SORT_ROLE) == 1000
    assert "10.00" in index.data() or "10,00" in index.data()
    assert model.index(29, COL_NAME).data() == "C099"  # no name: the key
    assert model.index(29, COL_LAST).data(SORT_ROLE) == -1
    proxy = CustomerFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_search("cliente 2")
    assert proxy.rowCount() == 12  # every word anywhere: Cliente 2, 12, 20…29
    proxy.sort(COL_MONETARY, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, COL_NAME).data() == "Cliente 29"
    qtmodeltester.check(proxy)
    model.set_rows([])
    qtmodeltester.check(model)


def test_movement_model_and_catalog_model(
    qtbot: QtBot,
    qtmodeltester: ModelTester,
    demo_panel: tuple[PanelData, ContactSource],
) -> None:
    data, _ = demo_panel
    widget = MovementsWidget(MovementsSettings())
    qtbot.addWidget(widget)
    widget.set_data(data)
    qtmodeltester.check(widget.model)
    n = data.n_snapshots
    assert widget.shown_indices() == (n - 2, n - 1)
    moves = data.movements(n - 2, n - 1)
    assert widget.model.rowCount() == len(data.model.stages) + 1
    assert widget.model.index(1, 1).data(Qt.ItemDataRole.UserRole + 1) == int(
        moves.matrix[1, 1]
    )
    widget.from_combo.setCurrentIndex(n - 6)
    assert widget.settings().from_day == int(data.snapshot_days[n - 6])
    assert widget.shown_indices() == (n - 6, n - 1)
    qtmodeltester.check(CatalogModel())


def test_clicking_a_movement_cell_requests_its_customers(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    widget = MovementsWidget()
    qtbot.addWidget(widget)
    widget.resize(900, 500)
    widget.show()
    widget.set_data(data)
    n = data.n_snapshots
    column = data.model.index("new")
    with qtbot.waitSignal(widget.customers_requested) as blocker:
        widget.table.clicked.emit(widget.model.index(0, column))
    query = blocker.args[0]
    assert query.stage_key == "new"
    assert query.from_stage_key is None
    assert query.from_day == int(data.snapshot_days[n - 2])


def test_customer_list_dialog_searches_sorts_and_exports(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = CustomerListDialog("Em risco", "BRL", {"at_risk": "Em risco"})
    qtbot.addWidget(dialog)
    assert dialog.count_label.text() == "Loading…"
    rows = [_row(i) for i in range(1, 6)] + [
        _row(6, name="João Conceição", email="=cmd|' /C calc'!A0")
    ]
    dialog.set_rows(rows)
    assert dialog.proxy.rowCount() == 6
    # Sorted by total spent, highest first.
    assert dialog.shown_rows()[0].customer_id == 6
    dialog.search.setText("joao CONCEICAO")
    assert [r.customer_id for r in dialog.shown_rows()] == [6]
    assert "1 of 6" in dialog.count_label.text()
    dialog.search.setText("")
    dialog.view.sortByColumn(COL_NAME, Qt.SortOrder.AscendingOrder)
    assert [r.customer_id for r in dialog.shown_rows()][:2] == [1, 2]
    target = tmp_path / "lista.csv"
    with qtbot.waitSignal(dialog.export_finished, timeout=10000) as blocker:
        dialog.export_to(target)
    assert blocker.args == [""]
    with target.open(encoding="utf-8-sig", newline="") as handle:
        table = list(
            csv.reader(
                handle,
                delimiter=";"
                if ";" in target.read_text(encoding="utf-8-sig").splitlines()[0]
                else ",",
            )
        )
    assert len(table) == 7
    # Formula-like text is neutralised by the safe writer.
    assert any(cell.startswith("'=") for row in table for cell in row)
    dialog.close()


def test_catalog_dialog_shows_every_widget_with_a_preview(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    data, _ = demo_panel
    dialog = CatalogDialog(data)
    qtbot.addWidget(dialog)
    assert dialog.model.rowCount() == 6
    for row in range(dialog.model.rowCount()):
        spec = dialog.model.index(row).data(SPEC_ROLE)
        dialog.select(spec.type_id)
        assert dialog.selected_spec() is spec
        pixmap = dialog._preview.pixmap()
        assert not pixmap.isNull()
    assert fold("Não podemos perder") == "nao podemos perder"


def test_clicking_a_distribution_row_requests_that_stage(
    qtbot: QtBot, demo_panel: tuple[PanelData, ContactSource]
) -> None:
    from PySide6.QtCore import QPoint

    from clmdesk.ui.dashboard.widgets.distribution import DistributionWidget

    data, _ = demo_panel
    widget = DistributionWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 420)
    widget.show()
    widget.set_data(data)
    rows = widget.rows()
    index = next(i for i, r in enumerate(rows) if not r.heading and r.key == "at_risk")
    height = widget.bars.row_height()
    last = data.n_snapshots - 1
    assert rows[index].count == int(data.counts[last, data.model.index("at_risk")])
    with qtbot.waitSignal(widget.customers_requested) as blocker:
        qtbot.mouseClick(
            widget.bars,
            Qt.MouseButton.LeftButton,
            pos=QPoint(30, index * height + height // 2),
        )
    query = blocker.args[0]
    assert (query.stage_key, query.day) == ("at_risk", data.latest_day)
    # Shares are among the customers listed and add up to the whole.
    assert sum(r.share for r in rows if not r.heading) == pytest.approx(1.0)


def test_closing_the_customer_list_during_an_export_does_not_wait_for_it(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from clmdesk.core.tasks import Cancelled
    from clmdesk.ui.customer_list import dialog as dialog_module

    exporting = threading.Event()
    stopped = threading.Event()

    def slow_export(*_args: object, progress: object, is_cancelled: Any) -> None:
        exporting.set()
        # A step that takes a while before the export looks at the cancel again.
        time.sleep(0.5)
        stopped.set()
        if is_cancelled():
            raise Cancelled

    monkeypatch.setattr(dialog_module, "export_rows", slow_export)
    dialog = CustomerListDialog("Em risco", "BRL", {"at_risk": "Em risco"})
    qtbot.addWidget(dialog)
    dialog.set_rows([_row(i) for i in range(1, 4)])
    dialog.export_to(tmp_path / "lista.csv")
    assert exporting.wait(5)

    started = time.perf_counter()
    dialog.done(0)
    assert time.perf_counter() - started < 0.25
    assert not stopped.is_set()  # the export stops on its worker, later
    assert stopped.wait(5)
    assert not (tmp_path / "lista.csv").exists()
