"""Schema migrations at open, with a backup and automatic restore (storage layer).

The stored revision is compared with :data:`HEAD_REVISION` before Alembic is
imported, so opening an up-to-date database costs one query. SQLite DDL is
not reliably transactional, so before upgrading an existing SQLite file we
copy it with SQLite's online backup API (a plain copy of an open WAL
database can miss the ``-wal`` content) and restore that copy if the upgrade
fails. PostgreSQL has no file to copy, so no backup is made there: the
server's own backups apply. Its DDL is transactional, so a failed upgrade
leaves the database as it was; and since several computers may open a
shared database at once, the upgrade runs under the writers' lock and the
later ones find it done.

An upgrade reports its steps to an optional ``progress`` callback
(:data:`~clmdesk.core.tasks.Progress`): the backup copy, then the scripts.
Their durations are unknown in advance, so only step boundaries are
reported, never a share of a step.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from clmdesk.core.messages import Message
from clmdesk.core.tasks import no_progress
from clmdesk.storage.database import (
    MIGRATION_FAILED,
    MIGRATION_ROLLED_BACK,
    NEWER_DATABASE,
    DatabaseError,
)

if TYPE_CHECKING:
    from pathlib import Path

    from clmdesk.core.tasks import Progress
    from clmdesk.storage.database import Database

__all__ = [
    "HEAD_REVISION",
    "SCRIPT_LOCATION",
    "UPGRADE_STEPS",
    "backup_sqlite",
    "current_revision",
    "upgrade_to_head",
]

# Bump together with every new script in migrations/versions (a test checks it).
HEAD_REVISION = "0006"
# Revisions that leave SQLite files untouched: upgrading across only these
# needs no backup copy of the file.
_POSTGRESQL_ONLY = frozenset({"0003"})
SCRIPT_LOCATION = "clmdesk.storage:migrations"
#: The steps an upgrade reports to ``progress``: the backup copy, the scripts.
UPGRADE_STEPS = 2


def current_revision(connection: Connection) -> str | None:
    """Return the schema revision stored in the database, or None when unversioned."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def backup_sqlite(source: Path, revision: str) -> Path:
    """Copy a SQLite database next to itself with the online backup API.

    Returns
    -------
    Path
        ``<name>.backup-<revision>-<UTC timestamp><suffix>`` in the same folder.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    target = source.with_name(f"{source.stem}.backup-{revision}-{stamp}{source.suffix}")
    _copy_sqlite(source, target)
    return target


def _copy_sqlite(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _created_at_head(database: Database) -> bool:
    """Give an empty SQLite file the newest schema straight from ``tables.py``.

    Running every migration on a new file costs about half a second (Alembic
    and each script are imported) on every first start and first import;
    the tables declared in ``tables.py`` are the same schema (a test compares
    them with the migrated one).  Returns False, changing nothing, when the
    file already holds tables (an unversioned database is left to Alembic).
    """
    from clmdesk.storage.tables import Base

    with database.write() as connection:
        if inspect(connection).get_table_names():
            return False
        Base.metadata.create_all(connection)
        connection.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL,"
                " CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        connection.execute(
            text("INSERT INTO alembic_version (version_num) VALUES (:head)"),
            {"head": HEAD_REVISION},
        )
    return True


def upgrade_to_head(
    database: Database,
    script_location: str = SCRIPT_LOCATION,
    *,
    progress: Progress = no_progress,
) -> None:
    """Bring ``database`` to the newest schema the shipped scripts know.

    Parameters
    ----------
    database
        The database to upgrade.
    script_location
        Where the migration scripts are (tests point elsewhere).
    progress
        Told the steps of an upgrade, and only when one runs (opening an
        up-to-date or a new, empty database reports nothing):
        ``progress(0, UPGRADE_STEPS)`` before the backup copy (made of SQLite
        files only), ``progress(1, UPGRADE_STEPS)`` before the
        scripts run, ``progress(UPGRADE_STEPS, UPGRADE_STEPS)`` once they are
        applied. The first two calls come before anything in the database
        changes, so a callback raising there (say
        :class:`~clmdesk.core.tasks.Cancelled`) leaves the database as it was
        (a backup copy already made stays); once the scripts started, the
        upgrade completes or is undone whole, whatever the callback does.

    Raises
    ------
    DatabaseError
        The stored revision is unknown (a newer clmdesk wrote the file), or
        the upgrade failed; a SQLite file is then restored from its backup,
        and a PostgreSQL database is left as it was (one transaction).
    """
    with database.read() as connection:
        stored = current_revision(connection)
    if stored == HEAD_REVISION and script_location == SCRIPT_LOCATION:
        return
    if (
        stored is None
        and database.is_sqlite
        and script_location == SCRIPT_LOCATION
        and _created_at_head(database)
    ):
        return

    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", script_location)
    scripts = ScriptDirectory.from_config(config)
    if stored is not None:
        try:
            known = scripts.get_revision(stored)
        except CommandError:
            known = None
        if known is None:
            raise DatabaseError(
                Message(
                    NEWER_DATABASE, {"location": database.location, "revision": stored}
                )
            )
        if stored == scripts.get_current_head():
            return

    path = database.path
    pending = {
        script.revision
        for script in scripts.iterate_revisions(scripts.get_current_head(), stored)
    }
    backup: Path | None = None
    if path is not None and stored is not None and pending - _POSTGRESQL_ONLY:
        progress(0, UPGRADE_STEPS)
        backup = backup_sqlite(path, stored)
    progress(1, UPGRADE_STEPS)
    try:
        with database.write() as connection:
            # Another computer may have upgraded it while this one waited.
            if path is not None or current_revision(connection) != (
                scripts.get_current_head()
            ):
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
    except Exception as exc:
        if path is None and not database.is_sqlite:
            raise DatabaseError(
                Message(
                    MIGRATION_ROLLED_BACK,
                    {"location": database.location, "error": str(exc)},
                )
            ) from exc
        if backup is None or path is None:
            raise
        database.engine.dispose()
        _copy_sqlite(backup, path)
        raise DatabaseError(
            Message(
                MIGRATION_FAILED,
                {
                    "location": database.location,
                    "error": str(exc),
                    "backup": str(backup),
                },
            )
        ) from exc
    progress(UPGRADE_STEPS, UPGRADE_STEPS)
