"""Deterministic demo data: a believable small Brazilian shop (core layer, Qt-free).

"Loja Exemplo" sells gifts and fashion in its physical store in Campinas (SP)
and in its online shop, which ships all over Brazil. :func:`generate_demo`
invents four years of its life up to ``end_date``:

* about 2,000 customers registered at a growing pace, with peaks around
  Mother's Day, Black Friday and Christmas; a few store customers never
  registered (identified at the till only);
* buyer profiles: one-off buyers, occasional buyers, regulars, frequent
  small-ticket buyers and big spenders; recurring buyers drift away after a
  random lifetime, many stay;
* registrations without any purchase (newsletter sign-ups: prospects);
* orders exported as line items (several lines per order), a few returns
  (negative orders a few days after a purchase) and zero-value warranty
  visits;
* referrals (``referred_by``), NPS answers dated after purchases, a few
  undated scores from an old survey, and monthly and seasonal campaigns
  (date, channel, people reached, cost);
* Brazilian names, cities and states, e-mails, phones and CPF numbers with
  valid check digits (all invented).

Determinism: everything comes from one :class:`random.Random` seeded with
``seed``, and nothing reads the clock. The default end date is fixed
(:data:`DEFAULT_END_DATE`, the last day of the month before this generator
was written) so that the demo database is the same on every machine and
every day; pass ``end_date`` to move the four years elsewhere. With the
defaults, the last snapshot has customers in every stage of both stage-model
presets and the last month has customers in every CLM funnel stage (checked
in ``tests/core/test_demo.py``).

Dates are integer day numbers (days since 1970-01-01) like everywhere in the
engine and storage; money is integer cents.
"""

from __future__ import annotations

import math
import random
import unicodedata
from bisect import bisect_right, insort
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from clmdesk.core.days import day_number, from_day_number

__all__ = [
    "BUSINESS_NAME",
    "DEFAULT_CUSTOMERS",
    "DEFAULT_END_DATE",
    "DEFAULT_SEED",
    "DemoCampaign",
    "DemoCustomer",
    "DemoData",
    "DemoNpsAnswer",
    "DemoOrderLine",
    "cpf_check_digits",
    "day_number",
    "from_day_number",
    "generate_demo",
    "is_valid_cpf",
]

BUSINESS_NAME = "Loja Exemplo"
DEFAULT_SEED = 20261031
DEFAULT_END_DATE = date(2026, 10, 31)
DEFAULT_CUSTOMERS = 2000
YEARS = 4
_NEWSLETTER_BASE = 1200


@dataclass(frozen=True)
class DemoCustomer:
    """One invented customer; ``registered`` is a day number or None (till-only customer)."""

    key: str
    name: str
    email: str | None
    phone: str | None
    document: str | None
    city: str
    state: str
    registered: int | None
    channel: str
    referred_by: str | None
    nps_score_undated: int | None


@dataclass(frozen=True)
class DemoOrderLine:
    """One exported line of an order (several lines share ``order_ref``).

    ``seconds`` is the time of day in seconds since midnight.
    """

    customer_key: str
    order_ref: str
    day: int
    seconds: int
    amount_cents: int


@dataclass(frozen=True)
class DemoNpsAnswer:
    """A dated NPS answer, 0–10."""

    customer_key: str
    day: int
    score: int


@dataclass(frozen=True)
class DemoCampaign:
    """A marketing campaign: when, where, how many people it reached and its cost."""

    day: int
    channel: str
    reached: int
    cost_cents: int


@dataclass(frozen=True)
class DemoData:
    """Everything :func:`generate_demo` invents, in a stable order.

    Customers are ordered by key (which follows registration order), order
    lines by (day, seconds, order_ref), answers and campaigns by day.
    """

    business_name: str
    seed: int
    start_day: int
    end_day: int
    customers: tuple[DemoCustomer, ...]
    order_lines: tuple[DemoOrderLine, ...]
    nps_answers: tuple[DemoNpsAnswer, ...]
    campaigns: tuple[DemoCampaign, ...]


