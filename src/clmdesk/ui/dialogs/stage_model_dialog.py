"""Settings of the lifecycle stages and the purchase cycle C (ui layer).

The user edits a copy of the stored stage model: thresholds, names in both
languages, colours, the order of the stages, stages added to or removed
from a group, a preset to start from, and C (automatic, with what it was
computed from, or fixed). Every edit is checked at once (a gap in the
rules blocks saving; a stage that can never match is a warning), and a
preview column shows how many customers each stage would hold at the last
snapshot, computed off the GUI thread from data loaded once. Saving stores
the model and the cycle setting and emits :attr:`StageModelDialog.model_saved`;
the main window then recomputes the history.

Thread contract: GUI thread only; loading, previews and saving run on task
runners. Saving waits for any other write to the database (an import, a
classification) on its worker, with the dialog showing it saves; closing
waits for none of its tasks, which hold the database through the window's
lease when given one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clmdesk.core.lifecycle.cycle import DEFAULT_CYCLE_DAYS, FIXED_CYCLE_RANGE
from clmdesk.core.lifecycle.describe import describe
from clmdesk.core.lifecycle.model import (
    GROUPS,
    Bound,
    ModelError,
    RecencyUnit,
    Rule,
    Stage,
    StageModel,
    default_model,
    last_purchase_model,
    new_stage_key,
)
from clmdesk.core.lifecycle.validation import validate_model
from clmdesk.services.classification import (
    ClassificationError,
    load_inputs_for_preview,
    preview_last_snapshot,
    read_cycle_setting,
    read_stage_model,
    save_stage_settings,
)
from clmdesk.ui.charts.formatting import interface_language
from clmdesk.ui.database_lease import LeasedTaskRunner
from clmdesk.ui.i18n import format_decimal, message_text
from clmdesk.workers.runner import TaskRunner

if TYPE_CHECKING:
    from clmdesk.services.classification import CycleSetting, Preview
    from clmdesk.storage.database import Database
    from clmdesk.storage.history import LoadedInputs
    from clmdesk.ui.database_lease import DatabaseLease

__all__ = ["StageModelDialog", "StageTableModel"]

COL_NAME = 0
COL_GROUP = 1
COL_CUSTOMERS = 2

_PRESETS = (("default", default_model), ("last_purchase", last_purchase_model))
_PREVIEW_DELAY_MS = 150
_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


def _load_task(database: Database, progress: Any, is_cancelled: Any) -> LoadedInputs:
    return load_inputs_for_preview(database)


def _save_task(
    database: Database,
    model: StageModel,
    setting: CycleSetting,
    progress: Any,
    is_cancelled: Any,
) -> None:
    save_stage_settings(database, model, setting)


def _preview_task(
    loaded: LoadedInputs,
    model: StageModel,
    setting: CycleSetting,
    progress: Any,
    is_cancelled: Any,
) -> Preview:
    return preview_last_snapshot(loaded, model, setting)


class StageTableModel(QAbstractTableModel):
    """The stages of the draft model: name with colour, group, preview count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stages: list[Stage] = []
        self._counts: dict[str, int] | None = None
        self._language = interface_language()

    def set_stages(self, stages: list[Stage]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._stages = list(stages)
        self.endResetModel()

    def update_stage(self, row: int, stage: Stage) -> None:
        """Replace one row in place (keeps the selection)."""
        self._stages[row] = stage
        self.dataChanged.emit(self.index(row, 0), self.index(row, COL_CUSTOMERS))

    def set_counts(self, counts: dict[str, int] | None) -> None:
        """Preview counts by stage key, or ``None`` while they are computed."""
        self._counts = counts
        if self._stages:
            self.dataChanged.emit(
                self.index(0, COL_CUSTOMERS),
                self.index(len(self._stages) - 1, COL_CUSTOMERS),
            )

    def stage(self, row: int) -> Stage:
        """The stage shown on ``row``."""
        return self._stages[row]

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._stages)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else 3

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (self.tr("Stage"), self.tr("Group"), self.tr("Customers"))[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == COL_CUSTOMERS:
            return self.tr(
                "How many customers each stage would hold at the last snapshot with the settings shown"
            )
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._stages):
            return None
        stage = self._stages[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == COL_NAME:
                return stage.name(self._language)
            if column == COL_GROUP:
                group = next(g for g in GROUPS if g.key == stage.group)
                return group.name_pt_br if self._language == "pt_BR" else group.name_en
            if column == COL_CUSTOMERS:
                if self._counts is None:
                    return "…"
                return str(self._counts.get(stage.key, 0))
        if role == Qt.ItemDataRole.DecorationRole and column == COL_NAME:
            return QColor(stage.colour)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == COL_CUSTOMERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class _BoundEditor(QWidget):
    """A recency bound: enabled or not, a number, days or multiples of C."""

    changed = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.enabled = QCheckBox(label, self)
        self.value = QDoubleSpinBox(self)
        self.value.setRange(0, 100_000)
        self.value.setDecimals(2)
        self.unit = QComboBox(self)
        self.unit.addItem(self.tr("days"), RecencyUnit.DAYS.value)
        self.unit.addItem(self.tr("× C (purchase cycle)"), RecencyUnit.CYCLES.value)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.enabled)
        layout.addWidget(self.value)
        layout.addWidget(self.unit)
        layout.addStretch(1)
        self.enabled.toggled.connect(self._on_toggled)
        self.value.valueChanged.connect(self.changed)
        self.unit.currentIndexChanged.connect(self.changed)

    @Slot(bool)
    def _on_toggled(self, on: bool) -> None:
        self.value.setEnabled(on)
        self.unit.setEnabled(on)
        self.changed.emit()

    def set_bound(self, bound: Bound | None) -> None:
        """Show ``bound`` without emitting :attr:`changed`."""
        widgets = (self.enabled, self.value, self.unit)
        for widget in widgets:
            widget.blockSignals(True)
        self.enabled.setChecked(bound is not None)
        self.value.setValue(float(bound.value) if bound is not None else 1.0)
        unit = bound.unit if bound is not None else RecencyUnit.CYCLES
        self.unit.setCurrentIndex(self.unit.findData(unit.value))
        self.value.setEnabled(bound is not None)
        self.unit.setEnabled(bound is not None)
        for widget in widgets:
            widget.blockSignals(False)

    def bound(self) -> Bound | None:
        """The bound shown, or ``None`` when disabled."""
        if not self.enabled.isChecked():
            return None
        unit = RecencyUnit(self.unit.currentData())
        value = self.value.value()
        if unit is RecencyUnit.DAYS:
            value = round(value)
        return Bound(value, unit)


