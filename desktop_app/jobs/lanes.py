"""One vendor's lane in a batch run: its counts, the items it takes next, and its room under the daily cap.

A :class:`Lane` is state the run's workers share on the loop's thread (no locks): what the lane has done, failed,
found cached and has in flight (its :meth:`~Lane.progress`), the answers it got in this run (so two items with the
same call share it), the pending items it reads a chunk at a time (:meth:`~Lane.next_item`), and the items it
deferred because another seat was making their call (taken again once the others are done).

A vendor with a daily cap (``cap.<vendor>``) gives its lane a :class:`~desktop_app.jobs.spending.DailySpend`: right
before each call the lane reserves the call's price (:meth:`~Lane.reserve`), with today's stored costs and the calls
in flight; while the calls in flight hold the room, the worker waits for them (a failed call costs nothing and frees
its place, :meth:`~Lane.settle`). When no room is left, the lane is capped (:meth:`~Lane.cap`): it takes no more
items, and they stay pending.

:class:`LaneConnections` gives each lane its vendor clients, over connection pools of the lane's own of at most
:data:`POOL_CONNECTIONS` each, and Contact State's lane the service's shared rate limiter; it closes the pools when
the run ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.jobs.events import RateMeter, VendorProgress
from desktop_app.jobs.spending import DailySpend
from desktop_app.store.batches import BatchStore, WorkItem
from desktop_app.vendors.ratelimit import RateLimiter

logger = logging.getLogger(__name__)

# The most connections one lane's httpx pool holds; a lane with more calls in flight is spread over several pools.
# httpcore scans its whole pool on every request, so CPU per call grows with the pool: 3,000 litigator checks
# spent 2.2 ms of CPU each over one pool of 32 and 10.7 ms over one of 64 (scripts/bench_batch.py --scaling).
POOL_CONNECTIONS = 16


@dataclass
class Lane:
    vendor: str
    concurrency: int
    clients: list[Any]  # worker i calls through clients[i % len(clients)]: each of its own pool (or one fake)
    limiter: RateLimiter | None
    total: int = 0
    done: int = 0
    failed: int = 0
    cached: int = 0
    in_flight: int = 0
    stopped: str | None = None
    spend: DailySpend | None = None  # the vendor's daily cap, when it has one
    capped: bool = False  # stopped because the next call would pass the daily cap
    freed: asyncio.Event = field(default_factory=asyncio.Event)  # set (and replaced) each time a reserved call ends
    meter: RateMeter = field(default_factory=RateMeter)
    # call key (see call_key) -> (check id, flag, state) for calls finished in this run; -> future while in flight
    answered: dict[str, tuple[int | None, str | None, str, str]] = field(default_factory=dict)
    calls: dict[str, asyncio.Future[None]] = field(default_factory=dict)
    buffer: list[WorkItem] = field(default_factory=list)
    # items whose call another seat was making when this lane reached them: taken again once the lane's other
    # items are done (by then usually answered: cached), instead of a worker waiting on each
    deferred: list[WorkItem] = field(default_factory=list)
    revisiting: set[int] = field(default_factory=set)
    last_id: int = 0
    exhausted: bool = False
    since: str | None = None  # the cache policy: answers newer than this (and with these flags) count as cached
    flags: tuple[str, ...] | None = None

    def progress(self) -> VendorProgress:
        return VendorProgress(
            self.vendor,
            self.total,
            self.done,
            self.failed,
            self.cached,
            self.in_flight,
            self.meter.rate(),
            self.stopped,
            self.capped,
        )

    def next_item(self, batches: BatchStore, batch_id: int) -> WorkItem | None:
        """The lane's next pending item (read a chunk at a time), then the deferred ones; None when none is left."""
        if not self.buffer and not self.exhausted:
            chunk = batches.pending_items(
                batch_id, self.vendor, after_id=self.last_id, limit=max(200, self.concurrency * 4)
            )
            if not chunk:
                self.exhausted = True
            else:
                self.last_id = chunk[-1].id
                self.buffer = chunk[::-1]
        if self.buffer:
            return self.buffer.pop()
        if self.deferred:  # the second pass: another seat's calls, answered by now or waited for
            item = self.deferred.pop(0)
            self.revisiting.add(item.id)
            return item
        return None

    async def reserve(self, gate: asyncio.Event, cancelled: Callable[[], bool]) -> bool:
        """Reserve the next call's price under the daily cap. While calls in flight hold the room it needs, wait for
        them (a failed call costs nothing and frees its place; a pause, the cleared ``gate``, holds the wait). False
        when no room is left, or the lane stopped or the run was cancelled meanwhile."""
        assert self.spend is not None
        while not self.spend.reserve():
            if self.spend.reserved <= 0 or self.stopped or cancelled():
                return False
            await self.freed.wait()
            await gate.wait()
        if self.stopped or cancelled():
            self.spend.release(0.0)
            return False
        return True

    def settle(self, cost: float) -> None:
        """A reserved call ended having cost ``cost`` (0 when not stored): whoever waits for room looks again."""
        assert self.spend is not None
        self.spend.release(cost)
        freed, self.freed = self.freed, asyncio.Event()
        freed.set()

    def cap(self) -> bool:
        """The next call would pass the daily cap: take no more items (they stay pending). True when this capped it."""
        if self.stopped is None and self.spend is not None:
            self.capped = True
            self.stopped = self.spend.words(in_flight=True)
            return True
        return False


class LaneConnections:
    """A run's lanes' vendor clients and rate limiters, from the service (``fakes``: a test's client per vendor)."""

    def __init__(self, service: Any, fakes: Mapping[str, Any]) -> None:
        self.service = service
        self.fakes = fakes
        self._pools: list[Callable[[], Awaitable[None]]] = []  # closes the lanes' own connection pools

    def clients(self, vendor: str, concurrency: int) -> list[Any]:
        """The lane's vendor clients: a test's fake, else clients over connection pools of the lane's own of at
        most POOL_CONNECTIONS each, sharing the lane's calls evenly (closed by :meth:`close`; see
        CheckService.lane_client), else one on the service's shared client."""
        if vendor in self.fakes:
            return [self.fakes[vendor]]
        lane_client = getattr(self.service, "lane_client", None)
        if lane_client is None:
            return [getattr(self.service, vendor)()]
        shards = -(-concurrency // POOL_CONNECTIONS)
        clients = []
        for shard in range(shards):
            client, close = lane_client(vendor, len(range(shard, concurrency, shards)))
            self._pools.append(close)
            clients.append(client)
        return clients

    def limiter(self, vendor: str) -> RateLimiter | None:
        """Contact State's lane shares the service's 60-per-minute limiter (its own when the service has none)."""
        if vendor != "contactstate":
            return None
        limits = getattr(self.service, "contactstate_limits", None)
        shared = getattr(limits, "requests", None)
        return shared if isinstance(shared, RateLimiter) else RateLimiter(60, 60.0, name="contactstate")

    async def close(self) -> None:
        """Close the lanes' own connection pools."""
        pools, self._pools = self._pools, []
        for close in pools:
            try:
                await close()
            except Exception:  # a connection that fails to close must not hide the batch's outcome
                logger.exception("could not close a lane's connections")
