"""The GUI-thread garbage collector: automatic GC off while it runs, cycles collected by its timer."""

from __future__ import annotations

import gc

from pytestqt.qtbot import QtBot

from desktop_app.ui.gc_guard import MainThreadGarbageCollector


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
