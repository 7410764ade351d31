"""One run of one batch: one lane per vendor, each with its own concurrency, results stored as they arrive.

A :class:`BatchRun` (made by :meth:`desktop_app.jobs.runner.BatchRunner.run`):

1. puts items a killed run left ``in_flight`` back to ``pending`` (they are sent again — the first call may
   or may not have reached the vendor; without its answer there is nothing to show, so re-sending is the only
   way to finish, and it is the one case where a call can be paid twice);
2. marks pending pairs the vendor already answered as ``cached`` (see :mod:`desktop_app.jobs.answers`);
3. runs the lanes (:mod:`desktop_app.jobs.lanes`) concurrently; each lane runs ``concurrency`` workers that take
   the next pending item, claim its call and mark it in flight (committed), make the call through the vendor
   client (which applies the core's retry rules), and store the result (by :mod:`desktop_app.check_rules`, as a
   one-off check is), the lead's flag and the item's new state in one transaction
   (:meth:`~desktop_app.store.batches.BatchStore.complete_item`), with the call's cost (its vendor's
   ``price.<vendor>`` when it completed; the prices are read once per run). Contact State calls also take a slot
   from the service's shared 60-per-minute limiter. Two items with the same call in one lane share it; an item
   whose call another seat stored or is making takes that seat's answer (both in :mod:`desktop_app.jobs.answers`).
   A lane's workers call through connection pools of the lane's own, at most :data:`POOL_CONNECTIONS` each.

Every database write happens on the event loop's thread (one writer), except that the window's runs store item
states and results through :mod:`desktop_app.jobs.writer` on a thread of their own. Progress goes to ``on_event``
callbacks and :meth:`BatchRun.events` iterators as :class:`~desktop_app.jobs.events.BatchEvent` s.

Pause stops lanes from taking new items (calls in flight finish and are stored); cancel does the same and
ends the run once they are stored; the batch can be resumed later either way. A lane whose vendor refuses
the account (bad key, billing, forbidden, missing credentials) stops; its remaining items stay pending and
the batch ends ``stopped`` with the reason, so fixing the key and resuming finishes it.

A vendor with a daily cap (``cap.<vendor>``, read once per run with the prices) gets a
:class:`~desktop_app.jobs.spending.DailySpend`: right before each call the lane reserves the call's price under the
cap (see :meth:`desktop_app.jobs.lanes.Lane.reserve`). When no room is left, that call is not sent, the lane stops
taking items (they stay pending) and, once the other lanes end, the batch is stored ``paused`` with the reason in
words ("TrustedForm's daily cap of $50.00 is reached ($49.80 spent today); resume tomorrow or raise
the cap."); the run ends :attr:`~desktop_app.jobs.events.RunState.CAPPED`. Resuming it on another day, or after
raising the cap, continues it. A lane stopped on an account problem as well makes the batch ``stopped``.

Errors: :class:`~desktop_app.vendors.errors.MissingCredentials` is raised by :meth:`BatchRun.run` before
anything is sent when a chosen vendor's keys are not set; :class:`BatchNotFound` for an unknown batch;
:class:`~desktop_app.store.db.StoreError` (disk full...) ends the run as ``interrupted`` and propagates.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from desktop_app.check_rules import call_cost, scrub, simulated, suppression_for
from desktop_app.jobs.answers import CACHE_PROBE_SLICE, CLAIM_POLL_S, CLAIM_WAIT_S, AnswerReuse
from desktop_app.jobs.events import (
    BatchEvent,
    BatchProgress,
    EventCallback,
    EventKind,
    ItemOutcome,
    RateMeter,
    RunState,
)
from desktop_app.jobs.lanes import POOL_CONNECTIONS, Lane, LaneConnections
from desktop_app.jobs.spending import DailySpend, stored_spend
from desktop_app.jobs.vendor_jobs import JOBS, check_credentials
from desktop_app.jobs.writer import ItemWriter
from desktop_app.store.batches import BatchInfo, WorkItem, call_key
from desktop_app.vendors.credentials import VENDOR_LABELS
from desktop_app.vendors.errors import ErrorKind, InputError, LeadcheckError, MissingCredentials
from desktop_app.vendors.http import Redactor
from desktop_app.vendors.registry import vendor as vendor_facts

if TYPE_CHECKING:
    from desktop_app.jobs.runner import BatchRunner

__all__ = [
    "CACHE_PROBE_SLICE",
    "CLAIM_POLL_S",
    "CLAIM_WAIT_S",
    "POOL_CONNECTIONS",
    "STOPPING_KINDS",
    "BatchNotFound",
    "BatchRun",
    "Lane",
]

logger = logging.getLogger(__name__)

# A failure of this kind would repeat for every remaining item: the lane stops instead of paying for nothing.
STOPPING_KINDS = frozenset({ErrorKind.CREDENTIALS, ErrorKind.AUTH, ErrorKind.BILLING, ErrorKind.FORBIDDEN})


class BatchNotFound(LeadcheckError):
    """No batch with that id (or nothing to resume)."""


class BatchRun:
    """One run of one batch. Not reusable: create another (``BatchRunner.run``) to resume again later.

    Control from any coroutine or callback on the loop: :meth:`pause`, :meth:`resume`, :meth:`cancel`.
    """

    def __init__(
        self,
        runner: BatchRunner,
        batch_id: int,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        retry_failed: bool = False,
        on_event: EventCallback | None = None,
        writer_thread: bool = False,
    ) -> None:
        self.runner = runner
        self.service = runner.service
        self.batches = runner.batches
        self._items = ItemWriter(runner.batches, own_thread=writer_thread)  # where per-item writes go
        self._answers = AnswerReuse(
            runner.batches,
            self._items,
            batch_id,
            self._emit,
            lambda: self._cancelled,
            poll_s=CLAIM_POLL_S,
            wait_s=CLAIM_WAIT_S,
            sleep=runner.sleep,
        )
        self._connections = LaneConnections(runner.service, runner.clients)  # the lanes' clients and pools
        self.batch_id = batch_id
        self.retry_failed = retry_failed
        self._concurrency = concurrency
        self._stored_concurrency: Mapping[str, int] = {}  # what the batch's last run used (see _prepare)
        self._callbacks: list[EventCallback] = [on_event] if on_event else []
        self._queues: list[asyncio.Queue[BatchEvent]] = []
        self._lanes: dict[str, Lane] = {}
        self._gate = asyncio.Event()
        self._gate.set()
        self._state = RunState.RUNNING
        self._cancelled = False
        self._started = runner.clock()
        self._redactor = Redactor()
        self._demo = False
        self._prices: Mapping[str, float] = {}  # vendor -> price of a billed call (read once per run)
        self.reopened = 0  # items that were in flight when a previous run stopped (sent again)
        self.info: BatchInfo | None = None

    # -- control ------------------------------------------------------------------------------------------

    @property
    def state(self) -> RunState:
        return self._state

    def pause(self) -> None:
        """Stop taking new items; calls in flight finish and are stored."""
        if self._state is RunState.RUNNING:
            self._gate.clear()
            self._state = RunState.PAUSED
            self.batches.set_status(self.batch_id, "paused")
            self._emit(EventKind.PAUSED)

    def resume(self) -> None:
        if self._state is RunState.PAUSED:
            self._state = RunState.RUNNING
            self.batches.set_status(self.batch_id, "running")
            self._gate.set()
            self._emit(EventKind.RESUMED)

    def cancel(self) -> None:
        """Stop taking new items; :meth:`run` returns once the calls in flight are stored."""
        if self._state in (RunState.RUNNING, RunState.PAUSED):
            self._cancelled = True
            self._state = RunState.CANCELLING
            self._gate.set()

    def add_callback(self, callback: EventCallback) -> None:
        self._callbacks.append(callback)

    async def events(self) -> AsyncIterator[BatchEvent]:
        """Every event from now on, ending with ``finished``. Subscribe before or while the run runs."""
        queue: asyncio.Queue[BatchEvent] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while True:
                event = await queue.get()
                yield event
                if event.kind is EventKind.FINISHED:
                    return
        finally:
            self._queues.remove(queue)

    # -- progress -----------------------------------------------------------------------------------------

    @property
    def concurrency(self) -> dict[str, int]:
        """Parallel calls per vendor lane of this run (known once it has started)."""
        return {vendor: lane.concurrency for vendor, lane in self._lanes.items()}

    @property
    def progress(self) -> BatchProgress:
        stopped = [
            lane.stopped if lane.capped else f"{VENDOR_LABELS.get(v, v)}: {lane.stopped}"
            for v, lane in self._lanes.items()
            if lane.stopped
        ]
        return BatchProgress(
            self.batch_id,
            self._state,
            {v: lane.progress() for v, lane in self._lanes.items()},
            self.runner.clock() - self._started,
            "; ".join(stopped) or None,
        )

    def _emit(self, kind: EventKind, item: ItemOutcome | None = None, message: str = "") -> None:
        event = BatchEvent(kind, self.progress, item, message)
        for callback in list(self._callbacks):
            try:
                callback(event)
            except Exception:  # a display bug must not stop a paid batch
                logger.exception("batch event callback failed")
        for queue in self._queues:
            queue.put_nowait(event)

    # -- running ------------------------------------------------------------------------------------------

    def _concurrency_for(self, vendor: str) -> int:
        """The run's own (``concurrency``), else what the batch's last run used (a resume sends no more calls at
        once than the run it finishes), else Settings."""
        if isinstance(self._concurrency, int):
            return max(1, self._concurrency)
        if isinstance(self._concurrency, Mapping) and vendor in self._concurrency:
            return max(1, int(self._concurrency[vendor]))
        if vendor in self._stored_concurrency:
            return max(1, int(self._stored_concurrency[vendor]))
        settings = getattr(self.service, "settings", None)
        try:
            return max(1, int(settings.get(f"concurrency.{vendor}"))) if settings is not None else 1
        except (KeyError, TypeError, ValueError):
            return vendor_facts(vendor).batch_concurrency or 4

    def _prepare(self) -> BatchInfo:
        info = self.batches.batch(self.batch_id)
        if info is None:
            raise BatchNotFound(f"There is no batch {self.batch_id}.")
        settings = getattr(self.service, "settings", None)
        for vendor in info.vendors:
            pending = info.count("pending", vendor) + info.count("in_flight", vendor)
            if pending and vendor not in self.runner.clients and settings is not None:
                check_credentials(vendor, settings.credentials_for(vendor))
        self.reopened = self.batches.reopen(self.batch_id)
        if self.retry_failed:
            self.batches.retry_failed(self.batch_id)
        info = self.batches.batch(self.batch_id)
        assert info is not None
        self._stored_concurrency = info.concurrency
        for vendor in info.vendors:
            concurrency = self._concurrency_for(vendor)
            lane = Lane(
                vendor,
                concurrency,
                self._connections.clients(vendor, concurrency) if info.count("pending", vendor) else [],
                self._connections.limiter(vendor),
                meter=RateMeter(clock=self.runner.clock),
            )
            lane.total = sum(info.counts.get(vendor, {}).values())
            lane.done, lane.failed = info.count("done", vendor), info.count("failed", vendor)
            lane.cached = info.count("cached", vendor)
            self._lanes[vendor] = lane
        if hasattr(self.service, "redactor"):
            self._redactor = self.service.redactor()
        self._demo = bool(getattr(self.service, "demo", False))
        if settings is not None and hasattr(settings, "prices"):
            self._prices = settings.prices()
        caps = settings.caps() if settings is not None and hasattr(settings, "caps") else {}
        for vendor, lane in self._lanes.items():
            spend = DailySpend(
                vendor,
                float(caps.get(vendor, 0.0)),
                float(self._prices.get(vendor, 0.0)),
                functools.partial(stored_spend, self.service.store, vendor),
                clock=self.runner.wall_clock,
            )
            lane.spend = spend if spend.active else None
        return info

    async def run(self) -> BatchProgress:
        """Run (or resume) the batch to the end, a cancel or a stop; returns the final progress."""
        info = self._prepare()
        self.info = info
        self.batches.record_concurrency(self.batch_id, self.concurrency)
        self.batches.set_status(self.batch_id, "running")
        self._emit(
            EventKind.STARTED,
            message=f"{self.reopened} items were in flight and are sent again" if self.reopened else "",
        )
        try:
            await self._items.open()
            try:
                await self._answers.resolve_cached(self._lanes, info, getattr(self.service, "settings", None))
                await asyncio.gather(*(self._lane(lane) for lane in self._lanes.values()))
            finally:
                try:  # claims of calls that never finished (a cancel mid-call): other seats need not wait for them
                    await self._items.call(self._items.batches.release_claims)
                except Exception:  # the database itself may be what failed; a stale claim is taken over anyway
                    logger.exception("could not release the claims of batch %s", self.batch_id)
                await self._items.close()
                await self._connections.close()
        except BaseException as exc:
            self._state = RunState.INTERRUPTED
            try:
                self.batches.set_status(self.batch_id, "interrupted", stop_reason=str(exc) or type(exc).__name__)
            except Exception:  # the database itself may be what failed
                logger.exception("could not mark batch %s interrupted", self.batch_id)
            self._emit(EventKind.FINISHED, message="interrupted")
            raise
        for lane in self._lanes.values():
            if lane.capped and lane.spend is not None:
                lane.stopped = lane.spend.words()  # what the calls stored today cost, now none is in flight
        stop_reason = self.progress.stop_reason
        stopped = [lane for lane in self._lanes.values() if lane.stopped]
        if self._cancelled:
            self._state, status = RunState.CANCELLED, "cancelled"
        elif stopped and all(lane.capped for lane in stopped):
            self._state, status = RunState.CAPPED, "paused"
        elif stop_reason:
            self._state, status = RunState.STOPPED, "stopped"
        else:
            self._state, status = RunState.DONE, "done"
        self.batches.set_status(self.batch_id, status, stop_reason=stop_reason)
        self._emit(EventKind.FINISHED, message=status)
        return self.progress

    async def _lane(self, lane: Lane) -> None:
        if not lane.clients:
            return
        lane.meter.start()

        async def worker(client: Any) -> None:
            while True:
                await self._gate.wait()
                if self._cancelled or lane.stopped:
                    return
                item = lane.next_item(self.batches, self.batch_id)
                if item is None:
                    return
                await self._process(lane, item, client)

        shards = lane.clients
        await asyncio.gather(*(worker(shards[i % len(shards)]) for i in range(lane.concurrency)))

    async def _process(self, lane: Lane, item: WorkItem, client: Any) -> None:
        """Make the item's call, or reuse the answer to the same call (same subject, same data sent) made in this
        run: leads sharing a phone get one litigator call; two leads sharing a certificate with different emails
        get a retain each, since each must be matched against its own data."""
        key = call_key(item.subject, JOBS[lane.vendor].sent(item.lead))
        if key not in lane.answered and key in lane.calls:
            await asyncio.shield(lane.calls[key])
        if key in lane.answered:
            await self._answers.finish_duplicate(lane, item, key)
            return
        call_done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        lane.calls[key] = call_done
        try:
            await self._call(lane, item, key, client)
        finally:
            del lane.calls[key]
            call_done.set_result(None)

    async def _call(self, lane: Lane, item: WorkItem, key: str, client: Any) -> None:
        job = JOBS[lane.vendor]
        if lane.stopped:
            return  # the item stays pending
        if lane.spend is not None and not await lane.reserve(self._gate, lambda: self._cancelled):
            if not (lane.stopped or self._cancelled):
                self._cap_lane(lane)
            return  # the item stays pending
        cost = 0.0  # unless the call is stored: not sent, refused, or interrupted before its answer was stored
        try:
            cost = await self._send(lane, job, item, key, client)
        finally:
            if lane.spend is not None:
                lane.settle(cost)

    async def _send(self, lane: Lane, job: Any, item: WorkItem, key: str, client: Any) -> float:
        """Send the item's call (its price already reserved under the daily cap) and store what came back; returns
        what the stored call cost."""
        if not await self._answers.claim(lane, job, item, key):
            return 0.0
        if lane.limiter is not None:
            await lane.limiter.acquire()
        lane.in_flight += 1
        claim = (lane.vendor, key)
        try:
            result = await job.call(client, item.subject, item.lead)
        except InputError as exc:
            lane.in_flight -= 1
            await self._items.call(self._items.batches.fail_item, item.id, f"not sent: {exc}", claim=claim)
            lane.failed += 1
            lane.answered[key] = (None, None, "failed", str(exc))
            outcome = ItemOutcome(item.id, item.lead_id, lane.vendor, item.subject, "failed", None, None, str(exc))
            self._emit(EventKind.ITEM, outcome)
            return 0.0
        except MissingCredentials as exc:
            lane.in_flight -= 1
            await self._items.call(self._items.batches.reopen_item, item.id, claim=claim)
            self._stop_lane(lane, str(exc))
            return 0.0
        except BaseException:
            lane.in_flight -= 1
            raise
        lane.in_flight -= 1
        clean = scrub(result, self._redactor)
        if self._demo:
            clean = simulated(clean)  # the demo's advice, as the service's clean() gives single checks
        suppression = suppression_for(clean, f"TCPA Litigator check (batch {self.batch_id})")
        cost = call_cost(clean, self._prices)
        check_id = await self._items.call(
            self._items.batches.complete_item,
            item,
            clean,
            sent=job.sent(item.lead),
            suppression=suppression,
            cost=cost,
            claim_key=key,
        )
        lane.meter.tick()
        flag = clean.flag.value if clean.flag else None
        if clean.error is None:
            lane.done += 1
            state, message = "done", clean.summary
        else:
            lane.failed += 1
            state = "failed"
            message = clean.error.message + (f" — {clean.error.hint}" if clean.error.hint else "")
        lane.answered[key] = (check_id, flag, state, message)
        outcome = ItemOutcome(item.id, item.lead_id, lane.vendor, item.subject, state, check_id, flag, message, clean)
        self._emit(EventKind.ITEM, outcome)
        if clean.error is not None and clean.error.kind in STOPPING_KINDS:
            self._stop_lane(lane, message)
        return cost

    def _cap_lane(self, lane: Lane) -> None:
        """The next call would pass the vendor's daily cap: take no more items (they stay pending)."""
        if lane.cap():
            self._emit(EventKind.LANE_STOPPED, message=lane.stopped or "")

    def _stop_lane(self, lane: Lane, reason: str) -> None:
        if lane.stopped is None:
            lane.stopped = reason
            label = VENDOR_LABELS.get(lane.vendor, lane.vendor)
            self._emit(EventKind.LANE_STOPPED, message=f"{label} stopped: {reason}")
