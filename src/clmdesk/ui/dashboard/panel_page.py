"""The control panel page ("Painel de controle") hosted by the main window (ui layer).

:class:`PanelPage` owns the tile grid, loads :class:`~clmdesk.services.panel.PanelData`
in the background (a :class:`~clmdesk.workers.runner.TaskRunner`), pushes it
into every widget, saves the layout in the business's database whenever it
changes (on a worker: see :mod:`~clmdesk.ui.dashboard.layout_writer`), and
opens customer lists (chart segments, movement cells, the attention list)
in a dialog that appears at once and fills when its rows arrive.

Given the window's :class:`~clmdesk.ui.database_lease.DatabaseLease`, the
page's readings and writes hold the database while they run, so shutting
the page down waits for none of them: the database closes once they end.
GUI thread only.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPoint, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QRegion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

import clmdesk.ui.dashboard.widgets  # noqa: F401  (registers the catalog)
from clmdesk.services.panel import (
    CustomerQuery,
    PanelData,
    QueryKind,
    SavedPanelLayout,
    book_contacts,
    build_panel_data,
    customer_list,
    database_contacts,
    load_contact_book,
    read_saved_panel_layout,
)
from clmdesk.ui.charts.formatting import format_count, format_date, format_month_long
from clmdesk.ui.customer_list.dialog import CustomerListDialog
from clmdesk.ui.dashboard.base import message_text, stage_names
from clmdesk.ui.dashboard.catalog import CatalogDialog
from clmdesk.ui.dashboard.grid import PanelGrid
from clmdesk.ui.dashboard.icons import glyph_icon
from clmdesk.ui.dashboard.layout import (
    TileState,
    default_layout,
    layout_from_text,
    layout_to_json,
)
from clmdesk.ui.dashboard.layout_writer import LayoutWriter
from clmdesk.ui.dashboard.registry import spec_for
from clmdesk.ui.dashboard.tile import Tile
from clmdesk.ui.database_lease import LeasedTaskRunner

if TYPE_CHECKING:
    from clmdesk.services.panel import ContactSource, CustomerList
    from clmdesk.storage.database import Database
    from clmdesk.ui.dashboard.base import PanelWidget
    from clmdesk.ui.database_lease import DatabaseLease

__all__ = ["PanelPage", "WidgetSettingsDialog"]


class WidgetSettingsDialog(QDialog):
    """Edits one widget's settings with the form the widget provides."""

    def __init__(
        self, widget: PanelWidget, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings of “{title}”").format(title=title))
        self._widget = widget
        self.form = widget.settings_editor()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults,
            self,
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults).clicked.connect(
            self._defaults
        )
        layout = QVBoxLayout(self)
        if self.form is not None:
            layout.addWidget(self.form)
        layout.addWidget(buttons)

    def _defaults(self) -> None:
        self._widget.set_settings(self._widget.Settings())
        self.reject()

    def accept(self) -> None:
        if self.form is not None:
            self._widget.set_settings(self.form.value())  # type: ignore[attr-defined]
        super().accept()


