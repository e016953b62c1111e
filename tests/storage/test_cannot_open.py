"""The wording of a database that cannot be opened, shared by every caller of storage."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError

from clmdesk.storage.database import CANNOT_OPEN, DatabaseError, cannot_open


def test_the_reason_is_the_first_line_of_the_drivers_message() -> None:
    driver = sqlite3.DatabaseError("database disk image is malformed\nmore detail")
    wrapped = OperationalError("SELECT 1", {}, driver)

    error = cannot_open("/data/shop.sqlite3", wrapped)

    assert isinstance(error, DatabaseError)
    assert error.message.id == CANNOT_OPEN
    assert error.message.params == {
        "location": "/data/shop.sqlite3",
        "error": "database disk image is malformed",
    }
    assert str(error) == error.message.english()


def test_a_driver_error_without_text_is_named_by_its_type() -> None:
    wrapped = OperationalError("SELECT 1", {}, sqlite3.OperationalError())

    error = cannot_open("/data/shop.sqlite3", wrapped)

    assert error.message.params["error"] == "OperationalError"


def test_an_error_that_is_not_the_drivers_gives_its_own_first_line() -> None:
    error = cannot_open("/data/shop.sqlite3", OSError("Permission denied\nhere"))

    assert error.message.params["error"] == "Permission denied"
