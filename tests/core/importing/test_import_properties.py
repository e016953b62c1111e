"""Property tests: for random sheets every row is accounted for and nothing but the documented error escapes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clmdesk.core.importing import (
    Field,
    RawSheet,
    Role,
    convert_sheet,
    plan_sheet,
)
from clmdesk.core.importing.identity import line_identities

HEADERS = [
    "Cliente", "Customer ID", "E-mail", "CPF", "Data", "InvoiceDate", "Valor", "Quantidade",
    "Preço", "Pedido", "Nome", "Cidade", "UF", "NPS", "Alcance", "Custo", "Canal", "Status",
    "Data de cadastro", "xyz", "", "Obs",
]  # fmt: skip

cells = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(
        [
            "01/02/2024",
            "13/02/2024",
            "02/13/2024",
            "2024-03-05",
            "31/02/2024",
            "1.234,56",
            "(12,00)",
            "-5",
            "R$ 10,00",
            "abc",
            "#N/A",
            "ana@x.com",
            "123.456.789-09",
            "12346.0",
            "45361",
            "00/00/0000",
            "99/99/99",
            "1e400",
            "nan",
            "inf",
            "--1",
            "()",
            "R$",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    st.just(time(10, 30)),
    st.just(timedelta(hours=5)),
)


@st.composite
def sheets(draw: st.DrawFn) -> RawSheet:
    width = draw(st.integers(min_value=1, max_value=6))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
    titles = draw(
        st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=1), max_size=2)
    )
    body = draw(
        st.lists(
            st.lists(cells, min_size=0, max_size=width + 1), min_size=0, max_size=25
        )
    )
    rows = [*titles, header, *body]
    rows = [r for r in rows if any(v not in ("", None) for v in r)]
    return RawSheet(
        file="random.xlsx",
        name="S",
        rows=rows,
        row_numbers=list(range(1, len(rows) + 1)),
        width=max((len(r) for r in rows), default=0),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets(), st.sampled_from(list(Role)))
def test_every_row_is_accounted_for(raw: RawSheet, forced_role: Role) -> None:
    for plan in (plan_sheet(raw), plan_sheet(raw).with_mapping(role=forced_role)):
        result = convert_sheet(raw, plan, date(2025, 1, 1))
        assert result.rows_read == result.rows_valid + result.anonymous_rows + len(
            result.rejected
        )
        if plan.role != Role.IGNORE:
            assert result.rows_read == plan.data_rows
        numbers = [r.row_number for r in result.rejected] + list(
            result.anonymous_row_numbers
        )
        for part in (result.orders, result.nps, result.campaigns):
            if part is not None:
                numbers += part.row_numbers.tolist()
        if not result.rows_read:
            continue
        if result.role == Role.CUSTOMERS:
            assert result.customers is not None
            assert len(result.customers) <= result.rows_valid
        else:
            assert sorted(numbers) == sorted(set(numbers))
            assert len(numbers) == result.rows_read
        if result.orders is not None:
            assert len(set(line_identities(result.orders))) == len(result.orders)


@settings(max_examples=100, deadline=None)
@given(sheets(), st.sampled_from(list(Field)))
def test_any_column_can_take_any_field(raw: RawSheet, field: Field) -> None:
    if not raw.width:
        return
    plan = plan_sheet(raw).with_mapping({0: field})
    result = convert_sheet(raw, plan, date(2025, 1, 1))
    assert result.rows_read == result.rows_valid + result.anonymous_rows + len(
        result.rejected
    )
