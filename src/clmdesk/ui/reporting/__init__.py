"""Reports laid out once and painted with QPainter on any paint device (ui layer).

A report is a :class:`~clmdesk.ui.reporting.layout.ReportLayout`: pages of
simple drawing items (text, rectangles, lines, recorded pictures) placed in
report units of 1/96 inch. The same layout paints a printer, a
``QPdfWriter`` (vector PDF), a ``QSvgGenerator`` and a ``QImage`` (PNG), so
text stays text and bars stay shapes wherever the device allows it.

- :mod:`~clmdesk.ui.reporting.style`: fonts, colours and units;
- :mod:`~clmdesk.ui.reporting.layout`: drawing items and page flow;
- :mod:`~clmdesk.ui.reporting.chart`: charts and widgets recorded as pictures;
- :mod:`~clmdesk.ui.reporting.lifecycle_report`: the lifecycle report itself;
- :mod:`~clmdesk.ui.reporting.output`: writing PDF, PNG and SVG files and printing.

GUI thread only (fonts, pictures and pyqtgraph scenes are GUI objects).
"""