class PanelPage(QWidget):
    """The customizable panel of widgets.

    Construct with the open database (and the window's lease on it, and
    the layout read with its opening: without it the page reads it itself,
    on the GUI thread); call
    :meth:`refresh` after an import, an undo or a stage-model change (the
    panel reloads in the background and keeps showing the previous figures
    meanwhile). Without a lease, whoever closes the database waits for the
    page's work to end first.

    Signals
    -------
    customers_requested(object)
        A :class:`~clmdesk.services.panel.CustomerQuery` the user opened
        (the page shows the list itself; the window may also react).
    data_loaded(object)
        New :class:`~clmdesk.services.panel.PanelData` is on screen.
    data_ready()
        A refresh ended (loaded or failed): the page shows its final state.
    load_failed(str)
        Loading failed; the text says why.
    """

    customers_requested = Signal(object)
    data_loaded = Signal(object)
    load_failed = Signal(str)
    data_ready = Signal()

    def __init__(
        self,
        database: Database | None,
        parent: QWidget | None = None,
        *,
        lease: DatabaseLease | None = None,
        saved_layout: SavedPanelLayout | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("panelPage")
        self._database = database
        self._lease = lease
        self._saved_layout = saved_layout
        self._writer: LayoutWriter | None = None
        self._shut_down = False
        self._data: PanelData | None = None
        self._contacts: ContactSource | None = (
            database_contacts(database) if database is not None else None
        )
        self._preview_data: PanelData | None = None
        self._notices: list[str] = []
        self._saving_enabled = False
        self.last_draw_ms = 0.0
        self._open_lists: list[CustomerListDialog] = []
        self._exports: list[CustomerListDialog] = []

        # Header: title, as-of line, actions, loading indicator.
        self._title = QLabel(self.tr("Control panel"), self)
        font = self._title.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self._title.setFont(font)
        self._as_of = QLabel(self)
        self._as_of.setObjectName("panelAsOf")
        self._progress = QProgressBar(self)
        self._progress.setMaximumWidth(140)
        self._progress.setMaximumHeight(8)
        self._progress.setTextVisible(False)
        self._progress.setRange(0, 0)
        self._progress.hide()
        self._loading_label = QLabel(self.tr("Updating…"), self)
        self._loading_label.hide()
        self.add_button = QPushButton(glyph_icon("add"), self.tr("Add widget…"), self)
        self.add_button.setToolTip(self.tr("Choose a widget from the catalog"))
        self.reset_button = QToolButton(self)
        self.reset_button.setIcon(glyph_icon("reset"))
        self.reset_button.setText(self.tr("Reset panel"))
        self.reset_button.setToolTip(self.tr("Go back to the default panel"))
        self.reset_button.setToolButtonStyle(
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
        )
        self.reset_button.setAutoRaise(True)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self._title)
        titles.addWidget(self._as_of)
        header = QHBoxLayout()
        header.setContentsMargins(18, 14, 18, 0)
        header.addLayout(titles, 1)
        header.addWidget(self._loading_label)
        header.addWidget(self._progress)
        header.addSpacing(12)
        header.addWidget(self.reset_button)
        header.addWidget(self.add_button)

        # Notices (a saved layout that could not be read entirely…).
        self._notice = QLabel(self)
        self._notice.setObjectName("panelNotice")
        self._notice.setWordWrap(True)
        self._notice_close = QToolButton(self)
        self._notice_close.setIcon(glyph_icon("close"))
        self._notice_close.setAutoRaise(True)
        self._notice_close.setToolTip(self.tr("Dismiss"))
        self._notice_bar = QWidget(self)
        self._notice_bar.setObjectName("panelNoticeBar")
        notice_layout = QHBoxLayout(self._notice_bar)
        notice_layout.setContentsMargins(12, 6, 6, 6)
        notice_layout.addWidget(self._notice, 1)
        notice_layout.addWidget(self._notice_close, 0, Qt.AlignmentFlag.AlignTop)
        self._notice_bar.hide()
        self._notice_bar.setStyleSheet(
            "#panelNoticeBar { background: palette(alternate-base); border: 1px solid palette(mid);"
            " border-radius: 8px; }"
        )
        notice_row = QHBoxLayout()
        notice_row.setContentsMargins(18, 8, 18, 0)
        notice_row.addWidget(self._notice_bar)

        self._empty_panel = QLabel(
            self.tr(
                "The panel is empty. Use “Add widget…” to choose what to follow, or “Reset panel”."
            ),
            self,
        )
        self._empty_panel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_panel.setWordWrap(True)
        self._empty_panel.hide()

        self.grid = PanelGrid()
        self.scroll_area = QScrollArea(self)
        self.scroll_area.setWidget(self.grid)
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(notice_row)
        layout.addWidget(self._empty_panel)
        layout.addWidget(self.scroll_area, 1)

        self._runner = LeasedTaskRunner(self, lease, reading=True)
        self._runner.progress_changed.connect(self._on_progress)
        self._runner.finished.connect(self._on_loaded)
        self._runner.failed.connect(self._on_failed)
        self._runner.busy_changed.connect(self._on_busy)
        # Contact details are read once in the background after the data, so
        # that big lists open without a database query (see load_contact_book).
        self._contacts_runner = LeasedTaskRunner(self, lease, reading=True)
        self._contacts_runner.finished.connect(self._on_contacts_loaded)
        # One runner per list being loaded: opening a second list must not
        # cancel the first (each runner runs one task at a time).
        self._list_jobs: dict[
            LeasedTaskRunner, tuple[CustomerListDialog | None, str | None]
        ] = {}
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(400)
        self._save_timer.timeout.connect(self.save_layout)

        self.add_button.clicked.connect(self.open_catalog)
        self.reset_button.clicked.connect(self.confirm_reset)
        self._notice_close.clicked.connect(self.clear_notices)
        self.grid.layout_changed.connect(self._on_layout_changed)
        self.grid.remove_requested.connect(self.remove_tile)
        self.grid.settings_requested.connect(self.open_tile_settings)

        self._make_writer()
        self.load_layout()
        self._update_header()

    # -- database and data ------------------------------------------------------

    @property
    def database(self) -> Database | None:
        """The open database (None when the panel shows data given directly)."""
        return self._database

    @property
    def panel_data(self) -> PanelData | None:
        """The data on screen."""
        return self._data

    @property
    def is_loading(self) -> bool:
        """Whether a refresh is running."""
        return self._runner.is_busy

    def set_database(
        self, database: Database | None, lease: DatabaseLease | None = None
    ) -> None:
        """Switch to another business's database: its layout and its data.

        A change of the layout not saved yet is saved into the database left.
        """
        self.save_pending_layout()
        self._runner.cancel()
        self._contacts_runner.cancel()
        self._database = database
        self._lease = self._runner.lease = self._contacts_runner.lease = lease
        if self._writer is not None:
            self._writer.close()
        self._make_writer()
        self._contacts = database_contacts(database) if database is not None else None
        self._data = None
        self.load_layout()
        self._push_data()
        if database is not None:
            self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Reload the panel's data in the background (keeps the old figures meanwhile)."""
        if self._database is None or self._shut_down:
            QTimer.singleShot(0, self, self.data_ready.emit)
            return
        self._runner.start(build_panel_data, self._database)

    def set_panel_data(
        self, data: PanelData | None, contacts: ContactSource | None = None
    ) -> None:
        """Show ``data`` directly (demo previews, reports, tests), bypassing the database."""
        if contacts is not None:
            self._contacts = contacts
        self._data = data
        self._push_data()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self._progress.setRange(0, total)
            self._progress.setValue(done)

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self._progress.setVisible(busy)
        self._loading_label.setVisible(busy)
        if busy:
            self._progress.setRange(0, 0)

    @Slot(object)
    def _on_loaded(self, data: object) -> None:
        if isinstance(data, PanelData):
            self._data = data
            self._push_data()
            self.data_loaded.emit(data)
            if self._database is not None and not data.is_empty and not self._shut_down:
                self._contacts = database_contacts(self._database)
                self._contacts_runner.start(load_contact_book, self._database)
        self.data_ready.emit()

    @Slot(object)
    def _on_contacts_loaded(self, book: object) -> None:
        if isinstance(book, dict) and self._database is not None:
            self._contacts = book_contacts(book, database_contacts(self._database))

    @Slot(object)
    def _on_failed(self, error: object) -> None:
        message = getattr(error, "message", None)
        text = message_text(message) if message is not None else str(error)
        self.show_notice(
            self.tr("The panel could not be updated: {error}").format(error=text)
        )
        self.load_failed.emit(text)
        self.data_ready.emit()

    def _push_data(self) -> None:
        started = time.perf_counter()
        self.setUpdatesEnabled(False)
        try:
            for tile in self.grid.tiles:
                tile.widget.set_data(self._data)
        finally:
            self.setUpdatesEnabled(True)
        self.last_draw_ms = (time.perf_counter() - started) * 1000
        self._update_header()

    def _update_header(self) -> None:
        data = self._data
        if data is None or data.is_empty or data.latest_day is None:
            self._as_of.setText(
                self.tr(
                    "Import your customers and sales to see how your customer base is doing."
                )
                if data is not None
                else ""
            )
            return
        parts = []
        if data.business_name:
            parts.append(data.business_name)
        parts.append(
            self.tr("data up to {date}").format(date=format_date(data.latest_day))
        )
        if data.cycle_automatic:
            parts.append(
                self.tr("purchase cycle {days} days (automatic)").format(
                    days=data.cycle_days
                )
            )
        else:
            parts.append(
                self.tr("purchase cycle {days} days").format(days=data.cycle_days)
            )
        self._as_of.setText(" · ".join(parts))

    # -- layout -------------------------------------------------------------------

    def states(self) -> list[TileState]:
        """The current layout (tiles in order with their settings and spans)."""
        return [
            TileState(
                tile.spec, tile.widget.settings(), tile.column_span, tile.row_span
            )
            for tile in self.grid.tiles
        ]

    def load_layout(self) -> None:
        """Build the tiles from the layout saved in the database (default when none).

        The layout read with the database's opening is used once; otherwise
        (another database, or a page made without it) it is read here.
        """
        self._saving_enabled = False
        saved, self._saved_layout = self._saved_layout, None
        if saved is None and self._database is not None:
            saved = read_saved_panel_layout(self._database)
        states, notices = layout_from_text(saved.text if saved is not None else None)
        self.apply_states(states)
        self.clear_notices()
        if saved is not None and saved.error is not None:
            self.show_notice(
                self.tr("The saved panel layout could not be read: {error}").format(
                    error=saved.error
                )
            )
        for notice in notices:
            self.show_notice(notice)
        self._saving_enabled = True
        if notices:
            # Replace the damaged value so the notice is not shown at every start.
            self.save_layout()

    def apply_states(self, states: list[TileState]) -> None:
        """Replace every tile by ``states``."""
        self.grid.clear()
        for state in states:
            self._add(state, emit=False)
        self.grid.relayout()
        self._update_empty()

    def _add(
        self, state: TileState, emit: bool = True, index: int | None = None
    ) -> Tile:
        widget = state.spec.factory(state.settings, None)
        tile = Tile(state.spec, widget, state.column_span, state.row_span)
        widget.settings_changed.connect(self._on_layout_changed)
        widget.customers_requested.connect(self.open_customers)
        widget.export_requested.connect(self.export_customers)
        widget.set_data(self._data)
        blocked = self.grid.blockSignals(not emit)
        self.grid.add_tile(tile, index)
        self.grid.blockSignals(blocked)
        return tile

    def add_widget(self, type_id: str) -> Tile | None:
        """Add a new widget of ``type_id`` at the end of the panel."""
        spec = spec_for(type_id)
        if spec is None:
            return None
        tile = self._add(TileState(spec, spec.default_settings(), *spec.default_span))
        self._update_empty()
        tile.setFocus()
        self.scroll_area.ensureWidgetVisible(tile)
        return tile

    @Slot(object)
    def remove_tile(self, tile: Tile) -> None:
        """Remove ``tile`` from the panel."""
        self.grid.remove_tile(tile)
        self._update_empty()

    def reset_panel(self) -> None:
        """Return to the default panel (and save it)."""
        self.apply_states(default_layout())
        self.clear_notices()
        self.save_layout()

    def confirm_reset(self) -> None:
        """Ask, then reset the panel."""
        answer = QMessageBox.question(
            self,
            self.tr("Reset panel"),
            self.tr(
                "Replace your panel with the default one? Your widgets and their settings will be lost."
            ),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.reset_panel()

    def _update_empty(self) -> None:
        empty = not self.grid.tiles
        self._empty_panel.setVisible(empty)
        self.scroll_area.setVisible(not empty)

    @Slot()
    def _on_layout_changed(self) -> None:
        if self._saving_enabled and not self._shut_down:
            self._save_timer.start()

    @Slot()
    def save_layout(self) -> None:
        """Save the layout in the database (in the background: see :attr:`is_saving`)."""
        self._save_timer.stop()
        if self._writer is None:
            return
        try:
            entries = layout_to_json(self.states())
        except Exception as exc:
            self._on_save_failed(exc)
            return
        self._writer.write(entries)

    def save_pending_layout(self) -> None:
        """Save now a change of the layout still waiting to be saved (before closing)."""
        if self._save_timer.isActive():
            self.save_layout()

    @property
    def is_saving(self) -> bool:
        """Whether a layout is being saved or waits to be."""
        return self._writer is not None and self._writer.is_writing

    def _make_writer(self) -> None:
        self._writer = None
        if self._database is not None:
            self._writer = LayoutWriter(self._database, self._lease, self)
            self._writer.failed.connect(self._on_save_failed)

    @Slot(object)
    def _on_save_failed(self, error: object) -> None:
        # Saving the layout is a convenience: never lose the window over it.
        message = getattr(error, "message", None)
        text = message_text(message) if message is not None else str(error)
        self.show_notice(
            self.tr("The panel layout could not be saved: {error}").format(error=text)
        )

    def set_actions_enabled(self, enabled: bool) -> None:
        """Enable or disable the panel's own actions (adding widgets, resetting)."""
        self.add_button.setEnabled(enabled)
        self.reset_button.setEnabled(enabled)

    # -- catalog and settings ------------------------------------------------------------

    def catalog_data(self) -> PanelData | None:
        """The data previews show: the panel's own, else the demo business's."""
        if self._data is not None and not self._data.is_empty:
            return self._data
        if self._preview_data is None:
            from clmdesk.services.panel import demo_panel_data

            self._preview_data, _ = demo_panel_data(customers=300)
        return self._preview_data

    @Slot()
    def open_catalog(self) -> Tile | None:
        """Show the catalog; add the chosen widget."""
        dialog = CatalogDialog(self.catalog_data(), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            spec = dialog.selected_spec()
            if spec is not None:
                return self.add_widget(spec.type_id)
        return None

    @Slot(object)
    def open_tile_settings(self, tile: Tile) -> None:
        """Edit a tile's widget settings."""
        if not tile.widget.settings_editor_available():
            return
        WidgetSettingsDialog(tile.widget, tile.spec.translated_title(), self).exec()

    # -- notices ----------------------------------------------------------------------

    def notices(self) -> list[str]:
        """The notices shown above the panel."""
        return list(self._notices)

    def show_notice(self, text: str) -> None:
        """Show a dismissable notice above the panel."""
        self._notices.append(text)
        self._notice.setText("\n".join(self._notices))
        self._notice_bar.show()

    @Slot()
    def clear_notices(self) -> None:
        """Dismiss the notices."""
        self._notices = []
        self._notice_bar.hide()

    # -- customer lists -------------------------------------------------------------------

    def query_title(self, query: CustomerQuery) -> str:
        """The heading of a customer list."""
        data = self._data
        names = stage_names(data) if data is not None else {}
        month = format_month_long(query.day)
        if query.kind is QueryKind.ATTENTION:
            return self.tr("Customers who need attention on {date}").format(
                date=format_date(query.day)
            )
        if query.kind is QueryKind.MOVEMENT:
            source = (
                self.tr("not yet customers")
                if query.from_stage_key is None
                else names.get(query.from_stage_key, query.from_stage_key)
            )
            return self.tr("{source} in {from_month} → {target} in {to_month}").format(
                source=source,
                from_month=format_month_long(query.from_day)
                if query.from_day is not None
                else "",
                target=names.get(query.stage_key or "", query.stage_key or ""),
                to_month=month,
            )
        return self.tr("{stage} in {month}").format(
            stage=names.get(query.stage_key or "", query.stage_key or ""), month=month
        )

    @Slot(object)
    def open_customers(self, query: CustomerQuery) -> CustomerListDialog | None:
        """Open the list of the customers behind ``query`` (fills in the background)."""
        data = self._data
        if data is None or self._contacts is None:
            return None
        self.customers_requested.emit(query)
        dialog = CustomerListDialog(
            self.query_title(query),
            data.currency,
            stage_names(data),
            {s.key: s.colour for s in data.model.stages},
            self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # A bound slot, not a lambda holding the dialog: PySide crashes when a
        # closure keeps a wrapper of an object Qt is deleting.
        dialog.finished.connect(self._on_list_closed)
        self._open_lists.append(dialog)
        self._start_list_job(dialog, None, data, query)
        dialog.show()
        return dialog

    def _start_list_job(
        self,
        dialog: CustomerListDialog | None,
        export_path: str | None,
        data: PanelData,
        query: CustomerQuery,
    ) -> None:
        if self._shut_down:
            return
        runner = LeasedTaskRunner(self, self._lease, reading=True)
        runner.finished.connect(self._on_list_loaded)
        runner.failed.connect(self._on_list_failed)
        self._list_jobs[runner] = (dialog, export_path)
        runner.start(customer_list, data, query, self._contacts)

    def _take_list_job(self) -> tuple[CustomerListDialog | None, str | None]:
        runner = self.sender()
        if not isinstance(runner, LeasedTaskRunner) or runner not in self._list_jobs:
            return None, None
        job = self._list_jobs.pop(runner)
        runner.shutdown(wait=False)
        runner.deleteLater()
        return job

    @Slot(int)
    def _on_list_closed(self, _result: int) -> None:
        dialog = self.sender()
        self._open_lists = [d for d in self._open_lists if d is not dialog]

    @Slot(object)
    def export_customers(self, query: CustomerQuery) -> None:
        """Ask for a file and export the customers behind ``query`` (the call list)."""
        data = self._data
        if data is None or self._contacts is None:
            return
        xlsx = self.tr("Excel workbook (*.xlsx)")
        csv = self.tr("CSV file (*.csv)")
        suggested = (
            self.tr("call list") + f" {format_date(query.day).replace('/', '-')}.xlsx"
        )
        path, chosen = QFileDialog.getSaveFileName(
            self, self.tr("Export call list"), suggested, f"{xlsx};;{csv}"
        )
        if not path:
            return
        if not path.lower().endswith((".xlsx", ".csv")):
            path += ".csv" if chosen == csv else ".xlsx"
        self._start_list_job(None, path, data, query)

    @Slot(object)
    def _on_list_loaded(self, result: object) -> None:
        dialog, export_path = self._take_list_job()
        rows: CustomerList = result  # type: ignore[assignment]
        if dialog is not None and dialog in self._open_lists:
            dialog.set_list(rows)
        elif export_path is not None and self._data is not None:
            holder = CustomerListDialog(
                self.query_title(rows.query),
                self._data.currency,
                stage_names(self._data),
                parent=self,
            )
            holder.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            holder.set_list(rows)
            holder.export_to(export_path)
            self._exports.append(holder)
            holder.export_finished.connect(self._on_export_done)

    @Slot(str)
    def _on_export_done(self, message: str) -> None:
        holder = self.sender()
        self._exports = [h for h in self._exports if h is not holder]
        if message:
            self.show_notice(message)
        if isinstance(holder, CustomerListDialog):
            holder.close()

    @Slot(object)
    def _on_list_failed(self, error: object) -> None:
        dialog, _path = self._take_list_job()
        text = self.tr("The list could not be loaded: {error}").format(error=error)
        if dialog is not None and dialog in self._open_lists:
            dialog.show_error(text)
        else:
            self.show_notice(text)

    def open_lists(self) -> list[CustomerListDialog]:
        """Customer list dialogs currently open."""
        return list(self._open_lists)

    # -- images and shutdown ---------------------------------------------------------

    def render_to_image(
        self, size: QSize | None = None, device_pixel_ratio: float = 1.0
    ) -> QImage:
        """Render the page to an image: the header, then every tile (not just the visible ones)."""
        if size is not None:
            self.resize(size)
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.grid.resize(self.scroll_area.viewport().width(), self.grid.minimumHeight())
        self.grid.relayout()
        top = self.scroll_area.y() if self.scroll_area.isVisible() else self.height()
        height = top + (
            self.grid.minimumHeight() if self.scroll_area.isVisible() else 0
        )
        height = max(height, self.height())
        image = QImage(
            round(self.width() * device_pixel_ratio),
            round(height * device_pixel_ratio),
            QImage.Format.Format_ARGB32_Premultiplied,
        )
        image.setDevicePixelRatio(device_pixel_ratio)
        image.fill(self.palette().color(self.backgroundRole()))
        self.render(image, QPoint(0, 0), QRegion(0, 0, self.width(), top))
        if self.scroll_area.isVisible():
            self.grid.render(image, QPoint(self.scroll_area.x(), top))
        return image

    def shutdown(self) -> None:
        """Stop background work and save the layout (when the window closes or leaves the database).

        Returns at once: the readings are cancelled and the layout is saved
        in the background (a change not saved yet included), each holding
        the database (through the lease) until it ends. Nothing starts
        afterwards.
        """
        self.save_pending_layout()
        self._shut_down = True
        self._runner.shutdown(wait=False)
        self._contacts_runner.shutdown(wait=False)
        for runner in list(self._list_jobs):
            runner.shutdown(wait=False)
        self._list_jobs.clear()
        if self._writer is not None:
            self._writer.close()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- for the main window's screenshot ---------------------------------------------------

    def summary(self) -> str:
        """One line for the status bar: customers active and needing attention."""
        data = self._data
        if data is None or data.is_empty:
            return ""
        groups = data.group_counts(data.n_snapshots - 1)
        return self.tr("{active} active customers, {attention} need attention").format(
            active=format_count(groups.get("active", 0)),
            attention=format_count(groups.get("attention", 0)),
        )
