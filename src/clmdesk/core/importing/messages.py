"""Message ids of reading and understanding spreadsheets (core layer).

Readers (``fileio``) and the planner/converter (``core.importing``) return
these as :class:`~clmdesk.core.messages.Message` values; pt-BR texts live in
``assets/i18n/pt_BR/import.json``.  Every file message names the file; every
row message names the column and the value (the row and sheet are carried by
:class:`~clmdesk.core.importing.records.RejectedRow`).
"""

from __future__ import annotations

from clmdesk.core.messages import define

__all__ = [
    "FILE_CORRUPT",
    "FILE_EMPTY",
    "FILE_ENCRYPTED",
    "FILE_NOT_FOUND",
    "FILE_NOT_SPREADSHEET",
    "FILE_TOO_BIG",
    "FILE_TOO_MANY_CELLS",
    "FILE_UNREADABLE",
    "FILE_UNSAFE",
    "PLAN_AMBIGUOUS_DATES",
    "PLAN_EMPTY_SHEET",
    "PLAN_MISSING_AMOUNT",
    "PLAN_MISSING_DATE",
    "PLAN_MISSING_KEY",
    "PLAN_NO_COLUMNS",
    "ROW_AMOUNT_EMPTY",
    "ROW_DATE_EMPTY",
    "ROW_DATE_FUTURE",
    "ROW_DATE_TOO_OLD",
    "ROW_NOT_A_DATE",
    "ROW_NOT_A_NUMBER",
    "ROW_NOT_A_SCORE",
    "ROW_NO_KEY",
    "ROW_NUMBER_TOO_LARGE",
    "ROW_VALUE_EMPTY",
]

# Whole files (fileio.readers.ReadError carries one of these).
FILE_NOT_FOUND = define("import.file.not_found", "{file}: the file does not exist.")
FILE_UNREADABLE = define(
    "import.file.unreadable", "{file}: the file cannot be opened ({detail})."
)
FILE_NOT_SPREADSHEET = define(
    "import.file.not_spreadsheet",
    "{file}: this is not a spreadsheet (Excel .xlsx/.xls, OpenDocument .ods or CSV).",
)
FILE_CORRUPT = define(
    "import.file.corrupt",
    "{file}: the file is damaged or incomplete and cannot be read.",
)
FILE_ENCRYPTED = define(
    "import.file.encrypted",
    "{file}: the workbook is protected by a password; save it without a password and try again.",
)
FILE_EMPTY = define("import.file.empty", "{file}: the file has no data.")
FILE_UNSAFE = define(
    "import.file.unsafe",
    "{file}: the file is built to exhaust the computer's memory (a decompression bomb or entity expansion) and was not opened.",
)
FILE_TOO_BIG = define(
    "import.file.too_big",
    "{file}: the file unpacks to {size_mb} MB, more than the {limit_mb} MB allowed.",
)
FILE_TOO_MANY_CELLS = define(
    "import.file.too_many_cells",
    "{file}: the file has more than {limit} cells; split it or raise the limit in the settings.",
)

# Plans (SheetPlan.issues).
PLAN_EMPTY_SHEET = define("import.plan.empty_sheet", "Sheet “{sheet}” is empty.")
PLAN_NO_COLUMNS = define(
    "import.plan.no_columns",
    "Sheet “{sheet}”: no recognisable columns; it will be ignored.",
)
PLAN_MISSING_DATE = define(
    "import.plan.missing_date", "Sheet “{sheet}”: no date column was found."
)
PLAN_MISSING_AMOUNT = define(
    "import.plan.missing_amount",
    "Sheet “{sheet}”: no amount column (nor quantity and unit price) was found.",
)
PLAN_MISSING_KEY = define(
    "import.plan.missing_key",
    "Sheet “{sheet}”: no customer column (id, e-mail or CPF/CNPJ) was found; every row will be anonymous.",
)
PLAN_AMBIGUOUS_DATES = define(
    "import.plan.ambiguous_dates",
    "Sheet “{sheet}”, column “{column}”: every date fits both day/month and month/day; read as {order}.",
)

# Rows (RejectedRow.reason).
ROW_DATE_EMPTY = define(
    "import.row.date_empty", "Column “{column}”: the date is empty."
)
ROW_NOT_A_DATE = define(
    "import.row.not_a_date", "Column “{column}”: “{value}” is not a date."
)
ROW_DATE_TOO_OLD = define(
    "import.row.date_too_old",
    "Column “{column}”: the date {date} is before 1900-01-01 (a placeholder, not a real date).",
)
ROW_DATE_FUTURE = define(
    "import.row.date_future",
    "Column “{column}”: the date {date} is after the day of the import ({today}).",
)
ROW_VALUE_EMPTY = define(
    "import.row.value_empty", "Column “{column}”: the value is empty."
)
ROW_AMOUNT_EMPTY = define(
    "import.row.amount_empty", "Column “{column}”: the amount is empty."
)
ROW_NOT_A_NUMBER = define(
    "import.row.not_a_number", "Column “{column}”: “{value}” is not a number."
)
ROW_NUMBER_TOO_LARGE = define(
    "import.row.number_too_large", "Column “{column}”: “{value}” is too large."
)
ROW_NOT_A_SCORE = define(
    "import.row.not_a_score",
    "Column “{column}”: “{value}” is not an NPS score (a whole number from 0 to 10).",
)
ROW_NO_KEY = define(
    "import.row.no_key", "The row has no customer (id, e-mail or CPF/CNPJ)."
)
