"""Header texts to fields: normalisation, Portuguese/English synonyms, signatures (core layer).

A header is normalised before any comparison: camelCase split, accents
and case dropped, units such as ``(R$)``, ``[%]``, ``R$`` or ``(un)`` removed,
punctuation turned into spaces and filler words (``de``, ``do``, ``of``…)
dropped.  ``"Valor Total (R$)"``, ``"valor_total"`` and ``"ValorTotal"``
all become ``"valor total"``.  An exact synonym gives confidence 1.0; a
keyword rule (``"Data do pedido de venda"`` contains ``data`` and
``pedido``) gives 0.8.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from clmdesk.core.importing.records import Field

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "HeaderMatch",
    "header_signature",
    "match_header",
    "normalize_header",
]

HeaderMatch = tuple[Field, float, str]
"""(field, confidence, language ``"pt"``/``"en"``/``""``) of a recognised header."""

_UNITS = {
    "r$", "rs", "brl", "us$", "usd", "$", "eur", "€", "£", "%", "un", "und", "unid",
    "kg", "g", "reais", "dolares", "pct", "moeda", "currency",
}  # fmt: skip
_STOPWORDS = {
    "de",
    "do",
    "da",
    "dos",
    "das",
    "the",
    "of",
    "e",
    "em",
    "a",
    "o",
    "in",
    "per",
    "por",
}
_PAREN = re.compile(r"[\(\[\{]([^\)\]\}]*)[\)\]\}]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^a-z0-9$%€£]+")

# Synonyms per field, written naturally; normalised when the table is built.
_PT: dict[Field, tuple[str, ...]] = {
    Field.CUSTOMER_ID: (
        "cliente", "código do cliente", "cód cliente", "cod cliente", "id cliente",
        "id do cliente", "codigo cliente", "cliente id", "nº cliente", "número do cliente",
        "cod. cliente", "matrícula", "chave do cliente", "cliente código",
    ),
    Field.NAME: (
        "nome", "nome do cliente", "nome cliente", "razão social", "nome completo",
        "cliente nome", "nome/razão social", "nome fantasia",
    ),
    Field.EMAIL: ("e-mail", "email", "e-mail do cliente", "endereço de e-mail", "correio eletrônico"),
    Field.PHONE: (
        "telefone", "fone", "celular", "whatsapp", "tel", "telefone celular", "contato",
        "telefone 1", "número de telefone",
    ),
    Field.DOCUMENT: (
        "cpf", "cnpj", "cpf/cnpj", "cpf cnpj", "cnpj/cpf", "documento", "doc", "cpf do cliente",
        "nº documento", "cpf ou cnpj",
    ),
    Field.CITY: ("cidade", "município", "municipio", "localidade"),
    Field.STATE: ("uf", "estado", "estado/uf", "uf estado", "sigla uf"),
    Field.REGISTERED: (
        "data de cadastro", "cadastro", "data cadastro", "cliente desde", "data de inclusão",
        "cadastrado em", "data de registro", "data de criação", "criado em",
    ),
    Field.CHANNEL: ("canal", "origem", "origem/canal", "canal de venda", "canal de aquisição", "fonte", "mídia"),
    Field.REFERRED_BY: ("indicado por", "indicação", "indicador", "quem indicou", "indicado pelo cliente"),
    Field.NPS_SCORE: ("nps", "nota nps", "nota", "pontuação nps", "score nps", "nota de recomendação"),
    Field.NPS_DATE: ("data nps", "data da resposta", "data da pesquisa", "respondido em", "data da avaliação"),
    Field.ORDER_ID: (
        "pedido", "nº pedido", "número do pedido", "nota fiscal", "nf", "nf-e", "nfe",
        "numero pedido", "cód pedido", "código do pedido", "id pedido", "venda", "nº venda",
        "número da venda", "cupom", "número da nota", "nº nf", "documento fiscal", "id da venda",
    ),
    Field.DATE: (
        "data", "data da venda", "data do pedido", "data da compra", "dt venda", "dt pedido",
        "data emissão", "data de emissão", "emissão", "data/hora", "data e hora", "dia",
        "data venda", "data compra", "data da campanha", "mês", "mês/ano", "competência",
    ),
    Field.AMOUNT: (
        "valor", "total", "valor total", "valor da venda", "valor do pedido", "receita",
        "faturamento", "valor líquido", "total da venda", "total do pedido", "valor pago",
        "vlr total", "vl total", "montante", "valor bruto", "total geral", "valor final",
    ),
    Field.QUANTITY: ("quantidade", "qtd", "qtde", "quant", "qt", "unidades", "itens", "qtd vendida"),
    Field.UNIT_PRICE: (
        "preço", "valor unitário", "preço unitário", "vlr unit", "vl unit", "preço de venda",
        "vlr unitário", "preço unit", "unitário",
    ),
    Field.STATUS: ("status", "situação", "situação do pedido", "estado do pedido"),
    Field.REACHED: (
        "alcance", "pessoas alcançadas", "alcançados", "impactados", "contatos", "envios",
        "impressões", "público", "pessoas impactadas", "alcançadas",
    ),
    Field.COST: ("custo", "investimento", "gasto", "valor investido", "custo total", "verba"),
}  # fmt: skip
_EN: dict[Field, tuple[str, ...]] = {
    Field.CUSTOMER_ID: (
        "customer id", "customerid", "customer", "client id", "customer no", "customer number",
        "customer code", "client", "cust id", "account id", "member id", "buyer id", "user id",
    ),
    Field.NAME: ("name", "customer name", "full name", "client name", "company name", "contact name"),
    Field.EMAIL: ("e-mail address", "email address", "customer email", "mail"),
    Field.PHONE: ("phone", "telephone", "mobile", "phone number", "cell", "cell phone"),
    Field.DOCUMENT: ("document", "tax id", "document number", "national id", "vat id"),
    Field.CITY: ("city", "town"),
    Field.STATE: ("state", "province", "region"),
    Field.REGISTERED: (
        "registration date", "registered", "signup date", "sign up date", "created at",
        "customer since", "date registered", "registered at", "join date", "joined",
        "created", "creation date", "first seen",
    ),
    Field.CHANNEL: ("channel", "source", "acquisition channel", "sales channel", "medium", "utm source"),
    Field.REFERRED_BY: ("referred by", "referrer", "referral", "referred", "referrer id"),
    Field.NPS_SCORE: ("nps score", "score", "nps rating", "rating", "recommendation score"),
    Field.NPS_DATE: ("nps date", "answer date", "survey date", "response date", "answered at"),
    Field.ORDER_ID: (
        "invoice", "invoiceno", "invoice no", "invoice number", "order id", "order", "order no",
        "order number", "receipt", "transaction id", "sale id", "ticket", "orderid", "invoice id",
    ),
    Field.DATE: (
        "date", "invoicedate", "invoice date", "order date", "sale date", "purchase date",
        "transaction date", "datetime", "timestamp", "created on", "month", "campaign date", "day",
    ),
    Field.AMOUNT: (
        "amount", "sales", "revenue", "total amount", "order total", "sale amount", "net amount",
        "value", "grand total", "line total", "subtotal", "gross amount", "order value", "paid",
    ),
    Field.QUANTITY: ("quantity", "qty", "units", "quantity sold", "pieces"),
    Field.UNIT_PRICE: ("unitprice", "unit price", "price", "price each", "unit cost", "item price"),
    Field.STATUS: ("status", "order status", "state of order"),
    Field.REACHED: ("reached", "reach", "people reached", "impressions", "audience", "recipients", "sent"),
    Field.COST: ("cost", "spend", "spent", "budget", "ad spend", "campaign cost", "total cost"),
}  # fmt: skip

# Headers that name a field only when nothing clearer does: "Código" is the
# customer in a customers sheet but the product beside a "Cliente" column.
_WEAK: dict[str, Field] = {
    "codigo": Field.CUSTOMER_ID,
    "cod": Field.CUSTOMER_ID,
    "id": Field.CUSTOMER_ID,
    "code": Field.CUSTOMER_ID,
}

# Keyword rules for headers that no synonym covers: every token of a rule
# must appear; the first matching rule wins (specific before generic).
_KEYWORDS: tuple[tuple[tuple[str, ...], Field], ...] = (
    (("email",), Field.EMAIL),
    (("mail",), Field.EMAIL),
    (("cpf",), Field.DOCUMENT),
    (("cnpj",), Field.DOCUMENT),
    (("documento",), Field.DOCUMENT),
    (("telefone",), Field.PHONE),
    (("celular",), Field.PHONE),
    (("phone",), Field.PHONE),
    (("whatsapp",), Field.PHONE),
    (("nps", "data"), Field.NPS_DATE),
    (("nps", "date"), Field.NPS_DATE),
    (("nps",), Field.NPS_SCORE),
    (("cadastro",), Field.REGISTERED),
    (("registration",), Field.REGISTERED),
    (("signup",), Field.REGISTERED),
    (("indicado",), Field.REFERRED_BY),
    (("referred",), Field.REFERRED_BY),
    (("referral",), Field.REFERRED_BY),
    (("cidade",), Field.CITY),
    (("city",), Field.CITY),
    (("uf",), Field.STATE),
    (("unitario",), Field.UNIT_PRICE),
    (("unit", "price"), Field.UNIT_PRICE),
    (("preco",), Field.UNIT_PRICE),
    (("price",), Field.UNIT_PRICE),
    (("quantidade",), Field.QUANTITY),
    (("qtd",), Field.QUANTITY),
    (("qty",), Field.QUANTITY),
    (("quantity",), Field.QUANTITY),
    (("data",), Field.DATE),
    (("date",), Field.DATE),
    (("dt",), Field.DATE),
    (("pedido",), Field.ORDER_ID),
    (("invoice",), Field.ORDER_ID),
    (("order",), Field.ORDER_ID),
    (("nota", "fiscal"), Field.ORDER_ID),
    (("cliente",), Field.CUSTOMER_ID),
    (("customer",), Field.CUSTOMER_ID),
    (("nome",), Field.NAME),
    (("name",), Field.NAME),
    (("canal",), Field.CHANNEL),
    (("origem",), Field.CHANNEL),
    (("channel",), Field.CHANNEL),
    (("custo",), Field.COST),
    (("cost",), Field.COST),
    (("alcance",), Field.REACHED),
    (("reach",), Field.REACHED),
    (("valor",), Field.AMOUNT),
    (("total",), Field.AMOUNT),
    (("amount",), Field.AMOUNT),
    (("receita",), Field.AMOUNT),
    (("revenue",), Field.AMOUNT),
    (("status",), Field.STATUS),
    (("situacao",), Field.STATUS),
)


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _drop_units(match: re.Match[str]) -> str:
    inner = _NON_WORD.sub(" ", match.group(1).lower()).split()
    if not inner or all(token in _UNITS or token.isdigit() for token in inner):
        return " "
    return " " + " ".join(inner) + " "


@lru_cache(maxsize=4096)
def normalize_header(text: object) -> str:
    """Return the comparable form of a header cell.

    Parameters
    ----------
    text
        The header cell (any type; numbers become their text).

    Returns
    -------
    str
        Lower-case ASCII words separated by single spaces, without units
        or filler words; ``""`` for an empty header.

    Examples
    --------
    >>> normalize_header("Valor Total (R$)")
    'valor total'
    >>> normalize_header("CustomerID")
    'customer id'
    """
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    raw = _CAMEL.sub(" ", str(text).strip())
    raw = _strip_accents(raw).replace("º", "o").replace("°", "o")
    raw = _PAREN.sub(_drop_units, raw)
    tokens = _NON_WORD.sub(" ", raw.lower()).split()
    tokens = [t for t in tokens if t not in _UNITS] or tokens
    kept = [t for t in tokens if t not in _STOPWORDS]
    return " ".join(kept or tokens)


def _compact(normalized: str) -> str:
    return normalized.replace(" ", "")


def _build_table() -> dict[str, tuple[Field, str]]:
    table: dict[str, tuple[Field, str]] = {}
    for language, synonyms in (("en", _EN), ("pt", _PT)):
        for field_, words in synonyms.items():
            for word in words:
                key = _compact(normalize_header(word))
                known = table.get(key)
                # A word both languages share ("status", "total") is language-neutral.
                table[key] = (
                    field_,
                    "" if known and known[1] != language else language,
                )
    return table


_TABLE = _build_table()


@lru_cache(maxsize=4096)
def match_header(text: object) -> HeaderMatch | None:
    """Recognise a header.

    Parameters
    ----------
    text
        The header cell.

    Returns
    -------
    tuple or None
        ``(field, confidence, language)``: confidence 1.0 for a synonym,
        0.8 for a keyword rule; ``None`` when nothing matches.
    """
    normalized = normalize_header(text)
    if not normalized:
        return None
    compact = _compact(normalized)
    exact = _TABLE.get(compact)
    if exact is not None:
        return exact[0], 1.0, exact[1]
    weak = _WEAK.get(compact)
    if weak is not None:
        return weak, 0.6, ""
    tokens = set(normalized.split())
    # Split glued words ("valortotal") by also looking for keywords inside.
    joined = _compact(normalized)
    for words, field_ in _KEYWORDS:
        if all(word in tokens for word in words):
            return field_, 0.8, ""
    for words, field_ in _KEYWORDS:
        if len(words) == 1 and len(words[0]) >= 5 and words[0] in joined:
            return field_, 0.7, ""
    return None


def header_signature(headers: Sequence[object]) -> str:
    """Return a stable signature of a header row.

    Two sheets with the same headers (after :func:`normalize_header`, in
    the same order) share a signature, whatever their case, accents or
    units; the signature keys a mapping the user confirmed.

    Parameters
    ----------
    headers
        The header cells, in column order (``""`` where a column has none).

    Returns
    -------
    str
        24 hex characters.
    """
    text = "\x1f".join(normalize_header(header) for header in headers)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