# --- names and places -------------------------------------------------------

_FEMALE = (
    "Ana",
    "Maria",
    "Juliana",
    "Fernanda",
    "Patrícia",
    "Aline",
    "Camila",
    "Amanda",
    "Bruna",
    "Jéssica",
    "Letícia",
    "Luciana",
    "Vanessa",
    "Mariana",
    "Gabriela",
    "Larissa",
    "Beatriz",
    "Débora",
    "Renata",
    "Cláudia",
    "Sandra",
    "Simone",
    "Adriana",
    "Daniela",
    "Tatiane",
    "Carolina",
    "Priscila",
    "Natália",
    "Isabela",
    "Raquel",
    "Márcia",
    "Helena",
    "Luíza",
    "Sofia",
    "Alice",
    "Lúcia",
    "Vitória",
    "Rafaela",
    "Conceição",
    "Francisca",
    "Antônia",
    "Rosângela",
    "Élida",
    "Cíntia",
)
_MALE = (
    "José",
    "João",
    "Antônio",
    "Francisco",
    "Carlos",
    "Paulo",
    "Pedro",
    "Lucas",
    "Luiz",
    "Marcos",
    "Luís",
    "Gabriel",
    "Rafael",
    "Daniel",
    "Marcelo",
    "Bruno",
    "Eduardo",
    "Felipe",
    "Rodrigo",
    "Gustavo",
    "Fábio",
    "André",
    "Thiago",
    "Leonardo",
    "Matheus",
    "Vinícius",
    "Diego",
    "Sérgio",
    "Caio",
    "Otávio",
    "Henrique",
    "Igor",
    "Márcio",
    "Cássio",
    "Renato",
    "Ricardo",
    "Fernando",
    "Júlio",
    "Roberto",
    "Davi",
    "Heitor",
    "Benício",
    "Joaquim",
    "Raimundo",
)
_SURNAMES = (
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Araújo",
    "Conceição",
    "Brandão",
    "Magalhães",
    "Simões",
    "Guimarães",
    "Falcão",
    "Leão",
    "Assunção",
    "Peixoto",
    "Cavalcanti",
    "Monteiro",
    "Moura",
)
# Surnames that usually follow a particle ("Maria Conceição dos Santos").
_WITH_PARTICLE = (
    ("da", "Silva"),
    ("da", "Costa"),
    ("da", "Rocha"),
    ("da", "Conceição"),
    ("da", "Cruz"),
    ("da", "Luz"),
    ("dos", "Santos"),
    ("dos", "Reis"),
    ("dos", "Anjos"),
    ("de", "Souza"),
    ("de", "Oliveira"),
    ("de", "Almeida"),
    ("de", "Andrade"),
    ("de", "Jesus"),
    ("do", "Nascimento"),
    ("do", "Carmo"),
    ("do", "Prado"),
)
_MAIL_DOMAINS = (
    ("gmail.com", 50),
    ("hotmail.com", 16),
    ("outlook.com", 10),
    ("yahoo.com.br", 8),
    ("uol.com.br", 5),
    ("bol.com.br", 4),
    ("terra.com.br", 3),
    ("icloud.com", 4),
)
# (city, state, area code, weight among store customers, weight among online customers)
_CITIES = (
    ("Campinas", "SP", 19, 60, 8),
    ("Valinhos", "SP", 19, 8, 1),
    ("Vinhedo", "SP", 19, 6, 1),
    ("Sumaré", "SP", 19, 7, 1),
    ("Hortolândia", "SP", 19, 5, 1),
    ("Paulínia", "SP", 19, 4, 1),
    ("Indaiatuba", "SP", 19, 4, 1),
    ("Jundiaí", "SP", 11, 3, 2),
    ("São Paulo", "SP", 11, 3, 22),
    ("Guarulhos", "SP", 11, 0, 2),
    ("Santo André", "SP", 11, 0, 2),
    ("Santos", "SP", 13, 0, 2),
    ("Ribeirão Preto", "SP", 16, 0, 2),
    ("Sorocaba", "SP", 15, 0, 2),
    ("São José dos Campos", "SP", 12, 0, 2),
    ("Rio de Janeiro", "RJ", 21, 0, 10),
    ("Niterói", "RJ", 21, 0, 2),
    ("Belo Horizonte", "MG", 31, 0, 6),
    ("Uberlândia", "MG", 34, 0, 2),
    ("Juiz de Fora", "MG", 32, 0, 1),
    ("Curitiba", "PR", 41, 0, 4),
    ("Londrina", "PR", 43, 0, 1),
    ("Maringá", "PR", 44, 0, 1),
    ("Porto Alegre", "RS", 51, 0, 3),
    ("Caxias do Sul", "RS", 54, 0, 1),
    ("Florianópolis", "SC", 48, 0, 2),
    ("Joinville", "SC", 47, 0, 1),
    ("Salvador", "BA", 71, 0, 3),
    ("Recife", "PE", 81, 0, 3),
    ("Fortaleza", "CE", 85, 0, 2),
    ("Brasília", "DF", 61, 0, 4),
    ("Goiânia", "GO", 62, 0, 2),
    ("Belém", "PA", 91, 0, 1),
    ("Manaus", "AM", 92, 0, 1),
    ("Vitória", "ES", 27, 0, 1),
    ("Natal", "RN", 84, 0, 1),
    ("João Pessoa", "PB", 83, 0, 1),
    ("São Luís", "MA", 98, 0, 1),
    ("Campo Grande", "MS", 67, 0, 1),
    ("Cuiabá", "MT", 65, 0, 1),
)

