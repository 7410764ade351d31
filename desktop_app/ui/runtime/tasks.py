"""Coroutines started from the window: :func:`spawn` keeps them alive, :func:`run_dialog` awaits a dialog.

Coroutines started from a Qt signal go through :func:`spawn`, which keeps a reference to the task (so it is
not garbage-collected mid-flight) and logs an exception nobody awaited. Slots stay one-line adapters over
public ``async def`` methods that tests await directly.

No nested event loops inside a coroutine: ``QDialog.exec()``, the static ``QFileDialog.get*`` and
``QMessageBox.critical`` helpers and ``processEvents()`` run Qt's loop inside the running task's step, and
any other task that wakes meanwhile is lost for good (asyncio refuses to enter a task while another one is
being executed, so its wake-up is dropped and it waits forever: a batch lane, a table reload). Coroutines
await :func:`run_dialog` instead (``tests/unit/test_boundaries.py`` keeps it so).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("leadcheck.ui")

_RUNNING: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
    """Run ``coro`` on the running (qasync) loop as a task whose failure is logged, never lost."""
    task = asyncio.ensure_future(coro)
    _RUNNING.add(task)
    task.add_done_callback(_finished)
    return task


async def run_dialog(dialog: Any) -> int:
    """Open ``dialog`` (window-modal, no nested loop) and wait for its result code (``QDialog.DialogCode``).

    Cancelling the awaiting task rejects the dialog.
    """
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not done.done():
            done.set_result(int(code))

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await done
    finally:
        dialog.finished.disconnect(finished)
        if not done.done():
            dialog.reject()


def _finished(task: asyncio.Task[Any]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("A window task failed", exc_info=task.exception())
