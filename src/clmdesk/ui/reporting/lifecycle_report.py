"""The lifecycle report: what a shop owner hands to an accountant (ui layer).

One layout, in the interface language, built from
:class:`~clmdesk.services.report_data.ReportData`:

1. the heading: the business, the as-of date (and whether its month is
   partial) and the day the report was prepared;
2. four key figures at the as-of date, each with its change against the
   previous month;
3. the lifecycle indicator ("Ciclo de vida dos clientes") for the last
   months, with a legend grouped like the panel's;
4. every stage with its colour, its definition quoting the actual
   thresholds, its customers, their share and the change in the month;
5. the purchase cycle C and what it was computed from;
6. optionally, a recorded widget (the whole panel, or one chart) on a page
   of its own.

GUI thread only: it records a pyqtgraph scene and measures fonts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont

from clmdesk import __version__
from clmdesk.core.lifecycle import RecencyUnit
from clmdesk.ui.charts.formatting import (
    day_to_date,
    format_count,
    format_date,
    format_money,
    format_percent,
    format_signed,
    format_signed_percent,
    interface_language,
)
from clmdesk.ui.dashboard.base import chart_data_from_panel
from clmdesk.ui.i18n import format_decimal, message_text
from clmdesk.ui.reporting.chart import RecordedPicture, lifecycle_chart_picture
from clmdesk.ui.reporting.layout import (
    Item,
    LineItem,
    PageFlow,
    PictureItem,
    RectItem,
    ReportLayout,
    ReportPage,
    TextItem,
    text_height,
    text_width,
)
from clmdesk.ui.reporting.style import MM, ReportStyle

if TYPE_CHECKING:
    from clmdesk.core.lifecycle import Kpi, StageModel
    from clmdesk.services.report_data import ReportData, StageSummary

__all__ = [
    "A4",
    "DEFAULT_MONTHS",
    "Attachment",
    "PageSpec",
    "build_lifecycle_report",
    "build_widget_report",
    "continuous_page",
    "long_date",
    "tr",
]

DEFAULT_MONTHS = 12
_MIN_CHART_HEIGHT = 150.0
_MAX_CHART_SHRINK = 55.0
_TOP_LEFT = int(
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
)
_TOP_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
_ONE_LINE = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)


def tr(text: str) -> str:
    """Translate a report string (context ``Report``)."""
    return QCoreApplication.translate("Report", text)


@dataclass(frozen=True)
class PageSpec:
    """Page size and margins in report units; ``paged`` false = one growing page."""

    size: QSizeF
    margins: tuple[float, float, float, float] = (16 * MM, 14 * MM, 16 * MM, 14 * MM)
    paged: bool = True


A4 = PageSpec(QSizeF(210 * MM, 297 * MM))
"""A4 portrait with the report's margins."""


def continuous_page(width: float = 210 * MM) -> PageSpec:
    """One page as wide as ``width`` that grows with the content (PNG, SVG)."""
    return PageSpec(QSizeF(width, 0), (16 * MM, 12 * MM, 16 * MM, 10 * MM), paged=False)


@dataclass(frozen=True)
class Attachment:
    """A recorded widget appended to the report, with its title."""

    title: str
    picture: RecordedPicture


def long_date(day: int) -> str:
    """A day number as a long date without weekday ("17 October 2026", "17 de outubro de 2026")."""
    value = day_to_date(day)
    # The pattern is translatable: each language orders and links the parts its own way.
    return QLocale().toString(
        QDate(value.year, value.month, value.day), tr("d MMMM yyyy")
    )


def _month_year(day: int) -> str:
    value = day_to_date(day)
    return QLocale().toString(
        QDate(value.year, value.month, value.day), tr("MMMM yyyy")
    )


def _short_month(day: int) -> str:
    """A short month and year for tight spaces ("Sep 2026", "set/2026")."""
    value = day_to_date(day)
    locale = QLocale()
    name = locale.standaloneMonthName(
        value.month, QLocale.FormatType.ShortFormat
    ).rstrip(".")
    if locale.language() == QLocale.Language.Portuguese:
        name = name.lower()
    return tr("{month_short} {year}").format(month_short=name, year=value.year)


