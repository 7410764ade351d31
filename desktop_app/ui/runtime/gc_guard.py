"""Python's cycle collector, run on the GUI thread only.

Automatic garbage collection runs in whichever thread happens to allocate. When that is a worker thread
(the lead table's id loader, the asyncio executor, httpx), cycles holding Qt objects are destroyed there,
and Qt objects must die on the thread that owns them ("Timers cannot be stopped from another thread", and
at worst a crash). So while the window lives, automatic collection is off and a timer on the GUI thread
collects instead, generation by generation as the allocation counts demand.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer


class MainThreadGarbageCollector(QObject):
    """Disables automatic GC and collects from a GUI-thread timer. Call :meth:`stop` to hand GC back.

    Young generations are collected every :data:`INTERVAL_MS` when their allocation counts say so (small,
    frequent collections: a few milliseconds each). A full collection scans every tracked object, tens of
    milliseconds in a big session, so besides the allocation count it waits :data:`FULL_EVERY_S` since the
    last one (CPython itself defers it until enough long-lived objects are new); :meth:`collect_now` runs one.
    """

    INTERVAL_MS = 100
    FULL_EVERY_S = 60.0

    def __init__(self, parent: QObject | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        self._clock = clock
        self._last_full = clock()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int | None:
        """Collect the generations whose allocation counts passed their thresholds (as automatic GC would,
        with the full collection at most every FULL_EVERY_S). Returns the generation collected, or None."""
        counts = gc.get_count()
        if counts[0] <= self._thresholds[0]:
            return None
        generation = 0
        if counts[1] > self._thresholds[1]:
            generation = 1
            if counts[2] > self._thresholds[2] and self._clock() - self._last_full >= self.FULL_EVERY_S:
                generation = 2
        gc.collect(generation)
        if generation == 2:
            self._last_full = self._clock()
        return generation

    def collect_now(self) -> None:
        gc.collect()
        self._last_full = self._clock()

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
