"""The import wizard end to end: real files, real service, real database.

The real export ``online_retail_II_part.xlsx`` goes through every page with
a mapping edited on the way; the dry run's counts must be the import's, a
second import adds nothing, and a cancelled import leaves the database as it
was. A small generated workbook checks rejected rows and their export, and
that the import reuses the dry run's conversion unless a mapping was edited
after it. The dry run lets go of the raw rows once converted: the pages keep
their first rows, Back then Next reuses the conversion, an edit reads the
file again (and names a file that changed meanwhile), and closing frees
what is left off the window's thread.
"""

from __future__ import annotations

import csv
import importlib
import threading
import time
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import shiboken6
from PySide6.QtCore import QElapsedTimer, QLocale, QTimer
from PySide6.QtWidgets import QComboBox, QWidget, QWizard

from clmdesk.core.importing import Field
from clmdesk.services import importing as service
from clmdesk.settings.preferences import Preferences
from clmdesk.storage.database import open_database
from clmdesk.ui.import_wizard import ImportWizard, backend
from clmdesk.ui.import_wizard.models import ColumnMappingModel

#: The figures the issue gives for the real file.
RETAIL = {
    "rows_read": 34_766,
    "anonymous": 601,
    "already_imported": 441,
    "rejected": 0,
    "customers_new": 262,
    "orders_new": 1_720,
    "returns_new": 302,
    "zero_value_new": 1,
    "revenue_cents": 121_634_867,
}


@pytest.fixture
def database(db_path: Path):
    db = open_database(db_path)
    yield db
    db.close()


@pytest.fixture
def make_wizard(qtbot, database):
    # Figures are shown in the interface locale: pin it (the test machine may be "C").
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    parent = QWidget()
    qtbot.addWidget(parent)
    made: list[ImportWizard] = []

    def make(paths: list[str], **kwargs) -> ImportWizard:
        kwargs.setdefault("language", "en")
        wizard = ImportWizard(database, Preferences(), paths, parent, **kwargs)
        made.append(wizard)
        wizard.open()
        return wizard

    yield make
    for wizard in made:
        if shiboken6.isValid(wizard):
            wizard.cancel_task()
            wizard.done(0)
    QLocale.setDefault(previous)


def wait_for_sheets(qtbot, wizard: ImportWizard) -> None:
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.MAPPING_PAGE, timeout=5000)
    qtbot.waitUntil(wizard.mapping_page.isComplete, timeout=60000)


def go_to_summary(qtbot, wizard: ImportWizard) -> object:
    wizard.next()
    assert wizard.currentId() == wizard.SUMMARY_PAGE
    page = wizard.summary_page
    qtbot.waitUntil(lambda: page.summary is not None, timeout=120000)
    return page.summary


def choose_field(page, header: str, field: Field | None) -> None:
    """Pick ``field`` for the column titled ``header`` in its combo, as a user would."""
    model = page.mapping_model
    row = next(c.index for c in model.plan.columns if c.header == header)
    combo = page.mapping_view.indexWidget(
        model.index(row, ColumnMappingModel.COL_FIELD)
    )
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData(field))
    combo.activated.emit(combo.currentIndex())


def subset(counts: dict[str, int]) -> dict[str, int]:
    return {name: counts[name] for name in RETAIL}


