"""The customer list dialog: search, sort, export (ui layer).

Opens at once in a loading state and fills when its rows arrive, so a click
on a chart segment always answers immediately. Export writes the rows as
shown (filtered and sorted) through the safe writer
(:func:`clmdesk.fileio.writers.write_table`) on a worker. GUI thread only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clmdesk.fileio.writers import people_dialect, write_table
from clmdesk.ui.charts.formatting import day_to_date, format_count, interface_language
from clmdesk.ui.customer_list.model import (
    COL_EMAIL,
    COL_MONETARY,
    COL_NAME,
    COL_PHONE,
    COL_STAGE,
    SEARCH_ROLE,
    CustomerTableModel,
    fold,
)
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from clmdesk.services.panel import CustomerList, CustomerListRow

__all__ = ["CustomerFilterProxy", "CustomerListDialog", "export_rows"]

_Index = QModelIndex | QPersistentModelIndex


class CustomerFilterProxy(QSortFilterProxyModel):
    """Keeps rows containing every typed word (accents ignored); sorting is the source's.

    Filtering is a regular expression over the model's folded search text
    (:data:`~clmdesk.ui.customer_list.model.SEARCH_ROLE`), run by Qt: with no
    search, no Python is called per row at all.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterKeyColumn(0)

    def set_search(self, text: str) -> None:
        """Filter on ``text`` (words separated by spaces; all must match, in any order)."""
        terms = fold(text).split()
        pattern = "".join(f"(?=.*{QRegularExpression.escape(term)})" for term in terms)
        self.setFilterRegularExpression(
            QRegularExpression(f"^{pattern}" if pattern else "")
        )

    def sort(
        self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder
    ) -> None:
        # The source model sorts far faster than the proxy could (see
        # CustomerTableModel.sort); the proxy then only filters.
        model = self.sourceModel()
        if isinstance(model, CustomerTableModel):
            model.sort(column, order)
        else:
            super().sort(column, order)


def export_rows(
    path: str | Path,
    rows: Sequence[CustomerListRow],
    headers: Sequence[str],
    stage_names: Mapping[str, str],
    language: str,
    **task: Any,
) -> Path:
    """Write a call list of ``rows`` to xlsx or csv (runs on a worker).

    Columns: name, customer key, stage, phone, e-mail, city, state, last
    purchase, purchases, total spent.
    """

    def date_of(day: int | None) -> dt.date | None:
        return day_to_date(day) if day is not None else None

    table = [
        (
            row.name or "",
            row.key,
            stage_names.get(row.stage_key or "", row.stage_key or ""),
            row.phone or "",
            row.email or "",
            row.city or "",
            row.state or "",
            date_of(row.last_day),
            row.frequency,
            row.monetary_cents,
        )
        for row in rows
    ]
    return write_table(
        path,
        list(headers),
        table,
        kinds=[
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "text",
            "date",
            "integer",
            "money_cents",
        ],
        dialect=people_dialect(language),
        sheet_title="Clientes" if language == "pt_BR" else "Customers",
        **task,
    )


