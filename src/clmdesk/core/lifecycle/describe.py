"""One-sentence meaning of a stage, quoting its actual thresholds (core layer).

The sentence is a :class:`~clmdesk.core.messages.Message` whose parameters
are themselves messages (one per condition), so that every piece is
translated from the catalogue; any renderer shows such a message
(:func:`clmdesk.ui.i18n.message_text` in the interface,
:func:`clmdesk.core.i18n.render_message` on the command line). The top-value
share is a number parameter, written with the reader's decimal mark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clmdesk.core.messages import Message, define, render

if TYPE_CHECKING:
    from collections.abc import Callable

    from clmdesk.core.lifecycle.model import Rule, Stage

__all__ = ["describe", "describe_rule", "render_nested"]

SENTENCE = {
    0: define("lifecycle.describe.0", "Every customer not taken by a stage above."),
    1: define("lifecycle.describe.1", "Customers with {c1}."),
    2: define("lifecycle.describe.2", "Customers with {c1} and {c2}."),
    3: define("lifecycle.describe.3", "Customers with {c1}, {c2} and {c3}."),
    4: define("lifecycle.describe.4", "Customers with {c1}, {c2}, {c3} and {c4}."),
}
NO_PURCHASES = define("lifecycle.clause.no_purchases", "no purchases yet")
ONE_PURCHASE = define("lifecycle.clause.one_purchase", "a single purchase")
FREQUENCY_EQ = define("lifecycle.clause.frequency_eq", "exactly {count} purchases")
FREQUENCY_MIN = define("lifecycle.clause.frequency_min", "{count} or more purchases")
FREQUENCY_ANY = define("lifecycle.clause.frequency_any", "at least one purchase")
FREQUENCY_RANGE = define(
    "lifecycle.clause.frequency_range", "{low} to {high} purchases"
)
FREQUENCY_MAX = define("lifecycle.clause.frequency_max", "at most {high} purchases")
RECENCY_AT_MOST = define(
    "lifecycle.clause.recency_at_most", "a last purchase at most {high} days ago"
)
RECENCY_BETWEEN = define(
    "lifecycle.clause.recency_between",
    "a last purchase more than {low} and at most {high} days ago",
)
RECENCY_ABOVE = define(
    "lifecycle.clause.recency_above", "a last purchase more than {low} days ago"
)
TOP_VALUE = define(
    "lifecycle.clause.top_value", "a total spent among the top {share} %"
)
NOT_TOP_VALUE = define(
    "lifecycle.clause.not_top_value", "a total spent below the top {share} %"
)
REGISTERED = define("lifecycle.clause.registered", "a registration")
NOT_REGISTERED = define("lifecycle.clause.not_registered", "no registration yet")


def _frequency_clause(rule: Rule) -> Message | None:
    low, high = rule.min_frequency, rule.max_frequency
    if high == 0:
        return Message(NO_PURCHASES)
    if high is None:
        if low <= 0:
            return None
        if low == 1:
            # "at least one purchase" is implied by any recency or value clause.
            implied = (
                rule.recency_above is not None
                or rule.recency_at_most is not None
                or rule.top_value is not None
            )
            return None if implied else Message(FREQUENCY_ANY)
        return Message(FREQUENCY_MIN, {"count": low})
    if low == high:
        return (
            Message(ONE_PURCHASE) if low == 1 else Message(FREQUENCY_EQ, {"count": low})
        )
    if low <= 1 and not rule.needs_purchase:
        return Message(FREQUENCY_MAX, {"high": high})
    return Message(FREQUENCY_RANGE, {"low": max(low, 1), "high": high})


def _recency_clause(rule: Rule, cycle_days: int) -> Message | None:
    above = rule.recency_above.days(cycle_days) if rule.recency_above else None
    at_most = rule.recency_at_most.days(cycle_days) if rule.recency_at_most else None
    if above is not None and at_most is not None:
        return Message(RECENCY_BETWEEN, {"low": above, "high": at_most})
    if at_most is not None:
        return Message(RECENCY_AT_MOST, {"high": at_most})
    if above is not None:
        return Message(RECENCY_ABOVE, {"low": above})
    return None


def describe_rule(rule: Rule, cycle_days: int, top_percentile: float = 80.0) -> Message:
    """The sentence for ``rule`` with bounds resolved at ``cycle_days``.

    Parameters
    ----------
    rule
        The stage's conditions.
    cycle_days
        The purchase cycle C (bounds in cycles are quoted in days).
    top_percentile
        The model's top-value percentile (80 is quoted as "top 20 %").
    """
    # A number, not text: the renderer writes 12.5 as "12,5" for pt-BR readers.
    share = 100.0 - float(top_percentile)
    clauses: list[Message] = []
    for clause in (_frequency_clause(rule), _recency_clause(rule, cycle_days)):
        if clause is not None:
            clauses.append(clause)
    if rule.top_value is not None:
        clauses.append(
            Message(TOP_VALUE if rule.top_value else NOT_TOP_VALUE, {"share": share})
        )
    if rule.registered is not None:
        clauses.append(Message(REGISTERED if rule.registered else NOT_REGISTERED))
    params = {f"c{i + 1}": clause for i, clause in enumerate(clauses)}
    return Message(SENTENCE[len(clauses)], params)


def describe(stage: Stage, cycle_days: int, top_percentile: float = 80.0) -> Message:
    """One-sentence meaning of ``stage`` quoting its thresholds at ``cycle_days``.

    Render it with :func:`render_nested`.
    """
    return describe_rule(stage.rule, cycle_days, top_percentile)


def render_nested(
    message: Message,
    translate: Callable[[str], str],
    number: Callable[[Any], str] | None = None,
) -> str:
    """Render a message whose parameters may be messages themselves.

    :func:`clmdesk.core.messages.render` itself renders nested messages;
    this name stays for the callers that say what they expect.

    Parameters
    ----------
    message
        The message (e.g. from :func:`describe`).
    translate
        Maps an English template to the target language's template.
    number
        Writes numbers with decimals for the language (English by default).
    """
    return render(message, translate, number)
