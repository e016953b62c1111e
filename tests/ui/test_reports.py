"""Reports: vector PDF, SVG with text, crisp PNG, print preview, panel and chart reports."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QSettings, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from clmdesk.core.lifecycle import Stage, StageModel
from clmdesk.core.lifecycle.model import Rule
from clmdesk.services.demo import ensure_demo_database
from clmdesk.services.report_data import ReportData, load_report_data, report_from_panel
from clmdesk.storage.database import open_database
from clmdesk.ui import reports
from clmdesk.ui.reporting import output
from clmdesk.ui.reporting.chart import widget_picture
from clmdesk.ui.reporting.lifecycle_report import (
    A4,
    PageSpec,
    build_lifecycle_report,
    continuous_page,
)
from clmdesk.ui.reporting.output import (
    PNG_SCALE,
    ReportWriteError,
    UnknownReportFormatError,
    page_spec_size,
    write_report_file,
)
from clmdesk.ui.reporting.style import MM
from clmdesk.ui.reports import (
    ReportJob,
    create_print_preview,
    report_job_for_widget,
    save_report_as,
)
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytestqt.qtbot import QtBot

BUSINESS = "Loja Exemplo"
STAGE_NAMES = (
    "Champions",
    "Loyal",
    "Promising",
    "New",
    "Can't lose",
    "At risk",
    "About to sleep",
    "Hibernating",
    "Lost",
    "Prospects",
)


@pytest.fixture(autouse=True)
def _english_locale() -> Iterator[None]:
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_demo_database(
        tmp_path_factory.mktemp("demo") / "demo.sqlite3", customers=300
    )


@pytest.fixture(scope="module")
def report_data(demo_path: Path) -> ReportData:
    database = open_database(demo_path)
    try:
        return load_report_data(database)
    finally:
        database.close()


def _words(text: str) -> str:
    # Qt's PDF writer separates words with positioned gaps that text
    # extraction returns as tabs or newlines; compare on single spaces.
    return " ".join(text.split())


def test_pdf_is_vector_with_the_business_stages_and_cycle(
    qtbot: QtBot, report_data: ReportData, tmp_path: Path
) -> None:
    target = save_report_as(ReportJob(report_data), tmp_path / "report.pdf")
    reader = PdfReader(target)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    text = _words(page.extract_text())
    assert BUSINESS in text
    for name in STAGE_NAMES:
        assert name in text, name
    assert f"{report_data.cycle.days} days" in text
    assert "Customer lifecycle" in text
    assert "Situation on" in text
    # Vector: charts and table are drawn, not pasted in as a picture.
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    for image in page.images:
        assert image.image is None or (
            image.image.width * image.image.height < 0.25 * width * height
        )
    assert not page.images
    assert reader.metadata is not None
    assert BUSINESS in (reader.metadata.title or "")


def test_pdf_page_is_a4(report_data: ReportData, tmp_path: Path) -> None:
    target = save_report_as(ReportJob(report_data), tmp_path / "report.pdf")
    box = PdfReader(target).pages[0].mediabox
    # PDF points: A4 is 595 × 842.
    assert float(box.width) == pytest.approx(595.3, abs=1.5)
    assert float(box.height) == pytest.approx(841.9, abs=1.5)


def test_svg_is_valid_xml_with_text_elements(
    report_data: ReportData, tmp_path: Path
) -> None:
    target = save_report_as(ReportJob(report_data), tmp_path / "report.svg")
    root = ET.parse(target).getroot()
    assert root.tag.endswith("svg")
    texts = [
        "".join(element.itertext())
        for element in root.iter()
        if element.tag.endswith("}text") or element.tag == "text"
    ]
    assert texts
    joined = " ".join(texts)
    assert BUSINESS in joined
    assert "Champions" in joined
    assert "Need attention" in joined


def test_png_is_crisp_non_blank_and_of_the_expected_size(
    report_data: ReportData, tmp_path: Path
) -> None:
    job = ReportJob(report_data)
    layout = job.layout(continuous_page())
    target = save_report_as(job, tmp_path / "report.png")
    image = QImage(str(target))
    assert not image.isNull()
    assert image.width() == round(layout.page_size.width() * PNG_SCALE)
    assert image.height() == round(layout.page_size.height() * PNG_SCALE)
    assert image.width() >= 1500
    colours = {
        image.pixel(x, y)
        for x in range(0, image.width(), 7)
        for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50
    # White paper around the content, whatever the application's palette.
    assert QColor(image.pixel(2, 2)) == QColor("#ffffff")
    # Tells viewers it is twice the report's 96 dpi.
    assert round(image.dotsPerMeterX() * 0.0254) == round(96 * PNG_SCALE)


def test_unknown_extension_is_refused_and_nothing_written(
    report_data: ReportData, tmp_path: Path
) -> None:
    with pytest.raises(UnknownReportFormatError) as raised:
        save_report_as(ReportJob(report_data), tmp_path / "report.docx")
    assert "report.docx" in raised.value.message.english()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    report_data: ReportData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the previous report")
    monkeypatch.setattr(output, "_write_pdf", lambda *_args: False)
    layout = ReportJob(report_data).layout(A4)
    with pytest.raises(ReportWriteError):
        write_report_file(layout, target)
    assert target.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def test_report_texts_name_everything_domain_asks_for(
    report_data: ReportData,
) -> None:
    layout = build_lifecycle_report(report_data, A4)
    text = " ".join(layout.texts())
    assert BUSINESS in text
    assert "Situation on" in text
    for name in STAGE_NAMES:
        assert name in text
    # Definitions quote the actual thresholds in days at the report's C.
    cycle = report_data.cycle.days
    assert f"at most {cycle} days ago" in text
    assert f"more than {cycle} and at most {2 * cycle} days ago" in text
    assert f"Purchase cycle (C): Automatic: {cycle} days" in text
    # Chart axis labels are recorded as text too.
    assert any("’" in label for label in layout.texts())


def test_partial_month_is_said(report_data: ReportData) -> None:
    partial = dataclasses.replace(report_data.panel, partial_last=True)
    layout = build_lifecycle_report(report_from_panel(partial), A4)
    text = " ".join(layout.texts())
    assert "is not complete" in text
    assert "Hatched bar: partial month" in text


def test_layout_follows_the_page_letter_landscape(report_data: ReportData) -> None:
    from PySide6.QtGui import QPageLayout, QPageSize

    size = page_spec_size(
        QPageSize(QPageSize.PageSizeId.Letter), QPageLayout.Orientation.Landscape
    )
    assert size.width() > size.height()
    layout = ReportJob(report_data).layout(PageSpec(size, A4.margins))
    assert layout.page_size == size
    assert layout.page_count >= 2
    assert "Page 2 of" in " ".join(layout.texts())


def test_many_stages_flow_onto_more_pages_with_the_table_header_repeated(
    report_data: ReportData,
) -> None:
    model = report_data.model
    extra = tuple(
        Stage(
            f"extra_{i}",
            "inactive",
            f"Extra stage number {i}",
            f"Etapa extra {i}",
            "#777777",
            Rule(min_frequency=1000 + i),
        )
        for i in range(40)
    )
    big = StageModel(
        stages=model.stages[:-1] + extra + model.stages[-1:], preset="custom"
    )
    panel = report_data.panel
    import numpy as np

    counts = np.zeros((panel.n_snapshots, len(big.stages)), dtype=np.int64)
    counts[:, : len(model.stages) - 1] = panel.counts[:, :-1]
    counts[:, -1] = panel.counts[:, -1]
    from clmdesk.core.lifecycle import describe

    bigger = dataclasses.replace(
        panel,
        model=big,
        counts=counts,
        descriptions=tuple(describe(s, panel.cycle_days) for s in big.stages),
    )
    layout = build_lifecycle_report(report_from_panel(bigger), A4)
    assert layout.page_count >= 2
    texts = layout.texts()
    assert texts.count("Definition") >= 2
    assert "Extra stage number 39" in texts
    assert "Stage model: customised by you." in " ".join(texts)


def test_print_preview_builds_and_renders_pages_without_blocking(
    qtbot: QtBot, report_data: ReportData
) -> None:
    dialog = create_print_preview(None, ReportJob(report_data))
    qtbot.addWidget(dialog)
    assert isinstance(dialog, QPrintPreviewDialog)
    assert BUSINESS in dialog.windowTitle()
    dialog.show()
    preview = dialog.findChild(QPrintPreviewWidget)
    assert preview is not None
    preview.updatePreview()
    qtbot.waitUntil(lambda: preview.pageCount() >= 1)
    dialog.close()


def test_printing_to_a_pdf_printer_keeps_text(
    report_data: ReportData, tmp_path: Path
) -> None:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    ReportJob(report_data).paint_printer(printer)
    text = _words(PdfReader(tmp_path / "printed.pdf").pages[0].extract_text())
    assert BUSINESS in text
    assert "Champions" in text


def test_a_device_that_refuses_96_dpi_still_gets_the_page(
    report_data: ReportData,
) -> None:
    from PySide6.QtGui import QPainter

    layout = ReportJob(report_data).layout(A4)
    image = QImage(
        round(layout.page_size.width() * 1.5),
        round(layout.page_size.height() * 1.5),
        QImage.Format.Format_RGB32,
    )
    image.setDotsPerMeterX(round(144 / 0.0254))
    image.setDotsPerMeterY(round(144 / 0.0254))
    image.fill(QColor("#000000"))
    painter = QPainter(image)
    output.paint_layout(layout, painter)
    painter.end()
    # The whole sheet is painted (paper white in the far corner).
    corner = QColor(image.pixel(image.width() - 3, image.height() - 3))
    assert corner == QColor("#ffffff")


# Qt's Fusion style paints header sections with a gradient between an HSV and
# an RGB colour, which the PDF engine declines to draw (it says so, harmlessly).
PDF_GRADIENT_NOTICE = "QPdfEngine: unable to create a gradient"


@pytest.mark.qt_log_ignore(PDF_GRADIENT_NOTICE)
def test_the_panel_page_prints_the_report_then_the_panel(
    qtbot: QtBot, report_data: ReportData
) -> None:
    from clmdesk.ui.dashboard.panel_page import PanelPage

    page = PanelPage(None)
    qtbot.addWidget(page)
    page.resize(1300, 900)
    page.show()
    qtbot.waitExposed(page)
    page.set_panel_data(report_data.panel)
    try:
        job = report_job_for_widget(page)
        assert job.attachment is not None
        assert not job.focus
        layout = job.layout(A4)
        assert layout.page_count == 2
        assert "Control panel" in layout.pages[1].texts()
        # A single chart of the panel makes a report of its own.
        tile = page.grid.tiles[0]
        chart_job = report_job_for_widget(tile.widget)
        assert chart_job.focus
        chart_layout = chart_job.layout(A4)
        text = " ".join(chart_layout.texts())
        assert BUSINESS in text
        assert "Champions" in text
        assert "Purchase cycle (C)" in text
    finally:
        page.shutdown()


def test_widget_picture_restores_the_widget_palette(qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    layout = QVBoxLayout(widget)
    layout.addWidget(QLabel("Hello report"))
    dark = QPalette(QColor("#202020"), QColor("#101010"))
    widget.setPalette(dark)
    widget.resize(300, 120)
    recorded = widget_picture(widget)
    assert "Hello report" in recorded.labels
    assert recorded.source.width() == 300
    assert widget.palette().color(QPalette.ColorRole.Window) == dark.color(
        QPalette.ColorRole.Window
    )
    plain = QWidget()
    qtbot.addWidget(plain)
    widget_picture(plain)
    assert not plain.testAttribute(Qt.WidgetAttribute.WA_SetPalette)


def test_nothing_to_report_is_explained(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        reports.QMessageBox,
        "information",
        lambda _parent, title, _text: shown.append(title),
    )
    window = QMainWindow()
    qtbot.addWidget(window)
    assert reports.print_widget(window, QLabel("empty")) is None
    assert shown == ["Nothing to report yet"]


@pytest.mark.qt_log_ignore(PDF_GRADIENT_NOTICE)
def test_save_widget_asks_once_remembers_the_folder_and_writes_in_the_background(
    qtbot: QtBot,
    report_data: ReportData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from clmdesk.ui.dashboard.panel_page import PanelPage

    asked: list[str] = []

    def fake_dialog(_parent, _title, start, _filters, selected):  # type: ignore[no-untyped-def]
        asked.append(start)
        # The user types a name without extension and keeps the PDF filter.
        return str(tmp_path / "for the accountant"), selected

    monkeypatch.setattr(reports.QFileDialog, "getSaveFileName", fake_dialog)

    class Window(QMainWindow):
        def __init__(self) -> None:
            super().__init__()
            self.tasks = TaskRunner(self)

    window = Window()
    qtbot.addWidget(window)
    page = PanelPage(None)
    window.setCentralWidget(page)
    window.resize(1200, 800)
    window.show()
    page.set_panel_data(report_data.panel)
    try:
        with qtbot.waitSignal(window.tasks.finished, timeout=30_000):
            reports.save_widget(window, page)
        target = tmp_path / "for the accountant.pdf"
        assert target.is_file()
        assert len(PdfReader(target).pages) == 2
        assert Path(asked[0]).name.startswith(BUSINESS)
        assert QSettings().value("reports/last_folder") == str(tmp_path)
        qtbot.waitUntil(lambda: "Report saved" in window.statusBar().currentMessage())
        with qtbot.waitSignal(window.tasks.finished, timeout=30_000):
            reports.save_widget(window, page)
        assert Path(asked[1]).parent == tmp_path
    finally:
        page.shutdown()
        window.tasks.shutdown()
        # Destroyed here, on the GUI thread (its status-bar message has a timer).
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_page_sizes_in_report_units() -> None:
    assert A4.size.width() == pytest.approx(210 * MM)
    assert continuous_page().size.width() == pytest.approx(210 * MM)
    assert QSizeF(A4.size).height() > QSizeF(A4.size).width()
