"""Opening a business database: engine, connections, the writer lock (storage layer).

One :class:`Database` per process and file. Readers take short connections;
every write unit goes through :meth:`Database.write`, which holds the
process-wide writer lock and, on SQLite, starts with ``BEGIN IMMEDIATE`` so
that the busy timeout applies up front instead of failing on a read lock
that has to be upgraded mid-transaction (SQLAlchemy's pysqlite recipe).
On PostgreSQL, shared by several computers, a write unit first takes a
transaction-level advisory lock instead: one writer at a time across every
computer, as on SQLite (an import deletes and rebuilds the orders, which
two concurrent writers would duplicate).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from clmdesk.core.messages import Message, define

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["Database", "DatabaseError", "database_url", "open_database", "sqlite_path"]

BUSY_TIMEOUT_MS = 10_000
# pg_advisory_xact_lock key held by every write transaction on PostgreSQL.
PG_WRITER_LOCK = 0x636C6D64

NEWER_DATABASE = define(
    "storage.newer_database",
    "The database {location} was written by a newer version of clmdesk (schema {revision}). Update clmdesk to open it.",
)
MIGRATION_FAILED = define(
    "storage.migration_failed",
    "The database {location} could not be upgraded ({error}). It was restored from the backup {backup}.",
)
MIGRATION_ROLLED_BACK = define(
    "storage.migration_rolled_back",
    "The database {location} could not be upgraded ({error}). Nothing was changed: the server undid the whole upgrade.",
)
CANNOT_OPEN = define(
    "storage.cannot_open",
    "The database {location} could not be opened: {error}",
)
NETWORK_FOLDER = define(
    "storage.network_folder",
    "The database {location} is in a network or cloud-synchronised folder. SQLite can corrupt files there: keep it on a local disk, or use a PostgreSQL server to share data.",
)

# Process-wide: an import and a classification must never write at once.
_WRITER_LOCK = threading.RLock()


class DatabaseError(Exception):
    """A database could not be opened or upgraded; ``message`` says why."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.english())
        self.message = message


def database_url(target: str | Path) -> str:
    """Turn a file path or a SQLAlchemy URL into a SQLAlchemy URL.

    Parameters
    ----------
    target
        ``postgresql+psycopg://…``, ``sqlite:///…`` or a plain file path.
    """
    text = str(target)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """Return the file of a SQLite URL, or None for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


@dataclass
class Database:
    """An open business database.

    Thread contract: the object may be shared between threads; each thread
    takes its own connections and sessions from it.
    """

    url: str
    engine: Engine
    _sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        """Whether this is a SQLite file (as opposed to a server database)."""
        return self.engine.dialect.name == "sqlite"

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return sqlite_path(self.url)

    @property
    def location(self) -> str:
        """A human-readable location: the file path, or the URL without its password."""
        path = self.path
        if path is not None:
            return str(path)
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; its transaction is rolled back at the end."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in one write transaction, committed on success.

        Holds the process-wide writer lock (and on PostgreSQL the
        database-wide one, waiting for another computer's write to end); any
        exception (a failure or :class:`~clmdesk.core.tasks.Cancelled`) rolls
        everything back.
        """
        with _WRITER_LOCK, self.engine.connect() as connection:
            connection = connection.execution_options(clmdesk_write=True)
            with connection.begin():
                _lock_other_writers(connection)
                yield connection

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session for small interactive edits, committed on success."""
        with _WRITER_LOCK, self._sessions.begin() as session:
            if not self.is_sqlite:
                _lock_other_writers(session.connection())
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def _lock_other_writers(connection: Connection) -> None:
    """On PostgreSQL, wait for other computers' writes; held until the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})")


def _install_sqlite_behaviour(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("clmdesk_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def create_database_engine(url: str) -> Engine:
    """Create the engine for ``url`` with clmdesk's connection settings."""
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _install_sqlite_behaviour(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_database(target: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) and migrate a business database.

    Parameters
    ----------
    target
        A SQLite file path or a SQLAlchemy URL.
    migrate
        Apply pending migrations (after a backup) before returning.

    Raises
    ------
    DatabaseError
        The file is from a newer clmdesk, cannot be opened, or its upgrade
        failed (the backup is then restored).
    """
    url = database_url(target)
    path = sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                Message(
                    CANNOT_OPEN,
                    {"location": str(path), "error": exc.strerror or str(exc)},
                )
            ) from exc
    engine = create_database_engine(url)
    database = Database(url=url, engine=engine, _sessions=sessionmaker(engine))
    if migrate:
        # Imported here so that opening an up-to-date database stays cheap.
        from clmdesk.storage.migrate import upgrade_to_head

        try:
            upgrade_to_head(database)
        except BaseException:
            engine.dispose()
            raise
    return database