# --- buyer profiles ---------------------------------------------------------


@dataclass(frozen=True)
class _Profile:
    name: str
    weight: float
    ticket_reais: float  # median order value
    mean_gap_days: tuple[float, float]  # range of a customer's mean gap (0: no repeat)
    mean_lifetime_days: float  # mean time before drifting away
    stays: float  # share that never drifts away
    seasonal: float  # chance to join a seasonal peak while active


_PROFILES = (
    _Profile("prospect", 0.13, 0, (0, 0), 0, 0, 0),
    _Profile("one_off", 0.37, 140, (0, 0), 0, 0, 0),
    _Profile("occasional", 0.20, 160, (120, 300), 700, 0.3, 0.12),
    _Profile("regular", 0.20, 190, (25, 80), 650, 0.45, 0.3),
    _Profile("frequent_small", 0.06, 38, (10, 28), 800, 0.5, 0.2),
    _Profile("big_spender", 0.04, 780, (25, 60), 600, 0.4, 0.4),
)

# Acquisition channels: (name, weight, buys in the store)
_CHANNELS = (
    ("Loja física", 44, True),
    ("Site", 26, False),
    ("Instagram", 12, False),
    ("Indicação", 10, True),
    ("Google", 8, False),
)


# --- calendar -----------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (n - 1))


def _black_friday(year: int) -> date:
    # The day after the fourth Thursday of November.
    return _nth_weekday(year, 11, 3, 4) + timedelta(days=1)


def _mothers_day(year: int) -> date:
    # Brazil: second Sunday of May.
    return _nth_weekday(year, 5, 6, 2)


def _season_windows(year: int) -> list[tuple[str, date, date, float]]:
    """Peaks of a year: (name, first day, last day, sales multiplier)."""
    black_friday = _black_friday(year)
    mothers_day = _mothers_day(year)
    return [
        (
            "mothers_day",
            mothers_day - timedelta(days=10),
            mothers_day - timedelta(days=1),
            2.5,
        ),
        ("valentines", date(year, 6, 5), date(year, 6, 12), 1.5),
        (
            "black_friday",
            black_friday - timedelta(days=3),
            black_friday + timedelta(days=3),
            5.0,
        ),
        ("christmas", date(year, 12, 8), date(year, 12, 24), 2.8),
    ]