class StageModelDialog(QDialog):
    """Edit the lifecycle stages and the purchase cycle, preview, and save.

    With the window's ``lease`` on ``database``, the dialog's loading and
    saving hold the database until they end, even after the dialog closed.
    A save cannot be stopped once asked for: closing the dialog meanwhile
    (Esc, or the window leaving the database) closes it once the save ended.

    Signals
    -------
    model_saved()
        The model and cycle setting were stored; the history must be recomputed.
    """

    model_saved = Signal()

    def __init__(
        self,
        database: Database,
        parent: QWidget | None = None,
        *,
        lease: DatabaseLease | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Lifecycle stages"))
        self.database = database
        self._language = interface_language()
        self._loaded: LoadedInputs | None = None
        self._preview: Preview | None = None
        self._updating = False
        try:
            self._saved_model = read_stage_model(database)
        except ClassificationError:
            self._saved_model = default_model()
        try:
            self._saved_cycle = read_cycle_setting(database)
        except ClassificationError:
            self._saved_cycle = None
        self._draft = self._saved_model

        self._build()
        self._loader = LeasedTaskRunner(self, lease, reading=True)
        self._previewer = TaskRunner(self)
        self._saver = LeasedTaskRunner(self, lease)
        self._saver.finished.connect(self._on_saved)
        self._saver.failed.connect(self._on_save_failed)
        self._saver.cancelled.connect(self._on_save_cancelled)
        self._close_when_saved = False
        self._loader.finished.connect(self._on_loaded)
        self._loader.failed.connect(self._on_load_failed)
        self._previewer.finished.connect(self._on_preview)
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(_PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self._start_preview)

        self._show_model(self._saved_model, select=0)
        self._show_cycle(self._saved_cycle)
        self._loader.start(_load_task, database)

    # ------------------------------------------------------------ building
    def _build(self) -> None:
        layout = QVBoxLayout(self)

        presets = QHBoxLayout()
        presets.addWidget(QLabel(self.tr("Start from:"), self))
        self.preset_combo = QComboBox(self)
        self.preset_combo.addItem(
            self.tr("Default stages (recency, frequency and value)"), "default"
        )
        self.preset_combo.addItem(
            self.tr("Última compra (date of the last purchase only)"), "last_purchase"
        )
        presets.addWidget(self.preset_combo, 1)
        self.use_preset_button = QPushButton(self.tr("Use this preset"), self)
        self.use_preset_button.setToolTip(
            self.tr(
                "Replace the stages below with a copy of the preset, which you can then edit."
            )
        )
        self.use_preset_button.clicked.connect(self.use_preset)
        presets.addWidget(self.use_preset_button)
        self.reset_button = QPushButton(self.tr("Undo my changes"), self)
        self.reset_button.clicked.connect(self.reset)
        presets.addWidget(self.reset_button)
        layout.addLayout(presets)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.table_model = StageTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(
            COL_NAME, QHeaderView.ResizeMode.Stretch
        )
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        left.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.up_button = QPushButton(self.tr("Move up"), self)
        self.down_button = QPushButton(self.tr("Move down"), self)
        self.add_button = QPushButton(self.tr("Add stage"), self)
        self.duplicate_button = QPushButton(self.tr("Duplicate"), self)
        self.remove_button = QPushButton(self.tr("Remove"), self)
        for button, slot in (
            (self.up_button, self.move_up),
            (self.down_button, self.move_down),
            (self.add_button, self.add_stage),
            (self.duplicate_button, self.duplicate_stage),
            (self.remove_button, self.remove_stage),
        ):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        left.addLayout(buttons)
        note = QLabel(
            self.tr(
                "Each customer is in the first stage, from top to bottom, whose conditions they meet."
            ),
            self,
        )
        note.setWordWrap(True)
        left.addWidget(note)
        body.addLayout(left, 3)
        body.addWidget(self._build_editor(), 2)
        layout.addLayout(body, 1)

        layout.addWidget(self._build_model_settings())

        self.issues_label = QLabel(self)
        self.issues_label.setWordWrap(True)
        self.issues_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.issues_label)

        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.button_box.accepted.connect(self.save)
        self.button_box.rejected.connect(self.reject)
        layout.addWidget(self.button_box)
        self.resize(980, 640)

    def _build_editor(self) -> QWidget:
        box = QGroupBox(self.tr("Selected stage"), self)
        form = QFormLayout(box)
        self.key_label = QLabel(box)
        self.key_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        form.addRow(self.tr("Key (used in exports):"), self.key_label)
        self.group_combo = QComboBox(box)
        for group in GROUPS:
            self.group_combo.addItem(
                group.name_pt_br if self._language == "pt_BR" else group.name_en,
                group.key,
            )
        form.addRow(self.tr("Group:"), self.group_combo)
        self.name_en_edit = QLineEdit(box)
        form.addRow(self.tr("Name in English:"), self.name_en_edit)
        self.name_pt_edit = QLineEdit(box)
        form.addRow(self.tr("Name in Portuguese:"), self.name_pt_edit)
        self.colour_button = QPushButton(box)
        self.colour_button.clicked.connect(self._choose_colour)
        form.addRow(self.tr("Colour:"), self.colour_button)

        frequency = QWidget(box)
        row = QHBoxLayout(frequency)
        row.setContentsMargins(0, 0, 0, 0)
        self.min_frequency = QSpinBox(frequency)
        self.min_frequency.setRange(0, 100_000)
        self.max_frequency = QSpinBox(frequency)
        self.max_frequency.setRange(-1, 100_000)
        self.max_frequency.setSpecialValueText(self.tr("no limit"))
        row.addWidget(QLabel(self.tr("from"), frequency))
        row.addWidget(self.min_frequency)
        row.addWidget(QLabel(self.tr("to"), frequency))
        row.addWidget(self.max_frequency)
        row.addStretch(1)
        form.addRow(self.tr("Purchases:"), frequency)

        self.recency_above = _BoundEditor(self.tr("more than"), box)
        form.addRow(self.tr("Last purchase:"), self.recency_above)
        self.recency_at_most = _BoundEditor(self.tr("at most"), box)
        form.addRow("", self.recency_at_most)

        self.top_combo = QComboBox(box)
        self.top_combo.addItem(self.tr("any"), None)
        self.top_combo.addItem(self.tr("top value only"), True)
        self.top_combo.addItem(self.tr("not top value"), False)
        form.addRow(self.tr("Total spent:"), self.top_combo)
        self.registered_combo = QComboBox(box)
        self.registered_combo.addItem(self.tr("any"), None)
        self.registered_combo.addItem(self.tr("registered"), True)
        self.registered_combo.addItem(self.tr("not registered"), False)
        form.addRow(self.tr("Registration:"), self.registered_combo)

        self.description_label = QLabel(box)
        self.description_label.setWordWrap(True)
        form.addRow(self.tr("Meaning:"), self.description_label)

        for signal in (
            self.group_combo.currentIndexChanged,
            self.name_en_edit.textEdited,
            self.name_pt_edit.textEdited,
            self.min_frequency.valueChanged,
            self.max_frequency.valueChanged,
            self.recency_above.changed,
            self.recency_at_most.changed,
            self.top_combo.currentIndexChanged,
            self.registered_combo.currentIndexChanged,
        ):
            signal.connect(self._on_stage_edited)
        self.editor_box = box
        return box

    def _build_model_settings(self) -> QWidget:
        box = QGroupBox(self.tr("Value and purchase cycle"), self)
        form = QFormLayout(box)
        self.percentile_spin = QDoubleSpinBox(box)
        self.percentile_spin.setRange(0, 100)
        self.percentile_spin.setDecimals(1)
        self.percentile_spin.setSingleStep(5)
        self.percentile_spin.valueChanged.connect(self._on_percentile_changed)
        self.percentile_label = QLabel(box)
        top = QHBoxLayout()
        top.addWidget(self.percentile_spin)
        top.addWidget(self.percentile_label, 1)
        form.addRow(self.tr("Top value from the percentile:"), top)

        cycle = QHBoxLayout()
        self.cycle_auto = QRadioButton(self.tr("Automatic"), box)
        self.cycle_fixed = QRadioButton(self.tr("Fixed:"), box)
        self.cycle_group = QButtonGroup(box)
        self.cycle_group.addButton(self.cycle_auto)
        self.cycle_group.addButton(self.cycle_fixed)
        self.cycle_days = QSpinBox(box)
        low, high = FIXED_CYCLE_RANGE
        self.cycle_days.setRange(low, high)
        self.cycle_days.setSuffix(self.tr(" days"))
        cycle.addWidget(self.cycle_auto)
        cycle.addWidget(self.cycle_fixed)
        cycle.addWidget(self.cycle_days)
        cycle.addStretch(1)
        form.addRow(self.tr("Purchase cycle C:"), cycle)
        self.cycle_label = QLabel(box)
        self.cycle_label.setWordWrap(True)
        form.addRow("", self.cycle_label)
        self.cycle_auto.toggled.connect(self._on_cycle_changed)
        self.cycle_days.valueChanged.connect(self._on_cycle_changed)
        return box

    # ------------------------------------------------------------- state
    def draft_model(self) -> StageModel:
        """The model as currently edited."""
        return self._draft

    def cycle_setting(self) -> CycleSetting:
        """The cycle setting as currently edited (``None`` = automatic)."""
        return None if self.cycle_auto.isChecked() else self.cycle_days.value()

    def current_row(self) -> int:
        """The selected stage's row (-1 when none)."""
        return self.table.currentIndex().row()

    def preview_counts(self) -> dict[str, int] | None:
        """The latest preview's counts by stage key (``None`` until computed)."""
        return None if self._preview is None else self._preview.counts

    def _cycle_days_for_text(self) -> int:
        if not self.cycle_auto.isChecked():
            return self.cycle_days.value()
        if self._preview is not None:
            return self._preview.cycle.days
        return DEFAULT_CYCLE_DAYS

    def _show_model(self, model: StageModel, select: int) -> None:
        self._draft = model
        self.table_model.set_stages(list(model.stages))
        self.percentile_spin.blockSignals(True)
        self.percentile_spin.setValue(float(model.top_percentile))
        self.percentile_spin.blockSignals(False)
        self._update_percentile_label()
        row = max(0, min(select, len(model.stages) - 1))
        self.table.selectRow(row)
        self.table.setCurrentIndex(self.table_model.index(row, COL_NAME))
        self._load_editor(row)
        self._model_changed()

    def _show_cycle(self, setting: CycleSetting) -> None:
        self.cycle_auto.blockSignals(True)
        self.cycle_days.blockSignals(True)
        self.cycle_auto.setChecked(setting is None)
        self.cycle_fixed.setChecked(setting is not None)
        self.cycle_days.setValue(setting if setting is not None else DEFAULT_CYCLE_DAYS)
        self.cycle_days.setEnabled(setting is not None)
        self.cycle_auto.blockSignals(False)
        self.cycle_days.blockSignals(False)
        self._update_cycle_label()

    def _load_editor(self, row: int) -> None:
        if not 0 <= row < len(self._draft.stages):
            return
        stage = self._draft.stages[row]
        rule = stage.rule
        self._updating = True
        try:
            self.key_label.setText(stage.key)
            self.group_combo.setCurrentIndex(self.group_combo.findData(stage.group))
            self.name_en_edit.setText(stage.name_en)
            self.name_pt_edit.setText(stage.name_pt_br)
            self._paint_colour_button(stage.colour)
            self.min_frequency.setValue(rule.min_frequency)
            self.max_frequency.setValue(
                -1 if rule.max_frequency is None else rule.max_frequency
            )
            self.recency_above.set_bound(rule.recency_above)
            self.recency_at_most.set_bound(rule.recency_at_most)
            self.top_combo.setCurrentIndex(self.top_combo.findData(rule.top_value))
            self.registered_combo.setCurrentIndex(
                self.registered_combo.findData(rule.registered)
            )
        finally:
            self._updating = False
        self._update_description()
        self._update_buttons()

    def _paint_colour_button(self, colour: str) -> None:
        self.colour_button.setText(colour)
        self.colour_button.setStyleSheet(
            f"QPushButton {{ background-color: {colour}; color: "
            f"{'#000000' if QColor(colour).lightness() > 140 else '#ffffff'}; }}"
        )

    def _stage_from_editor(self, stage: Stage) -> Stage:
        max_f = self.max_frequency.value()
        rule = Rule(
            min_frequency=self.min_frequency.value(),
            max_frequency=None if max_f < 0 else max_f,
            recency_above=self.recency_above.bound(),
            recency_at_most=self.recency_at_most.bound(),
            top_value=self.top_combo.currentData(),
            registered=self.registered_combo.currentData(),
        )
        return replace(
            stage,
            group=str(self.group_combo.currentData()),
            name_en=self.name_en_edit.text().strip() or stage.key,
            name_pt_br=self.name_pt_edit.text().strip() or stage.key,
            rule=rule,
        )

    def _replace_stages(self, stages: list[Stage], select: int) -> None:
        try:
            model = StageModel(
                stages=tuple(stages),
                top_percentile=self._draft.top_percentile,
                preset="custom",
            )
        except ModelError as exc:
            self.issues_label.setText(message_text(exc.message))
            return
        self._show_model(model, select)

    # ------------------------------------------------------------ editing
    @Slot()
    def _on_stage_edited(self) -> None:
        if self._updating:
            return
        row = self.current_row()
        if row < 0:
            return
        stage = self._stage_from_editor(self._draft.stages[row])
        stages = list(self._draft.stages)
        stages[row] = stage
        self._draft = replace(self._draft, stages=tuple(stages), preset="custom")
        self.table_model.update_stage(row, stage)
        self._update_description()
        self._model_changed()

    @Slot()
    def _choose_colour(self) -> None:
        row = self.current_row()
        if row < 0:
            return
        colour = QColorDialog.getColor(QColor(self._draft.stages[row].colour), self)
        if colour.isValid():
            self.set_stage_colour(row, colour.name())

    def set_stage_colour(self, row: int, colour: str) -> None:
        """Give stage ``row`` the colour ``"#rrggbb"``."""
        stages = list(self._draft.stages)
        stages[row] = replace(stages[row], colour=QColor(colour).name())
        self._draft = replace(self._draft, stages=tuple(stages), preset="custom")
        self.table_model.update_stage(row, stages[row])
        self._paint_colour_button(stages[row].colour)

    @Slot()
    def move_up(self) -> None:
        """Move the selected stage one place up (it is tried earlier)."""
        self._move(-1)

    @Slot()
    def move_down(self) -> None:
        """Move the selected stage one place down."""
        self._move(1)

    def _move(self, step: int) -> None:
        row = self.current_row()
        target = row + step
        if row < 0 or not 0 <= target < len(self._draft.stages):
            return
        stages = list(self._draft.stages)
        stages[row], stages[target] = stages[target], stages[row]
        self._replace_stages(stages, target)

    @Slot()
    def add_stage(self) -> None:
        """Add a stage below the selected one, in the same group, with a new stable key."""
        row = max(self.current_row(), 0)
        group = self._draft.stages[row].group if self._draft.stages else "active"
        key = new_stage_key(self._draft)
        number = key.rsplit("_", 1)[-1]
        stage = Stage(
            key=key,
            group=group,
            name_en=f"New stage {number}",
            name_pt_br=f"Nova etapa {number}",
            colour="#7f7f7f",
            rule=Rule(min_frequency=1),
        )
        stages = list(self._draft.stages)
        stages.insert(row + 1, stage)
        self._replace_stages(stages, row + 1)

    @Slot()
    def duplicate_stage(self) -> None:
        """Copy the selected stage below itself, with a new stable key."""
        row = self.current_row()
        if row < 0:
            return
        source = self._draft.stages[row]
        copy = replace(
            source,
            key=new_stage_key(self._draft, source.key[:30]),
            name_en=f"{source.name_en} (copy)",
            name_pt_br=f"{source.name_pt_br} (cópia)",
        )
        stages = list(self._draft.stages)
        stages.insert(row + 1, copy)
        self._replace_stages(stages, row + 1)

    @Slot()
    def remove_stage(self) -> None:
        """Remove the selected stage (the last one stays)."""
        row = self.current_row()
        if row < 0 or len(self._draft.stages) <= 1:
            return
        stages = list(self._draft.stages)
        del stages[row]
        self._replace_stages(stages, min(row, len(stages) - 1))

    @Slot()
    def use_preset(self) -> None:
        """Replace the draft with a fresh copy of the chosen preset."""
        key = self.preset_combo.currentData()
        factory = dict(_PRESETS)[key]
        self._show_model(factory(), select=0)

    @Slot()
    def reset(self) -> None:
        """Go back to the stored model and cycle setting."""
        self._show_model(self._saved_model, select=0)
        self._show_cycle(self._saved_cycle)
        self._schedule_preview()

    @Slot(float)
    def _on_percentile_changed(self, value: float) -> None:
        self._draft = replace(self._draft, top_percentile=float(value), preset="custom")
        self._update_percentile_label()
        self._update_description()
        self._model_changed()

    @Slot()
    def _on_cycle_changed(self) -> None:
        self.cycle_days.setEnabled(self.cycle_fixed.isChecked())
        self._update_cycle_label()
        self._update_description()
        self._model_changed()

    @Slot(QModelIndex, QModelIndex)
    def _on_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._load_editor(current.row())

    # ----------------------------------------------------- derived views
    def _update_buttons(self) -> None:
        row = self.current_row()
        n = len(self._draft.stages)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < n - 1)
        self.remove_button.setEnabled(row >= 0 and n > 1)
        self.duplicate_button.setEnabled(row >= 0)

    def _update_description(self) -> None:
        row = self.current_row()
        if not 0 <= row < len(self._draft.stages):
            self.description_label.clear()
            return
        stage = self._draft.stages[row]
        message = describe(
            stage, self._cycle_days_for_text(), self._draft.top_percentile
        )
        self.description_label.setText(message_text(message))

    def _update_percentile_label(self) -> None:
        share = format_decimal(100.0 - float(self._draft.top_percentile))
        self.percentile_label.setText(
            self.tr(
                "customers whose total spent is among the top {share} % of buyers"
            ).format(share=share)
        )

    def _update_cycle_label(self) -> None:
        if self._preview is None:
            self.cycle_label.setText(
                self.tr("Measuring the purchase cycle of your customers…")
            )
            return
        self.cycle_label.setText(message_text(self._preview.cycle.explain()))

    def _model_changed(self) -> None:
        result = validate_model(
            self._draft,
            None if self.cycle_auto.isChecked() else self.cycle_days.value(),
        )
        lines = [message_text(error) for error in result.errors]
        lines += [message_text(warning) for warning in result.warnings]
        self.issues_label.setText("\n".join(lines))
        colour = "#b00020" if result.errors else "#8a5300"
        self.issues_label.setStyleSheet(f"color: {colour};")
        self.button_box.button(QDialogButtonBox.StandardButton.Save).setEnabled(
            result.ok
        )
        self._update_buttons()
        self._schedule_preview()

    def has_errors(self) -> bool:
        """Whether the draft leaves customers without a stage (saving is blocked)."""
        return not self.button_box.button(
            QDialogButtonBox.StandardButton.Save
        ).isEnabled()

    # ------------------------------------------------------------ preview
    def _schedule_preview(self) -> None:
        self.table_model.set_counts(None)
        if self._loaded is not None:
            self._preview_timer.start()

    @Slot()
    def _start_preview(self) -> None:
        if self._loaded is not None:
            self._previewer.start(
                _preview_task, self._loaded, self._draft, self.cycle_setting()
            )

    @Slot(object)
    def _on_loaded(self, loaded: object) -> None:
        self._loaded = loaded  # type: ignore[assignment]
        self._start_preview()

    @Slot(object)
    def _on_load_failed(self, error: object) -> None:
        message = getattr(error, "message", None)
        self.cycle_label.setText(
            message_text(message) if message is not None else str(error)
        )

    @Slot(object)
    def _on_preview(self, preview: object) -> None:
        self._preview = preview  # type: ignore[assignment]
        assert self._preview is not None
        self.table_model.set_counts(self._preview.counts)
        self._update_cycle_label()
        self._update_description()

    def is_preview_ready(self) -> bool:
        """Whether the counts shown match the draft (for tests and the UI state)."""
        return (
            self._preview is not None
            and not self._preview_timer.isActive()
            and not self._previewer.is_busy
            and self.table_model._counts is not None
        )

    # --------------------------------------------------------------- save
    @property
    def is_saving(self) -> bool:
        """Whether a save is under way (it may wait for another write to end)."""
        return self._saver.is_busy

    @Slot()
    def save(self) -> None:
        """Store the model and cycle setting in the background; once stored, announce it and close."""
        if self._saver.is_busy:
            return
        self._set_saving(True)
        self._saver.start(_save_task, self.database, self._draft, self.cycle_setting())

    def _set_saving(self, saving: bool) -> None:
        # The draft stays as it is until the save has ended: it is what gets saved.
        for child in self.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            if child is not self.issues_label and not child.isWindow():
                child.setEnabled(not saving)
        if saving:
            self.issues_label.setStyleSheet("")
            self.issues_label.setText(self.tr("Saving the stages…"))
        else:
            self._model_changed()

    @Slot(object)
    def _on_saved(self, _result: object) -> None:
        self._saved_model = self._draft
        self._saved_cycle = self.cycle_setting()
        self.model_saved.emit()
        self.accept()

    @Slot(object)
    def _on_save_failed(self, error: object) -> None:
        self._set_saving(False)
        if self._close_when_saved:
            self.reject()
            return
        message = getattr(error, "message", None)
        self.issues_label.setStyleSheet("color: #b00020;")
        self.issues_label.setText(
            message_text(message)
            if message is not None
            else self.tr("The stages could not be saved: {error}").format(error=error)
        )

    @Slot()
    def _on_save_cancelled(self) -> None:
        # Only when the window had left the database before the save started.
        self._set_saving(False)
        if self._close_when_saved:
            self.reject()

    def done(self, result: int) -> None:
        if self._saver.is_busy:
            # A save cannot be stopped: the dialog closes once it has ended.
            self._close_when_saved = True
            return
        self._preview_timer.stop()
        # Neither waited for: a reading still running holds the database itself.
        self._loader.shutdown(wait=False)
        self._previewer.shutdown(wait=False)
        self._saver.shutdown(wait=False)
        super().done(result)
