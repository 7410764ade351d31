"""The batch runner: plans and creates batches over stored leads and hands out the runs that check them.

:class:`BatchRunner` decides which lead is checked by which vendor (:meth:`~BatchRunner.plan`: a lead is
checked by every chosen vendor it has usable data for, as :data:`~desktop_app.jobs.vendor_jobs.JOBS` says),
stores a batch with every pair pending (:meth:`~BatchRunner.create`), lists the batches a crash, stop or pause
left unfinished, and makes :class:`~desktop_app.jobs.run.BatchRun` objects that run them (one lane per vendor;
see :mod:`desktop_app.jobs.run`). The window and the CLI both plan through here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.jobs.events import EventCallback
from desktop_app.jobs.run import POOL_CONNECTIONS, BatchNotFound, BatchRun
from desktop_app.jobs.spending import local_day, stored_spend
from desktop_app.jobs.vendor_jobs import JOBS
from desktop_app.store.batches import BatchInfo, BatchStore, call_key

__all__ = ["POOL_CONNECTIONS", "BatchNotFound", "BatchPlan", "BatchRun", "BatchRunner", "lead_ids_for"]

PLAN_SLICE = 500  # leads planned per loop turn by plan_in_slices (the window's)


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will check: items per vendor, and leads skipped per vendor for lack of usable data."""

    batch_id: int | None
    items: Mapping[str, int]
    skipped: Mapping[str, int]
    leads: int
    answered: Mapping[str, int] = field(default_factory=dict)  # items already answered (see BatchRunner.answered)

    @property
    def total(self) -> int:
        return sum(self.items.values())

    def to_send(self, vendors: Sequence[str], *, recheck: bool = False) -> int:
        """How many of ``vendors``' items a batch would send: all with ``recheck``, else those not answered yet."""
        return sum(self.items[v] - (0 if recheck else self.answered.get(v, 0)) for v in vendors)