def _season_factor(day: date) -> float:
    for _, first, last, factor in _season_windows(day.year):
        if first <= day <= last:
            return factor
    if day.month == 1 or (day.month == 2 and day.day < 20):
        return 0.8  # holidays and Carnival: quieter
    return 1.0


def _years_before(value: date, years: int) -> date:
    try:
        return value.replace(year=value.year - years)
    except ValueError:  # 29 February
        return value.replace(year=value.year - years, day=28)


# --- documents and contacts ---------------------------------------------------


def cpf_check_digits(nine_digits: str) -> str:
    """Return the two check digits of a CPF's first nine digits.

    Parameters
    ----------
    nine_digits
        The base number, nine decimal digits.
    """
    digits = [int(char) for char in nine_digits]
    for _ in range(2):
        weight = len(digits) + 1
        total = sum(digit * (weight - index) for index, digit in enumerate(digits))
        remainder = total % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return f"{digits[-2]}{digits[-1]}"


def is_valid_cpf(document: str) -> bool:
    """Whether ``document`` is 11 digits with valid CPF check digits (and not all equal)."""
    if len(document) != 11 or not document.isdigit() or len(set(document)) == 1:
        return False
    return cpf_check_digits(document[:9]) == document[9:]


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class _Generator:
    """One generation run; all randomness comes from ``self.rng`` in a fixed order."""

    def __init__(self, seed: int, end: date, customers: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.end = end
        self.start = _years_before(end, YEARS) + timedelta(days=1)
        self.start_day = day_number(self.start)
        self.end_day = day_number(end)
        self.customer_count = customers
        self.used_emails: set[str] = set()
        self.used_documents: set[str] = set()
        self.customers: list[DemoCustomer] = []
        # (day, seconds, kind, customer index, line amounts); kind: store/online/return
        self.orders: list[tuple[int, int, str, int, tuple[int, ...]]] = []
        self.answers: list[DemoNpsAnswer] = []

    # -- helpers --

    def weighted(self, options: tuple[tuple[Any, ...], ...], column: int) -> int:
        weights = [float(option[column]) for option in options]
        return self.rng.choices(range(len(options)), weights=weights)[0]

    def price_cents(self, reais: float) -> int:
        """A shelf price: whole reais minus ten cents (R$ 129,90), at least R$ 9,90."""
        return max(990, round(reais) * 100 - 10)

    def order_lines(self, ticket: float) -> tuple[int, ...]:
        count = self.rng.choices((1, 2, 3, 4), weights=(55, 25, 12, 8))[0]
        total = ticket * math.exp(self.rng.gauss(0, 0.45))
        shares = [self.rng.uniform(0.5, 1.5) for _ in range(count)]
        scale = total / sum(shares)
        return tuple(self.price_cents(share * scale) for share in shares)

    def time_of_day(self, store: bool) -> int:
        if store:  # opening hours 9h–20h
            return self.rng.randrange(9 * 3600, 20 * 3600)
        return self.rng.randrange(0, 24 * 3600)

    # -- customers --

    def person(
        self, store: bool
    ) -> tuple[str, str | None, str | None, str | None, str, str, int]:
        female = self.rng.random() < 0.58
        first = self.rng.choice(_FEMALE if female else _MALE)
        surnames = [self.rng.choice(_SURNAMES)]
        if self.rng.random() < 0.5:
            surnames.insert(0, self.rng.choice(_SURNAMES))
        if self.rng.random() < 0.25:
            particle, surname = self.rng.choice(_WITH_PARTICLE)
            surnames[-1] = f"{particle} {surname}"
        name = " ".join([first, *surnames])

        city, state, area, _, _ = _CITIES[self.weighted(_CITIES, 3 if store else 4)]

        email: str | None = None
        if not store or self.rng.random() < 0.7:
            domain = _MAIL_DOMAINS[self.weighted(_MAIL_DOMAINS, 1)][0]
            local = _ascii(f"{first}.{surnames[-1].split()[-1]}").lower()
            candidate = f"{local}@{domain}"
            while candidate in self.used_emails:
                candidate = f"{local}{self.rng.randrange(1, 1000)}@{domain}"
            self.used_emails.add(candidate)
            email = candidate

        phone: str | None = None
        if self.rng.random() < 0.88:
            number = self.rng.randrange(0, 10**8)
            phone = f"({area}) 9{number // 10**4:04d}-{number % 10**4:04d}"

        document: str | None = None
        if store or self.rng.random() < 0.8:
            while True:
                base = f"{self.rng.randrange(0, 10**9):09d}"
                candidate = base + cpf_check_digits(base)
                if is_valid_cpf(candidate) and candidate not in self.used_documents:
                    break
            self.used_documents.add(candidate)
            document = candidate
        return name, email, phone, document, city, state, area

    def registration_days(self) -> list[int]:
        days = range(self.start_day, self.end_day + 1)
        span = len(days)
        weights = [
            (1.0 + 0.8 * index / span) * _season_factor(from_day_number(day))
            for index, day in enumerate(days)
        ]
        chosen = self.rng.choices(
            days, cum_weights=list(accumulate(weights)), k=self.customer_count
        )
        return sorted(chosen)

    def build(self) -> DemoData:
        registered_days = self.registration_days()
        buyers_by_first_day: list[tuple[int, str]] = []  # for referrals
        for index, reg_day in enumerate(registered_days):
            self.add_customer(index, reg_day, buyers_by_first_day)
        self.add_special_orders()
        self.ensure_activity_on_last_day(buyers_by_first_day)
        lines = self.number_orders()
        self.add_undated_scores()
        campaigns = self.campaigns()
        return DemoData(
            business_name=BUSINESS_NAME,
            seed=self.seed,
            start_day=self.start_day,
            end_day=self.end_day,
            customers=tuple(self.customers),
            order_lines=tuple(lines),
            nps_answers=tuple(
                sorted(self.answers, key=lambda a: (a.day, a.customer_key))
            ),
            campaigns=tuple(campaigns),
        )

    def add_customer(
        self, index: int, reg_day: int, buyers: list[tuple[int, str]]
    ) -> None:
        key = f"C{index + 1:05d}"
        profile = _PROFILES[
            self.rng.choices(range(len(_PROFILES)), [p.weight for p in _PROFILES])[0]
        ]
        channel_index = self.weighted(_CHANNELS, 1)
        channel, _, store = _CHANNELS[channel_index]
        if profile.name == "prospect" and store:
            # Prospects are sign-ups to the online newsletter.
            channel, store = "Site", False
        referred_by: str | None = None
        if channel == "Indicação":
            earlier = buyers[: bisect_right(buyers, (reg_day, "~"))]
            if earlier:
                referred_by = self.rng.choice(earlier[-300:])[1]
            else:
                channel = "Loja física"
        name, email, phone, document, city, state, _ = self.person(store)

        registered: int | None = reg_day
        first_day: int | None = None
        if profile.name != "prospect":
            first_day = reg_day
            if not store:
                # Online: some buy the day they sign up, others days or weeks later.
                first_day = (
                    reg_day + int(self.rng.expovariate(1 / 9))
                    if self.rng.random() < 0.6
                    else reg_day
                )
            if store and self.rng.random() < 0.04:
                registered = None  # identified at the till only
            if first_day > self.end_day:
                first_day = None
        self.customers.append(
            DemoCustomer(
                key=key,
                name=name,
                email=email,
                phone=phone,
                document=document,
                city=city,
                state=state,
                registered=registered,
                channel=channel,
                referred_by=referred_by,
                nps_score_undated=None,
            )
        )
        if first_day is None:
            return
        insort(buyers, (first_day, key))
        self.add_purchases(index, profile, store, first_day)

    def add_purchases(
        self, index: int, profile: _Profile, store: bool, first_day: int
    ) -> None:
        rng = self.rng
        days = [first_day]
        last_active = first_day
        if profile.mean_gap_days[1] > 0:
            mean_gap = rng.uniform(*profile.mean_gap_days)
            lifetime = (
                math.inf
                if rng.random() < profile.stays
                else rng.expovariate(1 / profile.mean_lifetime_days)
            )
            last_active = first_day + int(min(lifetime, 10**6))
            if profile.name == "occasional":
                repeats = rng.choice((1, 1, 2))
                for _ in range(repeats):
                    days.append(
                        days[-1] + max(1, round(rng.gammavariate(3, mean_gap / 3)))
                    )
            else:
                day = first_day
                while True:
                    day += max(1, round(rng.gammavariate(2.5, mean_gap / 2.5)))
                    if day > last_active or day > self.end_day:
                        break
                    days.append(day)
            # Seasonal peaks bring active customers back for a gift.
            for year in range(self.start.year, self.end.year + 1):
                for _, first, last, _factor in _season_windows(year):
                    peak_day = day_number(first) + rng.randrange(
                        (last - first).days + 1
                    )
                    if rng.random() < profile.seasonal and first_day < peak_day <= min(
                        last_active, self.end_day
                    ):
                        days.append(peak_day)
        answer_chance = 0.08 if store else 0.14
        promoter_bias = {"big_spender": 1.2, "regular": 0.9, "frequent_small": 1.0}.get(
            profile.name, 0.0
        )
        for day in sorted(set(days)):
            if day > self.end_day:
                continue
            in_store = store if rng.random() < 0.85 else not store
            season = _season_factor(from_day_number(day))
            lines = self.order_lines(
                profile.ticket_reais * (1.25 if season > 1.4 else 1.0)
            )
            seconds = self.time_of_day(in_store)
            self.orders.append(
                (day, seconds, "store" if in_store else "online", index, lines)
            )
            if rng.random() < 0.025:
                back = day + rng.randrange(2, 26)
                if back <= self.end_day:
                    returned = lines[rng.randrange(len(lines))]
                    self.orders.append(
                        (back, self.time_of_day(True), "return", index, (-returned,))
                    )
            if rng.random() < answer_chance:
                answered = day + rng.randrange(1, 11)
                if answered <= self.end_day:
                    self.answers.append(
                        DemoNpsAnswer(
                            self.customers[index].key,
                            answered,
                            self.nps_score(promoter_bias),
                        )
                    )

    def nps_score(self, bias: float) -> int:
        weights = [1, 0.5, 0.5, 1, 1, 2, 3, 6, 12, 13 + 6 * bias, 10 + 8 * bias]
        return self.rng.choices(range(11), weights=weights)[0]

    def add_special_orders(self) -> None:
        """Zero-value warranty visits for a few customers with several purchases."""
        repeat = sorted({order[3] for order in self.orders if order[2] != "return"})
        for index in self.rng.sample(repeat, 3):
            own = [order for order in self.orders if order[3] == index]
            day = min(
                self.end_day, max(order[0] for order in own) + self.rng.randrange(5, 40)
            )
            self.orders.append((day, self.time_of_day(True), "store", index, (0,)))

    def ensure_activity_on_last_day(self, buyers: list[tuple[int, str]]) -> None:
        # The last snapshot is the latest order or registration: make it the
        # end date itself, so that the last month is a complete month.
        if any(order[0] == self.end_day for order in self.orders):
            return
        index = max(order[3] for order in self.orders)
        self.orders.append(
            (
                self.end_day,
                self.time_of_day(True),
                "store",
                index,
                (self.price_cents(99),),
            )
        )

    def number_orders(self) -> list[DemoOrderLine]:
        prefixes = {"store": "NFC", "online": "PED", "return": "DEV"}
        counters = dict.fromkeys(prefixes, 0)
        lines: list[DemoOrderLine] = []
        for day, seconds, kind, index, amounts in sorted(self.orders):
            counters[kind] += 1
            ref = f"{prefixes[kind]}-{counters[kind]:06d}"
            key = self.customers[index].key
            lines.extend(
                DemoOrderLine(key, ref, day, seconds, amount) for amount in amounts
            )
        return lines

    def add_undated_scores(self) -> None:
        # An old survey kept only the score, not when it was given.
        buyers = sorted({order[3] for order in self.orders})
        for index in self.rng.sample(buyers, 40):
            customer = self.customers[index]
            score = self.nps_score(0.5)
            self.customers[index] = DemoCustomer(
                **{**customer.__dict__, "nps_score_undated": score}
            )

    def campaigns(self) -> list[DemoCampaign]:
        rng = self.rng
        result: list[DemoCampaign] = []
        month = date(self.start.year, self.start.month, 1)
        while month <= self.end:
            # Monthly e-mail newsletter on the first Thursday, sent to the
            # list the shop had before these records began plus every
            # registered e-mail so far.
            sent_on = _nth_weekday(month.year, month.month, 3, 1)
            if self.start <= sent_on <= self.end:
                sent_day = day_number(sent_on)
                reached = _NEWSLETTER_BASE + sum(
                    1
                    for customer in self.customers
                    if customer.email
                    and customer.registered is not None
                    and customer.registered < sent_day
                )
                result.append(
                    DemoCampaign(sent_day, "E-mail", reached, 4900 + reached * 3)
                )
            # Instagram boosts every other month.
            if month.month % 2 == 0:
                boost = month + timedelta(days=rng.randrange(10, 20))
                if self.start <= boost <= self.end:
                    result.append(
                        DemoCampaign(
                            day_number(boost),
                            "Instagram",
                            rng.randrange(3000, 12000),
                            rng.randrange(250, 700) * 100,
                        )
                    )
            month = (month + timedelta(days=32)).replace(day=1)
        for year in range(self.start.year, self.end.year + 1):
            for name, first, _last, _factor in _season_windows(year):
                if name == "valentines":
                    continue
                launch = first - timedelta(days=3)
                if not self.start <= launch <= self.end:
                    continue
                for channel, low, high, cost in (
                    ("Instagram", 8000, 25000, (600, 1500)),
                    ("Google", 5000, 15000, (800, 2000)),
                    ("WhatsApp", 600, 1500, (50, 120)),
                ):
                    result.append(
                        DemoCampaign(
                            day_number(launch),
                            channel,
                            rng.randrange(low, high),
                            rng.randrange(*cost) * 100,
                        )
                    )
        result.sort(key=lambda campaign: (campaign.day, campaign.channel))
        return result


def generate_demo(
    *,
    seed: int = DEFAULT_SEED,
    end_date: date = DEFAULT_END_DATE,
    customers: int = DEFAULT_CUSTOMERS,
) -> DemoData:
    """Invent four years of "Loja Exemplo" ending on ``end_date``.

    Parameters
    ----------
    seed
        Seed of the only random generator used; the same seed, end date and
        size always give the same data, on any machine and any day.
    end_date
        The last day of data. Every order, registration, answer and campaign
        falls within the four years ending on it, and some order falls on it.
    customers
        How many customers to invent (at least 100).

    Returns
    -------
    DemoData
        Customers, order lines, NPS answers and campaigns.

    Notes
    -----
    Pure computation (about a second); safe on any thread.
    """
    if customers < 100:
        raise ValueError("the demo needs at least 100 customers")
    return _Generator(seed, end_date, customers).build()
