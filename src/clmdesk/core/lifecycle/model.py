"""The editable stage model: ordered rules over recency, frequency, value and registration (core layer).

A :class:`StageModel` is plain data. The engine evaluates whatever ordered
list of :class:`Stage` rules it is given, first match wins; nothing about the
ten default stages is hard-coded anywhere else. Two presets ship with it
(:func:`default_model` and :func:`last_purchase_model`, DOMAIN.md "The
lifecycle model" and "Preset Última compra").

A rule is a conjunction of optional conditions on the measures of one
customer at one as-of date D:

- ``min_frequency <= F <= max_frequency`` (purchases on or before D);
- ``recency_above < R <= recency_at_most`` (days since the last purchase),
  each bound given in days or in multiples of the purchase cycle C;
- ``top_value`` (M at or above the model's percentile of M at D);
- ``registered`` (registration date on or before D).

R and top value exist only for customers with F >= 1, so a rule that
constrains either never matches a customer without purchases.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "GROUPS",
    "GROUP_KEYS",
    "MAX_STAGES",
    "MODEL_FORMAT_VERSION",
    "PRESETS",
    "Bound",
    "Group",
    "ModelError",
    "RecencyUnit",
    "Rule",
    "Stage",
    "StageModel",
    "default_model",
    "last_purchase_model",
    "model_from_json",
    "model_to_json",
    "new_stage_key",
    "preset",
]

MODEL_FORMAT_VERSION = 1
# Stage indices are stored as int8 per customer and snapshot (-1 = absent).
MAX_STAGES = 100

MODEL_INVALID = define(
    "lifecycle.model.invalid", "The stage model cannot be read: {detail}"
)


class ModelError(ValueError):
    """A stage model that cannot be read or used; carries a :class:`Message`."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


class RecencyUnit(StrEnum):
    """Unit of a recency bound: fixed days or multiples of the purchase cycle C."""

    DAYS = "days"
    CYCLES = "cycles"


@dataclass(frozen=True)
class Bound:
    """A recency threshold, ``value`` days or ``value`` × C.

    Attributes
    ----------
    value
        Non-negative number; whole days for :attr:`RecencyUnit.DAYS`, any
        multiple (e.g. ``1.5``) for :attr:`RecencyUnit.CYCLES`.
    unit
        Days or cycles.
    """

    value: float
    unit: RecencyUnit = RecencyUnit.CYCLES

    def days(self, cycle_days: int) -> int:
        """Resolve the bound to whole days for a given C.

        R is a whole number of days, so ``R <= x`` equals ``R <= floor(x)``
        and ``R > x`` equals ``R > floor(x)``; the product is taken in exact
        decimal arithmetic so that ``1.15 × 20`` is 23, not 22.
        """
        if self.unit is RecencyUnit.DAYS:
            return math.floor(Fraction(repr(float(self.value))))
        return math.floor(Fraction(repr(float(self.value))) * cycle_days)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form ``{"value": ..., "unit": ...}``."""
        return {"value": _plain_number(self.value), "unit": self.unit.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Bound:
        """Build a bound from its JSON form."""
        value = data["value"]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError(
                f"recency bound must be a non-negative number, got {value!r}"
            )
        return cls(value=value, unit=RecencyUnit(data.get("unit", "cycles")))


def _plain_number(value: float) -> float | int:
    """Write whole floats as ints so the JSON reads ``2`` rather than ``2.0``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(frozen=True)
