"""Header synonyms: Portuguese and English, accents, case, punctuation and units ignored."""

from __future__ import annotations

import pytest

from clmdesk.core.importing import (
    Field,
    header_signature,
    match_header,
    normalize_header,
)

HEADERS = [
    # customer key
    ("Cliente", Field.CUSTOMER_ID),
    ("CÓDIGO DO CLIENTE", Field.CUSTOMER_ID),
    ("cod_cliente", Field.CUSTOMER_ID),
    ("Customer ID", Field.CUSTOMER_ID),
    ("CustomerID", Field.CUSTOMER_ID),
    ("customer_id", Field.CUSTOMER_ID),
    ("Nº Cliente", Field.CUSTOMER_ID),
    # dates
    ("Data", Field.DATE),
    ("Data da Venda", Field.DATE),
    ("data_da_venda", Field.DATE),
    ("InvoiceDate", Field.DATE),
    ("Order Date", Field.DATE),
    ("Dt. Pedido", Field.DATE),
    ("Data de emissão", Field.DATE),
    # amounts
    ("Valor", Field.AMOUNT),
    ("Total", Field.AMOUNT),
    ("Valor Total (R$)", Field.AMOUNT),
    ("VALOR TOTAL R$", Field.AMOUNT),
    ("Valor total [BRL]", Field.AMOUNT),
    ("Amount", Field.AMOUNT),
    ("Sales", Field.AMOUNT),
    ("Receita", Field.AMOUNT),
    ("Faturamento (R$)", Field.AMOUNT),
    ("Valor Líquido", Field.AMOUNT),
    # order ids
    ("Pedido", Field.ORDER_ID),
    ("Nº do Pedido", Field.ORDER_ID),
    ("Nota Fiscal", Field.ORDER_ID),
    ("Invoice", Field.ORDER_ID),
    ("InvoiceNo", Field.ORDER_ID),
    ("Order ID", Field.ORDER_ID),
    # quantities and prices
    ("Quantidade", Field.QUANTITY),
    ("Qtd.", Field.QUANTITY),
    ("QTDE", Field.QUANTITY),
    ("Quantity", Field.QUANTITY),
    ("Units", Field.QUANTITY),
    ("Preço", Field.UNIT_PRICE),
    ("preco", Field.UNIT_PRICE),
    ("Valor Unitário (R$)", Field.UNIT_PRICE),
    ("UnitPrice", Field.UNIT_PRICE),
    ("Price", Field.UNIT_PRICE),
    # customer fields
    ("E-mail", Field.EMAIL),
    ("EMAIL", Field.EMAIL),
    ("Email Address", Field.EMAIL),
    ("e-mail do cliente", Field.EMAIL),
    ("CPF/CNPJ", Field.DOCUMENT),
    ("CPF", Field.DOCUMENT),
    ("cnpj", Field.DOCUMENT),
    ("Telefone", Field.PHONE),
    ("Celular/WhatsApp", Field.PHONE),
    ("Phone", Field.PHONE),
    ("Cidade", Field.CITY),
    ("Município", Field.CITY),
    ("City", Field.CITY),
    ("UF", Field.STATE),
    ("Estado", Field.STATE),
    ("Data de Cadastro", Field.REGISTERED),
    ("Cliente desde", Field.REGISTERED),
    ("Registration Date", Field.REGISTERED),
    ("Origem/Canal", Field.CHANNEL),
    ("Canal", Field.CHANNEL),
    ("Channel", Field.CHANNEL),
    ("Indicado por", Field.REFERRED_BY),
    ("Referred By", Field.REFERRED_BY),
    ("Nome", Field.NAME),
    ("Razão Social", Field.NAME),
    ("Customer Name", Field.NAME),
    ("NPS", Field.NPS_SCORE),
    ("Nota NPS", Field.NPS_SCORE),
    ("Data da resposta", Field.NPS_DATE),
    ("Status", Field.STATUS),
    ("Situação", Field.STATUS),
    # campaigns
    ("Alcance", Field.REACHED),
    ("Pessoas alcançadas", Field.REACHED),
    ("Custo (R$)", Field.COST),
    ("Investimento", Field.COST),
    ("Spend", Field.COST),
]


@pytest.mark.parametrize(("header", "field"), HEADERS)
def test_header_variants(header: str, field: Field) -> None:
    found = match_header(header)
    assert found is not None, header
    assert found[0] == field


@pytest.mark.parametrize(
    "header",
    [
        "StockCode",
        "Description",
        "Country",
        "",
        "   ",
        "Observações",
        "Produto",
        2024.0,
    ],
)
def test_unrelated_headers_are_not_mapped(header: object) -> None:
    assert match_header(header) is None


def test_keyword_matches_are_less_certain_than_synonyms() -> None:
    exact = match_header("Data da venda")
    keyword = match_header("Data prevista de entrega")
    assert exact is not None
    assert keyword is not None
    assert exact[1] > keyword[1]
    assert keyword[0] == Field.DATE


def test_language_of_synonyms() -> None:
    assert match_header("Valor total")[2] == "pt"  # type: ignore[index]
    assert match_header("Amount")[2] == "en"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("Valor Total (R$)", "valor total"),
        ("  CustomerID ", "customer id"),
        ("Preço Unitário [R$]", "preco unitario"),
        ("Data (dd/mm/aaaa)", "data dd mm aaaa"),
        ("Nº do pedido", "no pedido"),
        (12.0, "12"),
        (None, ""),
    ],
)
def test_normalize_header(text: object, normal: str) -> None:
    assert normalize_header(text) == normal


def test_signature_ignores_case_accents_and_units_but_not_order() -> None:
    one = header_signature(["Cliente", "Data", "Valor (R$)"])
    assert one == header_signature(["CLIENTE", "data", "valor"])
    assert one != header_signature(["Data", "Cliente", "Valor"])
    assert one != header_signature(["Cliente", "Data", "Valor", ""])
    assert len(one) == 24
