"""GUI test configuration: offscreen Qt, pyqtgraph without mouse rate limits, no stray threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QCoreApplication, QSettings

pg.setConfigOptions(mouseRateLimit=-1)


@pytest.fixture(autouse=True)
def _test_qsettings(tmp_path_factory: pytest.TempPathFactory) -> None:
    QCoreApplication.setOrganizationName("clmdesk-tests")
    QCoreApplication.setApplicationName("clmdesk-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat,
        QSettings.Scope.UserScope,
        str(tmp_path_factory.mktemp("qsettings")),
    )


@pytest.fixture(autouse=True)
def _no_dangling_task_threads(qapp: object) -> Iterator[None]:
    before = {thread.ident for thread in threading.enumerate()}
    yield
    QCoreApplication.processEvents()
    leftover = [
        thread
        for thread in threading.enumerate()
        if thread.ident not in before
        and thread.name.startswith("clmdesk-task")
        and thread.is_alive()
    ]
    for thread in leftover:
        thread.join(timeout=5)
    still = [thread.name for thread in leftover if thread.is_alive()]
    assert not still, f"test left task threads running: {still}"
