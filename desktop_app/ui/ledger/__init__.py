"""The window's views over the ledger (:mod:`desktop_app.store.ledger`): Deadlines, Suppliers, Costs and Returns.

Each is a window of its own opened from View (one at a time, non-modal, beside the lead table). Reads run off the
GUI thread on a Store of their own (:func:`read_off_thread`; WAL lets them read while a batch writes on the loop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from desktop_app.store import Store
from desktop_app.store.backend import Location

T = TypeVar("T")


def _with_reader(database: Location, work: Callable[[Store], T]) -> T:
    reader = Store(database)
    try:
        return work(reader)
    finally:
        reader.close()


async def read_off_thread(store: Any, work: Callable[[Store], T]) -> T:
    """Run ``work`` on a worker thread with a Store of its own on ``store``'s database file."""
    return await asyncio.to_thread(_with_reader, store.location, work)
