"""Python's cycle collector, run on the GUI thread only.

Automatic garbage collection runs in whichever thread happens to allocate. When that is a worker thread
(the lead table's id loader, the asyncio executor, httpx), cycles holding Qt objects are destroyed there,
and Qt objects must die on the thread that owns them ("Timers cannot be stopped from another thread", and
at worst a crash). So while the window lives, automatic collection is off and a timer on the GUI thread
collects instead, generation by generation as the allocation counts demand.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGarbageCollector(QObject):
    """Disables automatic GC and collects from a GUI-thread timer. Call :meth:`stop` to hand GC back."""

    INTERVAL_MS = 500

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds (as automatic GC would)."""
        counts = gc.get_count()
        if counts[0] <= self._thresholds[0]:
            return
        generation = 0
        if counts[1] > self._thresholds[1]:
            generation = 1
            if counts[2] > self._thresholds[2]:
                generation = 2
        gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        gc.collect()
        if self._was_enabled:
            gc.enable()
