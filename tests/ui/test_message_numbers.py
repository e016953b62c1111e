"""The window writes numbers with decimals inside messages for its language."""

from __future__ import annotations

import string
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QLocale

from clmdesk.core.i18n import catalogue, render_message
from clmdesk.core.lifecycle.cycle import CycleEstimate
from clmdesk.core.lifecycle.describe import describe
from clmdesk.core.lifecycle.model import default_model
from clmdesk.core.messages import all_templates
from clmdesk.storage.database import open_database
from clmdesk.ui.dialogs.stage_model_dialog import StageModelDialog
from clmdesk.ui.i18n import format_decimal, install_translators, message_text
from tests.storage.importing_helpers import store_median_gap_of_45_5
from tests.ui.test_translations import _import_everything

_CLAMPED = CycleEstimate(
    days=365, automatic=True, qualifying_customers=1234, median_gap=400.5, clamped=True
)


@pytest.fixture
def interface(request: pytest.FixtureRequest, qapp) -> Iterator[str]:
    """Run the test with the interface in ``request.param``, then restore English."""
    language: str = request.param
    previous = QLocale()
    installed = install_translators(qapp, language)
    yield language
    for translator in installed:
        QCoreApplication.removeTranslator(translator)
    QLocale.setDefault(previous)


@pytest.mark.parametrize(
    ("interface", "expected"),
    [
        ("en", ["45.5", "45", "1,234.5", "12.7"]),
        ("pt_BR", ["45,5", "45", "1.234,5", "12,7"]),
    ],
    indirect=["interface"],
)
def test_format_decimal_follows_the_interface(interface: str, expected) -> None:
    values = [45.5, 45.0, 1234.5, 100.0 - 87.3]
    assert [format_decimal(value) for value in values] == expected


@pytest.mark.parametrize(
    ("interface", "expected"),
    [
        ("en", "is 400.5 days, kept within 7 to 365 days."),
        ("pt_BR", "é de 400,5 dias, mantido entre 7 e 365 dias."),
    ],
    indirect=["interface"],
)
def test_cycle_explanation_in_the_window(interface: str, expected: str) -> None:
    text = message_text(_CLAMPED.explain())
    assert text.endswith(expected)
    assert " 1234 " in text  # whole numbers keep their plain form
    # The window and the command line say the same thing.
    assert text == render_message(_CLAMPED.explain(), interface)


@pytest.mark.parametrize(
    ("interface", "expected"),
    [
        ("en", "a total spent among the top 12.5 %"),
        ("pt_BR", "valor total gasto entre os 12,5 % maiores"),
    ],
    indirect=["interface"],
)
def test_stage_description_in_the_window(interface: str, expected: str) -> None:
    message = describe(default_model().stage("champion"), 30, top_percentile=87.5)
    assert expected in message_text(message)


@pytest.fixture
def database(db_path):
    db = open_database(db_path)
    store_median_gap_of_45_5(db)
    yield db
    db.close()


@pytest.mark.parametrize(
    ("interface", "median", "share"),
    [
        ("en", "(median 45.5 days)", "top 12.5 %"),
        ("pt_BR", "(mediana de 45,5 dias)", "12,5 %"),
    ],
    indirect=["interface"],
)
def test_stage_dialog_shows_the_median_for_the_language(
    qtbot, database, interface: str, median: str, share: str
) -> None:
    dialog = StageModelDialog(database)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.is_preview_ready, timeout=10_000)
    assert median in dialog.cycle_label.text()
    dialog.percentile_spin.setValue(87.5)
    assert share in dialog.percentile_label.text()
    dialog.reject()  # stops the dialog's task runners


def test_message_templates_leave_number_formatting_to_the_renderer() -> None:
    # Renderers hand decimals to the template as text already written for
    # the language, so a format spec ("{median:.1f}") would break them.
    _import_everything()
    portuguese = catalogue("pt_BR")
    specs = [
        f"{message_id}: {text!r}"
        for message_id, source in all_templates().items()
        for text in (source, portuguese.get(source, ""))
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None and (spec or conversion)
    ]
    assert not specs, "placeholders with a format spec:\n" + "\n".join(specs)
