"""Where a batch run's per-item writes go: on the loop, or on a thread and a connection of the run's own.

The window's runs use their own thread (``BatchRunner.run(..., writer_thread=True)``): a commit waiting on the
disk then never holds the window. Each write is still one committed transaction that the worker awaits before
going on, so the crash-safety rules are the same either way; only the thread that waits for the disk differs.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from desktop_app.store.batches import BatchStore
from desktop_app.store.db import Store

_T = TypeVar("_T")


class ItemWriter:
    """Runs writes on :attr:`batches`: the run's own store, or one opened on a thread by :meth:`open`."""

    def __init__(self, batches: BatchStore, *, own_thread: bool) -> None:
        self._shared = batches
        self._own_thread = own_thread
        self._thread: ThreadPoolExecutor | None = None
        self.batches = batches

    async def open(self) -> None:
        """With ``own_thread`` (and a store on a database, a file or a shared one): one thread and its own
        connection for the writes."""
        if not self._own_thread or not isinstance(self._shared.store, Store):
            return
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-writer")
        store = await asyncio.get_running_loop().run_in_executor(self._thread, self._shared.store.reopen)
        self.batches = BatchStore(store)

    async def close(self) -> None:
        thread, store = self._thread, self.batches.store
        if thread is None:
            return
        self._thread, self.batches = None, self._shared
        try:
            await asyncio.get_running_loop().run_in_executor(thread, store.close)
        finally:
            thread.shutdown(wait=False)

    async def call(self, method: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``method`` (a bound method of :attr:`batches`) on the writer thread, or here without one."""
        if self._thread is None:
            return method(*args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(
            self._thread, functools.partial(method, *args, **kwargs)
        )
