"""A batch run's items that end without a call of their own: answered before, in this run, or by another seat.

:class:`AnswerReuse` is the :class:`~desktop_app.jobs.run.BatchRun`'s collaborator for three cases:

1. before the lanes start, pending pairs the vendor already answered become ``cached`` (see
   :mod:`desktop_app.jobs.vendor_jobs`; with a re-check only answers the batch itself got count):
   :meth:`~AnswerReuse.resolve_cached`;
2. an item whose call (same subject, same data sent) its lane already made in this run takes that call's answer
   (``cached``, or ``failed`` when the call failed): :meth:`~AnswerReuse.finish_duplicate`;
3. right before its call an item claims it (:meth:`~AnswerReuse.claim`; the store's ``start_call``): when another
   seat stored that answer meanwhile, the item is ``cached``; when another seat is making the very same call, the
   lane defers the item until its other items are done, then waits for that seat's answer (polling every
   ``CLAIM_POLL_S``, at most ``CLAIM_WAIT_S``), and claims the call itself when that seat gave up on it or is gone.

Every write goes through the run's :class:`~desktop_app.jobs.writer.ItemWriter`; every outcome to the run's
``emit``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from desktop_app.jobs.events import EventKind, ItemOutcome
from desktop_app.jobs.lanes import Lane
from desktop_app.jobs.vendor_jobs import JOBS
from desktop_app.jobs.writer import ItemWriter
from desktop_app.store.batches import KEY_SEPARATOR, BatchInfo, BatchStore, WorkItem, call_key

CACHE_PROBE_SLICE = 2000  # subjects per "already answered?" query; the loop gets a turn between slices
# Another seat making the same call: how often to look for its answer, and for how long at most.
CLAIM_POLL_S = 0.25
CLAIM_WAIT_S = 600.0

Emit = Callable[[EventKind, ItemOutcome], None]


class AnswerReuse:
    """Finds, shares and waits for the answers a run's items can take instead of a call.

    ``cancelled`` tells whether the run was cancelled; ``poll_s`` and ``wait_s`` pace the wait for another seat."""

    def __init__(
        self,
        batches: BatchStore,
        items: ItemWriter,
        batch_id: int,
        emit: Emit,
        cancelled: Callable[[], bool],
        *,
        poll_s: float = CLAIM_POLL_S,
        wait_s: float = CLAIM_WAIT_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._sleep = sleep  # how the wait for another seat's answer waits (tests pass one that only yields)
        self.batches = batches
        self._items = items
        self.batch_id = batch_id
        self._emit = emit
        self._cancelled = cancelled
        self.poll_s = poll_s
        self.wait_s = wait_s

    async def resolve_cached(self, lanes: Mapping[str, Lane], info: BatchInfo, settings: Any) -> None:
        """Pairs the vendor already answered become ``cached`` without a call (unless the batch re-checks).

        Works in slices with a loop turn between them, so a 30,000-item batch never holds the window."""
        for vendor, lane in lanes.items():
            pending = self.batches.pending_subjects(self.batch_id, vendor)
            await asyncio.sleep(0)
            if not pending:
                continue
            job = JOBS[vendor]
            since: str | None
            flags: tuple[str, ...] | None
            if info.recheck:
                since, flags = info.created_at, None  # only answers this batch itself already got
            else:
                policy = job.cache(settings)
                since, flags = policy.since(), policy.flags
            lane.since, lane.flags = since, flags  # for answers other seats store while this run goes on
            found: dict[str, tuple[int, str | None]] = {}
            subjects = list(dict.fromkeys(subject for _, _, subject, _ in pending))
            for start in range(0, len(subjects), CACHE_PROBE_SLICE):
                part_subjects = subjects[start : start + CACHE_PROBE_SLICE]
                found.update(
                    self.batches.answered(vendor, job.operation, part_subjects, since=since, flags=flags, by_call=True)
                )
                await asyncio.sleep(0)
            # an answer counts as this lead's when it was asked with the lead's own data (or before Leadcheck kept
            # what was sent: those were made with the stored lead's data)
            hits = [
                (item_id, lead_id, key)
                for item_id, lead_id, subject, lead in pending
                if (key := call_key(subject, job.sent(lead))) in found or (key := subject) in found
            ]
            for start in range(0, len(hits), 1000):
                part = hits[start : start + 1000]
                await self._items.call(
                    self._items.batches.mark_cached, [(item_id, found[key][0]) for item_id, _, key in part]
                )
                for item_id, lead_id, key in part:
                    check_id, flag = found[key]
                    subject = key.split(KEY_SEPARATOR, 1)[0]
                    lane.cached += 1
                    outcome = ItemOutcome(
                        item_id, lead_id, vendor, subject, "cached", check_id, flag, "answered before"
                    )
                    self._emit(EventKind.ITEM, outcome)
                await asyncio.sleep(0)

    async def finish_duplicate(self, lane: Lane, item: WorkItem, key: str) -> None:
        """The item's call was made in this run (``lane.answered[key]``): store its answer as the item's too."""
        check_id, flag, state, message = lane.answered[key]
        if state == "failed":
            note = f"same subject as another item: {message}"
            await self._items.call(self._items.batches.fail_item, item.id, note, check_id=check_id)
            lane.failed += 1
            outcome = ItemOutcome(item.id, item.lead_id, lane.vendor, item.subject, "failed", check_id, None, message)
        else:
            assert check_id is not None
            await self._items.call(self._items.batches.mark_cached, [(item.id, check_id)])
            lane.cached += 1
            outcome = ItemOutcome(
                item.id, item.lead_id, lane.vendor, item.subject, "cached", check_id, flag, "answered in this batch"
            )
        self._emit(EventKind.ITEM, outcome)

    async def claim(self, lane: Lane, job: Any, item: WorkItem, key: str) -> bool:
        """Claim the item's call and mark it in flight (True: send it). When another seat is making the very same
        call, skip the item for now (the lane takes it again after its other items); the second time, wait for
        that seat's answer (polling every ``poll_s``, at most ``wait_s``) and take it as cached; a call that seat
        gave up on, or whose seat is gone, is claimed here instead. (Waiting at once made seats whose files overlap
        run in step, one paying while the other waited: 1.49 × the floor with four.)"""
        waited = 0.0
        while True:
            started = await self._items.call(
                self._items.batches.start_call, item, key, operation=job.operation, since=lane.since, flags=lane.flags
            )
            if started.outcome == "claimed":
                return True
            if started.outcome == "answered":
                lane.cached += 1
                lane.answered[key] = (started.check_id, started.flag, "done", "answered by another seat")
                outcome = ItemOutcome(
                    item.id, item.lead_id, lane.vendor, item.subject, "cached", started.check_id, started.flag,
                    "answered by another seat",
                )  # fmt: skip
                self._emit(EventKind.ITEM, outcome)
                return False
            if self._cancelled() or lane.stopped:
                return False  # the item stays pending
            if item.id not in lane.revisiting:
                lane.deferred.append(item)
                return False
            if waited >= self.wait_s:
                note = (
                    f"{started.holder} was still checking the same call after {self.wait_s // 60:.0f} minutes; "
                    "resume the batch to try again"
                )
                await self._items.call(self._items.batches.fail_item, item.id, note)
                lane.failed += 1
                self._emit(
                    EventKind.ITEM,
                    ItemOutcome(item.id, item.lead_id, lane.vendor, item.subject, "failed", None, None, note),
                )
                return False
            await self._sleep(self.poll_s)
            waited += self.poll_s
