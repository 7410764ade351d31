"""The merge keys of an import: each stored or new lead's row key, certificate and token, mapped to the lead.

:class:`KeyMap` maps a key to a stored lead's id or a new lead's ``-pid``; :func:`map_stored_keys` fills it from the
leads already in the database (the first lead with a value keeps it).
"""

from __future__ import annotations

import contextlib
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from typing import Any

from desktop_app.store.backend import Location
from desktop_app.store.imports import ImportStore
from desktop_app.store.lead_table import reader

KEY_SHARDS = 256  # the merge-key map's dicts (see KeyMap): a resize rehashes one of them, not millions of keys
# run_async's reader thread, when it works through millions of keys, sleeps this long every so often (every
# PAUSE_EVERY_ROWS stored leads mapped, every BIG_SHARD-key shard freed): a thread busy in Python makes the
# window's thread wait for the GIL on each of the many times a frame needs it, and a 100 ms frame was measured.
READER_PAUSE_SECONDS = 0.002
PAUSE_EVERY_ROWS = 5000
BIG_SHARD = 4096


class KeyMap:
    """Merge keys (phones, emails, certificates, tokens) to lead ids: stored leads' ids, new leads' ``-pid``.

    Held in :data:`KEY_SHARDS` small dicts picked by the key's hash rather than one big dict. A dict grows by
    rehashing every entry in one C call that holds the GIL: with a million stored leads (about 4,000,000 keys)
    the reader thread's last resize kept the window's thread waiting 273 ms. A shard's resize is 1/256th of
    that. Where no other thread waits for the GIL (:meth:`LeadImporter.run`, the CLI), ``shards=1`` keeps one
    dict, which :meth:`claim` reaches without hashing every key once more to pick its shard. Hot loops use
    :meth:`claim` over a batch, or :attr:`setdefault` per key."""

    __slots__ = ("mask", "setdefault", "shards")

    def __init__(self, shards: int = KEY_SHARDS) -> None:
        if shards < 1 or shards & (shards - 1):
            raise ValueError(f"shards must be a power of two, not {shards}")
        self.shards: list[dict[str | bytes | None, int]] = [{} for _ in range(shards)]
        self.mask = shards - 1
        # key, ref -> the reference the key already had, or ref (now recorded)
        self.setdefault: Callable[[str | bytes, int], int] = (
            self.shards[0].setdefault if shards == 1 else self._setdefault
        )

    def _setdefault(self, key: str | bytes, ref: int) -> int:
        return self.shards[hash(key) & self.mask].setdefault(key, ref)

    def claim(self, keys: Sequence[str | bytes | None], refs: Sequence[int]) -> list[int]:
        """:attr:`setdefault` of each key with its ref, in C-level passes: the reference each key already had, or
        its ref (recorded now)."""
        if not self.mask:
            return list(map(self.shards[0].setdefault, keys, refs))
        owners = map(self.shards.__getitem__, map(operator.and_, map(hash, keys), repeat(self.mask)))
        return list(map(dict.setdefault, owners, keys, refs))

    def release(self, keys: Sequence[str | bytes | None], refs: Sequence[int]) -> None:
        """Undo :meth:`claim`: forget each key that has its ref."""
        for key, ref in zip(keys, refs, strict=True):
            owner = self.shards[hash(key) & self.mask]
            if owner.get(key) == ref:
                del owner[key]

    def discard(self, key: str | bytes | None) -> None:
        self.shards[hash(key) & self.mask].pop(key, None)

    def __len__(self) -> int:
        return sum(map(len, self.shards))

    def clear(self, *, pause: float = 0.0) -> None:
        """Free every key, a shard at a time (millions of strings: hundreds of ms if freed in one call), sleeping
        ``pause`` after each big shard so that another thread waiting for the GIL gets it at once."""
        for shard in self.shards:
            big = len(shard) > BIG_SHARD
            shard.clear()
            if big and pause:
                time.sleep(pause)

    def __getitem__(self, key: str | bytes) -> int:
        return self.shards[hash(key) & self.mask][key]

    def __setitem__(self, key: str | bytes, ref: int) -> None:
        self.shards[hash(key) & self.mask][key] = ref


def map_stored_keys(rows: Iterable[tuple[Any, ...]], keys: KeyMap, *, pause: float = 0.0) -> int:
    """Add each stored lead's merge keys (``(id, *keys)`` rows) to ``keys``; the first lead with a value keeps
    it. Returns how many leads were read. ``pause``: sleep that long every :data:`PAUSE_EVERY_ROWS` rows."""
    count = 0
    claim = keys.setdefault
    for lead_id, *stored in rows:
        count += 1
        for value in stored:
            if value:
                claim(value, lead_id)
        if pause and not count % PAUSE_EVERY_ROWS:
            time.sleep(pause)
    return count


def map_stored_keys_from(database: Location, keys: KeyMap) -> int:
    """:func:`map_stored_keys` on a read connection of the calling thread's own (WAL: the writer goes on)."""
    with contextlib.closing(reader(database)) as conn:
        return map_stored_keys(ImportStore.lead_keys_on(conn), keys, pause=READER_PAUSE_SECONDS)
