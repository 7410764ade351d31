"""Batch checks: one lane per vendor, results stored as they arrive, resumable after a crash. No Qt here.

The window and the CLI use :class:`BatchRunner` (create a batch over leads, list resumable batches) and
:class:`BatchRun` (``await run.run()``; ``pause()``, ``resume()``, ``cancel()``; progress through
``on_event`` callbacks or ``async for event in run.events()``).
"""

from desktop_app.jobs.events import (
    BatchEvent,
    BatchProgress,
    EventKind,
    ItemOutcome,
    RunState,
    VendorProgress,
)
from desktop_app.jobs.runner import BatchNotFound, BatchPlan, BatchRun, BatchRunner
from desktop_app.jobs.vendor_jobs import JOBS, CachePolicy, parse_vendors
from desktop_app.vendors.registry import BATCH_VENDORS

__all__ = [
    "BATCH_VENDORS",
    "JOBS",
    "BatchEvent",
    "BatchNotFound",
    "BatchPlan",
    "BatchProgress",
    "BatchRun",
    "BatchRunner",
    "CachePolicy",
    "EventKind",
    "ItemOutcome",
    "RunState",
    "VendorProgress",
    "parse_vendors",
]