@pytest.mark.slow
def test_real_file_end_to_end(qtbot, make_wizard, database, retail_file: Path) -> None:
    wizard = make_wizard([str(retail_file)])
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    assert [e.plan.sheet for e in page.sheet_model.entries()] == [
        "Year 2009-2010",
        "Year 2010-2011",
    ]

    # Without its customer column the first sheet is anonymous: the dry run says so.
    choose_field(page, "Customer ID", None)
    qtbot.waitUntil(page.isComplete, timeout=30000)
    assert "no customer column" in page.issues_label.text()
    forecast = go_to_summary(qtbot, wizard)
    assert forecast.sheets[0].anonymous == forecast.sheets[0].rows_read == 14_269

    # Back, map it again with the combo: the real figures.
    wizard.back()
    choose_field(page, "Customer ID", Field.CUSTOMER_ID)
    qtbot.waitUntil(page.isComplete, timeout=30000)
    plan = wizard.plans[0].sheets[0]
    assert plan.mapping[Field.CUSTOMER_ID] == 6
    assert plan.columns[6].source == "user"
    forecast = go_to_summary(qtbot, wizard)
    assert subset(forecast.counts()) == RETAIL
    assert forecast.imported == 34_766 - 601 - 441
    grid = wizard.summary_page.counts.values
    assert grid["already_imported"].text() == "441"
    assert grid["revenue_cents"].text() == "1,216,348.67"
    assert wizard.button(QWizard.WizardButton.CommitButton).isEnabled()

    # Import: a determinate bar, then the result, whose counts are the forecast's.
    bar_ranges: list[int] = []
    page4 = wizard.import_page
    page4.busy.bar.valueChanged.connect(
        lambda _v: bar_ranges.append(page4.busy.bar.maximum())
    )
    with qtbot.waitSignal(wizard.import_finished, timeout=120000) as finished:
        wizard.next()
    result = finished.args[0]
    assert result.counts() == forecast.counts()
    assert result.batch_id is not None
    assert bar_ranges
    assert all(maximum > 0 for maximum in bar_ranges)
    assert page4.state == "done"
    assert page4.counts.values["imported"].text() == f"{forecast.imported:,}"
    assert len(service.list_batches(database)) == 1
    wizard.accept()

    # The same file again adds nothing: the wizard says so and offers no Import.
    again = make_wizard([str(retail_file)])
    wait_for_sheets(qtbot, again)
    forecast = go_to_summary(qtbot, again)
    assert forecast.imported == 0
    assert forecast.already_imported == 34_766 - 601
    assert again.summary_page.nothing_label.isVisibleTo(again)
    assert not again.button(QWizard.WizardButton.CommitButton).isEnabled()


class _Gate:
    """Holds the import inside its write transaction until the test cancels it."""

    def __init__(self) -> None:
        self.writing = threading.Event()

    def backend(self) -> SimpleNamespace:
        def run_import(database, plans, prepared=None, *, progress, is_cancelled):
            def hold(done: int, total: int) -> None:
                progress(done, total)
                # The dry run's conversion is reused: progress counts the rows
                # written (past half, they are being written either way).
                if done > total // 2 and not self.writing.is_set():
                    self.writing.set()
                    while not is_cancelled():
                        threading.Event().wait(0.005)

            return backend.run_import(
                database, plans, prepared, progress=hold, is_cancelled=is_cancelled
            )

        return SimpleNamespace(
            plan_files=backend.plan_files,
            refine_sheets=backend.refine_sheets,
            read_again=backend.read_again,
            dry_run=backend.dry_run,
            run_import=run_import,
        )


@pytest.mark.slow
def test_cancelling_the_import_changes_nothing(
    qtbot, make_wizard, database, retail_file: Path
) -> None:
    gate = _Gate()
    wizard = make_wizard([str(retail_file)], backend=gate.backend())
    wait_for_sheets(qtbot, wizard)
    go_to_summary(qtbot, wizard)
    finished: list[object] = []
    wizard.import_finished.connect(finished.append)
    wizard.next()
    qtbot.waitUntil(gate.writing.is_set, timeout=120000)
    page = wizard.import_page
    assert page.state == "running"

    wizard.reject()  # the Cancel button and Esc
    assert wizard.isVisible()  # the wizard stays to say what happened
    qtbot.waitUntil(lambda: page.state == "cancelled", timeout=60000)
    assert "Nothing was changed" in page.stopped_label.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).text() == "&Close"
    assert finished == []
    assert service.list_batches(database) == []
    with database.read() as connection:
        lines = connection.exec_driver_sql("SELECT COUNT(*) FROM order_lines").scalar()
        customers = connection.exec_driver_sql(
            "SELECT COUNT(*) FROM customers"
        ).scalar()
    assert (lines, customers) == (0, 0)
    wizard.reject()
    assert not shiboken6.isValid(wizard) or not wizard.isVisible()


