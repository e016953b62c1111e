"""Import wizard pages on small generated files: files, planning, mapping edits, the day/month question."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QLocale, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QComboBox, QRadioButton, QWidget, QWizard

from clmdesk.core.importing import DateOrder, Field, Role
from clmdesk.settings.preferences import Preferences, load_preferences
from clmdesk.storage.database import open_database
from clmdesk.ui.import_wizard import ImportWizard
from clmdesk.ui.import_wizard.models import ColumnMappingModel, cell_text, column_letter


def write_orders_xlsx(path: Path, *, ambiguous_dates: bool = False) -> Path:
    """An orders sheet under a title row, plus a notes sheet with nothing to import."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Sales export — March"])
    sheet.append(["Customer", "Date", "Amount", "Invoice", "Note"])
    rows = [
        ("C001", datetime(2024, 3, 5, 10, 30), 120.5, "A-1", "first"),
        ("C002", datetime(2024, 3, 6), 80.0, "A-2", ""),
        ("C001", datetime(2024, 3, 12), -20.0, "A-3", "return"),
        ("C003", datetime(2024, 4, 2), 15.25, "A-4", ""),
    ]
    for customer, day, amount, invoice, note in rows:
        written = day.strftime("%m/%d/%Y") if ambiguous_dates else day
        sheet.append([customer, written, amount, invoice, note])
    notes = workbook.create_sheet("Notes")
    notes.append(["Remember to call the supplier"])
    notes.append(["and to pay the rent"])
    workbook.save(path)
    workbook.close()
    return path


@pytest.fixture
def database(db_path: Path):
    db = open_database(db_path)
    yield db
    db.close()


@pytest.fixture
def make_wizard(qtbot, database):
    parent = QWidget()
    qtbot.addWidget(parent)
    made: list[ImportWizard] = []

    def make(paths: list[str] | None = None, **kwargs) -> ImportWizard:
        wizard = ImportWizard(
            database, Preferences(), paths or [], parent, language="en", **kwargs
        )
        made.append(wizard)
        return wizard

    yield make
    for wizard in made:
        if shiboken6.isValid(wizard):
            wizard.cancel_task()
            wizard.done(0)


def wait_for_sheets(qtbot, wizard: ImportWizard) -> None:
    page = wizard.mapping_page
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.MAPPING_PAGE, timeout=5000)
    qtbot.waitUntil(lambda: not page._planning and not page._refining, timeout=20000)


