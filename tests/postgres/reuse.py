"""Running SQLite test modules again on PostgreSQL.

:func:`reuse` copies the ``test_*`` functions of a test module into the
calling module, which defines the fixtures they need (``database``,
``demo_db``…) on PostgreSQL. The functions keep their own module's
helpers; tests that check SQLite itself or open their own SQLite files are
left out by name.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["reuse"]


def reuse(target: dict[str, Any], module_name: str, *, left_out: set[str]) -> None:
    """Copy the tests of ``module_name`` into ``target`` (a module's globals).

    Parameters
    ----------
    target
        ``globals()`` of the PostgreSQL test module.
    module_name
        The SQLite test module, e.g. ``"tests.storage.test_importing"``.
    left_out
        Names of tests that check SQLite itself or open their own SQLite
        files; an unknown name is an error, so that a renamed test is
        noticed.
    """
    module = importlib.import_module(module_name)
    tests = {
        name: value
        for name, value in vars(module).items()
        if name.startswith("test_") and callable(value)
    }
    unknown = left_out - set(tests)
    if unknown:
        raise LookupError(f"{module_name} has no tests named {sorted(unknown)}")
    for name, function in tests.items():
        if name not in left_out:
            target[name] = function
