"""The data fingerprint sees every undo, even one that only clears filled fields."""

from __future__ import annotations

from pathlib import Path

from clmdesk.services.importing import import_files, undo_batch
from clmdesk.storage.database import open_database
from clmdesk.storage.history import data_fingerprint


def test_undoing_a_batch_that_only_filled_fields_changes_the_fingerprint(
    tmp_path: Path,
) -> None:
    orders = tmp_path / "vendas.csv"
    orders.write_text(
        "Cliente;Data;Valor\n1;02/01/2024;10,00\n2;03/01/2024;20,00\n",
        encoding="utf-8",
    )
    details = tmp_path / "clientes.csv"
    details.write_text(
        "Código do cliente;E-mail;Cidade\n1;ana@example.com;Recife\n",
        encoding="utf-8",
    )
    database = open_database(tmp_path / "shop.sqlite3")
    try:
        import_files(database, [orders], classify=False)
        filled = import_files(database, [details], classify=False)
        assert filled.customers_new == 0
        assert filled.fields_filled > 0
        with database.read() as connection:
            before = data_fingerprint(connection)
        assert filled.batch_id is not None
        undo_batch(database, filled.batch_id)
        with database.read() as connection:
            after = data_fingerprint(connection)
    finally:
        database.close()
    assert after != before