@pytest.mark.slow
def test_window_stays_responsive_during_the_import(
    qtbot, make_wizard, retail_file: Path
) -> None:
    # numpy imports numpy.ma on the first np.unique; without cached bytecode
    # (PYTHONDONTWRITEBYTECODE) compiling it holds the GIL for 100+ ms once
    # per process: a start-up cost, not what this test measures.
    importlib.import_module("numpy.ma")
    wizard = make_wizard([str(retail_file)])
    wait_for_sheets(qtbot, wizard)
    clock = QElapsedTimer()
    last_cpu = [time.process_time()]
    blocked: list[float] = []

    def tick() -> None:
        wall = clock.restart()
        cpu = time.process_time()
        # The GUI thread waits on the GIL only while the worker computes: the
        # process's CPU time then grows with the wall time. On a machine
        # busy with other processes the whole process may simply not run;
        # that is not the import blocking the window.
        used_ms = (cpu - last_cpu[0]) * 1000
        last_cpu[0] = cpu
        if wizard.summary_page._running or wizard.import_page.state == "running":
            blocked.append(min(wall, used_ms))

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    go_to_summary(qtbot, wizard)
    with qtbot.waitSignal(wizard.import_finished, timeout=120000):
        wizard.next()
    timer.stop()
    assert len(blocked) > 10
    worst = max(blocked[1:])
    assert worst <= 50, f"the GUI thread was blocked for {worst:.0f} ms"


# --------------------------------------------------------------- small files


