"""Planning large files reports progress while they are read, and stops on cancel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from clmdesk.core.tasks import Cancelled
from clmdesk.services.importing import FILE_STEPS, plan_files

if TYPE_CHECKING:
    from pathlib import Path


def _large_orders(path: Path, lines: int = 12_000) -> Path:
    """An orders workbook whose sheet XML is above the size read in pieces."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Vendas")
    sheet.append(["Pedido", "Data", "Código do cliente", "Quantidade", "Preço"])
    moment = datetime(2023, 1, 1, 9, 0)
    for line in range(lines):
        sheet.append(
            [
                f"N{line // 3}",
                moment + timedelta(minutes=37 * line),
                1_000 + line % 700,
                line % 9 + 1,
                (line % 4_000) / 100,
            ]
        )
    workbook.save(path)
    return path


def test_planning_reports_each_files_share_while_reading(tmp_path: Path) -> None:
    large = _large_orders(tmp_path / "grande.xlsx")
    small = tmp_path / "pequeno.csv"
    small.write_text("Cliente;Data;Valor\n1;02/01/2024;10,00\n", encoding="utf-8")
    seen: list[tuple[int, int]] = []

    plan_files([large, small], progress=lambda d, t: seen.append((d, t)))

    assert all(total == 2 * FILE_STEPS for _, total in seen)
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[0] == 0
    assert done[-1] == 2 * FILE_STEPS
    # Reports while the large file was read, not only after each file; the
    # read fills nine tenths of its share, its planning the rest.
    reading = [d for d in done if 0 < d < FILE_STEPS]
    assert reading
    assert max(reading) <= 0.9 * FILE_STEPS


def test_planning_stops_while_a_large_file_is_read(tmp_path: Path) -> None:
    large = _large_orders(tmp_path / "grande.xlsx")
    reports: list[int] = []

    def is_cancelled() -> bool:
        return bool(reports)  # cancelled once reading has started

    with pytest.raises(Cancelled):
        plan_files(
            [large],
            progress=lambda d, _t: reports.append(d) if d > 0 else None,
            is_cancelled=is_cancelled,
        )
