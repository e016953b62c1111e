"""Locale-aware formatting of numbers, money, dates and months for the panel (ui layer).

Everything follows the default ``QLocale`` (the interface's locale), except
the currency, which is a business setting (DOMAIN.md "The control panel"):
the symbol comes from the business, the digits from the user's locale.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDate, QLocale

__all__ = [
    "currency_symbol",
    "day_to_date",
    "format_count",
    "format_date",
    "format_money",
    "format_money_compact",
    "format_month",
    "format_month_long",
    "format_percent",
    "format_signed",
    "format_signed_percent",
    "interface_language",
]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

# Symbols for the currencies a small business is likely to use; any other
# ISO code is shown as the code itself, which is never wrong.
_SYMBOLS = {
    "BRL": "R$",
    "USD": "US$",
    "EUR": "€",
    "GBP": "£",
    "ARS": "ARS$",
    "CLP": "CLP$",
    "MXN": "MX$",
    "PYG": "₲",
    "UYU": "$U",
    "JPY": "¥",
    "CHF": "CHF",
    "CAD": "CA$",
    "AUD": "A$",
    "PTE": "€",
}


def day_to_date(day: int) -> dt.date:
    """Turn an engine day number (days since 1970-01-01) into a date."""
    return dt.date.fromordinal(int(day) + _EPOCH_ORDINAL)


def _locale(locale: QLocale | None) -> QLocale:
    return locale if locale is not None else QLocale()


def format_count(value: int, locale: QLocale | None = None) -> str:
    """A whole number with the locale's group separator (1.234 in pt-BR)."""
    return _locale(locale).toString(int(value))


def format_signed(value: int, locale: QLocale | None = None) -> str:
    """A whole number with an explicit sign (+12, −3, 0)."""
    text = _locale(locale).toString(abs(int(value)))
    if value > 0:
        return "+" + text
    if value < 0:
        return "\u2212" + text
    return text


def format_percent(
    fraction: float | None, locale: QLocale | None = None, decimals: int = 1
) -> str:
    """A fraction as a percentage (0.234 → 23,4 % in pt-BR, 23.4% in English); None → —."""
    if fraction is None:
        return "\u2014"
    loc = _locale(locale)
    number = loc.toString(float(fraction) * 100, "f", decimals)
    if loc.language() == QLocale.Language.Portuguese:
        return number + "\u00a0%"
    return number + "%"


def format_signed_percent(
    fraction: float | None, locale: QLocale | None = None, decimals: int = 1
) -> str:
    """A relative change with an explicit sign (+4,8 %); None → —."""
    if fraction is None:
        return "\u2014"
    text = format_percent(abs(fraction), locale, decimals)
    if fraction > 0:
        return "+" + text
    if fraction < 0:
        return "\u2212" + text
    return text


def currency_symbol(code: str) -> str:
    """The symbol shown for an ISO 4217 currency code (``BRL`` → ``R$``).

    An empty code means the business never chose one: the currency then
    follows the system locale (R$ in Brazil), else the interface's locale.
    """
    if not code:
        for locale in (QLocale.system(), QLocale()):
            if locale.language() not in (
                QLocale.Language.C,
                QLocale.Language.AnyLanguage,
            ):
                iso = locale.currencySymbol(
                    QLocale.CurrencySymbolFormat.CurrencyIsoCode
                )
                if iso:
                    return _SYMBOLS.get(iso.upper(), locale.currencySymbol())
        return "R$"
    return _SYMBOLS.get(code.upper(), code.upper())


def format_money(
    cents: int, currency: str, locale: QLocale | None = None, decimals: int = 2
) -> str:
    """Integer cents as money in the business's currency (R$ 1.234,56 in pt-BR)."""
    return _locale(locale).toCurrencyString(
        int(cents) / 100, currency_symbol(currency), decimals
    )


def format_money_compact(
    cents: int, currency: str, locale: QLocale | None = None
) -> str:
    """Money rounded to thousands or millions for tight spaces (R$ 84,5 mil; R$84.5K)."""
    loc = _locale(locale)
    units = int(cents) / 100
    size = abs(units)
    if size < 10_000:
        return loc.toCurrencyString(units, currency_symbol(currency), 0)
    if size < 1_000_000:
        number, suffix = units / 1_000, QCoreApplication.translate("charts", "K")
    elif size < 1_000_000_000:
        number, suffix = units / 1_000_000, QCoreApplication.translate("charts", "M")
    else:
        number, suffix = (
            units / 1_000_000_000,
            QCoreApplication.translate("charts", "B"),
        )
    amount = loc.toCurrencyString(
        number, currency_symbol(currency), 1 if abs(number) < 100 else 0
    )
    return QCoreApplication.translate("charts", "{amount}{suffix}").format(
        amount=amount, suffix=suffix
    )


def _qdate(day: int) -> QDate:
    date = day_to_date(day)
    return QDate(date.year, date.month, date.day)


def format_date(day: int | None, locale: QLocale | None = None) -> str:
    """A day number as the locale's short date with a four-digit year (31/01/2024)."""
    if day is None:
        return ""
    loc = _locale(locale)
    pattern = loc.dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in pattern:
        pattern = pattern.replace("yy", "yyyy")
    return loc.toString(_qdate(day), pattern)


def format_month(day: int, locale: QLocale | None = None) -> str:
    """The short month label of the chart's axis ("jan/24" in pt-BR, "Jan ’24" in English)."""
    loc = _locale(locale)
    date = day_to_date(day)
    name = loc.standaloneMonthName(date.month, QLocale.FormatType.ShortFormat).rstrip(
        "."
    )
    if loc.language() == QLocale.Language.Portuguese:
        name = name.lower()
    year = f"{date.year % 100:02d}"
    return QCoreApplication.translate("charts", "{month} ’{year}").format(
        month=name, year=year
    )


def format_month_long(day: int, locale: QLocale | None = None) -> str:
    """The month in full for tooltips and lists ("janeiro de 2024", "January 2024")."""
    loc = _locale(locale)
    date = day_to_date(day)
    name = loc.standaloneMonthName(date.month, QLocale.FormatType.LongFormat)
    return QCoreApplication.translate("charts", "{month} {year}").format(
        month=name, year=date.year
    )


def interface_language() -> str:
    """``"pt_BR"`` when the interface runs in Portuguese, else ``"en"`` (from the default QLocale)."""
    return "pt_BR" if QLocale().language() == QLocale.Language.Portuguese else "en"