class Rule:
    """The conditions of one stage; ``None`` means "any".

    Attributes
    ----------
    min_frequency
        F >= this (0 = no lower bound).
    max_frequency
        F <= this, or ``None``.
    recency_above
        R > this bound, or ``None``.
    recency_at_most
        R <= this bound, or ``None``.
    top_value
        ``True``: M at or above the top-value percentile; ``False``: below it.
    registered
        ``True``: registered on or before D; ``False``: not registered by D.
    """

    min_frequency: int = 0
    max_frequency: int | None = None
    recency_above: Bound | None = None
    recency_at_most: Bound | None = None
    top_value: bool | None = None
    registered: bool | None = None

    @property
    def needs_purchase(self) -> bool:
        """Whether the rule can only match customers with F >= 1."""
        return (
            self.min_frequency >= 1
            or self.recency_above is not None
            or self.recency_at_most is not None
            or self.top_value is not None
        )

    def uses_units(self) -> set[RecencyUnit]:
        """Units of the recency bounds this rule uses."""
        return {
            b.unit for b in (self.recency_above, self.recency_at_most) if b is not None
        }

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form, omitting conditions that are "any"."""
        data: dict[str, Any] = {}
        if self.min_frequency:
            data["min_frequency"] = self.min_frequency
        if self.max_frequency is not None:
            data["max_frequency"] = self.max_frequency
        if self.recency_above is not None:
            data["recency_above"] = self.recency_above.to_json()
        if self.recency_at_most is not None:
            data["recency_at_most"] = self.recency_at_most.to_json()
        if self.top_value is not None:
            data["top_value"] = self.top_value
        if self.registered is not None:
            data["registered"] = self.registered
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rule:
        """Build a rule from its JSON form, checking types."""
        min_f = data.get("min_frequency", 0)
        max_f = data.get("max_frequency")
        if not _is_count(min_f) or (max_f is not None and not _is_count(max_f)):
            raise ValueError("frequency bounds must be non-negative whole numbers")
        top = data.get("top_value")
        registered = data.get("registered")
        if top is not None and not isinstance(top, bool):
            raise ValueError("top_value must be true, false or absent")
        if registered is not None and not isinstance(registered, bool):
            raise ValueError("registered must be true, false or absent")
        above = data.get("recency_above")
        at_most = data.get("recency_at_most")
        return cls(
            min_frequency=min_f,
            max_frequency=max_f,
            recency_above=Bound.from_json(above) if above is not None else None,
            recency_at_most=Bound.from_json(at_most) if at_most is not None else None,
            top_value=top,
            registered=registered,
        )


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@dataclass(frozen=True)
class Group:
    """One of the four fixed groups that stages belong to."""

    key: str
    name_en: str
    name_pt_br: str


GROUPS: tuple[Group, ...] = (
    Group("prospects", "Prospects", "Potenciais clientes"),
    Group("active", "Active customers", "Clientes ativos"),
    Group("attention", "Need attention", "Necessitam de atenção"),
    Group("inactive", "Inactive", "Inativos"),
)
GROUP_KEYS: tuple[str, ...] = tuple(group.key for group in GROUPS)

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Stage:
    """One stage of the model.

    Attributes
    ----------
    key
        Stable identifier used in exports and storage (``"champion"``).
    group
        One of :data:`GROUP_KEYS`.
    name_en, name_pt_br
        Display names in both interface languages.
    colour
        ``"#rrggbb"``.
    rule
        The conditions a customer meets to be in this stage.
    """

    key: str
    group: str
    name_en: str
    name_pt_br: str
    colour: str
    rule: Rule

    def name(self, language: str) -> str:
        """Display name in ``"en"`` or ``"pt_BR"``."""
        return self.name_pt_br if language == "pt_BR" else self.name_en

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form of the stage."""
        return {
            "key": self.key,
            "group": self.group,
            "name_en": self.name_en,
            "name_pt_BR": self.name_pt_br,
            "colour": self.colour,
            "rule": self.rule.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Stage:
        """Build a stage from its JSON form."""
        return cls(
            key=str(data["key"]),
            group=str(data["group"]),
            name_en=str(data.get("name_en", data["key"])),
            name_pt_br=str(data.get("name_pt_BR", data.get("name_en", data["key"]))),
            colour=str(data.get("colour", "#888888")),
            rule=Rule.from_json(data.get("rule", {})),
        )


@dataclass(frozen=True)
class StageModel:
    """An ordered list of stages (first match wins) and the top-value percentile.

    Attributes
    ----------
    stages
        Stages in evaluation and display order.
    top_percentile
        Percentile of M (over customers with F >= 1 at D, linear
        interpolation) at or above which a customer is "top value"; 80 means
        the top 20 %.
    preset
        Key of the preset the model was built from (informational).
    """

    stages: tuple[Stage, ...]
    top_percentile: float = 80.0
    preset: str = "custom"
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        _check_structure(self)
        object.__setattr__(
            self, "_index", {s.key: i for i, s in enumerate(self.stages)}
        )

    @property
    def groups(self) -> tuple[Group, ...]:
        """The four groups, in display order."""
        return GROUPS

    @property
    def keys(self) -> tuple[str, ...]:
        """Stage keys in model order."""
        return tuple(stage.key for stage in self.stages)

    def index(self, key: str) -> int:
        """Position of the stage ``key`` (raises ``KeyError`` when unknown)."""
        return self._index[key]

    def stage(self, key: str) -> Stage:
        """The stage with ``key``."""
        return self.stages[self._index[key]]

    def group_of(self, key: str) -> str:
        """Group key of stage ``key``."""
        return self.stage(key).group

    def stage_indices_in_group(self, group: str) -> tuple[int, ...]:
        """Model positions of the stages of ``group``."""
        return tuple(i for i, s in enumerate(self.stages) if s.group == group)

    def group_index_array(self) -> tuple[int, ...]:
        """For each stage position, the position of its group in :data:`GROUPS`."""
        return tuple(GROUP_KEYS.index(s.group) for s in self.stages)

    def uses_top_value(self) -> bool:
        """Whether any rule looks at top value (skips the percentile otherwise)."""
        return any(s.rule.top_value is not None for s in self.stages)

    def with_stages(self, stages: Iterable[Stage]) -> StageModel:
        """Copy with another stage list (validated structurally)."""
        return replace(self, stages=tuple(stages))

    def to_json(self) -> str:
        """Serialise to the JSON text stored in ``app_settings``."""
        return model_to_json(self)


def _check_structure(model: StageModel) -> None:
    """Reject models the engine cannot hold at all (coverage is checked separately)."""
    if not model.stages:
        raise ModelError(Message(MODEL_INVALID, {"detail": "no stages"}))
    if len(model.stages) > MAX_STAGES:
        raise ModelError(
            Message(MODEL_INVALID, {"detail": f"more than {MAX_STAGES} stages"})
        )
    seen: set[str] = set()
    for stage in model.stages:
        if not _KEY_PATTERN.match(stage.key):
            raise ModelError(
                Message(MODEL_INVALID, {"detail": f"bad stage key {stage.key!r}"})
            )
        if stage.key in seen:
            raise ModelError(
                Message(MODEL_INVALID, {"detail": f"duplicate key {stage.key!r}"})
            )
        seen.add(stage.key)
        if stage.group not in GROUP_KEYS:
            raise ModelError(
                Message(MODEL_INVALID, {"detail": f"unknown group {stage.group!r}"})
            )
        if not _COLOUR_PATTERN.match(stage.colour):
            raise ModelError(
                Message(MODEL_INVALID, {"detail": f"bad colour {stage.colour!r}"})
            )
    if not (0.0 <= float(model.top_percentile) <= 100.0):
        raise ModelError(
            Message(MODEL_INVALID, {"detail": "top_percentile outside 0..100"})
        )


def model_to_json(model: StageModel) -> str:
    """Serialise ``model`` to JSON text (stable key order, UTF-8 friendly)."""
    return json.dumps(
        {
            "version": MODEL_FORMAT_VERSION,
            "preset": model.preset,
            "top_percentile": _plain_number(float(model.top_percentile)),
            "stages": [stage.to_json() for stage in model.stages],
        },
        ensure_ascii=False,
        indent=1,
    )


def model_from_json(text: str | Mapping[str, Any]) -> StageModel:
    """Read a model from JSON text (or an already-parsed mapping).

    Raises
    ------
    ModelError
        When the text is not a readable stage model.
    """
    try:
        data = json.loads(text) if isinstance(text, str) else text
        version = int(data.get("version", 1))
        if version > MODEL_FORMAT_VERSION:
            raise ValueError(f"format version {version} is newer than this program")
        return StageModel(
            stages=tuple(Stage.from_json(s) for s in data["stages"]),
            top_percentile=float(data.get("top_percentile", 80.0)),
            preset=str(data.get("preset", "custom")),
        )
    except ModelError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ModelError(Message(MODEL_INVALID, {"detail": str(exc)})) from exc


def new_stage_key(model: StageModel, base: str = "custom") -> str:
    """A key not used in ``model``, stable once given to a new stage."""
    existing = set(model.keys)
    n = 1
    while f"{base}_{n}" in existing:
        n += 1
    return f"{base}_{n}"


def _cycles(value: float) -> Bound:
    return Bound(value, RecencyUnit.CYCLES)


def _days(value: int) -> Bound:
    return Bound(value, RecencyUnit.DAYS)


_PROSPECT = Stage(
    "prospect",
    "prospects",
    "Prospects",
    "Prospectos",
    "#9b8ec4",
    Rule(max_frequency=0, registered=True),
)


def default_model() -> StageModel:
    """The default ten-stage model of DOMAIN.md "The lifecycle model"."""
    c1, c2, c4 = _cycles(1), _cycles(2), _cycles(4)
    return StageModel(
        stages=(
            _PROSPECT,
            Stage("champion", "active", "Champions", "Campeões", "#1b7837",
                  Rule(min_frequency=4, recency_at_most=c1, top_value=True)),
            Stage("loyal", "active", "Loyal", "Fiéis", "#4dac26",
                  Rule(min_frequency=4, recency_at_most=c1)),
            Stage("promising", "active", "Promising", "Promissores", "#92c5de",
                  Rule(min_frequency=2, max_frequency=3, recency_at_most=c1)),
            Stage("new", "active", "New", "Novos", "#2166ac",
                  Rule(min_frequency=1, max_frequency=1, recency_at_most=c1)),
            Stage("cant_lose", "attention", "Can't lose", "Não podemos perder", "#b2182b",
                  Rule(recency_above=c1, recency_at_most=c2, top_value=True)),
            Stage("at_risk", "attention", "At risk", "Em risco", "#ef8a62",
                  Rule(min_frequency=2, recency_above=c1, recency_at_most=c2)),
            Stage("about_to_sleep", "attention", "About to sleep", "Quase dormindo", "#fdb863",
                  Rule(min_frequency=1, max_frequency=1, recency_above=c1, recency_at_most=c2)),
            Stage("hibernating", "inactive", "Hibernating", "Hibernando", "#999999",
                  Rule(recency_above=c2, recency_at_most=c4)),
            Stage("lost", "inactive", "Lost", "Perdidos", "#4d4d4d",
                  Rule(recency_above=c4)),
        ),
        top_percentile=80.0,
        preset="default",
    )  # fmt: skip


def last_purchase_model() -> StageModel:
    """The "Última compra" preset: recency bands in fixed days (DOMAIN.md)."""
    return StageModel(
        stages=(
            _PROSPECT,
            Stage("recent_0_3m", "active", "Up to 3 months", "Até 3 meses", "#1b7837",
                  Rule(recency_at_most=_days(90))),
            Stage("recent_3_6m", "active", "3 to 6 months", "De 3 a 6 meses", "#4dac26",
                  Rule(recency_above=_days(90), recency_at_most=_days(180))),
            Stage("recent_6_12m", "active", "6 to 12 months", "De 6 a 12 meses", "#92c5de",
                  Rule(recency_above=_days(180), recency_at_most=_days(365))),
            Stage("lapsed_1_2y", "attention", "1 to 2 years", "De 1 a 2 anos", "#fdb863",
                  Rule(recency_above=_days(365), recency_at_most=_days(730))),
            Stage("lapsed_2_3y", "attention", "2 to 3 years", "De 2 a 3 anos", "#ef8a62",
                  Rule(recency_above=_days(730), recency_at_most=_days(1095))),
            Stage("inactive_3y", "inactive", "Over 3 years", "Mais de 3 anos", "#4d4d4d",
                  Rule(recency_above=_days(1095))),
        ),
        top_percentile=80.0,
        preset="last_purchase",
    )  # fmt: skip


PRESETS: Mapping[str, Any] = {
    "default": default_model,
    "last_purchase": last_purchase_model,
}


def preset(key: str) -> StageModel:
    """A fresh copy of preset ``key`` (``"default"`` or ``"last_purchase"``)."""
    return PRESETS[key]()  # type: ignore[no-any-return]
