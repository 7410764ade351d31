"""The window: a thin Qt layer over :mod:`desktop_app.service` and the store.

Layout: :mod:`.main_window` (menus, tabs, shortcuts, the DEMO banner, extension points for later panels),
:mod:`.leads_tab` + :mod:`.leads_model` (the lead table over SQLite), :mod:`.settings_dialog`,
:mod:`.first_run`, :mod:`.theme` (flag colours for light and dark palettes), ``tabs/`` (one tab per vendor)
and ``widgets/`` (result cards and chips). Nothing here is imported by the CLI.

Coroutines started from a Qt signal go through :func:`spawn`, which keeps a reference to the task (so it is
not garbage-collected mid-flight) and logs an exception nobody awaited. Slots stay one-line adapters over
public ``async def`` methods that tests await directly.
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


def _finished(task: asyncio.Task[Any]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("A window task failed", exc_info=task.exception())
