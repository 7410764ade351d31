"""Where a batch run's per-item writes go: on the loop, or on threads and connections of the run's own.

The window's runs use their own thread (``BatchRunner.run(..., writer_thread=True)``): a commit waiting on the
disk then never holds the window. Each write is still one committed transaction that the worker awaits before
going on, so the crash-safety rules are the same either way; only the thread that waits for the disk differs.

On an SQLite file one writer thread is all there is to have (SQLite takes one write at a time). On a team
database (PostgreSQL) every commit is a round trip to the server and waits for its disk, while other items'
writes could go on beside it: the run writes through :data:`SHARED_WRITERS` threads, each with a connection of its
own (one seat alone, 2,990 calls: 42 s through one writer, the floor 12.5 s; scripts/bench_team.py).
"""

from __future__ import annotations

import asyncio
import threading
import types
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from desktop_app.store import claims
from desktop_app.store.batches import BatchStore
from desktop_app.store.db import Store

_T = TypeVar("_T")
SHARED_WRITERS = 4  # writer threads (and connections) of a run on a team database


class ItemWriter:
    """Runs writes on :attr:`batches`: the run's own store, or stores opened on the writer threads by :meth:`open`
    (a method of :attr:`batches` passed to :meth:`call` runs on the calling thread's own store)."""

    def __init__(self, batches: BatchStore, *, own_thread: bool) -> None:
        self._shared = batches
        self._own_thread = own_thread
        self._thread: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._opened: list[Store] = []
        self._opened_lock = threading.Lock()
        self._owner: str | None = None  # the claim owner of every writer connection (the first one's)
        self.batches = batches

    async def open(self) -> None:
        """With ``own_thread`` (and a store on a database, a file or a shared one): writer threads, each with its
        own connection (opened on the first write it takes)."""
        store = self._shared.store
        if not self._own_thread or not isinstance(store, Store):
            return
        threads = SHARED_WRITERS if store.shared else 1
        self._thread = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="batch-writer")
        self.batches = await asyncio.get_running_loop().run_in_executor(self._thread, self._own_batches)

    def _own_batches(self) -> BatchStore:
        """Writer thread: this thread's BatchStore, on a connection it opens the first time."""
        batches: BatchStore | None = getattr(self._local, "batches", None)
        if batches is None:
            store = self._shared.store.reopen()
            with self._opened_lock:
                self._opened.append(store)
                # one claim owner for the run's connections: a call claimed through one is released through another
                if self._owner is None:
                    self._owner = claims.owner(store.connection)
                else:
                    store.connection.claim_owner = self._owner  # type: ignore[attr-defined]
            batches = self._local.batches = BatchStore(store)
        return batches

    async def close(self) -> None:
        thread = self._thread
        if thread is None:
            return
        self._thread, self.batches = None, self._shared
        with self._opened_lock:
            stores, self._opened = self._opened, []
        try:
            for store in stores:  # each connection may be closed from any thread (both engines allow it)
                await asyncio.get_running_loop().run_in_executor(thread, store.close)
        finally:
            thread.shutdown(wait=False)

    async def call(self, method: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """``method`` (a method of :attr:`batches`) on a writer thread's own store, or here without threads."""
        if self._thread is None:
            return method(*args, **kwargs)
        function = getattr(method, "__func__", method)

        def run() -> _T:  # the same method, bound to this writer thread's own BatchStore
            return types.MethodType(function, self._own_batches())(*args, **kwargs)  # type: ignore[no-any-return]

        return await asyncio.get_running_loop().run_in_executor(self._thread, run)
