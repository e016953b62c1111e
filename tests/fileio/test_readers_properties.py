"""Property test: reading arbitrary bytes raises nothing but ReadError."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from clmdesk.core.importing import convert_sheet
from clmdesk.fileio.errors import ReadError
from clmdesk.fileio.readers import plan_file

TEXTS = st.lists(
    st.lists(
        st.one_of(
            st.text(max_size=10),
            st.sampled_from(
                ["01/02/2024", "1.234,56", '"a;b"', "R$ 5", "x@y.z", "\x00", "\r"]
            ),
        ),
        max_size=6,
    ),
    max_size=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=2000),
        TEXTS.map(lambda rows: "\n".join(";".join(r) for r in rows).encode("utf-8")),
        TEXTS.map(
            lambda rows: "\r\n".join(",".join(r) for r in rows).encode(
                "cp1252", "replace"
            )
        ),
    ),
    st.sampled_from(["data.csv", "data.xlsx", "data.txt"]),
)
def test_reading_random_bytes_raises_only_read_error(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            plan = plan_file(path)
        except ReadError as error:
            named = error.message.params["file"]
            plan = None
        if plan is None:
            assert named == name
            return
        for raw, sheet_plan in plan.pairs():
            result = convert_sheet(raw, sheet_plan, date(2025, 1, 1))
            assert result.rows_read == (
                result.rows_valid + result.anonymous_rows + len(result.rejected)
            )
