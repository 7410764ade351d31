"""The window's side of a batch: create, run, pause, resume, cancel, resume after a crash, over desktop_app.jobs.

:class:`BatchController` owns one :class:`~desktop_app.jobs.BatchRunner` and at most one running
:class:`~desktop_app.jobs.BatchRun`. The runner calls back for every result; the controller only notes the
newest progress there (O(1) per result) and hands it to the window on timers, so a 10,000-lead batch never
makes the window repaint per result:

* ``progress`` at most every :data:`PROGRESS_INTERVAL_MS` (the batch panel's counts and bar);
* ``results_changed`` at most every :data:`REFRESH_INTERVAL_MS` while results arrive (the lead table
  re-reads its visible rows: new flags appear as they come in).

Creating a batch over many leads is planned in chunks of :data:`PLAN_CHUNK` leads with a loop turn between
them, so the window keeps painting while a large batch is set up. Storing a new batch of more than
:data:`CREATE_ON_LOOP_ITEMS` items, a single ~200 ms transaction for 30,000 items, is written from a worker
thread on a connection of its own while the loop waits for it (SQLite's lock serialises it with any other
write). The run itself commits item states and results on its writer thread (``writer_thread=True``, see
:mod:`desktop_app.jobs.runner`), each awaited in turn, so a commit that waits on the disk never holds the
window.

While a batch runs the objects that existed before it are frozen (:func:`gc.freeze`): the window's collector
(:mod:`desktop_app.ui.runtime.gc_guard`) runs full collections on the GUI thread, and rescanning the whole app in
them took up to ~90 ms each; frozen, a full collection scans only what the batch allocated.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.jobs import BATCH_VENDORS, BatchEvent, BatchPlan, BatchProgress, BatchRun, BatchRunner, EventKind
from desktop_app.jobs.events import ItemOutcome
from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.store.batches import BatchInfo, BatchStore
from desktop_app.vendors.errors import LeadcheckError, MissingCredentials
from desktop_app.vendors.registry import vendor as vendor_facts

PROGRESS_INTERVAL_MS = 250
REFRESH_INTERVAL_MS = 700  # not a multiple of the progress interval: the two paints rarely share a turn
PLAN_CHUNK = 500
CREATE_ON_LOOP_ITEMS = 2000
KEPT_FAILURES = 200
MAX_WINDOW_CONCURRENCY = 32  # the most parallel calls the batch panel offers for one vendor
CONCURRENCY_LIMITS = {v: min(MAX_WINDOW_CONCURRENCY, vendor_facts(v).max_concurrency) for v in BATCH_VENDORS}
# Imported by httpx on the app's first connection (anyio's backend, ~100 ms of module loading): loaded on a
# worker thread before a batch starts, so that time is not a stall of the window.
WARM_MODULES = (
    "anyio._backends._asyncio",
    "anyio.streams.tls",
    "anyio.streams.memory",
    "anyio.streams.stapled",
    "anyio.to_thread",
    "anyio.lowlevel",
    "sniffio",
)


def _create_batch_on_own_connection(
    database: Location,
    name: str,
    vendors: Sequence[str],
    items: Sequence[tuple[int, str, str]],
    recheck: bool,
    import_id: int | None,
) -> int:
    """Worker thread: store a new batch through a Store of its own (SQLite serialises it with the loop's writes)."""
    with Store(database) as store:
        return BatchStore(store).create_batch(name, vendors, items, recheck=recheck, import_id=import_id)


class _ReaderService:
    """What :class:`BatchRunner` reads from a service to estimate: a store and the settings (the cache policy)."""

    def __init__(self, store: Store, settings: Any) -> None:
        self.store, self.settings = store, settings


def _estimate_on_own_connection(
    database: Location, settings: Any, lead_ids: list[int], vendors: tuple[str, ...], prices: Mapping[str, float]
) -> dict[bool, Any]:
    """Worker thread: both estimates (without and with re-checking) through a Store of its own."""
    with Store(database) as reader:
        runner = BatchRunner(_ReaderService(reader, settings))
        return {recheck: runner.estimate(lead_ids, vendors, prices, recheck=recheck) for recheck in (False, True)}


def warm_imports(names: Sequence[str] = WARM_MODULES) -> int:
    """Import ``names`` (on a worker thread); returns how many loaded. Missing ones are skipped."""
    loaded = 0
    for name in names:
        try:
            importlib.import_module(name)
            loaded += 1
        except ImportError:
            continue
    return loaded


class BatchBusy(LeadcheckError):
    """A batch is already running in this window (one at a time)."""


class BatchController(QObject):
    """Starts and watches batches for the window.

    Signals:
        started(int): a run of batch ``id`` began (new or resumed).
        progress(object): the newest :class:`~desktop_app.jobs.BatchProgress`, throttled.
        state_changed(str): the run's :class:`~desktop_app.jobs.RunState` value changed (paused, running...).
        results_changed(): results were stored since the last emission (refresh the lead table), throttled.
        notice(str): something the buyer should read now (a vendor lane stopped, items sent again).
        finished(object): the run ended; the final BatchProgress (None when it could not start).
        failed(str): the run could not start or died (missing keys, database error); the message says why.
    """

    started = Signal(int)
    progress = Signal(object)
    state_changed = Signal(str)
    results_changed = Signal()
    notice = Signal(str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        service: Any,
        parent: QObject | None = None,
        *,
        runner: BatchRunner | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.settings = getattr(service, "settings", None)
        self.runner = runner or BatchRunner(service, clock=clock)
        self.run: BatchRun | None = None
        self.batch_id: int | None = None
        self.last_progress: BatchProgress | None = None
        self.failures: deque[ItemOutcome] = deque(maxlen=KEPT_FAILURES)
        self.results_seen = 0
        self._dirty = False
        self._progress_dirty = False
        self._progress_timer = QTimer(self)
        self._progress_timer.setInterval(PROGRESS_INTERVAL_MS)
        self._progress_timer.timeout.connect(self._flush_progress)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self._refresh_timer.timeout.connect(self._flush_results)

    # -- state ----------------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.run is not None

    def resumable(self) -> list[BatchInfo]:
        """Unfinished batches (a crash, a stop or a pause left them), newest first."""
        return self.runner.resumable()

    def batch_info(self, batch_id: int) -> BatchInfo | None:
        return self.runner.batches.batch(batch_id)

    def default_concurrency(self, vendor: str) -> int:
        """The vendor's parallel calls from Settings (``concurrency.<vendor>``)."""
        try:
            value = int(self.settings.get(f"concurrency.{vendor}")) if self.settings is not None else 4
        except (KeyError, TypeError, ValueError):
            value = 4
        return max(1, min(value, CONCURRENCY_LIMITS.get(vendor, 32)))

    def save_concurrency(self, concurrency: Mapping[str, int]) -> None:
        """Remember the buyer's per-vendor concurrency for the next batch (and ``leadcheck scrub``)."""
        if self.settings is None:
            return
        for vendor, value in concurrency.items():
            try:
                if int(self.settings.get(f"concurrency.{vendor}")) != value:
                    self.settings.set(f"concurrency.{vendor}", int(value))
            except (KeyError, TypeError, ValueError):
                continue

    # -- planning and creating ------------------------------------------------------------------------------

    async def plan(
        self, lead_ids: Sequence[int], vendors: Sequence[str] = BATCH_VENDORS, *, with_answered: bool = False
    ) -> tuple[BatchPlan, list[tuple[int, str, str]]]:
        """What a batch over ``lead_ids`` would check, planned :data:`PLAN_CHUNK` leads per loop turn (and, with
        ``with_answered``, how much of it is already answered)."""
        return await self.runner.plan_in_slices(lead_ids, vendors, slice_size=PLAN_CHUNK, with_answered=with_answered)

    async def estimate(self, lead_ids: Sequence[int], vendors: Sequence[str] = BATCH_VENDORS) -> dict[bool, Any]:
        """:meth:`BatchRunner.estimate` for ``lead_ids`` with and without re-checking (keyed by ``recheck``), at
        today's prices, on a worker thread with a Store of its own (WAL lets it read while a batch writes)."""
        prices = self.settings.prices() if self.settings is not None else {}
        database, settings, ids = self.runner.batches.store.location, self.settings, list(lead_ids)
        return await asyncio.to_thread(_estimate_on_own_connection, database, settings, ids, tuple(vendors), prices)

    async def create(
        self,
        lead_ids: Sequence[int],
        vendors: Sequence[str],
        *,
        name: str,
        recheck: bool = False,
        import_id: int | None = None,
    ) -> BatchPlan:
        """Store a new batch over ``lead_ids`` (every pair pending); returns its plan with the batch id."""
        plan, items = await self.plan(lead_ids, vendors)
        store = self.runner.batches.store
        if len(items) > CREATE_ON_LOOP_ITEMS and getattr(store, "location", None):
            # One transaction of 30,000 rows takes ~200 ms: written from a worker thread on a connection of
            # its own while this coroutine (the loop's writer) waits, so the window keeps painting.
            batch_id = await asyncio.to_thread(
                _create_batch_on_own_connection, store.location, name, vendors, items, recheck, import_id
            )
        else:
            batch_id = self.runner.batches.create_batch(name, vendors, items, recheck=recheck, import_id=import_id)
        return BatchPlan(batch_id, plan.items, plan.skipped, plan.leads)

    # -- running --------------------------------------------------------------------------------------------

    async def start(
        self,
        lead_ids: Sequence[int],
        vendors: Sequence[str],
        *,
        name: str,
        recheck: bool = False,
        concurrency: Mapping[str, int] | None = None,
        import_id: int | None = None,
    ) -> BatchProgress | None:
        """Create a batch and run it to the end (or a pause-then-cancel, a stop); None when it could not run."""
        if self.busy:
            raise BatchBusy("A batch is already running; wait for it, or cancel it first.")
        try:
            plan = await self.create(lead_ids, vendors, name=name, recheck=recheck, import_id=import_id)
        except LeadcheckError as exc:
            self.failed.emit(str(exc))
            self.finished.emit(None)
            return None
        assert plan.batch_id is not None
        if not plan.total:
            self.failed.emit("None of these leads has the data the chosen vendors need; nothing was sent.")
            self.runner.batches.set_status(plan.batch_id, "done")
            self.finished.emit(None)
            return None
        return await self.run_batch(plan.batch_id, concurrency=concurrency)

    async def run_batch(
        self,
        batch_id: int,
        *,
        concurrency: Mapping[str, int] | int | None = None,
        retry_failed: bool = False,
    ) -> BatchProgress | None:
        """Run (or resume) batch ``batch_id`` until it ends; returns the final progress, None when it could not
        start (``failed`` says why). Cancelling the awaiting task leaves the batch resumable."""
        if self.busy:
            raise BatchBusy("A batch is already running; wait for it, or cancel it first.")
        run = self.runner.run(
            batch_id,
            concurrency=concurrency,
            retry_failed=retry_failed,
            on_event=self._on_event,
            writer_thread=True,  # item commits off the window's thread
        )
        self.run, self.batch_id = run, batch_id
        self.failures.clear()
        self.results_seen = 0
        self.last_progress = None
        self._progress_timer.start()
        self._refresh_timer.start()
        final: BatchProgress | None = None
        gc.freeze()  # the app's objects are not rescanned by every full collection while results pour in
        try:
            await asyncio.to_thread(warm_imports)
            final = await run.run()
        except MissingCredentials as exc:  # its message names the keys and the Settings page
            self.failed.emit(str(exc))
        except LeadcheckError as exc:
            self.failed.emit(str(exc))
        finally:
            gc.unfreeze()
            self._progress_timer.stop()
            self._refresh_timer.stop()
            self.run = None
            self._flush_results()
            self._progress_dirty = True
            self._flush_progress()
            self.finished.emit(final)
        return final

    def pause(self) -> None:
        if self.run is not None:
            self.run.pause()

    def resume(self) -> None:
        if self.run is not None:
            self.run.resume()

    def cancel(self) -> None:
        """Stop taking new items; the run ends once the calls in flight are stored (the batch stays resumable)."""
        if self.run is not None:
            self.run.cancel()
            self.state_changed.emit(self.run.state.value)

    # -- events (called by the runner for every result: keep these O(1)) -----------------------------------

    def _on_event(self, event: BatchEvent) -> None:
        self.last_progress = event.progress
        self._progress_dirty = True
        kind = event.kind
        if kind is EventKind.ITEM:
            self.results_seen += 1
            self._dirty = True
            if event.item is not None and event.item.state == "failed":
                self.failures.append(event.item)
            return
        if kind is EventKind.STARTED:
            self.started.emit(event.progress.batch_id)
            if event.message:
                self.notice.emit(event.message)
            self._flush_progress()
        elif kind in (EventKind.PAUSED, EventKind.RESUMED):
            self.state_changed.emit(event.progress.state.value)
            self._flush_progress()
        elif kind is EventKind.LANE_STOPPED:
            self.notice.emit(event.message)
        elif kind is EventKind.FINISHED:
            self.state_changed.emit(event.progress.state.value)

    def _flush_progress(self) -> None:
        if self._progress_dirty and self.last_progress is not None:
            self._progress_dirty = False
            self.progress.emit(self.last_progress)

    def _flush_results(self) -> None:
        if self._dirty:
            self._dirty = False
            self.results_changed.emit()
