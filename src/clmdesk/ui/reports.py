"""Printing and saving reports from the window: File ▸ Print… and Save report as… (ui layer).

The main window calls :func:`print_widget` and :func:`save_widget` with the
page on screen; a panel tile may call them with its own widget. Either way
the result is a report (DOMAIN.md "Reports"): it names the business, the
as-of date, the stage definitions and the cycle C.

- the control panel page → the lifecycle report, followed by the panel as
  it is on screen on a page of its own;
- any other widget (one chart of the panel) → the report of that widget:
  heading, the widget, the stage definitions and the notes on C.

Printing always goes through a preview (``QPrintPreviewDialog``, whose
toolbar opens the system print dialog). Saving asks for a file and writes
PDF (vector, A4), PNG (at twice the report's resolution, crisp) or SVG;
the file is painted off the GUI thread when the window has a task runner.

GUI thread only.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QDir, QSettings, QStandardPaths, Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from clmdesk.services.report_data import (
    ReportData,
    ReportDataError,
    report_from_panel,
    stored_cycle,
    with_fallback_name,
)
from clmdesk.ui.i18n import message_text
from clmdesk.ui.reporting.chart import widget_picture
from clmdesk.ui.reporting.lifecycle_report import (
    A4,
    Attachment,
    PageSpec,
    build_lifecycle_report,
    build_widget_report,
    continuous_page,
    long_date,
)
from clmdesk.ui.reporting.output import (
    PNG_SCALE,
    ReportFormat,
    UnknownReportFormatError,
    paint_layout,
    printer_page_size,
    report_format,
    write_report_file,
)
from clmdesk.ui.reporting.style import DPI

if TYPE_CHECKING:
    from clmdesk.services.panel import PanelData
    from clmdesk.storage.database import Database
    from clmdesk.ui.reporting.layout import ReportLayout

__all__ = [
    "ReportJob",
    "create_print_preview",
    "find_panel_data",
    "print_report",
    "print_widget",
    "report_job_for_widget",
    "save_report",
    "save_report_as",
    "save_widget",
]

_LAST_FOLDER_KEY = "reports/last_folder"
_LAST_FORMAT_KEY = "reports/last_format"


def tr(text: str) -> str:
    """Translate a string of the report dialogs (context ``Reports``)."""
    return QCoreApplication.translate("Reports", text)


class ReportJob:
    """What to report and how: the data, an optional widget, and the kind of report.

    Layouts are made on demand for each page size (the user may switch
    between A4 and Letter, portrait and landscape in the preview) and kept.

    Parameters
    ----------
    data
        What the report says.
    attachment
        A recorded widget: appended on its own page (``focus=False``) or
        shown as the report's subject (``focus=True``).
    focus
        Whether the widget is the subject of the report (a single chart).
    """

    def __init__(
        self,
        data: ReportData,
        attachment: Attachment | None = None,
        *,
        focus: bool = False,
    ) -> None:
        if focus and attachment is None:
            raise ValueError("a focused report needs its widget")
        self.data = data
        self.attachment = attachment
        self.focus = focus
        self._layouts: dict[tuple[float, float, bool], ReportLayout] = {}

    @property
    def title(self) -> str:
        """The document title: business, report and date."""
        business = self.data.business_name.strip() or QCoreApplication.translate(
            "Report", "Your business"
        )
        what = (
            self.attachment.title
            if self.focus and self.attachment is not None
            else QCoreApplication.translate("Report", "Customer lifecycle report")
        )
        return f"{business} — {what} — {long_date(self.data.as_of_day)}"

    def layout(self, spec: PageSpec) -> ReportLayout:
        """The report laid out for ``spec`` (made once per page size)."""
        key = (round(spec.size.width(), 2), round(spec.size.height(), 2), spec.paged)
        layout = self._layouts.get(key)
        if layout is None:
            if self.focus and self.attachment is not None:
                layout = build_widget_report(self.data, self.attachment, spec)
            else:
                layout = build_lifecycle_report(
                    self.data, spec, attachment=self.attachment
                )
            self._layouts[key] = layout
        return layout

    def layout_for(self, file_format: ReportFormat) -> ReportLayout:
        """A4 pages for PDF; one continuous A4-wide page for PNG and SVG."""
        return self.layout(A4 if file_format.paged else continuous_page())

    def paint_printer(self, printer: QPrinter) -> None:
        """Paint the report on ``printer`` (a real printer or the preview)."""
        printer.setResolution(DPI)
        printer.setFullPage(True)
        printer.setDocName(self.title)
        layout = self.layout(PageSpec(printer_page_size(printer), A4.margins))
        from PySide6.QtGui import QPainter

        painter = QPainter()
        if not painter.begin(printer):
            return
        try:
            paint_layout(layout, painter, new_page=printer)
        finally:
            painter.end()


# --------------------------------------------------------------------------
# Finding what to report


def find_panel_data(widget: QWidget | None) -> PanelData | None:
    """The panel data shown by ``widget`` or the nearest ancestor that has some."""
    from clmdesk.services.panel import PanelData

    current = widget
    while current is not None:
        for name in ("panel_data", "data"):
            value = getattr(current, name, None)
            if isinstance(value, PanelData):
                return value
        current = current.parentWidget()
    return None


def _find_database(widget: QWidget | None) -> Database | None:
    from clmdesk.storage.database import Database

    current = widget
    while current is not None:
        value = getattr(current, "database", None)
        if isinstance(value, Database):
            return value
        current = current.parentWidget()
    return None


def _is_panel_page(widget: QWidget) -> bool:
    return hasattr(widget, "panel_data") and hasattr(widget, "grid")


def _widget_title(widget: QWidget) -> str:
    spec_title = getattr(widget, "title", None)
    if isinstance(spec_title, str) and spec_title:
        return QCoreApplication.translate("panel", spec_title)
    name = widget.accessibleName() or widget.windowTitle()
    return name or QCoreApplication.translate("Report", "Customer lifecycle")


def report_job_for_widget(widget: QWidget) -> ReportJob:
    """The report of ``widget``: the full report for the panel page, a focused one otherwise.

    Raises
    ------
    ReportDataError
        When ``widget`` shows no classified history.
    """
    from clmdesk.core.messages import Message
    from clmdesk.services.report_data import NO_CLASSIFICATION

    panel = find_panel_data(widget)
    if panel is None:
        raise ReportDataError(Message(NO_CLASSIFICATION))
    # C's basis as stored by the classification; without a database it is
    # re-derived from the panel's own orders.
    database = _find_database(widget)
    cycle = None
    if database is not None:
        try:
            cycle = stored_cycle(database, panel)
        except Exception:
            cycle = None
    data = with_fallback_name(report_from_panel(panel, cycle=cycle), database)
    if _is_panel_page(widget):
        grid = widget.grid  # type: ignore[attr-defined]
        attachment = (
            Attachment(
                QCoreApplication.translate("Report", "Control panel"),
                widget_picture(grid),
            )
            if grid.isVisibleTo(widget) and grid.width() > 0 and grid.height() > 0
            else None
        )
        return ReportJob(data, attachment)
    return ReportJob(
        data, Attachment(_widget_title(widget), widget_picture(widget)), focus=True
    )


def _job_or_explain(parent: QWidget, widget: QWidget) -> ReportJob | None:
    try:
        return report_job_for_widget(widget)
    except ReportDataError:
        QMessageBox.information(
            parent,
            tr("Nothing to report yet"),
            tr(
                "There is no lifecycle history to report yet. Import your customers and sales, or open the demo, then try again."
            ),
        )
        return None


# --------------------------------------------------------------------------
# Printing


def create_print_preview(parent: QWidget | None, job: ReportJob) -> QPrintPreviewDialog:
    """A print preview of ``job`` (not shown yet); its Print button prints.

    The printer and the job live as long as the dialog.
    """
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setResolution(DPI)
    printer.setDocName(job.title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(tr("Print preview — {title}").format(title=job.title))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.paintRequested.connect(job.paint_printer)
    # Keep both alive with the dialog (Qt only holds C++ references).
    dialog.setProperty("clmdesk_report", True)
    dialog._clmdesk_keep = (printer, job)  # type: ignore[attr-defined]
    dialog.resize(980, 760)
    return dialog


def print_report(parent: QWidget | None, job: ReportJob) -> QPrintPreviewDialog:
    """Open the print preview of ``job`` (window-modal, does not block)."""
    dialog = create_print_preview(parent, job)
    dialog.open()
    return dialog


def print_widget(parent: QWidget, widget: QWidget) -> QPrintPreviewDialog | None:
    """File ▸ Print…: preview and print the report of ``widget`` (the panel page or a chart)."""
    job = _job_or_explain(parent, widget)
    if job is None:
        return None
    return print_report(parent, job)


# --------------------------------------------------------------------------
# Saving


def _documents_folder() -> str:
    folder = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    )
    return folder or QDir.homePath()


def _last_folder(parent: QWidget | None) -> str:
    stored = QSettings().value(_LAST_FOLDER_KEY, "")
    if isinstance(stored, str) and stored and Path(stored).is_dir():
        return stored
    preferences = getattr(parent, "preferences", None)
    folder = getattr(preferences, "last_folder", "")
    if isinstance(folder, str) and folder and Path(folder).is_dir():
        return folder
    return _documents_folder()


def _safe_file_name(text: str) -> str:
    cleaned = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", text)
    return re.sub(r"\s+", " ", cleaned).strip(" .") or "report"


def suggested_file_name(job: ReportJob, file_format: ReportFormat) -> str:
    """``<business> - <report> - <yyyy-mm-dd>.<ext>``, safe on every system."""
    from clmdesk.ui.charts.formatting import day_to_date

    business = job.data.business_name.strip() or QCoreApplication.translate(
        "Report", "Your business"
    )
    what = (
        job.attachment.title
        if job.focus and job.attachment is not None
        else QCoreApplication.translate("Report", "Customer lifecycle report")
    )
    day = day_to_date(job.data.as_of_day).isoformat()
    return f"{_safe_file_name(f'{business} - {what} - {day}')}.{file_format.value}"


def _filters() -> dict[ReportFormat, str]:
    return {
        ReportFormat.PDF: tr("PDF document (*.pdf)"),
        ReportFormat.PNG: tr("PNG image (*.png)"),
        ReportFormat.SVG: tr("SVG drawing (*.svg)"),
    }


def ask_report_path(parent: QWidget | None, job: ReportJob) -> Path | None:
    """Ask where to save the report; remembers the folder and the format."""
    settings = QSettings()
    last_format = str(settings.value(_LAST_FORMAT_KEY, ReportFormat.PDF.value))
    try:
        chosen = ReportFormat(last_format)
    except ValueError:
        chosen = ReportFormat.PDF
    filters = _filters()
    start = str(Path(_last_folder(parent)) / suggested_file_name(job, chosen))
    path, selected = QFileDialog.getSaveFileName(
        parent,
        tr("Save report as"),
        start,
        ";;".join(filters.values()),
        filters[chosen],
    )
    if not path:
        return None
    target = Path(path)
    by_filter = next((fmt for fmt, text in filters.items() if text == selected), chosen)
    if target.suffix.lower().lstrip(".") not in {fmt.value for fmt in ReportFormat}:
        target = target.with_name(f"{target.name}.{by_filter.value}")
    settings.setValue(_LAST_FOLDER_KEY, str(target.parent))
    settings.setValue(_LAST_FORMAT_KEY, report_format(target).value)
    return target


def save_report_as(
    job: ReportJob, path: str | Path, *, png_scale: float = PNG_SCALE
) -> Path:
    """Write the report of ``job`` to ``path`` now (PDF, PNG or SVG by extension).

    Raises
    ------
    UnknownReportFormatError
        For another extension.
    clmdesk.ui.reporting.output.ReportWriteError
        When the file cannot be written.
    """
    file_format = report_format(path)
    layout = job.layout_for(file_format)
    return write_report_file(
        layout, path, title=job.title, file_format=file_format, png_scale=png_scale
    )


def _png_scale(parent: QWidget | None) -> float:
    ratio = parent.devicePixelRatioF() if parent is not None else 1.0
    return max(PNG_SCALE, float(ratio))


def _announce(parent: QWidget | None, path: Path) -> None:
    if isinstance(parent, QMainWindow):
        parent.statusBar().showMessage(
            tr("Report saved: {path}").format(path=str(path)), 10_000
        )


def _show_error(parent: QWidget | None, error: object) -> None:
    message = getattr(error, "message", None)
    text = message_text(message) if message is not None else str(error)
    QMessageBox.warning(parent, tr("The report was not saved"), text)


def save_report(parent: QWidget | None, job: ReportJob) -> None:
    """Ask for a file and write the report there.

    The layout is made here, on the GUI thread; the file is painted and
    written by the window's task runner when it has one.
    """
    target = ask_report_path(parent, job)
    if target is None:
        return
    try:
        file_format = report_format(target)
    except UnknownReportFormatError as exc:
        _show_error(parent, exc)
        return
    layout = job.layout_for(file_format)
    scale = _png_scale(parent)
    tasks = getattr(parent, "tasks", None)
    # The window runs one task at a time and a new one cancels the old: never
    # cancel an import or a classification for a report that takes a moment.
    if tasks is None or not hasattr(tasks, "start") or getattr(tasks, "is_busy", False):
        try:
            written = write_report_file(
                layout,
                target,
                title=job.title,
                file_format=file_format,
                png_scale=scale,
            )
        except OSError as exc:
            _show_error(parent, exc)
            return
        _announce(parent, written)
        return
    _run_in_background(parent, tasks, layout, target, job.title, file_format, scale)


def _run_in_background(
    parent: QWidget | None,
    tasks: Any,
    layout: ReportLayout,
    target: Path,
    title: str,
    file_format: ReportFormat,
    scale: float,
) -> None:
    status = getattr(parent, "task_status", None)
    if status is not None and hasattr(status, "set_task_name"):
        status.set_task_name(tr("Saving the report…"))
    connections: list[Any] = []

    def disconnect() -> None:
        for signal, slot in connections:
            with contextlib.suppress(RuntimeError, TypeError):  # already gone
                signal.disconnect(slot)
        connections.clear()

    def done(result: object) -> None:
        disconnect()
        if isinstance(result, Path):
            _announce(parent, result)

    def failed(_error: object) -> None:
        # The window's own failure handler already tells the user.
        disconnect()

    # Start first: starting cancels any earlier task, and that cancel must
    # not reach the handlers below. Results arrive through queued signals.
    tasks.start(
        write_report_file,
        layout,
        target,
        title=title,
        file_format=file_format,
        png_scale=scale,
    )
    for signal, slot in (
        (tasks.finished, done),
        (tasks.failed, failed),
        (tasks.cancelled, disconnect),
    ):
        signal.connect(slot)
        connections.append((signal, slot))


def save_widget(parent: QWidget, widget: QWidget) -> None:
    """File ▸ Save report as…: save the report of ``widget`` as PDF, PNG or SVG."""
    job = _job_or_explain(parent, widget)
    if job is None:
        return
    save_report(parent, job)
