"""One pause counter for the cyclic collector, shared by every layer and thread."""

from __future__ import annotations

import gc
import threading

from clmdesk.core.collector import collector_paused, without_collection


def test_nested_and_overlapping_pauses_resume_only_after_the_last() -> None:
    assert gc.isenabled()
    entered, release = threading.Event(), threading.Event()

    def other_thread() -> None:
        with collector_paused():
            entered.set()
            release.wait(5)

    worker = threading.Thread(target=other_thread)
    try:
        with collector_paused():
            worker.start()
            entered.wait(5)
            with collector_paused():
                assert not gc.isenabled()
        # This thread's pauses are over; the other thread's is not.
        assert not gc.isenabled()
        release.set()
        worker.join(5)
        assert gc.isenabled()
    finally:
        release.set()
        worker.join(5)
        gc.unfreeze()


def test_a_collector_disabled_before_stays_disabled() -> None:
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_without_collection_pauses_around_the_call() -> None:
    seen = without_collection(gc.isenabled)()
    gc.unfreeze()
    assert seen is False
    assert gc.isenabled()
