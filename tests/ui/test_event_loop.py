"""The window's loop (LeadcheckEventLoop): asyncio semantics on Qt timers, and cancelled timers leave Qt at once."""

from __future__ import annotations

import asyncio
import sys
import threading

from PySide6.QtCore import QObject

from desktop_app.ui.runtime.event_loop import SWITCH_INTERVAL_S, LeadcheckEventLoop


def running_loop() -> LeadcheckEventLoop:
    loop = asyncio.get_running_loop()
    assert isinstance(loop, LeadcheckEventLoop)  # tests/conftest.py runs window tests on the app's loop
    return loop


async def test_cancelled_timers_are_removed_from_qt_at_once() -> None:
    loop = running_loop()
    before = loop.pending_timers()
    fired: list[int] = []
    handles = [loop.call_later(30, fired.append, i) for i in range(500)]
    assert loop.pending_timers() == before + 500
    for handle in handles:
        handle.cancel()
    assert loop.pending_timers() == before
    await asyncio.sleep(0.01)
    assert fired == []


async def test_timeouts_of_finished_awaits_do_not_pile_up() -> None:
    """Each wait_for arms a timeout and cancels it when the awaited thing is done (as httpx does per request)."""
    loop = running_loop()
    before = loop.pending_timers()
    for i in range(300):
        assert await asyncio.wait_for(asyncio.sleep(0, result=i), timeout=60) == i
    assert loop.pending_timers() <= before + 2


async def test_callbacks_run_in_order_of_their_delay_and_cancel_is_honoured() -> None:
    loop = running_loop()
    order: list[str] = []
    done = loop.create_future()
    loop.call_later(0.05, order.append, "late")
    skipped = loop.call_later(0.02, order.append, "cancelled")
    loop.call_soon(order.append, "soon")
    loop.call_at(loop.time() + 0.03, order.append, "at")
    loop.call_later(0.08, done.set_result, None)
    skipped.cancel()
    skipped.cancel()  # a second cancel is harmless
    await asyncio.wait_for(done, 5)
    assert order == ["soon", "at", "late"]


async def test_a_handle_cancelled_after_it_ran_is_harmless() -> None:
    loop = running_loop()
    ran = loop.create_future()
    handle = loop.call_soon(ran.set_result, "ran")
    assert await asyncio.wait_for(ran, 5) == "ran"
    handle.cancel()
    assert handle.cancelled()


async def test_every_way_to_schedule_goes_through_the_loops_own_timers() -> None:
    """qasync's call_soon, call_at and call_soon_threadsafe reach Qt through call_later, which this loop overrides
    (no private attribute of qasync is replaced): a change there in a qasync release shows up here."""
    loop = running_loop()
    before = loop.pending_timers()
    soon = loop.call_soon(lambda: None)
    at = loop.call_at(loop.time() + 30, lambda: None)
    assert isinstance(soon, asyncio.TimerHandle) and isinstance(at, asyncio.TimerHandle)
    assert loop.pending_timers() == before + 2
    at.cancel()
    from_thread = loop.create_future()
    worker = threading.Thread(target=loop.call_soon_threadsafe, args=(from_thread.set_result, "thread"))
    worker.start()
    assert await asyncio.wait_for(from_thread, 5) == "thread"
    worker.join()
    assert loop.pending_timers() <= before + 1


def test_qt_calls_that_return_nothing_keep_none_alive(qapp: object) -> None:
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on each such call (the loop's killTimer among them):
    the window aborts with "deallocating None" after a few thousand timer callbacks."""
    timers = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        timers.killTimer(timers.startTimer(1000))
        timers.setObjectName("timers")
    assert sys.getrefcount(None) > before - 500


def test_the_gil_switch_interval_is_short_while_the_loop_is_open_and_restored_on_close(qapp: object) -> None:
    """The GUI thread waits at most one switch interval for the GIL when the batch writer runs Python."""
    outer = sys.getswitchinterval()
    sys.setswitchinterval(0.005)  # Python's default
    try:
        loop = LeadcheckEventLoop(qapp)
        try:
            assert sys.getswitchinterval() == SWITCH_INTERVAL_S == 0.001
        finally:
            loop.close()
        assert sys.getswitchinterval() == 0.005
    finally:
        sys.setswitchinterval(outer)