def test_dropped_files_open_on_the_sheets_page(
    qtbot, make_wizard, tmp_path: Path
) -> None:
    path = write_orders_xlsx(tmp_path / "orders.xlsx")
    wizard = make_wizard([str(path)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    entries = page.sheet_model.entries()
    assert [(e.plan.sheet, e.plan.role) for e in entries] == [
        ("Orders", Role.ORDERS),
        ("Notes", Role.IGNORE),
    ]
    # The first importable sheet is shown, with its title row skipped.
    assert page.current_entry() is entries[0]
    assert "row 2" in page.info_label.text()
    assert page.preview_model.rowCount() == 4
    assert page.preview_model.headerData(0, Qt.Orientation.Vertical) == "3"
    assert page.isComplete()
    # Back leads to the files page, which lists the dropped file.
    wizard.back()
    assert wizard.currentId() == wizard.FILES_PAGE
    assert wizard.files_page.paths() == [str(path)]


def test_models_pass_the_model_tester(
    qtbot, qtmodeltester, make_wizard, tmp_path: Path
) -> None:
    path = write_orders_xlsx(tmp_path / "orders.xlsx")
    wizard = make_wizard([str(path)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    qtmodeltester.check(wizard.files_page.model)
    qtmodeltester.check(page.sheet_model)
    qtmodeltester.check(page.mapping_model)
    qtmodeltester.check(page.preview_model)


def test_editing_a_field_with_the_combo_remaps_the_plan(
    qtbot, make_wizard, tmp_path: Path
) -> None:
    path = write_orders_xlsx(tmp_path / "orders.xlsx")
    wizard = make_wizard([str(path)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    model = page.mapping_model
    invoice = next(c.index for c in model.plan.columns if c.header == "Invoice")
    assert model.plan.columns[invoice].field == Field.ORDER_ID

    combo = page.mapping_view.indexWidget(
        model.index(invoice, ColumnMappingModel.COL_FIELD)
    )
    assert isinstance(combo, QComboBox)
    combo.setCurrentIndex(combo.findData(None))
    combo.activated.emit(combo.currentIndex())
    qtbot.waitUntil(page.isComplete, timeout=10000)

    plan = wizard.plans[0].sheets[0]
    assert plan.columns[invoice].field is None
    assert plan.columns[invoice].source == "user"
    # The note column now becomes the order id: the field moves, never duplicates.
    note = next(c.index for c in plan.columns if c.header == "Note")
    model.setData(model.index(note, ColumnMappingModel.COL_FIELD), Field.ORDER_ID)
    qtbot.waitUntil(page.isComplete, timeout=10000)
    plan = wizard.plans[0].sheets[0]
    assert plan.mapping[Field.ORDER_ID] == note
    assert plan.columns[note].source == "user"
    assert "→ Order id" in page.preview_model.headerData(
        note, Qt.Orientation.Horizontal
    )


def test_role_change_ignores_a_sheet(qtbot, make_wizard, tmp_path: Path) -> None:
    path = write_orders_xlsx(tmp_path / "orders.xlsx")
    wizard = make_wizard([str(path)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    page.role_combo.setCurrentIndex(page.role_combo.findData(Role.IGNORE))
    page.role_combo.activated.emit(page.role_combo.currentIndex())
    qtbot.waitUntil(lambda: not page._refining and not page._dirty, timeout=10000)
    assert wizard.plans[0].sheets[0].role == Role.IGNORE
    # Nothing left to import: Next stays disabled.
    assert not page.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_ambiguous_dates_are_asked(qtbot, make_wizard, tmp_path: Path) -> None:
    path = write_orders_xlsx(tmp_path / "orders.xlsx", ambiguous_dates=True)
    wizard = make_wizard([str(path)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    entry = page.current_entry()
    assert entry is not None
    assert entry.needs_answer
    assert page.date_box.isVisibleTo(wizard)
    assert not page.isComplete()

    buttons = page.date_box.findChildren(QRadioButton)
    month_first = next(b for b in buttons if b.text().startswith("&Month first"))
    # 03/05/2024 read month first is 5 March 2024.
    assert "March" in month_first.text()
    month_first.click()
    qtbot.waitUntil(page.isComplete, timeout=10000)
    date_column = next(
        c for c in wizard.plans[0].sheets[0].columns if c.field == Field.DATE
    )
    assert date_column.date_order == DateOrder.MONTH_FIRST
    assert not date_column.date_order_ambiguous


def test_files_page_takes_drops_and_remembers_the_folder(
    qtbot, make_wizard, tmp_path: Path, monkeypatch
) -> None:
    first = write_orders_xlsx(tmp_path / "a.xlsx")
    second = tmp_path / "b.csv"
    second.write_text("customer,date,amount\nC1,2024-01-02,10.00\n", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    wizard = make_wizard()
    wizard.open()
    page = wizard.files_page
    assert not page.isComplete()

    data = QMimeData()
    data.setUrls(
        [QUrl.fromLocalFile(str(p)) for p in (first, second, tmp_path / "notes.pdf")]
    )
    drop = QDropEvent(
        QPointF(10, 10),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(drop)
    assert page.paths() == [str(first), str(second)]
    assert page.isComplete()

    third = tmp_path / "more" / "c.csv"
    third.parent.mkdir()
    third.write_text("customer,date,amount\nC2,2024-01-03,5.00\n", encoding="utf-8")
    monkeypatch.setattr(
        "clmdesk.ui.import_wizard.files_page.QFileDialog.getOpenFileNames",
        lambda *args, **kwargs: ([str(third)], ""),
    )
    page.choose_files()
    assert page.paths()[-1] == str(third)
    assert load_preferences().last_folder == str(third.parent)

    page.view.selectRow(0)
    page.remove_selected()
    assert page.paths() == [str(second), str(third)]


def test_unreadable_files_are_named(qtbot, make_wizard, tmp_path: Path) -> None:
    good = write_orders_xlsx(tmp_path / "orders.xlsx")
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    wizard = make_wizard([str(good), str(bad)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    assert page.failure_label.isVisibleTo(wizard)
    assert "broken.xlsx" in page.failure_label.text()
    assert len(page.sheet_model.entries()) == 2


def test_cell_text_and_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
    ]
    assert cell_text(None) == ""
    assert "2024" in cell_text(datetime(2024, 3, 5, 10, 30))
    previous = QLocale()
    try:
        QLocale.setDefault(
            QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)
        )
        assert cell_text(12346.0) == "12346"
        assert cell_text(2.55) == "2.55"
        assert cell_text(123456.125) == "123456.125"
        # A Brazilian reads the preview with a decimal comma, every digit kept.
        QLocale.setDefault(QLocale(QLocale.Language.Portuguese, QLocale.Country.Brazil))
        assert cell_text(12346.0) == "12346"
        assert cell_text(2.55) == "2,55"
        assert cell_text(123456.125) == "123456,125"
        assert cell_text(0.1 + 0.2) == "0,30000000000000004"
    finally:
        QLocale.setDefault(previous)


def test_edits_survive_going_back_to_add_a_file(
    qtbot, make_wizard, tmp_path: Path
) -> None:
    first = write_orders_xlsx(tmp_path / "orders.xlsx")
    wizard = make_wizard([str(first)])
    wizard.open()
    wait_for_sheets(qtbot, wizard)
    page = wizard.mapping_page
    note = next(c.index for c in page.mapping_model.plan.columns if c.header == "Note")
    page.mapping_model.setData(
        page.mapping_model.index(note, ColumnMappingModel.COL_FIELD), Field.STATUS
    )
    qtbot.waitUntil(page.isComplete, timeout=10000)

    wizard.back()
    second = tmp_path / "more.csv"
    second.write_text("customer,date,amount\nC9,2024-01-02,10.00\n", encoding="utf-8")
    wizard.files_page.add_paths([str(second)])
    wizard.next()
    wait_for_sheets(qtbot, wizard)
    assert [p.workbook.file for p in wizard.plans] == ["orders.xlsx", "more.csv"]
    assert wizard.plans[0].sheets[0].columns[note].field == Field.STATUS
    assert page.current_entry().plan.sheet == "Orders"
    assert len(page.sheet_model.entries()) == 3


def test_escape_closes_the_wizard_while_it_reads(
    qtbot, make_wizard, tmp_path: Path
) -> None:
    path = write_orders_xlsx(tmp_path / "orders.xlsx")
    wizard = make_wizard([str(path)])
    wizard.open()
    qtbot.waitUntil(lambda: wizard.currentId() == wizard.MAPPING_PAGE, timeout=5000)
    with qtbot.waitSignal(wizard.rejected, timeout=5000):
        qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible()