def write_small_orders(path: Path) -> Path:
    """Orders with one row of each fate: imported, anonymous, rejected (bad date, future date)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Vendas"
    sheet.append(["Cliente", "Data", "Valor total (R$)", "Pedido"])
    sheet.append(["C1", datetime(2024, 3, 5), 10.5, "P1"])
    sheet.append(["C2", datetime(2024, 3, 6), 20.0, "P2"])
    sheet.append([None, datetime(2024, 3, 7), 5.0, "P3"])
    sheet.append(["C3", "ontem", 7.0, "P4"])
    sheet.append(["@SUM(1+1)", date(2099, 1, 1), 1.0, "P5"])
    workbook.save(path)
    workbook.close()
    return path


def test_rejected_rows_are_shown_and_exported(
    qtbot, make_wizard, database, tmp_path: Path, monkeypatch
) -> None:
    path = write_small_orders(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    forecast = go_to_summary(qtbot, wizard)
    assert (forecast.imported, forecast.anonymous, forecast.rejected) == (2, 1, 2)
    reasons = wizard.summary_page.reason_model
    assert reasons.rowCount() == 2
    assert "“ontem” is not a date" in " ".join(
        reasons.index(row, reasons.COL_REASON).data() for row in range(2)
    )
    with qtbot.waitSignal(wizard.import_finished, timeout=60000) as finished:
        wizard.next()
    assert finished.args[0].counts() == forecast.counts()
    page = wizard.import_page
    assert page.rejected_model.rowCount() == 2
    assert page.export_button.isEnabled()

    for suffix in (".xlsx", ".csv"):
        target = tmp_path / f"rejected{suffix}"
        monkeypatch.setattr(
            "clmdesk.ui.import_wizard.import_page.QFileDialog.getSaveFileName",
            lambda *args, target=target, **kwargs: (str(target), ""),
        )
        page.choose_export_file()
        qtbot.waitUntil(lambda target=target: target.exists(), timeout=20000)
        qtbot.waitUntil(lambda: wizard.task_name == "", timeout=20000)
        assert "Saved to" in page.export_label.text()

    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "rejected.xlsx")
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    assert rows[0][:4] == ("File", "Sheet", "Row", "Reason")
    assert rows[0][4:8] == ("Cliente", "Data", "Valor total (R$)", "Pedido")
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("vendas.xlsx", "Vendas", 5),
        ("vendas.xlsx", "Vendas", 6),
    ]
    # Formula-like text stays text.
    assert rows[2][4] == "@SUM(1+1)"
    with (tmp_path / "rejected.csv").open(encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    table = list(csv.reader(text.splitlines(), delimiter=","))
    assert table[0][:4] == ["File", "Sheet", "Row", "Reason"]
    assert table[2][4] == "'@SUM(1+1)"


def write_customers(path: Path, email: str) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Clientes"
    sheet.append(["Código do cliente", "Nome", "E-mail", "Cidade"])
    sheet.append(["A1", "Ana", email, "Recife"])
    sheet.append(["B2", "Bruno", None, "Natal"])
    notes = workbook.create_sheet("Notas")
    notes.append(["ligar para o fornecedor"])
    workbook.save(path)
    workbook.close()
    return path


def test_different_values_and_left_out_sheets_are_shown(
    qtbot, qtmodeltester, make_wizard, database, tmp_path: Path
) -> None:
    first = write_customers(tmp_path / "clientes.xlsx", "ana@example.com")
    plans = service.plan_files([str(first)], service.import_options(database))
    service.run_import(database, plans)

    second = write_customers(tmp_path / "clientes-2.xlsx", "ana.silva@example.com")
    wizard = make_wizard([str(second)])
    wait_for_sheets(qtbot, wizard)
    forecast = go_to_summary(qtbot, wizard)
    assert forecast.conflict_count == 1
    page = wizard.summary_page
    assert page.tabs.isTabEnabled(2)
    assert page.tabs.tabText(2) == "&Different values (1)"
    model = page.conflict_model
    qtmodeltester.check(model)
    row = [model.index(0, column).data() for column in range(model.columnCount())]
    assert row[:4] == ["A1", "E-mail", "ana@example.com", "ana.silva@example.com"]
    assert page.counts.values["ignored_sheets"].text() == "1"
    # Nothing new but a conflict: nothing to import.
    assert not wizard.button(QWizard.WizardButton.CommitButton).isEnabled()


# ------------------------------------------------- the dry run's conversion


class _ConversionSpy:
    """Counts sheets converted by the import service (on the worker thread)."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = service.convert_sheet

        def counting(raw, plan, today):
            self.count += 1
            return real(raw, plan, today)

        monkeypatch.setattr(service, "convert_sheet", counting)


def write_two_orders_a_day(path: Path) -> Path:
    """C1 buys twice on 5 March (orders P1 and P2), C2 once."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Vendas"
    sheet.append(["Cliente", "Data", "Valor total (R$)", "Pedido"])
    sheet.append(["C1", datetime(2024, 3, 5, 10, 0), 10.5, "P1"])
    sheet.append(["C1", datetime(2024, 3, 5, 11, 0), 20.0, "P2"])
    sheet.append(["C2", datetime(2024, 3, 6, 9, 0), 7.25, "P3"])
    workbook.save(path)
    workbook.close()
    return path


def write_many_orders(path: Path, lines: int) -> Path:
    """``lines`` orders, one per customer (C0, C1, …)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Vendas")
    sheet.append(["Cliente", "Data", "Valor total (R$)", "Pedido"])
    for line in range(lines):
        sheet.append(
            [f"C{line}", datetime(2024, 1, 1 + line % 28, 9), 1.0 + line, f"P{line}"]
        )
    workbook.save(path)
    workbook.close()
    return path


