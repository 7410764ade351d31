"""The GUI-thread garbage collector: automatic GC off while it runs, cycles collected by its timer."""

from __future__ import annotations

import gc

from pytestqt.qtbot import QtBot

from desktop_app.ui.runtime.gc_guard import MainThreadGarbageCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_collects_cycles_on_the_gui_thread_and_restores_gc(qtbot: QtBot) -> None:
    assert gc.isenabled()
    collector = MainThreadGarbageCollector()
    try:
        assert not gc.isenabled()
        gc.collect()
        for _ in range(gc.get_threshold()[0] + 10):
            Cycle()
        assert gc.get_count()[0] > gc.get_threshold()[0]
        qtbot.waitUntil(lambda: gc.get_count()[0] < gc.get_threshold()[0], timeout=3000)
    finally:
        collector.stop()
    assert gc.isenabled()


def test_full_collections_wait_their_interval_young_ones_do_not(qtbot: QtBot) -> None:
    now = [1000.0]
    collector = MainThreadGarbageCollector(clock=lambda: now[0])
    collector._timer.stop()  # driven by hand here
    threshold0, threshold1, threshold2 = gc.get_threshold()
    try:

        def allocate() -> None:
            for _ in range(threshold0 + 10):
                Cycle()

        generations = []
        for _ in range((threshold1 + 1) * (threshold2 + 2)):
            allocate()
            generations.append(collector.check())
        assert 1 in generations and 2 not in generations  # young generations as counts demand; no full one yet
        now[0] += collector.FULL_EVERY_S
        seen = []
        for _ in range((threshold1 + 1) * 2):
            allocate()
            seen.append(collector.check())
        assert seen.count(2) == 1  # one full collection once the interval passed, then it waits again
        assert collector.check() is None  # nothing allocated since: nothing to do
    finally:
        collector.stop()
    assert gc.isenabled()