def _group_name(key: str, model: StageModel, language: str) -> str:
    for group in model.groups:
        if group.key == key:
            return group.name_pt_br if language == "pt_BR" else group.name_en
    return key


@dataclass
class _Builder:
    data: ReportData
    spec: PageSpec
    style: ReportStyle
    months: int
    chart_shrink: float = 0.0
    language: str = field(default_factory=interface_language)

    def __post_init__(self) -> None:
        self.flow = PageFlow(self.spec.size, self.spec.margins, paged=self.spec.paged)
        self.width = self.flow.width
        self.left = self.flow.left

    # -- helpers ---------------------------------------------------------------

    def text(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        font: QFont,
        colour: QColor | None = None,
        flags: int = _TOP_LEFT,
        height: float | None = None,
    ) -> TextItem:
        if height is None:
            height = text_height(text, font, width)
        return TextItem(
            QRectF(x, y, width, height), text, font, colour or self.style.ink, flags
        )

    def section(self, title: str, subtitle: str, *, keep: float) -> None:
        """A section heading kept on one page with at least ``keep`` of what follows."""
        title_font = self.style.font(11.5, bold=True)
        sub_font = self.style.font(8.5)
        title_h = text_height(title, title_font, self.width)
        sub_h = text_height(subtitle, sub_font, self.width) if subtitle else 0.0
        height = title_h + (3 + sub_h if subtitle else 0) + 8
        self.flow.ensure(height + keep)

        def draw(top: float) -> list[Item]:
            items: list[Item] = [
                self.text(self.left, top, self.width, title, title_font, height=title_h)
            ]
            if subtitle:
                items.append(
                    self.text(
                        self.left,
                        top + title_h + 3,
                        self.width,
                        subtitle,
                        sub_font,
                        self.style.muted,
                        height=sub_h,
                    )
                )
            return items

        self.flow.place(height, draw)

    # -- parts ---------------------------------------------------------------------

    def heading(self) -> None:
        style, data = self.style, self.data
        kicker_font = style.font(7.5, bold=True, spacing=8)
        title_font = style.font(21, weight=QFont.Weight.Bold)
        date_font = style.font(10.5)
        note_font = style.font(8.5, italic=True)
        side_font = style.font(8)
        side_width = min(190.0, self.width * 0.32)
        main_width = self.width - side_width - 12
        kicker = tr("CUSTOMER LIFECYCLE REPORT")
        name = data.business_name.strip() or tr("Your business")
        as_of = tr("Situation on {date}").format(date=long_date(data.as_of_day))
        note = ""
        if data.partial_last:
            note = tr(
                "{month} is not complete: the data goes up to this day, so the figures of this month are partial."
            ).format(month=_month_year(data.as_of_day))
        prepared = tr("Prepared on {date}").format(date=format_date(data.prepared_day))
        made_with = tr("with clmdesk {version}").format(version=__version__)

        kicker_h = text_height(kicker, kicker_font, main_width)
        title_h = text_height(name, title_font, main_width)
        date_h = text_height(as_of, date_font, main_width)
        note_h = text_height(note, note_font, main_width) if note else 0.0
        height = kicker_h + 4 + title_h + 4 + date_h + (3 + note_h if note else 0) + 10

        def draw(top: float) -> list[Item]:
            x, y = self.left, top
            items: list[Item] = [
                self.text(
                    x, y, main_width, kicker, kicker_font, style.accent, height=kicker_h
                )
            ]
            y += kicker_h + 4
            items.append(self.text(x, y, main_width, name, title_font, height=title_h))
            y += title_h + 4
            items.append(self.text(x, y, main_width, as_of, date_font, height=date_h))
            y += date_h
            if note:
                y += 3
                items.append(
                    self.text(
                        x, y, main_width, note, note_font, style.muted, height=note_h
                    )
                )
            side_x = self.left + self.width - side_width
            line = text_height("Ag", side_font, side_width)
            items.append(
                self.text(
                    side_x,
                    top,
                    side_width,
                    prepared,
                    side_font,
                    style.muted,
                    _TOP_RIGHT,
                    line,
                )
            )
            items.append(
                self.text(
                    side_x,
                    top + line + 1,
                    side_width,
                    made_with,
                    side_font,
                    style.faint,
                    _TOP_RIGHT,
                    line,
                )
            )
            rule_y = top + height - 2
            items.append(
                LineItem(
                    QPointF(self.left, rule_y),
                    QPointF(self.left + self.width, rule_y),
                    style.accent,
                    1.6,
                )
            )
            return items

        self.flow.place(height, draw, after=12)

    def key_figures(self) -> None:
        kpis = self.data.kpis
        previous = (
            _short_month(kpis.previous_as_of)
            if kpis is not None and kpis.previous_as_of is not None
            else ""
        )
        currency = self.data.currency

        def count_change(kpi: Kpi) -> str:
            if kpi.change is None:
                return ""
            return tr("{change} vs. {month}").format(
                change=format_signed(int(kpi.change)), month=previous
            )

        def money_change(kpi: Kpi) -> str:
            if kpi.value is None or not kpi.previous:
                return ""
            relative = (float(kpi.value) - float(kpi.previous)) / abs(
                float(kpi.previous)
            )
            return tr("{change} vs. {month}").format(
                change=format_signed_percent(relative), month=previous
            )

        def points_change(kpi: Kpi) -> str:
            if kpi.change is None:
                return ""
            points = float(kpi.change) * 100
            text = QLocale().toString(abs(points), "f", 1)
            sign = "+" if points > 0.05 else ("\u2212" if points < -0.05 else "")
            return tr("{change} pp vs. {month}").format(
                change=sign + text, month=previous
            )

        def shown(kpi: Kpi, formatted: str) -> str:
            return "\u2014" if kpi.value is None else formatted

        cards: list[tuple[str, str, str]] = []
        if kpis is not None:
            cards += [
                (
                    tr("Active customers"),
                    shown(
                        kpis.active_customers,
                        format_count(int(kpis.active_customers.value or 0)),
                    ),
                    count_change(kpis.active_customers),
                ),
                (
                    tr("Need attention"),
                    shown(
                        kpis.need_attention,
                        format_count(int(kpis.need_attention.value or 0)),
                    ),
                    count_change(kpis.need_attention),
                ),
                (
                    tr("Revenue, last 90 days"),
                    shown(
                        kpis.revenue_90d,
                        format_money(
                            int(kpis.revenue_90d.value or 0), currency, decimals=0
                        ),
                    ),
                    money_change(kpis.revenue_90d),
                ),
                (
                    tr("Repeat-purchase rate"),
                    shown(
                        kpis.repeat_purchase_rate,
                        format_percent(float(kpis.repeat_purchase_rate.value or 0.0)),
                    ),
                    points_change(kpis.repeat_purchase_rate),
                ),
            ]
        cycle = self.data.cycle
        cards.append(
            (
                tr("Purchase cycle (C)"),
                tr("{days} days").format(days=format_count(cycle.days)),
                tr("automatic") if cycle.automatic else tr("fixed by you"),
            )
        )
        style = self.style
        label_font = style.font(7.5)
        value_font = style.font(14, weight=QFont.Weight.Bold)
        change_font = style.font(7.5)
        gap = 7.0
        card_w = (self.width - gap * (len(cards) - 1)) / len(cards)
        inner = card_w - 18
        label_h = max(text_height(c[0], label_font, inner) for c in cards)
        # Large amounts shrink to fit their card rather than being cut.
        value_size = 14.0
        while (
            value_size > 9 and max(text_width(c[1], value_font) for c in cards) > inner
        ):
            value_size -= 0.5
            value_font = style.font(value_size, weight=QFont.Weight.Bold)
        value_h = text_height("0", value_font, inner)
        change_h = max(text_height(c[2] or " ", change_font, inner) for c in cards)
        height = 8 + label_h + 2 + value_h + 1 + change_h + 8

        def draw(top: float) -> list[Item]:
            items: list[Item] = []
            for i, (label, value, change) in enumerate(cards):
                x = self.left + i * (card_w + gap)
                items.append(
                    RectItem(QRectF(x, top, card_w, height), fill=style.band, radius=3)
                )
                items.append(RectItem(QRectF(x, top, 2.5, height), fill=style.accent))
                y = top + 8
                items.append(
                    self.text(
                        x + 10, y, inner, label, label_font, style.muted, height=label_h
                    )
                )
                y += label_h + 2
                items.append(
                    self.text(x + 10, y, inner, value, value_font, height=value_h)
                )
                y += value_h + 1
                if change:
                    items.append(
                        self.text(
                            x + 10,
                            y,
                            inner,
                            change,
                            change_font,
                            style.muted,
                            height=change_h,
                        )
                    )
            return items

        self.flow.place(height, draw, after=16)

    def chart(self) -> None:
        data = self.data
        chart_data = chart_data_from_panel(data.panel)
        shown = min(self.months, chart_data.n_snapshots)
        self.section(
            tr("Customer lifecycle"),
            tr(
                "Active customers and customers who need attention at the end of each month, last {months} months."
            ).format(months=shown),
            keep=200,
        )
        style = self.style
        legend_w = min(180.0, self.width * 0.3)
        chart_w = self.width - legend_w - 14
        chart_h = max(_MIN_CHART_HEIGHT, min(210.0, chart_w * 0.43) - self.chart_shrink)
        picture = lifecycle_chart_picture(
            chart_data, QSizeF(chart_w, chart_h), months=self.months
        )

        group_font = style.font(8, bold=True)
        stage_font = style.font(8.5)
        note_font = style.font(7.5, italic=True)
        rows: list[
            tuple[str, str | None, str]
        ] = []  # (text, colour or None for a group, kind)
        for group in ("active", "attention"):
            members = [s for s in chart_data.stages if s.group_key == group]
            if not members:
                continue
            rows.append((members[0].group_name, None, "group"))
            rows.extend((s.name, s.colour, "stage") for s in members)
        note = ""
        if chart_data.partial_last and chart_data.n_snapshots:
            note = tr("Hatched bar: partial month, up to {date}.").format(
                date=format_date(chart_data.snapshot_days[-1])
            )
        line_h = text_height("Ag", stage_font, legend_w)

        def draw(top: float) -> list[Item]:
            items: list[Item] = [
                PictureItem(
                    QRectF(self.left, top, chart_w, chart_h),
                    picture.picture,
                    picture.source,
                    picture.labels,
                )
            ]
            x = self.left + chart_w + 14
            y = top + 4
            for text, colour, kind in rows:
                if kind == "group":
                    if y > top + 5:
                        y += 5
                    h = text_height(text, group_font, legend_w)
                    items.append(
                        self.text(
                            x, y, legend_w, text, group_font, style.muted, height=h
                        )
                    )
                    y += h + 3
                else:
                    items.append(
                        RectItem(
                            QRectF(x, y + (line_h - 9) / 2, 9, 9),
                            fill=QColor(colour),
                            radius=1.5,
                        )
                    )
                    h = text_height(text, stage_font, legend_w - 15)
                    items.append(
                        self.text(x + 15, y, legend_w - 15, text, stage_font, height=h)
                    )
                    y += h + 3
            if note:
                y += 6
                items.append(self.text(x, y, legend_w, note, note_font, style.muted))
            return items

        self.flow.place(chart_h, draw, after=16)

    def stage_table(self) -> None:
        data, style = self.data, self.style
        as_of = format_date(data.as_of_day)
        self.section(
            tr("Stages on {date}").format(date=as_of),
            tr(
                "Each customer is in the first stage, from the top, whose definition they meet on that date."
            ),
            keep=80,
        )
        header_font = style.font(7.5, bold=True)
        name_font = style.font(8.5, bold=True)
        body_font = style.font(8)
        number_font = style.font(8.5)
        group_font = style.font(8.5, bold=True)
        # Column widths: stage, definition, customers, share, change.
        number_w = max(
            self.width * 0.085,
            8
            + 2
            + max(text_width(t, header_font) for t in (tr("Customers"), tr("Share"))),
        )
        change_w = max(
            self.width * 0.085, 8 + 2 + text_width(tr("Change"), header_font)
        )
        pad = 3.5
        stage_w = min(
            self.width * 0.24,
            max(
                self.width * 0.13,
                2 * pad
                + 14
                + 2
                + max(
                    text_width(s.stage.name(self.language), name_font)
                    for s in data.stages
                ),
            ),
        )
        definition_w = self.width - stage_w - 2 * number_w - change_w
        columns = (
            self.left,
            self.left + stage_w,
            self.left + stage_w + definition_w,
            self.left + stage_w + definition_w + number_w,
            self.left + stage_w + definition_w + 2 * number_w,
        )
        change_title = tr("Change")
        headers = (
            (tr("Stage"), _TOP_LEFT),
            (tr("Definition"), _TOP_LEFT),
            (tr("Customers"), _TOP_RIGHT | int(Qt.TextFlag.TextWordWrap)),
            (tr("Share"), _TOP_RIGHT | int(Qt.TextFlag.TextWordWrap)),
            (change_title, _TOP_RIGHT | int(Qt.TextFlag.TextWordWrap)),
        )
        widths = (stage_w, definition_w, number_w, number_w, change_w)
        header_h = (
            max(
                text_height(text, header_font, widths[i] - 2 * pad)
                for i, (text, _f) in enumerate(headers)
            )
            + 2 * pad
        )

        def header_items(top: float) -> list[Item]:
            items: list[Item] = []
            for i, (text, flags) in enumerate(headers):
                items.append(
                    self.text(
                        columns[i] + pad,
                        top + pad,
                        widths[i] - 2 * pad,
                        text,
                        header_font,
                        style.muted,
                        flags,
                        header_h - 2 * pad,
                    )
                )
            y = top + header_h
            items.append(
                LineItem(
                    QPointF(self.left, y),
                    QPointF(self.left + self.width, y),
                    style.ink,
                    0.9,
                )
            )
            return items

        def put_header() -> None:
            self.flow.place(header_h, header_items)

        put_header()

        def ensure_row(height: float) -> None:
            if self.flow.ensure(height):
                put_header()

        total = data.customers
        for group in data.model.groups:
            members = [s for s in data.stages if s.stage.group == group.key]
            if not members:
                continue
            group_total = sum(s.customers for s in members)
            group_prev = (
                sum(s.previous for s in members if s.previous is not None)
                if any(s.previous is not None for s in members)
                else None
            )
            name = _group_name(group.key, data.model, self.language)
            group_h = (
                text_height(name, group_font, stage_w + definition_w - 2 * pad)
                + 2 * pad
            )
            first_h = self._stage_row_height(
                members[0], stage_w, definition_w, pad, name_font, body_font
            )
            ensure_row(group_h + first_h)
            self.flow.place(
                group_h,
                partial(
                    self._group_row,
                    height=group_h,
                    name=name,
                    count=group_total,
                    previous=group_prev,
                    total=total,
                    columns=columns,
                    widths=widths,
                    pad=pad,
                    font=group_font,
                ),
            )
            for summary in members:
                row_h = self._stage_row_height(
                    summary, stage_w, definition_w, pad, name_font, body_font
                )
                ensure_row(row_h)
                self.flow.place(
                    row_h,
                    partial(
                        self._stage_row,
                        height=row_h,
                        summary=summary,
                        total=total,
                        columns=columns,
                        widths=widths,
                        pad=pad,
                        name_font=name_font,
                        body_font=body_font,
                        number_font=number_font,
                    ),
                )
        # Total line.
        total_h = text_height("Ag", group_font, stage_w) + 2 * pad
        ensure_row(total_h)
        previous_total = (
            sum(s.previous for s in data.stages if s.previous is not None)
            if data.previous_day is not None
            else None
        )

        def total_items(top: float) -> list[Item]:
            items: list[Item] = [
                LineItem(
                    QPointF(self.left, top),
                    QPointF(self.left + self.width, top),
                    style.ink,
                    0.9,
                ),
                self.text(
                    columns[0] + pad,
                    top + pad,
                    stage_w + definition_w - 2 * pad,
                    tr("All customers"),
                    group_font,
                    height=total_h - 2 * pad,
                ),
                self.text(
                    columns[2] + pad,
                    top + pad,
                    widths[2] - 2 * pad,
                    format_count(total),
                    group_font,
                    flags=_TOP_RIGHT,
                    height=total_h - 2 * pad,
                ),
                self.text(
                    columns[3] + pad,
                    top + pad,
                    widths[3] - 2 * pad,
                    format_percent(1.0 if total else None, decimals=0),
                    group_font,
                    flags=_TOP_RIGHT,
                    height=total_h - 2 * pad,
                ),
            ]
            if previous_total is not None:
                items.append(
                    self.text(
                        columns[4] + pad,
                        top + pad,
                        widths[4] - 2 * pad,
                        format_signed(total - previous_total),
                        group_font,
                        flags=_TOP_RIGHT,
                        height=total_h - 2 * pad,
                    )
                )
            return items

        self.flow.place(total_h, total_items, after=12)

    def _stage_row_height(
        self,
        summary: StageSummary,
        stage_w: float,
        definition_w: float,
        pad: float,
        name_font: QFont,
        body_font: QFont,
    ) -> float:
        name = summary.stage.name(self.language)
        definition = message_text(summary.description)
        return (
            max(
                text_height(name, name_font, stage_w - 2 * pad - 14),
                text_height(definition, body_font, definition_w - 2 * pad),
            )
            + 2 * pad
        )

    def _group_row(
        self,
        top: float,
        height: float,
        name: str,
        count: int,
        previous: int | None,
        total: int,
        columns: tuple[float, ...],
        widths: tuple[float, ...],
        pad: float,
        font: QFont,
    ) -> list[Item]:
        style = self.style
        inner = height - 2 * pad
        items: list[Item] = [
            RectItem(QRectF(self.left, top, self.width, height), fill=style.band),
            self.text(
                columns[0] + pad,
                top + pad,
                widths[0] + widths[1] - 2 * pad,
                name,
                font,
                height=inner,
            ),
            self.text(
                columns[2] + pad,
                top + pad,
                widths[2] - 2 * pad,
                format_count(count),
                font,
                flags=_TOP_RIGHT,
                height=inner,
            ),
            self.text(
                columns[3] + pad,
                top + pad,
                widths[3] - 2 * pad,
                format_percent(count / total if total else None),
                font,
                flags=_TOP_RIGHT,
                height=inner,
            ),
        ]
        if previous is not None:
            items.append(
                self.text(
                    columns[4] + pad,
                    top + pad,
                    widths[4] - 2 * pad,
                    format_signed(count - previous),
                    font,
                    flags=_TOP_RIGHT,
                    height=inner,
                )
            )
        return items

    def _stage_row(
        self,
        top: float,
        height: float,
        summary: StageSummary,
        total: int,
        columns: tuple[float, ...],
        widths: tuple[float, ...],
        pad: float,
        name_font: QFont,
        body_font: QFont,
        number_font: QFont,
    ) -> list[Item]:
        style = self.style
        inner = height - 2 * pad
        name = summary.stage.name(self.language)
        definition = message_text(summary.description)
        swatch_top = top + pad + (text_height("Ag", name_font, 100) - 9) / 2
        items: list[Item] = [
            RectItem(
                QRectF(columns[0] + pad, swatch_top, 9, 9),
                fill=QColor(summary.stage.colour),
                radius=1.5,
            ),
            self.text(
                columns[0] + pad + 14,
                top + pad,
                widths[0] - 2 * pad - 14,
                name,
                name_font,
                height=inner,
            ),
            self.text(
                columns[1] + pad,
                top + pad,
                widths[1] - 2 * pad,
                definition,
                body_font,
                style.muted,
                height=inner,
            ),
            self.text(
                columns[2] + pad,
                top + pad,
                widths[2] - 2 * pad,
                format_count(summary.customers),
                number_font,
                flags=_TOP_RIGHT,
                height=inner,
            ),
            self.text(
                columns[3] + pad,
                top + pad,
                widths[3] - 2 * pad,
                format_percent(summary.share),
                number_font,
                flags=_TOP_RIGHT,
                height=inner,
            ),
        ]
        if summary.change is not None:
            items.append(
                self.text(
                    columns[4] + pad,
                    top + pad,
                    widths[4] - 2 * pad,
                    format_signed(summary.change),
                    number_font,
                    style.muted,
                    _TOP_RIGHT,
                    inner,
                )
            )
        y = top + height
        items.append(
            LineItem(
                QPointF(self.left, y),
                QPointF(self.left + self.width, y),
                style.rule,
                0.6,
            )
        )
        return items

    def notes(self) -> None:
        """How to read the figures: C and its basis, top value, the model, shares."""
        data, style = self.data, self.style
        model = data.model
        total = data.customers
        lines: list[str] = [
            tr("Purchase cycle (C): {explanation}").format(
                explanation=message_text(data.cycle_explanation)
            )
        ]
        if any(RecencyUnit.CYCLES in stage.rule.uses_units() for stage in model.stages):
            lines.append(
                tr(
                    "The recency limits of the stages are multiples of C; the definitions above quote them in days."
                )
            )
        if model.uses_top_value():
            lines.append(
                tr(
                    "Top value: a total spent at or above the {percentile}th percentile of the customers who have bought, recalculated every month (the top {share} %)."
                ).format(
                    percentile=format_decimal(float(model.top_percentile)),
                    share=format_decimal(100.0 - float(model.top_percentile)),
                )
            )
        share = tr(
            "Share: of the {count} customers who had bought or registered by {date}."
        ).format(count=format_count(total), date=format_date(data.as_of_day))
        if data.previous_day is not None:
            share += " " + tr(
                "Change: against {date}, the end of the previous month."
            ).format(date=format_date(data.previous_day))
        lines.append(share)
        lines.append(
            {
                "default": tr("Stage model: the standard stages of clmdesk."),
                "last_purchase": tr(
                    "Stage model: “Última compra” (date of the last purchase only)."
                ),
            }.get(model.preset, tr("Stage model: customised by you."))
        )
        title_font = style.font(8.5, bold=True)
        body_font = style.font(7.5)
        title = tr("About these figures")
        first = text_height(lines[0], body_font, self.width - 10)
        title_h = text_height(title, title_font, self.width)
        self.flow.ensure(title_h + 4 + first)
        self.flow.place(
            title_h,
            lambda top: [
                self.text(self.left, top, self.width, title, title_font, height=title_h)
            ],
            after=4,
        )
        for line in lines:
            h = text_height(line, body_font, self.width - 10)

            def draw(top: float, line: str = line, h: float = h) -> list[Item]:
                return [
                    TextItem(
                        QRectF(self.left, top, 10, h),
                        "\u2022",
                        body_font,
                        style.muted,
                        _ONE_LINE,
                    ),
                    self.text(
                        self.left + 10,
                        top,
                        self.width - 10,
                        line,
                        body_font,
                        style.muted,
                        height=h,
                    ),
                ]

            self.flow.place(h, draw, after=2.5)

    def figure(self, attachment: Attachment) -> None:
        """A recorded widget in the flow, as wide as the text and at most half a page high."""
        source = attachment.picture.source
        self.section(attachment.title, "", keep=80)
        if source.isEmpty():
            return
        width = self.width
        height = width * source.height() / source.width()
        limit = (
            self.spec.size.height() - self.spec.margins[1] - self.spec.margins[3]
        ) * 0.5
        if self.spec.paged and height > limit:
            height = limit
            width = height * source.width() / source.height()
        self.flow.place(
            height,
            lambda top: [
                PictureItem(
                    QRectF(self.left, top, width, height),
                    attachment.picture.picture,
                    source,
                    attachment.picture.labels,
                )
            ],
            after=18,
        )

    def attachment(self, attachment: Attachment) -> None:
        self.flow.new_page()
        if not self.spec.paged:
            self.flow.skip(10)
        self.section(attachment.title, "", keep=60)
        source = attachment.picture.source
        if source.isEmpty():
            return
        width = self.width
        height = width * source.height() / source.width()
        room = self.flow.room()
        if self.spec.paged and height > room:
            height = room
            width = height * source.width() / source.height()
        self.flow.place(
            height,
            lambda top: [
                PictureItem(
                    QRectF(self.left, top, width, height),
                    attachment.picture.picture,
                    source,
                    attachment.picture.labels,
                )
            ],
            after=8,
        )

    def footer(self, page: ReportPage, index: int, count: int, content: QRectF) -> None:
        style = self.style
        font = style.font(7.5)
        y = content.bottom() + 6
        parts = [
            self.data.business_name.strip() or tr("Your business"),
            tr("Customer lifecycle report"),
            tr("situation on {date}").format(date=format_date(self.data.as_of_day)),
        ]
        left_text = " · ".join(parts)
        line_h = text_height("Ag", font, content.width())
        page.items.append(
            LineItem(
                QPointF(content.left(), y), QPointF(content.right(), y), style.rule, 0.6
            )
        )
        page.items.append(
            self.text(
                content.left(),
                y + 4,
                content.width() * 0.75,
                left_text,
                font,
                style.muted,
                _ONE_LINE,
                line_h,
            )
        )
        if self.spec.paged:
            right_text = tr("Page {page} of {pages}").format(
                page=index + 1, pages=count
            )
            page.items.append(
                self.text(
                    content.left() + content.width() * 0.75,
                    y + 4,
                    content.width() * 0.25,
                    right_text,
                    font,
                    style.muted,
                    _TOP_RIGHT,
                    line_h,
                )
            )

    def build_for_widget(self, attachment: Attachment) -> ReportLayout:
        self.heading()
        self.figure(attachment)
        self.stage_table()
        self.notes()
        return self.flow.finish(self.style.paper, self.footer)

    def build(self, attachment: Attachment | None) -> ReportLayout:
        self.heading()
        self.key_figures()
        self.chart()
        self.stage_table()
        self.notes()
        # How far the main part runs onto a further page (0 when it fits one).
        self.spill = (
            self.flow.y - self.spec.margins[1] if len(self.flow.pages) > 1 else 0.0
        )
        if attachment is not None:
            self.attachment(attachment)
        return self.flow.finish(self.style.paper, self.footer)