def record_bar(page) -> list[tuple[int, int]]:
    """(value, maximum) of the page's progress bar at every change."""
    bar = page.busy.bar
    seen: list[tuple[int, int]] = []
    bar.valueChanged.connect(lambda value: seen.append((value, bar.maximum())))
    return seen


def test_the_import_reuses_the_dry_runs_conversion(
    qtbot, make_wizard, database, tmp_path: Path, monkeypatch
) -> None:
    spy = _ConversionSpy(monkeypatch)
    path = write_small_orders(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    forecast = go_to_summary(qtbot, wizard)
    assert spy.count == 1
    prepared = wizard.prepared
    assert prepared is not None
    assert prepared.available
    assert prepared.summary is forecast

    bar = record_bar(wizard.import_page)
    with qtbot.waitSignal(wizard.import_finished, timeout=60000) as finished:
        wizard.next()
    result = finished.args[0]
    assert spy.count == 1  # not converted again
    assert result.counts() == forecast.counts()
    assert result.rejected_rows == forecast.rejected_rows
    assert wizard.import_page.rejected_model.rowCount() == 2
    # Let go once imported: neither the wizard nor the object holds it.
    assert wizard.prepared is None
    assert not prepared.available
    # A determinate bar that only moves forward and ends full.
    assert bar
    assert all(maximum > 0 for _, maximum in bar)
    shares = [value / maximum for value, maximum in bar]
    assert shares == sorted(shares)
    assert shares[-1] == 1


def test_a_mapping_edited_after_the_dry_run_is_imported_as_edited(
    qtbot, make_wizard, database, tmp_path: Path, monkeypatch
) -> None:
    spy = _ConversionSpy(monkeypatch)
    path = write_two_orders_a_day(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    forecast = go_to_summary(qtbot, wizard)
    assert forecast.orders_new == 3
    first = wizard.prepared
    assert first is not None
    assert first.available

    # Back: the conversion stays for a dry run with nothing edited.
    wizard.back()
    assert wizard.prepared is first
    assert first.available
    # The edit: its formats are detected from every value, so the file is
    # read again (the dry run let go of its rows), and the conversion goes.
    page = wizard.mapping_page
    choose_field(page, "Pedido", None)
    assert wizard.prepared is None
    qtbot.waitUntil(page.isComplete, timeout=30000)
    assert page.stack.currentIndex() == 1  # the sheets, shown again once refined
    assert not first.available
    assert not service.rows_released(wizard.plans)
    assert Field.ORDER_ID not in wizard.plans[0].sheets[0].mapping
    # Without order ids C1's two purchases of 5 March are one order.
    forecast = go_to_summary(qtbot, wizard)
    assert spy.count == 2
    assert (forecast.lines_imported, forecast.orders_new) == (3, 2)

    with qtbot.waitSignal(wizard.import_finished, timeout=60000) as finished:
        wizard.next()
    result = finished.args[0]
    assert spy.count == 2  # the edited dry run's conversion was reused
    assert result.counts() == forecast.counts()
    assert (result.lines_imported, result.orders_new) == (3, 2)
    with database.read() as connection:
        refs = connection.exec_driver_sql(
            "SELECT COUNT(*), COUNT(order_ref) FROM order_lines"
        ).one()
        orders = connection.exec_driver_sql("SELECT COUNT(*) FROM orders").scalar()
    assert tuple(refs) == (3, 0)
    assert orders == 2


def test_the_dry_run_lets_go_of_the_rows_and_the_pages_keep_their_first_rows(
    qtbot, make_wizard, tmp_path: Path
) -> None:
    path = write_many_orders(tmp_path / "muitas.xlsx", 2_500)
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    raw = wizard.plans[0].workbook.sheets[0]
    assert len(raw.rows) == 2_501
    go_to_summary(qtbot, wizard)
    # Converted: the rows the sheets page read are gone, its first rows stay.
    assert raw.rows == []
    assert service.rows_released(wizard.plans)
    assert len(wizard.plans[0].workbook.sheets[0].rows) == 1 + service.FIRST_ROWS

    wizard.back()
    page = wizard.mapping_page
    assert page.preview_model.rowCount() == page.preview_model.MAX_ROWS
    assert page.preview_model.index(0, 0).data() == "C0"
    examples = page.mapping_model.index(0, ColumnMappingModel.COL_EXAMPLES).data()
    assert examples.startswith("C0; C1")
    # The sheet still says how many rows it has.
    assert "2,500" in page.info_label.text()
    assert page.isComplete()


def test_back_and_next_without_an_edit_reuse_the_conversion(
    qtbot, make_wizard, database, tmp_path: Path, monkeypatch
) -> None:
    spy = _ConversionSpy(monkeypatch)
    path = write_small_orders(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    forecast = go_to_summary(qtbot, wizard)
    prepared = wizard.prepared
    wizard.back()
    assert wizard.mapping_page.isComplete()  # nothing to read again
    again = go_to_summary(qtbot, wizard)
    assert spy.count == 1  # checked against the database again, not converted
    assert again.counts() == forecast.counts()
    assert again.rejected_rows == forecast.rejected_rows
    assert wizard.prepared is not prepared
    assert not prepared.available

    with qtbot.waitSignal(wizard.import_finished, timeout=60000) as finished:
        wizard.next()
    assert spy.count == 1
    assert finished.args[0].counts() == again.counts()


def test_a_file_changed_after_the_dry_run_is_named_when_a_mapping_is_edited(
    qtbot, make_wizard, tmp_path: Path, monkeypatch
) -> None:
    path = write_two_orders_a_day(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    go_to_summary(qtbot, wizard)
    write_small_orders(path)
    errors: list[object] = []
    monkeypatch.setattr(wizard, "show_error", errors.append)
    wizard.back()
    page = wizard.mapping_page
    choose_field(page, "Pedido", None)
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    assert errors[0].message.id == "import.file.changed"
    assert page.stack.currentIndex() == 1  # the sheets again, not the busy bar
    assert not page.isComplete()  # the edit could not be checked


def test_going_back_to_the_files_while_reading_again_stops_it(
    qtbot, make_wizard, tmp_path: Path
) -> None:
    gate = threading.Event()
    reading = threading.Event()

    def read_again(plans, previous=None, *, progress, is_cancelled):
        reading.set()
        while not gate.is_set() and not is_cancelled():
            threading.Event().wait(0.005)
        return backend.read_again(
            plans, previous, progress=progress, is_cancelled=is_cancelled
        )

    stand_in = SimpleNamespace(
        plan_files=backend.plan_files,
        refine_sheets=backend.refine_sheets,
        read_again=read_again,
        dry_run=backend.dry_run,
        run_import=backend.run_import,
    )
    path = write_two_orders_a_day(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)], backend=stand_in)
    wait_for_sheets(qtbot, wizard)
    go_to_summary(qtbot, wizard)
    wizard.back()
    page = wizard.mapping_page
    choose_field(page, "Pedido", None)
    qtbot.waitUntil(reading.is_set, timeout=10000)
    assert wizard.task_name == "read_again"
    assert page.stack.currentIndex() == 0  # the busy bar
    assert not page.isComplete()

    wizard.back()  # to the files
    qtbot.waitUntil(lambda: not wizard.is_busy, timeout=10000)
    gate.set()
    wizard.next()  # the edit is still there: read again, then refined
    qtbot.waitUntil(page.isComplete, timeout=30000)
    assert not service.rows_released(wizard.plans)
    assert Field.ORDER_ID not in wizard.plans[0].sheets[0].mapping
    forecast = go_to_summary(qtbot, wizard)
    assert (forecast.lines_imported, forecast.orders_new) == (3, 2)


def test_back_while_the_dry_run_runs_then_next_reads_the_file_again(
    qtbot, make_wizard, tmp_path: Path, monkeypatch
) -> None:
    spy = _ConversionSpy(monkeypatch)
    started = threading.Event()

    def dry_run(database, plans, previous=None, *, progress, is_cancelled):
        if not started.is_set():  # the first dry run waits to be cancelled
            started.set()
            while not is_cancelled():
                threading.Event().wait(0.005)
        return backend.dry_run(
            database, plans, previous, progress=progress, is_cancelled=is_cancelled
        )

    stand_in = SimpleNamespace(
        plan_files=backend.plan_files,
        refine_sheets=backend.refine_sheets,
        read_again=backend.read_again,
        dry_run=dry_run,
        run_import=backend.run_import,
    )
    path = write_small_orders(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)], backend=stand_in)
    wait_for_sheets(qtbot, wizard)
    raw = wizard.plans[0].workbook.sheets[0]
    wizard.next()
    qtbot.waitUntil(started.is_set, timeout=10000)
    wizard.back()  # cancels the dry run, which lets go of the rows anyway
    qtbot.waitUntil(lambda: not wizard.is_busy, timeout=10000)
    qtbot.waitUntil(lambda: not raw.rows, timeout=10000)
    assert spy.count == 0
    assert wizard.prepared is None
    assert service.rows_released(wizard.plans)

    forecast = go_to_summary(qtbot, wizard)
    assert spy.count == 1
    assert (forecast.imported, forecast.anonymous, forecast.rejected) == (2, 1, 2)
    with qtbot.waitSignal(wizard.import_finished, timeout=60000) as finished:
        wizard.next()
    assert spy.count == 1
    assert finished.args[0].counts() == forecast.counts()


