"""Translated names of import roles, fields and detections (ui layer).

The Qt-free import code speaks in enums (:class:`~clmdesk.core.importing.Role`,
:class:`~clmdesk.core.importing.Field`…); this module gives each its label in
the interface language. Every label is a literal passed to
``QCoreApplication.translate`` so the catalogue check finds it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLocale

from clmdesk.core.importing import ColumnPlan, DateOrder, Field, NumberFormat, Role

__all__ = [
    "ROLE_FIELDS",
    "ROLE_ORDER",
    "count_text",
    "date_order_label",
    "detection_text",
    "field_label",
    "money_text",
    "number_format_label",
    "role_label",
    "rows_text",
    "source_label",
]

_CONTEXT = "ImportWizard"

#: Roles in the order the role combo offers them.
ROLE_ORDER = (Role.ORDERS, Role.CUSTOMERS, Role.NPS, Role.CAMPAIGNS, Role.IGNORE)

_CUSTOMER_FIELDS = (
    Field.CUSTOMER_ID,
    Field.NAME,
    Field.EMAIL,
    Field.PHONE,
    Field.DOCUMENT,
    Field.CITY,
    Field.STATE,
)

#: The fields a column may take in a sheet of each role, in the combo's order.
ROLE_FIELDS: dict[Role, tuple[Field, ...]] = {
    Role.ORDERS: (
        Field.CUSTOMER_ID,
        Field.ORDER_ID,
        Field.DATE,
        Field.AMOUNT,
        Field.QUANTITY,
        Field.UNIT_PRICE,
        Field.STATUS,
        Field.CHANNEL,
        *_CUSTOMER_FIELDS[1:],
    ),
    Role.CUSTOMERS: (
        *_CUSTOMER_FIELDS,
        Field.REGISTERED,
        Field.CHANNEL,
        Field.REFERRED_BY,
        Field.NPS_SCORE,
        Field.NPS_DATE,
    ),
    Role.NPS: (Field.CUSTOMER_ID, Field.DATE, Field.NPS_SCORE, *_CUSTOMER_FIELDS[1:]),
    Role.CAMPAIGNS: (Field.DATE, Field.CHANNEL, Field.REACHED, Field.COST),
    Role.IGNORE: (),
}


def role_label(role: Role) -> str:
    """What a sheet of ``role`` holds, for the role combo and the sheet list."""
    labels = {
        Role.ORDERS: QCoreApplication.translate(_CONTEXT, "Orders (sales)"),
        Role.CUSTOMERS: QCoreApplication.translate(_CONTEXT, "Customers"),
        Role.NPS: QCoreApplication.translate(_CONTEXT, "NPS answers"),
        Role.CAMPAIGNS: QCoreApplication.translate(_CONTEXT, "Campaigns"),
        Role.IGNORE: QCoreApplication.translate(_CONTEXT, "Nothing to import"),
    }
    return labels[role]


def field_label(field: Field | None) -> str:
    """The name of a field in the mapping combo; ``None`` is "not imported"."""
    if field is None:
        return QCoreApplication.translate(_CONTEXT, "(not imported)")
    labels = {
        Field.CUSTOMER_ID: QCoreApplication.translate(_CONTEXT, "Customer id"),
        Field.NAME: QCoreApplication.translate(_CONTEXT, "Name"),
        Field.EMAIL: QCoreApplication.translate(_CONTEXT, "E-mail"),
        Field.PHONE: QCoreApplication.translate(_CONTEXT, "Phone"),
        Field.DOCUMENT: QCoreApplication.translate(_CONTEXT, "CPF/CNPJ"),
        Field.CITY: QCoreApplication.translate(_CONTEXT, "City"),
        Field.STATE: QCoreApplication.translate(_CONTEXT, "State"),
        Field.REGISTERED: QCoreApplication.translate(_CONTEXT, "Registration date"),
        Field.CHANNEL: QCoreApplication.translate(_CONTEXT, "Channel"),
        Field.REFERRED_BY: QCoreApplication.translate(_CONTEXT, "Referred by"),
        Field.NPS_SCORE: QCoreApplication.translate(_CONTEXT, "NPS score"),
        Field.NPS_DATE: QCoreApplication.translate(_CONTEXT, "NPS date"),
        Field.ORDER_ID: QCoreApplication.translate(_CONTEXT, "Order id"),
        Field.DATE: QCoreApplication.translate(_CONTEXT, "Date"),
        Field.AMOUNT: QCoreApplication.translate(_CONTEXT, "Amount"),
        Field.QUANTITY: QCoreApplication.translate(_CONTEXT, "Quantity"),
        Field.UNIT_PRICE: QCoreApplication.translate(_CONTEXT, "Unit price"),
        Field.STATUS: QCoreApplication.translate(_CONTEXT, "Status"),
        Field.REACHED: QCoreApplication.translate(_CONTEXT, "People reached"),
        Field.COST: QCoreApplication.translate(_CONTEXT, "Cost"),
    }
    return labels[field]


def source_label(source: str) -> str:
    """How a column's field was decided."""
    labels = {
        "header": QCoreApplication.translate(_CONTEXT, "from the header"),
        "keyword": QCoreApplication.translate(_CONTEXT, "from a word in the header"),
        "values": QCoreApplication.translate(_CONTEXT, "guessed from the values"),
        "remembered": QCoreApplication.translate(_CONTEXT, "as in your last import"),
        "user": QCoreApplication.translate(_CONTEXT, "chosen by you"),
    }
    return labels.get(source, "")


def date_order_label(order: DateOrder) -> str:
    """A day/month order, with an example."""
    if order == DateOrder.DAY_FIRST:
        return QCoreApplication.translate(_CONTEXT, "day/month (31/12)")
    return QCoreApplication.translate(_CONTEXT, "month/day (12/31)")


def number_format_label(number_format: NumberFormat) -> str:
    """A decimal mark, with an example."""
    if number_format == NumberFormat.DECIMAL_COMMA:
        return QCoreApplication.translate(_CONTEXT, "decimal comma (1.234,56)")
    return QCoreApplication.translate(_CONTEXT, "decimal point (1,234.56)")


def detection_text(column: ColumnPlan) -> str:
    """One line saying how a column was recognised and how its values are read."""
    parts = []
    if column.field is not None:
        parts.append(source_label(column.source))
    if column.date_order_ambiguous:
        parts.append(
            QCoreApplication.translate(_CONTEXT, "day or month first? (see above)")
        )
    elif column.date_order is not None:
        parts.append(date_order_label(column.date_order))
    if column.number_format is not None:
        parts.append(number_format_label(column.number_format))
    return " · ".join(part for part in parts if part)


def rows_text(count: int) -> str:
    """ "1 row", "12,345 rows"."""
    if count == 1:
        return QCoreApplication.translate(_CONTEXT, "1 row")
    return QCoreApplication.translate(_CONTEXT, "{count} rows").format(
        count=count_text(count)
    )


def count_text(value: int) -> str:
    """A count with the locale's digit grouping."""
    return QLocale().toString(int(value))


def money_text(cents: int) -> str:
    """An amount in cents, with two decimals in the locale's notation.

    The currency symbol is a business setting shown elsewhere; an import
    summary shows plain amounts.
    """
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(int(cents)), 100)
    locale = QLocale()
    return f"{sign}{locale.toString(units)}{locale.decimalPoint()}{rest:02d}"
