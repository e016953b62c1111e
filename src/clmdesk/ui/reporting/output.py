"""Painting report layouts on printers and into PDF, PNG and SVG files (ui layer).

Every device is driven at 96 dots per inch, the report unit, so the layout
is painted 1:1 and text stays text (STACK.md: ``QPdfWriter`` at 96 dpi is
what keeps a PDF vector). Files are written to a temporary file beside the
target and moved over it only when complete (STYLE.md E5), so an error never
leaves half a report behind.

Painting a finished layout touches no widget, so :func:`write_report_file`
may run on a worker thread (STYLE.md E4: paint scenes on the GUI thread,
write the file off it); building the layout may not.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSize, QSizeF
from PySide6.QtGui import (
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
)
from PySide6.QtSvg import QSvgGenerator

from clmdesk import __version__
from clmdesk.core.messages import Message
from clmdesk.services.report_data import UNKNOWN_FORMAT, WRITE_FAILED
from clmdesk.ui.reporting.style import DPI, MM

if TYPE_CHECKING:
    from PySide6.QtGui import QPagedPaintDevice, QPaintDevice
    from PySide6.QtPrintSupport import QPrinter

    from clmdesk.core.tasks import IsCancelled, Progress
    from clmdesk.ui.reporting.layout import ReportLayout

__all__ = [
    "PNG_SCALE",
    "ReportFormat",
    "ReportWriteError",
    "UnknownReportFormatError",
    "page_spec_size",
    "paint_layout",
    "printer_page_size",
    "report_format",
    "write_report_file",
]

PNG_SCALE = 2.0
"""Device pixels per report unit of a PNG report (crisp on high-density screens and paper)."""


class ReportFormat(StrEnum):
    """The file formats a report is saved in."""

    PDF = "pdf"
    PNG = "png"
    SVG = "svg"

    @property
    def paged(self) -> bool:
        """Whether the format has pages (PDF) or one continuous canvas (PNG, SVG)."""
        return self is ReportFormat.PDF


class UnknownReportFormatError(ValueError):
    """The file name ends in none of .pdf, .png and .svg; ``message`` says so."""

    def __init__(self, path: Path) -> None:
        self.message = Message(UNKNOWN_FORMAT, {"name": path.name})
        super().__init__(self.message.english())


class ReportWriteError(OSError):
    """The report file could not be written; ``message`` says where."""

    def __init__(self, path: Path) -> None:
        self.message = Message(WRITE_FAILED, {"path": str(path)})
        super().__init__(self.message.english())


def report_format(path: str | os.PathLike[str]) -> ReportFormat:
    """The format told by a file name's extension.

    Raises
    ------
    UnknownReportFormatError
        For any extension other than .pdf, .png and .svg.
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    try:
        return ReportFormat(suffix)
    except ValueError:
        raise UnknownReportFormatError(Path(path)) from None


def _device_dpi(device: QPaintDevice) -> float:
    return float(device.logicalDpiX())


def paint_layout(
    layout: ReportLayout,
    painter: QPainter,
    *,
    new_page: QPagedPaintDevice | None = None,
    stacked: bool = False,
) -> None:
    """Paint every page of ``layout`` with an active ``painter``.

    Parameters
    ----------
    layout
        The report.
    painter
        A painter on the target device.
    new_page
        The paged device to advance between pages (printer, PDF writer).
    stacked
        Paint the pages one below the other on one canvas (PNG and SVG of a
        paged layout).
    """
    device = painter.device()
    dpi = _device_dpi(device) if device is not None else DPI
    vector = abs(dpi - DPI) < 0.5
    for index in range(layout.page_count):
        if index and new_page is not None:
            new_page.newPage()
        painter.save()
        if stacked:
            painter.translate(0, index * layout.page_size.height())
        if vector:
            layout.paint_page(painter, index)
        else:
            # A device that refused 96 dpi (some native printer drivers):
            # fonts and recorded charts would be sized for the wrong
            # resolution, so the page goes out as a sharp image instead.
            _paint_page_as_image(layout, painter, index, dpi)
        painter.restore()


def _paint_page_as_image(
    layout: ReportLayout, painter: QPainter, index: int, dpi: float
) -> None:
    scale = min(dpi, 300.0) / DPI
    size = layout.page_size
    image = QImage(
        QSize(
            max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
        ),
        QImage.Format.Format_RGB32,
    )
    image.setDevicePixelRatio(scale)
    image.fill(layout.paper)
    inner = QPainter(image)
    try:
        layout.paint_page(inner, index)
    finally:
        inner.end()
    factor = dpi / DPI
    painter.drawImage(
        QRectF(0, 0, size.width() * factor, size.height() * factor), image
    )


