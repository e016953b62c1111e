"""A throwaway PostgreSQL server for the tests marked ``postgres``.

The session starts one cluster in a temporary folder, listening on a free
loopback port (and a private socket folder), and stops it at the end. Every
test that asks for ``postgres_url`` gets a fresh database, dropped after it.

The cluster sorts text with a linguistic (ICU ``en-US``) collation, as real
servers usually do, so that any ``ORDER BY`` that depends on SQLite's byte
order shows up here.

Without the PostgreSQL binaries (``/usr/lib/postgresql/<version>/bin`` on
Debian, or ``pg_ctl`` on PATH) or psycopg the tests skip with the reason,
except under CI (``CI=true``), where that is a failure: CI installs them.
``initdb`` and ``pg_ctl`` refuse to run as root, so as root they run as the
``postgres`` user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_START_TIMEOUT_S = 60


def _bin_dir() -> Path | None:
    """The newest installed server's binaries, or None."""
    versions = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        try:
            versions.append((float(initdb.parent.parent.name), initdb.parent))
        except ValueError:
            continue
    if versions:
        return max(versions)[1]
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL tests skipped: {reason}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running throwaway cluster; ``postgres`` may connect without a password."""

    bin_dir: Path
    root: Path
    port: int
    run_as: list[str]
    template: str | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def create_database(self, *, migrated: bool = False) -> str:
        """Create a database and return its name.

        Empty, or with ``migrated`` a copy of one migrated to the head
        schema once per session (cloning is much faster than migrating).
        """
        name = f"clmdesk_{uuid.uuid4().hex[:12]}"
        template = f' TEMPLATE "{self._migrated_template()}"' if migrated else ""
        self._admin(f'CREATE DATABASE "{name}"{template}')
        return name

    def _migrated_template(self) -> str:
        if self.template is None:
            from clmdesk.storage.database import open_database

            name = f"clmdesk_head_{uuid.uuid4().hex[:8]}"
            self._admin(f'CREATE DATABASE "{name}"')
            open_database(self.url(name)).close()
            self.template = name
        return self.template

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection a test left open."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                *self.run_as,
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=_START_TIMEOUT_S,
            cwd=self.root,
            check=False,
        )


def _start(bin_dir: Path) -> PostgresServer:
    root = Path(tempfile.mkdtemp(prefix="clmdesk-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            _unavailable(
                "running as root and there is no 'postgres' user to run the server"
            )
        os.chown(root, account.pw_uid, account.pw_gid)
        runuser = shutil.which("runuser")
        if runuser is None:
            shutil.rmtree(root, ignore_errors=True)
            _unavailable("running as root and 'runuser' is missing")
        run_as = [str(runuser), "-u", "postgres", "--"]
    initdb = [
        *run_as,
        str(bin_dir / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--no-sync",
    ]
    # A linguistic collation, like real servers: 'a' < 'B' there, not in SQLite.
    icu = ["--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US"]
    done = subprocess.run(
        initdb + icu, capture_output=True, text=True, cwd=root, check=False
    )
    if done.returncode != 0:
        shutil.rmtree(root / "data", ignore_errors=True)
        done = subprocess.run(
            [*initdb, "--locale=C.UTF-8"],
            capture_output=True,
            text=True,
            cwd=root,
            check=False,
        )
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    last_error = ""
    for _attempt in range(5):
        server = PostgresServer(bin_dir, root, _free_port(), run_as)
        options = (
            f"-k {root} -p {server.port} -h 127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = server.pg_ctl(
            "-w", "-t", str(_START_TIMEOUT_S), "-l", str(root / "server.log"),
            "-o", options, "start",
        )  # fmt: skip
        if started.returncode == 0:
            return server
        log = root / "server.log"
        last_error = started.stderr + (log.read_text() if log.exists() else "")
        server.pg_ctl("-m", "immediate", "stop")
    shutil.rmtree(root, ignore_errors=True)
    pytest.fail(f"the PostgreSQL server did not start:\n{last_error}", pytrace=False)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL cluster for the whole session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (uv sync installs the dev group)")
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable(
            "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb);"
            " install them with 'apt-get install postgresql'"
        )
    assert bin_dir is not None
    server = _start(bin_dir)
    try:
        yield server
    finally:
        server.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped after the test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        with contextlib.suppress(Exception):
            postgres_server.drop_database(name)


@pytest.fixture
def postgres_head_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh PostgreSQL database already at the head schema, dropped after the test."""
    name = postgres_server.create_database(migrated=True)
    try:
        yield postgres_server.url(name)
    finally:
        with contextlib.suppress(Exception):
            postgres_server.drop_database(name)
