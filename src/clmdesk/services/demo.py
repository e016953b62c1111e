"""The demo business: where its database lives and creating it on first use (services layer).

The demo has its own SQLite file, ``clmdesk-demo.sqlite3``, in the same
folder as the user's database and never inside it, so that trying the demo
can never mix invented customers into real ones. It is built in a temporary
file beside the target and renamed into place only when complete (data
written, orders rebuilt and, when the classification service exists,
classified), so a cancel or a crash never leaves a half demo behind.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clmdesk.core.demo import (
    DEFAULT_CUSTOMERS,
    DEFAULT_END_DATE,
    DEFAULT_SEED,
    generate_demo,
)
from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import (
    IsCancelled,
    Progress,
    check_cancelled,
    never_cancelled,
    no_progress,
    sub_progress,
)
from clmdesk.storage.app_settings import read_setting
from clmdesk.storage.bulk import DEMO_SETTINGS_VERSION, write_demo_business
from clmdesk.storage.database import Database, open_database

if TYPE_CHECKING:
    from datetime import date

__all__ = [
    "DEMO_FILE_NAME",
    "DemoError",
    "demo_database_path",
    "ensure_demo_database",
    "is_demo_database",
]

DEMO_FILE_NAME = "clmdesk-demo.sqlite3"

NOT_A_DEMO = define(
    "demo.not_a_demo",
    "{path} exists but is not the demo database. Move or rename it to open the demo.",
)

_SCALE = 1000


class DemoError(Exception):
    """The demo database cannot be created; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


def demo_database_path(user_db_path: str | os.PathLike[str]) -> Path:
    """Where the demo database lives for a given user database.

    Parameters
    ----------
    user_db_path
        The user's SQLite database file (it need not exist yet).

    Returns
    -------
    Path
        ``clmdesk-demo.sqlite3`` in the same folder as ``user_db_path``.
    """
    return Path(user_db_path).expanduser().resolve().parent / DEMO_FILE_NAME


def is_demo_database(database: Database) -> bool:
    """Whether ``database`` is a complete demo of the current demo version."""
    return bool(read_setting(database, "is_demo", False)) and (
        read_setting(database, "demo_version") == DEMO_SETTINGS_VERSION
    )


def ensure_demo_database(
    path: str | os.PathLike[str],
    progress: Progress = no_progress,
    is_cancelled: IsCancelled = never_cancelled,
    *,
    seed: int = DEFAULT_SEED,
    end_date: date = DEFAULT_END_DATE,
    customers: int = DEFAULT_CUSTOMERS,
) -> Path:
    """Return the demo database at ``path``, creating it first when needed.

    An existing complete demo is only opened (and migrated) and returned. A
    demo written by an older version of the demo generator is rebuilt. Any
    other existing file is left untouched and refused.

    Parameters
    ----------
    path
        The demo file, normally from :func:`demo_database_path`.
    progress, is_cancelled
        The task contract; a cancel leaves no file behind (an existing demo
        stays as it was).
    seed, end_date, customers
        Passed to :func:`clmdesk.core.demo.generate_demo`; the defaults give
        the same database on every machine and every day.

    Returns
    -------
    Path
        ``path``, now holding a complete, classified demo.

    Raises
    ------
    DemoError
        ``path`` exists and is not a demo database.
    clmdesk.core.tasks.Cancelled
        When cancelled.
    clmdesk.storage.database.DatabaseError
        The file could not be opened or upgraded.

    Notes
    -----
    Runs on a worker thread (about two seconds); touches no widget.
    """
    target = Path(path)
    if target.exists():
        existing = open_database(target)
        try:
            if is_demo_database(existing):
                progress(_SCALE, _SCALE)
                return target
            if not read_setting(existing, "is_demo", False):
                raise DemoError(Message(NOT_A_DEMO, {"path": str(target)}))
        finally:
            existing.close()

    target.parent.mkdir(parents=True, exist_ok=True)
    # Not tempfile.mkstemp: its files are private (0600); SQLite creates this
    # one with the permissions of any new file.
    temp = target.with_name(f".{target.stem}.{secrets.token_hex(6)}.partial")
    try:
        progress(0, _SCALE)
        demo = generate_demo(seed=seed, end_date=end_date, customers=customers)
        check_cancelled(is_cancelled)
        progress(100, _SCALE)
        database = open_database(temp)
        try:
            write_demo_business(
                database, demo, sub_progress(progress, 100, 500, _SCALE), is_cancelled
            )
            _classify(database, sub_progress(progress, 500, 990, _SCALE), is_cancelled)
        finally:
            # Closing the last connection folds the write-ahead log into the
            # file, so the renamed file is complete on its own.
            database.close()
        check_cancelled(is_cancelled)
        os.replace(temp, target)
    except BaseException:
        _remove_sqlite_files(temp)
        raise
    _remove_sqlite_files(temp)  # stray -wal/-shm of the temporary name, if any
    progress(_SCALE, _SCALE)
    return target


def _classify(
    database: Database, progress: Progress, is_cancelled: IsCancelled
) -> None:
    """Classify the new demo when the classification service is available."""
    try:
        module: Any = importlib.import_module("clmdesk.services.classification")
    except ModuleNotFoundError as exc:
        if exc.name != "clmdesk.services.classification":
            raise
        return
    classify = getattr(module, "classify", None)
    if classify is not None:
        classify(database, progress=progress, is_cancelled=is_cancelled)


def _remove_sqlite_files(path: Path) -> None:
    for candidate in (
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
    ):
        with contextlib.suppress(OSError):
            candidate.unlink()