class CustomerListDialog(QDialog):
    """A searchable, sortable list of customers with an export button.

    Signals
    -------
    export_finished(str)
        An export ended: empty on success, else why it failed.
    """

    export_finished = Signal(str)

    def __init__(
        self,
        title: str,
        currency: str,
        stage_names: Mapping[str, str],
        stage_colours: Mapping[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("customerListDialog")
        self.resize(1000, 600)
        self._stage_names = dict(stage_names)
        self._heading = QLabel(title, self)
        font = self._heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self._heading.setFont(font)
        self._heading.setWordWrap(True)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search by name, e-mail, phone, city…"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Search"))
        self.count_label = QLabel(self)
        self.model = CustomerTableModel(currency, stage_names, stage_colours, self)
        self.proxy = CustomerFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_MONETARY, Qt.SortOrder.DescendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(
            self.fontMetrics().height() + 10
        )
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in (
            (COL_NAME, 220),
            (COL_STAGE, 150),
            (COL_EMAIL, 240),
            (COL_PHONE, 140),
        ):
            self.view.setColumnWidth(column, width)
        self.export_button = QPushButton(self.tr("Export…"), self)
        self.export_button.setToolTip(
            self.tr("Save the list as shown as an Excel or CSV file")
        )
        self.export_button.setEnabled(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self._heading)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)

        self._runner = TaskRunner(self)
        self._runner.finished.connect(self._on_export_finished)
        self._runner.failed.connect(self._on_export_failed)
        self.search.textChanged.connect(self._on_search)
        self.export_button.clicked.connect(self.choose_export_file)
        self._loading = True
        self.last_export: object = None
        self._update_count()

    # -- rows ---------------------------------------------------------------

    def set_rows(self, rows: Sequence[CustomerListRow]) -> None:
        """Show ``rows`` (ends the loading state)."""
        from clmdesk.services.panel import CustomerList, CustomerQuery, QueryKind

        self.set_list(
            CustomerList.from_rows(CustomerQuery(QueryKind.ATTENTION, 0), rows)
        )

    def set_list(self, customers: CustomerList) -> None:
        """Show a customer list (ends the loading state)."""
        self._loading = False
        rows = customers.columns["customer_id"]
        header = self.view.horizontalHeader()
        # The sort shown in the header (total spent by default, or one chosen
        # while loading); stable, so equal values keep the service's order.
        self.model.set_list(
            customers, (header.sortIndicatorSection(), header.sortIndicatorOrder())
        )
        self.export_button.setEnabled(bool(rows))
        self._update_count()

    def show_error(self, text: str) -> None:
        """End the loading state with an error instead of rows."""
        self._loading = False
        self.count_label.setText(text)

    def shown_rows(self) -> list[CustomerListRow]:
        """The rows as shown: filtered and sorted."""
        proxy, model = self.proxy, self.model
        return [
            model.row(proxy.mapToSource(proxy.index(r, 0)).row())
            for r in range(proxy.rowCount())
        ]

    @Slot(str)
    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_count()

    def _update_count(self) -> None:
        if self._loading:
            self.count_label.setText(self.tr("Loading…"))
            return
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        if shown == total:
            text = self.tr("{count} customers").format(count=format_count(total))
        else:
            text = self.tr("{shown} of {count} customers").format(
                shown=format_count(shown), count=format_count(total)
            )
        self.count_label.setText(text)

    # -- export ---------------------------------------------------------------

    def choose_export_file(self) -> None:
        """Ask for a file name and export the rows as shown."""
        settings = QSettings()
        folder = str(settings.value("export/last_folder", ""))
        xlsx = self.tr("Excel workbook (*.xlsx)")
        csv = self.tr("CSV file (*.csv)")
        suggested = self.windowTitle().replace("/", "-").replace(":", "") + ".xlsx"
        path, chosen = QFileDialog.getSaveFileName(
            self,
            self.tr("Export customer list"),
            f"{folder}/{suggested}" if folder else suggested,
            f"{xlsx};;{csv}",
        )
        if not path:
            return
        if not path.lower().endswith((".xlsx", ".csv")):
            path += ".csv" if chosen == csv else ".xlsx"
        from pathlib import Path

        settings.setValue("export/last_folder", str(Path(path).parent))
        self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        """Export the rows as shown to ``path`` in the background."""
        headers = [
            self.tr("Name"),
            self.tr("Customer"),
            self.tr("Stage"),
            self.tr("Phone"),
            self.tr("E-mail"),
            self.tr("City"),
            self.tr("State"),
            self.tr("Last purchase"),
            self.tr("Purchases"),
            self.tr("Total spent"),
        ]
        self.export_button.setEnabled(False)
        self._runner.start(
            export_rows,
            path,
            self.shown_rows(),
            headers,
            self._stage_names,
            interface_language(),
        )

    @Slot(object)
    def _on_export_finished(self, path: object) -> None:
        self.export_button.setEnabled(True)
        self.last_export = path
        self.count_label.setText(self.tr("Saved to {path}").format(path=path))
        self.export_finished.emit("")

    @Slot(object)
    def _on_export_failed(self, error: object) -> None:
        self.export_button.setEnabled(True)
        text = self.tr("The list could not be saved: {error}").format(error=error)
        self.export_finished.emit(text)
        if self.isVisible():
            QMessageBox.warning(self, self.tr("Export failed"), text)

    def done(self, result: int) -> None:
        # Not waited for: a cancelled export stops at its next step on the
        # worker and leaves no partial file (the writer saves under a
        # temporary name until it is done).
        self._runner.shutdown(wait=False)
        super().done(result)