def page_spec_size(
    page_size: QPageSize, orientation: QPageLayout.Orientation
) -> QSizeF:
    """Full page size in report units for a paper size and orientation."""
    size = page_size.size(QPageSize.Unit.Millimeter)
    width, height = size.width() * MM, size.height() * MM
    if orientation == QPageLayout.Orientation.Landscape:
        width, height = height, width
    return QSizeF(width, height)


def printer_page_size(printer: QPrinter) -> QSizeF:
    """The printer's full page in report units, as chosen by the user."""
    page = printer.pageLayout()
    return page_spec_size(page.pageSize(), page.orientation())


def _temporary_beside(target: Path) -> Path:
    # Not mkstemp: its files are private (0600) and the report would keep
    # that mode after the rename; os.open lets the user's umask decide.
    for _attempt in range(100):
        name = (
            target.parent / f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}"
        )
        try:
            handle = os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            continue
        os.close(handle)
        return name
    raise FileExistsError(str(target))


def _write_pdf(layout: ReportLayout, path: Path, title: str) -> bool:
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setCreator(f"clmdesk {__version__}")
    writer.setTitle(title)
    size = layout.page_size
    writer.setPageLayout(
        QPageLayout(
            QPageSize(
                QSizeF(size.width() / MM, size.height() / MM), QPageSize.Unit.Millimeter
            ),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
        )
    )
    painter = QPainter()
    if not painter.begin(writer):
        return False
    try:
        paint_layout(layout, painter, new_page=writer)
    finally:
        ok = painter.end()
    return bool(ok)


def _canvas_size(layout: ReportLayout) -> QSizeF:
    size = layout.page_size
    return QSizeF(size.width(), size.height() * layout.page_count)


def _write_svg(layout: ReportLayout, path: Path, title: str) -> bool:
    size = _canvas_size(layout)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setResolution(DPI)
    generator.setSize(QSize(round(size.width()), round(size.height())))
    generator.setViewBox(QRectF(QPointF(0, 0), size))
    generator.setTitle(title)
    generator.setDescription(f"clmdesk {__version__}")
    painter = QPainter()
    if not painter.begin(generator):
        return False
    try:
        paint_layout(layout, painter, stacked=True)
    finally:
        ok = painter.end()
    return bool(ok)


def _write_png(layout: ReportLayout, path: Path, scale: float) -> bool:
    size = _canvas_size(layout)
    image = QImage(
        QSize(
            max(1, round(size.width() * scale)), max(1, round(size.height() * scale))
        ),
        QImage.Format.Format_RGB32,
    )
    # Painted at 96 dpi in report units; the device pixel ratio adds the detail.
    image.setDevicePixelRatio(scale)
    image.fill(layout.paper)
    painter = QPainter()
    if not painter.begin(image):
        return False
    try:
        paint_layout(layout, painter, stacked=True)
    finally:
        painter.end()
    # Tell viewers the physical size: scale × 96 dots per inch.
    dots_per_metre = round(DPI * scale / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.setDevicePixelRatio(1.0)
    # The temporary name ends in .png, which tells Qt the format.
    return bool(image.save(str(path)))


def write_report_file(
    layout: ReportLayout,
    path: str | os.PathLike[str],
    *,
    title: str = "",
    file_format: ReportFormat | None = None,
    png_scale: float = PNG_SCALE,
    progress: Progress | None = None,
    is_cancelled: IsCancelled | None = None,
) -> Path:
    """Write a laid-out report to a PDF, PNG or SVG file, atomically.

    Parameters
    ----------
    layout
        The report (paged for PDF; PNG and SVG stack pages on one canvas).
    path
        The target file; its extension tells the format unless
        ``file_format`` is given.
    title
        Document title stored in the PDF and SVG.
    png_scale
        Device pixels per report unit for PNG.
    progress, is_cancelled
        The task contract, so that a runner can write the file off the GUI thread.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    UnknownReportFormatError
        An unknown extension (and no ``file_format``).
    ReportWriteError
        The file could not be written.

    Notes
    -----
    Touches no widget: safe on a worker thread once the layout is built.
    """
    target = Path(path)
    fmt = file_format or report_format(target)
    if progress is not None:
        progress(0, 1)
    try:
        temporary = _temporary_beside(target)
    except OSError as exc:
        raise ReportWriteError(target) from exc
    try:
        if fmt is ReportFormat.PDF:
            ok = _write_pdf(layout, temporary, title)
        elif fmt is ReportFormat.SVG:
            ok = _write_svg(layout, temporary, title)
        else:
            ok = _write_png(layout, temporary, png_scale)
        if not ok or not temporary.is_file() or temporary.stat().st_size == 0:
            raise ReportWriteError(target)
        if is_cancelled is not None and is_cancelled():
            from clmdesk.core.tasks import Cancelled

            raise Cancelled
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    if progress is not None:
        progress(1, 1)
    return target
