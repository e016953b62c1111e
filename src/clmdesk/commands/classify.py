"""``clmdesk classify``: compute the whole monthly history and print C and the last counts.

Runs the same service as the app (:func:`clmdesk.services.classification.classify`).
``--cycle-days N`` stores a fixed C; ``--cycle-days auto`` returns to the
automatic one; without it the stored setting is used.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from clmdesk.commands import CommandError
from clmdesk.core.i18n import detect_language, render_message
from clmdesk.core.lifecycle.inputs import date_from_day
from clmdesk.core.messages import Message, define
from clmdesk.services.classification import ClassificationError, classify

if TYPE_CHECKING:
    import argparse

    from clmdesk.services.classification import ClassificationResult
    from clmdesk.storage.database import Database

__all__ = ["format_result", "run"]

CYCLE_LINE = define("cli.classify.cycle", "Purchase cycle C: {explanation}")
LAST_SNAPSHOT = define("cli.classify.last_snapshot", "Last snapshot: {day}")
LAST_SNAPSHOT_PARTIAL = define(
    "cli.classify.last_snapshot_partial", "Last snapshot: {day} (partial month)"
)
NO_HISTORY = define(
    "cli.classify.no_history", "No orders or registrations yet: there is no history."
)
SNAPSHOTS = define(
    "cli.classify.snapshots", "Snapshots: {count}, from {first} to {last}"
)
SUPERSEDED = define(
    "cli.classify.superseded",
    "The data changed while classifying, or a newer classification was stored: these results were not stored.",
)


def format_result(result: ClassificationResult, language: str) -> list[str]:
    """The lines ``clmdesk classify`` prints for ``result``."""

    def say(message: Message) -> str:
        return render_message(message, language)

    lines = [say(Message(CYCLE_LINE, {"explanation": say(result.cycle.explain())}))]
    history = result.history
    if history.n_snapshots == 0:
        lines.append(say(Message(NO_HISTORY)))
    else:
        first = date_from_day(int(history.snapshot_days[0])).isoformat()
        last = date_from_day(int(history.snapshot_days[-1])).isoformat()
        lines.append(
            say(
                Message(
                    SNAPSHOTS,
                    {"count": history.n_snapshots, "first": first, "last": last},
                )
            )
        )
        template = LAST_SNAPSHOT_PARTIAL if history.partial_last else LAST_SNAPSHOT
        lines.append(say(Message(template, {"day": last})))
        counts = result.last_counts()
        width = max(len(key) for key in counts)
        for stage in result.model.stages:
            lines.append(
                f"  {stage.key:<{width}}  {stage.group:<10}  {counts[stage.key]:>9}  {stage.name(language)}"
            )
    if result.superseded:
        lines.append(say(Message(SUPERSEDED)))
    return lines


def run(args: argparse.Namespace, database: Database) -> int:
    """Run ``clmdesk classify``; returns the exit code."""
    language = detect_language(getattr(args, "lang", None))
    try:
        result = classify(database, getattr(args, "cycle_days", None))
    except ClassificationError as exc:
        raise CommandError(exc.message) from exc
    for line in format_result(result, language):
        sys.stdout.write(line + "\n")
    return 0
