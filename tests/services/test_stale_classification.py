"""A stored classification computed from other data is never shown as current.

An ``import --no-classify`` inside months the history already covers keeps
the customers and the last day (L) as they were, so neither tells that the
stored stages are out of date: the run's data fingerprint does.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import numpy as np
import pytest

from clmdesk.core.lifecycle import compute_history
from clmdesk.services.classification import classify
from clmdesk.services.exports import history_table
from clmdesk.services.importing import import_files
from clmdesk.services.panel import build_panel_data
from clmdesk.services.workspace import describe_database
from clmdesk.storage.database import open_database
from clmdesk.storage.history import (
    load_all_snapshot_stages,
    load_inputs,
    load_latest_run,
    read_fingerprint,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from clmdesk.storage.database import Database

HEADER = "Cliente;Data;Valor\n"


def _csv(path: Path, rows: str) -> Path:
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


@pytest.fixture
def classified(tmp_path: Path) -> Iterator[Database]:
    """Two customers from January to March 2024, classified."""
    database = open_database(tmp_path / "shop.sqlite3")
    _csv(
        tmp_path / "jan_mar.csv",
        "1;05/01/2024;100,00\n1;10/03/2024;100,00\n2;06/01/2024;50,00\n",
    )
    import_files(database, [tmp_path / "jan_mar.csv"], classify=True)
    yield database
    database.close()


def _import_inside_covered_months(database: Database, tmp_path: Path) -> None:
    """Customer 2 buys three times more before the last day: same customers, same L."""
    more = _csv(
        tmp_path / "feb.csv",
        "2;01/02/2024;50,00\n2;15/02/2024;50,00\n2;01/03/2024;50,00\n",
    )
    before = describe_database(database)
    import_files(database, [more], classify=False)
    after = describe_database(database)
    assert after.latest_day == before.latest_day
    assert after.customers == before.customers


def test_a_new_run_remembers_the_data_it_was_computed_from(
    classified: Database,
) -> None:
    run = load_latest_run(classified)
    assert run is not None
    assert run.data_fingerprint == read_fingerprint(classified)
    assert not describe_database(classified).needs_classification


def test_an_import_inside_covered_months_asks_for_a_new_classification(
    classified: Database, tmp_path: Path
) -> None:
    _import_inside_covered_months(classified, tmp_path)
    assert describe_database(classified).needs_classification
    classify(classified)
    assert not describe_database(classified).needs_classification


def test_the_panel_recomputes_a_history_computed_from_other_data(
    classified: Database, tmp_path: Path
) -> None:
    _import_inside_covered_months(classified, tmp_path)
    run = load_latest_run(classified)
    assert run is not None
    stored = load_all_snapshot_stages(classified, run)
    loaded = load_inputs(classified)
    current = compute_history(loaded.engine, run.model, run.cycle.days)
    # The new orders change customer 2's stage: stored stages are stale.
    assert not np.array_equal(stored, current.stages)

    panel = build_panel_data(classified)

    np.testing.assert_array_equal(panel.stages, current.stages)
    np.testing.assert_array_equal(panel.counts, current.counts)


def test_export_history_follows_the_data_not_a_stale_run(
    classified: Database, tmp_path: Path
) -> None:
    stale = history_table(classified).rows
    _import_inside_covered_months(classified, tmp_path)
    run = load_latest_run(classified)
    assert run is not None
    current = compute_history(load_inputs(classified).engine, run.model, run.cycle.days)

    rows = history_table(classified).rows

    assert rows != stale
    assert [row[3] for row in rows] == current.counts.ravel().tolist()


def test_a_run_stored_before_fingerprints_is_judged_by_customers_and_day(
    classified: Database, tmp_path: Path
) -> None:
    path = classified.path
    assert path is not None
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE classification_runs SET data_fingerprint = NULL")
    run = load_latest_run(classified)
    assert run is not None
    assert run.data_fingerprint is None
    assert run.is_current(read_fingerprint(classified), run.customer_ids)
    assert not describe_database(classified).needs_classification
