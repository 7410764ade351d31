"""The window's asyncio loop: qasync's ``QEventLoop`` whose cancelled timers leave Qt's timer list at once.

qasync schedules every ``call_soon``/``call_later`` as a Qt timer and, on ``Handle.cancel()``, only marks the
handle: its Qt timer stays registered until it would have fired. httpx arms several timeouts per request
(connect, read, write, pool) and cancels them when the answer arrives, so during a batch about ten thousand
dead timers piled up (measured: 14,000 live handles 40 s into a batch). Qt keeps its timers in one sorted list
and every new zero-delay timer (each ``call_soon``, each task wake-up) is inserted by scanning it, so the pile
cost CPU on every step and lengthened the window's stalls.

Here timers are ``asyncio.TimerHandle`` s in a timer object of our own: cancelling one calls the loop's
``_timer_handle_cancelled``, which kills its Qt timer and forgets it.

While the loop is open, the interpreter's GIL switch interval is 1 ms instead of 5 ms (restored on close). A
window batch has threads of its own (the batch writer, the lead table's reader); when one of them runs Python
code, the GUI thread asking for the GIL back waits up to one switch interval, every time (a 38 ms late beat
was the GUI thread waiting through 35 such turns). Over 10,000 leads × 3 vendors the Qt heartbeat's p99 was
5.4–8.4 ms before, 3.9–8.4 ms after (3.9–5.0 ms in runs the hypervisor left alone).

What it relies on, and what not: no private attribute of qasync. qasync (0.28, and its main branch as of
November 2026) offers no public way to remove a cancelled timer, so the loop overrides the public
``call_later`` (qasync's ``call_soon``, ``call_at`` and ``call_soon_threadsafe`` all go through it) and keeps
its Qt timers in :class:`_Timers`; qasync's own timer object stays in place, unused. Two names are asyncio's,
not qasync's: the ``_timer_handle_cancelled`` hook that ``TimerHandle.cancel()`` calls on its loop, and
``Handle._run()``, which runs a callback with asyncio's error reporting. Every pure-Python asyncio loop
implements or calls them (``BaseEventLoop``, qasync itself, PySide6's QtAsyncio), so they are the protocol an
event loop is written against. With qasync 0.28 the window tests pass on PySide6 6.10.3 and 6.11.3 (Python
3.11) and 6.12.0 (Python 3.12). Not PySide6 6.12.0 on Python 3.11: every call of a Qt method that returns
nothing (``killTimer``, ``setObjectName``) drops a reference to ``None`` (2,000 calls: ``sys.getrefcount(None)``
2,000 lower), and the interpreter aborts ("deallocating None") after a few thousand timer callbacks; Python
3.12 made ``None`` immortal, which hides it.

Everything else is qasync's.
"""

from __future__ import annotations

import asyncio
import sys
from contextvars import Context
from typing import Any

import qasync
from PySide6.QtCore import QObject, QTimerEvent


class _Timers(QObject):
    """Qt timers that run asyncio handles, killed as soon as their handle is cancelled."""

    def __init__(self) -> None:
        super().__init__()
        self._handles: dict[int, asyncio.Handle] = {}
        self._ids: dict[int, int] = {}  # id(handle) -> timer id (a TimerHandle's == and hash follow its fields)
        self._stopped = False

    def add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        timer_id = self.startTimer(int(max(0.0, delay) * 1000))
        self._handles[timer_id] = handle
        self._ids[id(handle)] = timer_id
        return handle

    def cancel(self, handle: asyncio.Handle) -> None:
        timer_id = self._ids.pop(id(handle), None)
        if timer_id is not None:
            self._handles.pop(timer_id, None)
            self.killTimer(timer_id)

    def timerEvent(self, event: QTimerEvent) -> None:  # noqa: N802 (Qt's name)
        timer_id = event.timerId()
        self.killTimer(timer_id)
        handle = self._handles.pop(timer_id, None)
        if handle is None:
            return
        self._ids.pop(id(handle), None)
        if not self._stopped and not handle.cancelled():
            handle._run()

    def stop(self) -> None:
        self._stopped = True
        for timer_id in list(self._handles):
            self.killTimer(timer_id)
        self._handles.clear()
        self._ids.clear()

    def pending(self) -> int:
        """How many timers are registered (tests and benchmarks watch this stay small)."""
        return len(self._handles)


SWITCH_INTERVAL_S = 0.001  # the GIL switch interval while the window's loop is open (Python's default: 5 ms)


class LeadcheckEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """qasync's loop over the QApplication, with timers that are removed from Qt when cancelled and a 1 ms GIL
    switch interval while it is open."""

    def __init__(self, app: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(app, *args, **kwargs)
        self._qt_timers = _Timers()
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._qt_timers.stop()
            sys.setswitchinterval(self._switch_interval)

    def call_later(self, delay: float, callback: Any, *args: Any, context: Context | None = None) -> asyncio.Handle:
        if asyncio.iscoroutinefunction(callback):
            raise TypeError("coroutines cannot be used with call_later")
        if not callable(callback):
            raise TypeError(f"callback must be callable: {type(callback).__name__}")
        handle = asyncio.TimerHandle(self.time() + max(0.0, delay), callback, args, self, context=context)
        self._qt_timers.add_callback(handle, delay)
        return handle

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        self._qt_timers.cancel(handle)

    def pending_timers(self) -> int:
        """Qt timers registered for asyncio callbacks right now."""
        return self._qt_timers.pending()