class BatchRunner:
    """Creates batches over stored leads and runs them through ``service`` (a CheckService).

    ``clients`` replaces the vendor clients (tests pass fakes); by default each run builds them from the
    service, so credentials are read once per run. ``clock`` times the runs (rates, elapsed); ``wall_clock`` (seconds
    since the epoch; default: the service's vendor calls' clock, else ``time.time``) says which day a daily cap
    counts; ``sleep`` how a run waits between looks for another seat's answer.
    """

    def __init__(
        self,
        service: Any,
        *,
        clients: Mapping[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.service = service
        self.sleep = sleep  # how a run waits for another seat's answer between looks (tests pass one that yields)
        self.batches = BatchStore(service.store)
        self.clients = dict(clients or {})
        self.clock = clock
        http_clock = getattr(getattr(service, "http", None), "clock", None)
        self.wall_clock: Callable[[], float] = wall_clock or (http_clock if callable(http_clock) else time.time)

    def plan(self, lead_ids: Sequence[int], vendors: Sequence[str]) -> tuple[BatchPlan, list[tuple[int, str, str]]]:
        """Which (lead, vendor, subject) pairs a batch over ``lead_ids`` would check (nothing is written)."""
        items: list[tuple[int, str, str]] = []
        counts = dict.fromkeys(vendors, 0)
        skipped = dict.fromkeys(vendors, 0)
        unique = list(dict.fromkeys(lead_ids))
        for lead_id, lead in self.batches.lead_fields(unique):
            for vendor in vendors:
                subject = JOBS[vendor].subject(lead)
                if subject is None:
                    skipped[vendor] += 1
                else:
                    counts[vendor] += 1
                    items.append((lead_id, vendor, subject))
        return BatchPlan(None, counts, skipped, len(unique)), items

    def answered(self, lead_ids: Sequence[int], vendors: Sequence[str]) -> dict[str, int]:
        """Per vendor, how many of ``lead_ids``' items a batch would find already answered and not send again
        (cached, not paid again): the same rule and cache policy as a run's (:mod:`desktop_app.jobs.answers`)."""
        return {
            vendor: sum(found for _, found in pairs)
            for vendor, pairs in self._answered_pairs(lead_ids, vendors).items()
        }

    def _answered_pairs(self, lead_ids: Sequence[int], vendors: Sequence[str]) -> dict[str, list[tuple[str, bool]]]:
        """Per vendor, each item's call key (:func:`call_key`) and whether a stored answer makes it cached."""
        settings = getattr(self.service, "settings", None)
        pairs: dict[str, list[tuple[str, str]]] = {v: [] for v in vendors}
        for _lead_id, lead in self.batches.lead_fields(list(dict.fromkeys(lead_ids))):
            for vendor in vendors:
                job = JOBS[vendor]
                if (subject := job.subject(lead)) is not None:
                    pairs[vendor].append((subject, call_key(subject, job.sent(lead))))
        out: dict[str, list[tuple[str, bool]]] = {v: [] for v in vendors}
        for vendor, found_pairs in pairs.items():
            if not found_pairs:
                continue
            job = JOBS[vendor]
            policy = job.cache(settings)
            subjects = [subject for subject, _ in found_pairs]
            found = self.batches.answered(
                vendor, job.operation, subjects, since=policy.since(), flags=policy.flags, by_call=True
            )
            # an answer counts when asked with the lead's own data, or before Leadcheck kept what was sent
            out[vendor] = [(key, key in found or subject in found) for subject, key in found_pairs]
        return out

    def estimate(
        self, lead_ids: Sequence[int], vendors: Sequence[str], prices: Mapping[str, float], *, recheck: bool = False
    ) -> dict[str, Any]:
        """What a batch over ``lead_ids`` would send and cost, sending nothing: per vendor the calls it would make
        (items sharing a call — one phone on several leads — are one call, as a run makes them), the items
        already answered (``cached``, not paid again; none with ``recheck``) and ``calls`` × the vendor's price
        for a billed vendor; and the ``total_cost``. A billed vendor with a daily cap (``cap.<vendor>``) also has
        its ``cap``, what it cost today so far (``spent_today``, every seat's stored checks) and whether the
        batch would reach the cap and pause (``pauses``: see :mod:`desktop_app.jobs.spending`)."""
        from desktop_app.check_rules import BILLED_OPERATIONS

        settings = getattr(self.service, "settings", None)
        caps = settings.caps() if settings is not None and hasattr(settings, "caps") else {}
        _, day_start, day_end = local_day(self.wall_clock())
        per_vendor: dict[str, dict[str, Any]] = {}
        for vendor, pairs in self._answered_pairs(lead_ids, vendors).items():
            cached = 0 if recheck else sum(found for _, found in pairs)
            calls = len({key for key, found in pairs if recheck or not found})
            price = float(prices.get(vendor, 0.0)) if vendor in BILLED_OPERATIONS else 0.0
            entry: dict[str, Any] = {"calls": calls, "cached": cached, "cost": round(calls * price, 6)}
            cap = float(caps.get(vendor, 0.0))
            if cap > 0 and price > 0:
                spent = stored_spend(self.service.store, vendor, day_start, day_end)
                entry |= {"cap": cap, "spent_today": spent, "pauses": round(spent + entry["cost"], 6) > round(cap, 6)}
            per_vendor[vendor] = entry
        total = round(sum(v["cost"] for v in per_vendor.values()), 6)
        return {"total_cost": total, "vendors": per_vendor}

    async def plan_in_slices(
        self,
        lead_ids: Sequence[int],
        vendors: Sequence[str],
        *,
        slice_size: int = PLAN_SLICE,
        with_answered: bool = False,
    ) -> tuple[BatchPlan, list[tuple[int, str, str]]]:
        """:meth:`plan`, ``slice_size`` leads at a time with a loop turn between slices, so planning a batch of
        30,000 leads never holds the window; ``with_answered`` also counts what is already answered
        (:meth:`answered`, in the plan's ``answered``)."""
        unique = list(dict.fromkeys(lead_ids))
        items: list[tuple[int, str, str]] = []
        counts = dict.fromkeys(vendors, 0)
        skipped = dict.fromkeys(vendors, 0)
        answered = dict.fromkeys(vendors, 0)
        for start in range(0, len(unique), max(1, slice_size)):
            part, part_items = self.plan(unique[start : start + slice_size], vendors)
            items.extend(part_items)
            part_answered = self.answered(unique[start : start + slice_size], vendors) if with_answered else {}
            for vendor in vendors:
                counts[vendor] += part.items[vendor]
                skipped[vendor] += part.skipped[vendor]
                answered[vendor] += part_answered.get(vendor, 0)
            await asyncio.sleep(0)
        return BatchPlan(None, counts, skipped, len(unique), answered if with_answered else {}), items

    def create(
        self,
        lead_ids: Sequence[int],
        vendors: Sequence[str],
        *,
        name: str,
        recheck: bool = False,
        import_id: int | None = None,
    ) -> BatchPlan:
        """Store a new batch (every pair pending) and return its plan with the new ``batch_id``."""
        plan, items = self.plan(lead_ids, vendors)
        batch_id = self.batches.create_batch(name, vendors, items, recheck=recheck, import_id=import_id)
        return BatchPlan(batch_id, plan.items, plan.skipped, plan.leads)

    def resumable(self) -> list[BatchInfo]:
        """Batches a crash, a stop or a pause left unfinished (newest first): what the window offers to resume."""
        return self.batches.resumable()

    def run(
        self,
        batch_id: int,
        *,
        concurrency: int | Mapping[str, int] | None = None,
        retry_failed: bool = False,
        on_event: EventCallback | None = None,
        writer_thread: bool = False,
    ) -> BatchRun:
        """A :class:`BatchRun` for ``batch_id`` (new or unfinished); ``await run.run()`` to run it.

        ``writer_thread``: store each item's state and result from a thread of the run's own, on a connection of
        its own, instead of on the loop (the window's thread: a commit that waits on the disk never holds it)."""
        return BatchRun(
            self,
            batch_id,
            concurrency=concurrency,
            retry_failed=retry_failed,
            on_event=on_event,
            writer_thread=writer_thread,
        )


def lead_ids_for(batches: BatchStore, batch_id: int) -> list[int]:
    """The distinct leads of a batch, in item order."""
    return batches.batch_lead_ids(batch_id)
