"""The stage model settings dialog: edit, preview, validate, save."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from clmdesk.core.lifecycle.model import RecencyUnit, default_model, last_purchase_model
from clmdesk.services.classification import read_cycle_setting, read_stage_model
from clmdesk.storage.bulk import bulk_insert
from clmdesk.storage.database import open_database
from clmdesk.ui.dialogs.stage_model_dialog import StageModelDialog
from tests.ui.held_write import LIMIT_MS, OtherWrite, longest_gap


def day(y: int, m: int, d: int) -> int:
    return (dt.date(y, m, d) - dt.date(1970, 1, 1)).days


@pytest.fixture
def database(db_path):
    db = open_database(db_path)
    with db.write() as connection:
        bulk_insert(
            connection,
            "customers",
            ("id", "key", "registered_day"),
            [(1, "a", None), (2, "b", None), (3, "c", day(2024, 5, 1)), (4, "d", None)],
        )
        bulk_insert(
            connection,
            "orders",
            ("customer_id", "day", "amount_cents", "line_count"),
            [
                (1, day(2024, 5, 20), 1000, 1),
                (2, day(2024, 1, 10), 5000, 1),
                (4, day(2021, 1, 10), 700, 1),
                (4, day(2021, 2, 10), 700, 1),
            ],
        )
    yield db
    db.close()


@pytest.fixture
def dialog(qtbot, database):
    widget = StageModelDialog(database)
    qtbot.addWidget(widget)
    qtbot.waitUntil(widget.is_preview_ready, timeout=10_000)
    yield widget
    if widget.result() == 0 and widget.isVisible() is False:
        widget.reject()  # stops the dialog's task runners


def _wait_preview(qtbot, dialog) -> dict[str, int]:
    qtbot.waitUntil(dialog.is_preview_ready, timeout=10_000)
    counts = dialog.preview_counts()
    assert counts is not None
    return counts


def test_opens_with_the_stored_model_and_previews(dialog) -> None:
    assert dialog.draft_model() == default_model()
    # L = 2024-05-20; fewer than 20 qualify so C = 90: a new, b (R = 131,
    # the top value) can't lose, c prospect, d lost.
    counts = dialog.preview_counts()
    assert counts is not None
    assert counts["new"] == 1
    assert counts["cant_lose"] == 1
    assert counts["prospect"] == 1
    assert counts["lost"] == 1
    assert "90 days" in dialog.cycle_label.text()
    assert dialog.cycle_auto.isChecked()
    assert dialog.table_model.rowCount() == 10
    assert (
        dialog.description_label.text()
        == "Customers with no purchases yet and a registration."
    )


def test_editing_a_threshold_updates_the_preview(qtbot, dialog) -> None:
    row = dialog.draft_model().index("new")
    dialog.table.selectRow(row)
    assert dialog.key_label.text() == "new"
    # New: R <= 2C instead of R <= C -> b moves from can't lose to new.
    dialog.recency_at_most.value.setValue(2)
    assert dialog.draft_model().stage("new").rule.recency_at_most.value == 2
    counts = _wait_preview(qtbot, dialog)
    assert counts["new"] == 2
    assert counts["cant_lose"] == 0
    assert "180 days" in dialog.description_label.text()


def test_fixed_cycle_changes_the_preview(qtbot, dialog) -> None:
    dialog.cycle_fixed.setChecked(True)
    dialog.cycle_days.setValue(200)
    assert dialog.cycle_setting() == 200
    counts = _wait_preview(qtbot, dialog)
    assert counts["new"] == 2  # b's R = 131 <= 200
    assert "Fixed by you: 200 days." in dialog.cycle_label.text()


def test_gap_blocks_saving(qtbot, dialog) -> None:
    save = dialog.button_box.button(QDialogButtonBox.StandardButton.Save)
    dialog.table.selectRow(dialog.draft_model().index("lost"))
    dialog.remove_stage()
    assert "lost" not in dialog.draft_model().keys
    assert dialog.has_errors()
    assert not save.isEnabled()
    assert "No stage covers" in dialog.issues_label.text()
    dialog.reset()
    assert dialog.draft_model() == default_model()
    assert save.isEnabled()


def test_reorder_warns_about_a_stage_that_never_matches(dialog) -> None:
    dialog.table.selectRow(dialog.draft_model().index("champion"))
    dialog.move_down()
    assert dialog.draft_model().keys[1:3] == ("loyal", "champion")
    assert dialog.current_row() == 2
    assert not dialog.has_errors()
    assert "can never match" in dialog.issues_label.text()
    dialog.move_up()
    assert dialog.draft_model().keys[1:3] == ("champion", "loyal")


def test_add_rename_recolour_and_duplicate(dialog) -> None:
    dialog.table.selectRow(dialog.draft_model().index("new"))
    dialog.add_stage()
    model = dialog.draft_model()
    added = model.stages[model.index("new") + 1]
    assert added.key == "custom_1"
    assert added.group == "active"
    dialog.name_en_edit.setText("Trial")
    dialog.name_en_edit.textEdited.emit("Trial")
    dialog.name_pt_edit.setText("Experimental")
    dialog.name_pt_edit.textEdited.emit("Experimental")
    dialog.set_stage_colour(dialog.current_row(), "#123abc")
    stage = dialog.draft_model().stage("custom_1")
    assert (stage.name_en, stage.name_pt_br, stage.colour) == (
        "Trial",
        "Experimental",
        "#123abc",
    )
    dialog.duplicate_stage()
    keys = dialog.draft_model().keys
    assert len(keys) == 12
    assert len(set(keys)) == 12
    dialog.remove_stage()
    dialog.table.selectRow(dialog.draft_model().index("custom_1"))
    dialog.remove_stage()
    assert dialog.draft_model().keys == default_model().keys


def test_switching_units_and_groups(dialog) -> None:
    dialog.table.selectRow(dialog.draft_model().index("hibernating"))
    dialog.recency_above.unit.setCurrentIndex(
        dialog.recency_above.unit.findData("days")
    )
    bound = dialog.draft_model().stage("hibernating").rule.recency_above
    assert bound.unit is RecencyUnit.DAYS
    dialog.group_combo.setCurrentIndex(dialog.group_combo.findData("attention"))
    assert dialog.draft_model().stage("hibernating").group == "attention"


def test_use_preset_and_save(qtbot, dialog, database) -> None:
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("last_purchase"))
    dialog.use_preset()
    assert dialog.draft_model() == last_purchase_model()
    counts = _wait_preview(qtbot, dialog)
    assert counts["recent_0_3m"] == 1  # a
    assert counts["recent_3_6m"] == 1  # b (131 days)
    assert counts["inactive_3y"] == 1  # d
    dialog.cycle_fixed.setChecked(True)
    dialog.cycle_days.setValue(45)
    with qtbot.waitSignal(dialog.model_saved, timeout=5_000):
        dialog.button_box.button(QDialogButtonBox.StandardButton.Save).click()
    assert read_stage_model(database) == last_purchase_model()
    assert read_cycle_setting(database) == 45


def test_percentile_edit(dialog) -> None:
    dialog.percentile_spin.setValue(90)
    assert dialog.draft_model().top_percentile == 90
    assert "top 10 %" in dialog.percentile_label.text()


def test_saving_during_another_write_waits_off_the_gui_thread(
    qtbot, dialog, database
) -> None:
    dialog.show()
    dialog.cycle_fixed.setChecked(True)
    dialog.cycle_days.setValue(45)
    save = dialog.button_box.button(QDialogButtonBox.StandardButton.Save)
    saved: list[bool] = []
    dialog.model_saved.connect(lambda: saved.append(True))
    with OtherWrite(database) as other:
        gap = longest_gap(qtbot, save.click)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        # Still open, saying it saves, with nothing to edit meanwhile.
        assert dialog.is_saving
        assert dialog.isVisible()
        assert dialog.issues_label.text() == "Saving the stages…"
        assert not save.isEnabled()
        assert not dialog.table.isEnabled()
        assert read_cycle_setting(database) is None
        assert saved == []
        other.end()
        qtbot.waitUntil(lambda: not dialog.isVisible())
    assert saved == [True]
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert read_cycle_setting(database) == 45


def test_closing_while_saving_closes_once_saved(qtbot, dialog, database) -> None:
    dialog.show()
    dialog.preset_combo.setCurrentIndex(dialog.preset_combo.findData("last_purchase"))
    dialog.use_preset()
    saved: list[bool] = []
    dialog.model_saved.connect(lambda: saved.append(True))
    with OtherWrite(database) as other:
        dialog.save()
        # Esc, or the window leaving the database: the save cannot be stopped.
        gap = longest_gap(qtbot, dialog.reject)
        assert gap < LIMIT_MS, f"GUI thread blocked {gap:.0f} ms"
        assert dialog.isVisible()
        assert dialog.is_saving
        other.end()
        qtbot.waitUntil(lambda: not dialog.isVisible())
    assert saved == [True]
    assert read_stage_model(database) == last_purchase_model()