def test_closing_lets_the_conversion_and_the_rows_go_off_the_windows_thread(
    qtbot, make_wizard, tmp_path: Path, monkeypatch
) -> None:
    threads: list[str] = []
    real = service.drop_rows

    def recording(plans):
        threads.append(threading.current_thread().name)
        real(plans)

    monkeypatch.setattr(service, "drop_rows", recording)
    path = write_two_orders_a_day(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    go_to_summary(qtbot, wizard)
    prepared = wizard.prepared
    assert prepared is not None
    assert prepared.available
    wizard.reject()
    qtbot.waitUntil(lambda: not prepared.available, timeout=5000)

    # Closed on the sheets page: the rows read are emptied off it too.
    other = make_wizard([str(path)])
    wait_for_sheets(qtbot, other)
    raw = other.plans[0].workbook.sheets[0]
    assert raw.rows
    other.reject()
    qtbot.waitUntil(lambda: not raw.rows, timeout=5000)
    assert "MainThread" not in threads
    assert "clmdesk-let-go" in threads


def test_an_import_cancelled_before_its_worker_took_it_says_nothing_changed(
    qtbot, make_wizard, database, tmp_path: Path
) -> None:
    path = write_two_orders_a_day(tmp_path / "vendas.xlsx")
    wizard = make_wizard([str(path)])
    wait_for_sheets(qtbot, wizard)
    go_to_summary(qtbot, wizard)
    # The wizard's worker is still busy with an earlier task that does not
    # stop at once: the import waits behind it, and is cancelled meanwhile.
    release = threading.Event()
    busy = threading.Event()

    def slow_to_stop(*, progress, is_cancelled) -> None:
        busy.set()
        release.wait(10)

    wizard.runner.start(slow_to_stop)
    qtbot.waitUntil(busy.is_set, timeout=5000)
    wizard.next()
    page = wizard.import_page
    assert page.state == "running"
    wizard.reject()  # Cancel, before the worker took the import
    assert page.state == "stopping"
    release.set()

    qtbot.waitUntil(lambda: page.state == "cancelled", timeout=10000)
    assert "Nothing was changed" in page.stopped_label.text()
    assert service.list_batches(database) == []
