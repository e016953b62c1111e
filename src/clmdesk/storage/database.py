"""Opening a business database: engine, connections, the writer lock (storage layer).

One :class:`Database` per process and file. Readers take short connections;
every write unit goes through :meth:`Database.write`, which holds the
database's writer lock in this process and, on SQLite, starts with ``BEGIN IMMEDIATE`` so
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
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from clmdesk.core.messages import Message, define
from clmdesk.core.tasks import no_progress

if TYPE_CHECKING:
    from collections.abc import Iterator

    from clmdesk.core.tasks import Progress

__all__ = [
    "Database",
    "DatabaseError",
    "cannot_open",
    "database_url",
    "open_database",
    "sqlite_path",
]

BUSY_TIMEOUT_MS = 10_000
#: Page size of new SQLite files (bytes).
PAGE_SIZE = 16_384
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
DRIVER_MISSING = define(
    "storage.driver_missing",
    "The database {location} needs the database driver {package}, which is not installed (for PostgreSQL: uv sync --extra postgres).",
)
NETWORK_FOLDER = define(
    "storage.network_folder",
    "The database {location} is in a network or cloud-synchronised folder. SQLite can corrupt files there: keep it on a local disk, or use a PostgreSQL server to share data.",
)

# One per database (by URL): an import and a classification on the same
# database never write at once, while a write to another one (the database
# the window moves to while a cancelled task rolls back) does not wait.
_WRITER_LOCKS: dict[str, threading.RLock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(url: str) -> threading.RLock:
    """The in-process writer lock of the database at ``url``."""
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(url, threading.RLock())


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
        ``postgresql+psycopg://…`` (``postgresql://`` and ``postgres://``
        mean the same), ``sqlite:///…`` or a plain file path.
    """
    text = str(target)
    if "://" in text:
        scheme, _, rest = text.partition("://")
        if scheme in ("postgres", "postgresql"):
            # The bare forms name other drivers; psycopg is the one shipped.
            return f"postgresql+psycopg://{rest}"
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
        """A connection for reading; its transaction is rolled back at the end.

        Every query of one ``read()`` sees the same state of the data, even
        while another computer writes to a PostgreSQL database (repeatable
        read there; a SQLite read transaction does that by itself).
        """
        with self.engine.connect() as connection:
            if not self.is_sqlite:
                connection = connection.execution_options(
                    isolation_level="REPEATABLE READ"
                )
            yield connection

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[Connection]:
        """A connection in one write transaction, committed on success.

        Holds this database's writer lock in the process (and on PostgreSQL
        the database-wide one, waiting for another computer's write to end); any
        exception (a failure or :class:`~clmdesk.core.tasks.Cancelled`) rolls
        everything back.

        Parameters
        ----------
        bulk
            On SQLite, leave foreign keys unchecked for this transaction
            (each inserted row otherwise costs a lookup per reference). Only
            for writers whose references hold by construction, such as an
            import that refers only to customers it read or wrote in the same
            transaction. SQLite ignores the setting inside a transaction, so
            it is changed before ``BEGIN`` and restored after the commit or
            rollback.
        """
        with _writer_lock(self.url), self.engine.connect() as connection:
            connection = connection.execution_options(clmdesk_write=True)
            unchecked = bulk and self.is_sqlite
            if unchecked:
                _foreign_keys(connection, on=False)
            try:
                with connection.begin():
                    _lock_other_writers(connection)
                    yield connection
            finally:
                if unchecked:
                    _restore_foreign_keys(connection)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session for small interactive edits, committed on success."""
        with _writer_lock(self.url), self._sessions.begin() as session:
            if not self.is_sqlite:
                _lock_other_writers(session.connection())
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def _lock_other_writers(connection: Connection) -> None:
    """On PostgreSQL, wait for other computers' writes; held until the transaction ends.

    Like SQLite's busy timeout, the wait gives up after :data:`BUSY_TIMEOUT_MS`
    (the driver then raises an error, as SQLite's "database is locked").
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(BUSY_TIMEOUT_MS)}")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_WRITER_LOCK})")
        connection.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign key checks (a no-op inside a transaction, hence the raw DBAPI call)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _restore_foreign_keys(connection: Connection) -> None:
    """Checks on again; a connection that cannot be restored is discarded, never reused.

    A failure here is not raised: it would hide the transaction's own
    outcome, and the pool opens a fresh connection (checks on) instead.
    """
    try:
        _foreign_keys(connection, on=True)
    except Exception:
        connection.invalidate()


def _install_sqlite_behaviour(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Takes effect only in a new, empty file (before journal_mode writes
        # its first page): bulk loads and index builds of an import ran
        # about 10 % faster than with the default 4 KiB; older files keep theirs.
        cursor.execute(f"PRAGMA page_size = {PAGE_SIZE}")
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


def _display(url: str) -> str:
    """``url`` without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.rpartition("@")[2]


def _reason(exc: BaseException) -> str:
    """The first line of the driver's own message (or the driver error's type)."""
    source = getattr(exc, "orig", None) or exc
    text = str(source).strip()
    return text.splitlines()[0] if text else type(source).__name__


def cannot_open(location: str, error: BaseException) -> DatabaseError:
    """The error for a database that cannot be opened, or whose data cannot be read.

    Parameters
    ----------
    location
        The database as shown to the user (:attr:`Database.location`: no password).
    error
        What was raised; its driver's message (``error.orig`` for SQLAlchemy's
        wrappers) gives the reason, first line only.

    Returns
    -------
    DatabaseError
        A ``storage.cannot_open`` message; raise it ``from error``.
    """
    return DatabaseError(
        Message(CANNOT_OPEN, {"location": location, "error": _reason(error)})
    )


def open_database(
    target: str | Path, *, migrate: bool = True, progress: Progress = no_progress
) -> Database:
    """Open (creating if needed) and migrate a business database.

    Parameters
    ----------
    target
        A SQLite file path or a SQLAlchemy URL.
    migrate
        Apply pending migrations (after a backup) before returning.
    progress
        Told the steps of an upgrade, as
        :func:`~clmdesk.storage.migrate.upgrade_to_head` tells them (nothing
        when none runs). What it raises before the scripts start, such as
        :class:`~clmdesk.core.tasks.Cancelled`, leaves the database as it was
        and is passed on.

    Raises
    ------
    DatabaseError
        The file is from a newer clmdesk, cannot be opened (a server that
        cannot be reached, a missing driver, a malformed URL), or its upgrade
        failed (the backup is then restored).
    """
    url = database_url(target)
    try:
        path = sqlite_path(url)
        engine = create_database_engine(url)
    except ImportError as exc:
        raise DatabaseError(
            Message(
                DRIVER_MISSING,
                {"location": _display(url), "package": exc.name or str(exc)},
            )
        ) from exc
    except ArgumentError as exc:
        raise DatabaseError(
            Message(CANNOT_OPEN, {"location": _display(url), "error": str(exc)})
        ) from exc
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
    database = Database(url=url, engine=engine, _sessions=sessionmaker(engine))
    if migrate:
        # Imported here so that opening an up-to-date database stays cheap.
        from clmdesk.storage.migrate import upgrade_to_head

        try:
            upgrade_to_head(database, progress=progress)
        except DBAPIError as exc:
            engine.dispose()
            raise cannot_open(database.location, exc) from exc
        except BaseException:
            engine.dispose()
            raise
    return database