def build_lifecycle_report(
    data: ReportData,
    spec: PageSpec = A4,
    *,
    months: int = DEFAULT_MONTHS,
    attachment: Attachment | None = None,
    style: ReportStyle | None = None,
) -> ReportLayout:
    """Lay the lifecycle report out for one page size.

    Parameters
    ----------
    data
        What the report says.
    spec
        Page size and margins (:data:`A4`, a printer's page, or
        :func:`continuous_page` for PNG and SVG).
    months
        How many of the latest months the chart shows.
    attachment
        A recorded widget to append on its own page (the whole panel, a chart).
    style
        Fonts and colours (the default report style).
    """
    chosen = style or ReportStyle()
    builder = _Builder(data, spec, chosen, months)
    layout = builder.build(attachment)
    if spec.paged and 0 < builder.spill <= _MAX_CHART_SHRINK:
        # A few lines over one page: a slightly shorter chart keeps the
        # report on a single sheet, which is worth more than 20 pixels of bars.
        retry = _Builder(data, spec, chosen, months, chart_shrink=builder.spill + 8)
        shorter = retry.build(attachment)
        if retry.spill == 0:
            return shorter
    return layout


def build_widget_report(
    data: ReportData,
    attachment: Attachment,
    spec: PageSpec = A4,
    *,
    style: ReportStyle | None = None,
) -> ReportLayout:
    """Lay out a report of one widget (a chart of the panel) with its context.

    The widget comes after the heading (business and as-of date) and before
    the stage definitions and the notes on C, so that even a single printed
    chart says what it shows.

    Parameters
    ----------
    data
        What the report says.
    attachment
        The recorded widget and its title.
    spec
        Page size and margins.
    style
        Fonts and colours (the default report style).
    """
    builder = _Builder(data, spec, style or ReportStyle(), DEFAULT_MONTHS)
    return builder.build_for_widget(attachment)
