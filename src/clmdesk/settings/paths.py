"""Where clmdesk keeps its files on each operating system (settings layer).

Per-user folders come from platformdirs; ``CLMDESK_CONFIG_DIR`` and
``CLMDESK_DATA_DIR`` move them (tests, portable installs). The business
database is ``--db``, else ``CLMDESK_DB``, else a file in the data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["config_dir", "data_dir", "default_database_path", "resolve_database_target"]

APP_NAME = "clmdesk"
DATABASE_FILE = "clmdesk.sqlite3"


def config_dir() -> Path:
    """Folder of the user's preferences."""
    override = os.environ.get("CLMDESK_CONFIG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True))


def data_dir() -> Path:
    """Folder of the user's business database and its demo and backups."""
    override = os.environ.get("CLMDESK_DATA_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_path() -> Path:
    """The business database used when neither ``--db`` nor ``CLMDESK_DB`` is given."""
    return data_dir() / DATABASE_FILE


def resolve_database_target(cli_value: str | None) -> str:
    """Pick the database: the ``--db`` value, else ``CLMDESK_DB``, else the default file.

    Returns
    -------
    str
        A file path or a SQLAlchemy URL.
    """
    if cli_value:
        return cli_value
    env_value = os.environ.get("CLMDESK_DB")
    if env_value:
        return env_value
    return str(default_database_path())
