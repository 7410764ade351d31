"""What a running batch reports: progress snapshots, per-item outcomes and state changes. Plain data, no Qt.

A :class:`BatchEvent` is delivered to ``on_event`` callbacks and to every :meth:`BatchRun.events` iterator.
Kinds, in the order they can occur::

    started → item* (cached items first, then calls as they finish) ↔ paused / resumed
            → lane_stopped (a vendor refused the account: its remaining items stay pending)
            → lane_stopped (a vendor's daily cap is reached: its remaining items stay pending)
            → finished (always last; ``progress.state`` says done, cancelled, stopped, capped or interrupted)
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from desktop_app.vendors.results import CheckResult


def format_duration(seconds: float | None) -> str:
    """``1:05`` / ``1:02:03``; ``--:--`` when unknown (an ETA in the batch panel and the CLI's progress line)."""
    if seconds is None:
        return "--:--"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class EventKind(StrEnum):
    STARTED = "started"
    ITEM = "item"
    PAUSED = "paused"
    RESUMED = "resumed"
    LANE_STOPPED = "lane_stopped"
    FINISHED = "finished"


class RunState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLING = "cancelling"
    DONE = "done"  # every item completed (some may have failed)
    CANCELLED = "cancelled"
    STOPPED = "stopped"  # a lane stopped on an account problem; resumable once it is fixed
    CAPPED = "capped"  # a lane reached its vendor's daily cap: the batch is stored paused; resumable tomorrow
    INTERRUPTED = "interrupted"  # the run itself was cancelled or crashed; resumable


@dataclass(frozen=True)
class VendorProgress:
    """One lane's counts. ``remaining`` = pending + in flight."""

    vendor: str
    total: int
    done: int
    failed: int
    cached: int
    in_flight: int
    rate: float  # completed calls per second, recent
    stopped: str | None = None  # why the lane stopped early
    capped: bool = False  # it stopped at its vendor's daily cap

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed - self.cached

    @property
    def eta_seconds(self) -> float | None:
        if self.remaining == 0:
            return 0.0
        if self.stopped or self.rate <= 0:
            return None
        return self.remaining / self.rate


@dataclass(frozen=True)
class BatchProgress:
    """A snapshot of the whole batch. ``eta_seconds`` is the slowest lane's (None until there is a rate)."""

    batch_id: int
    state: RunState
    vendors: Mapping[str, VendorProgress]
    elapsed: float
    stop_reason: str | None = None

    def _sum(self, name: str) -> int:
        return sum(int(getattr(v, name)) for v in self.vendors.values())

    @property
    def total(self) -> int:
        return self._sum("total")

    @property
    def done(self) -> int:
        return self._sum("done")

    @property
    def failed(self) -> int:
        return self._sum("failed")

    @property
    def cached(self) -> int:
        return self._sum("cached")

    @property
    def in_flight(self) -> int:
        return self._sum("in_flight")

    @property
    def remaining(self) -> int:
        return self._sum("remaining")

    @property
    def completed(self) -> int:
        return self.done + self.failed + self.cached

    @property
    def rate(self) -> float:
        return sum(v.rate for v in self.vendors.values())

    @property
    def eta_seconds(self) -> float | None:
        etas = [v.eta_seconds for v in self.vendors.values() if v.remaining and not v.stopped]
        if not etas:
            return 0.0 if self.remaining == 0 or self.stop_reason else None
        if any(e is None for e in etas):
            return None
        return max(e for e in etas if e is not None)

    @property
    def fraction(self) -> float:
        return self.completed / self.total if self.total else 1.0

    def to_dict(self) -> dict[str, object]:
        return {
            "batch_id": self.batch_id,
            "state": self.state.value,
            "total": self.total,
            "done": self.done,
            "failed": self.failed,
            "cached": self.cached,
            "remaining": self.remaining,
            "rate": round(self.rate, 2),
            "eta_seconds": None if self.eta_seconds is None else round(self.eta_seconds, 1),
            "elapsed": round(self.elapsed, 2),
            "stop_reason": self.stop_reason,
        }


@dataclass(frozen=True)
class ItemOutcome:
    """How one lead × vendor pair ended. ``result`` is set for calls made in this run (None when cached or
    refused locally); ``flag`` is the answer's flag value (green/yellow/red) or None."""

    item_id: int
    lead_id: int
    vendor: str
    subject: str
    state: str  # done | failed | cached
    check_id: int | None
    flag: str | None
    message: str = ""
    result: CheckResult | None = None


@dataclass(frozen=True)
class BatchEvent:
    kind: EventKind
    progress: BatchProgress
    item: ItemOutcome | None = None
    message: str = ""


EventCallback = Callable[[BatchEvent], None]


@dataclass
class RateMeter:
    """Completions per second over the last ``window`` seconds (injectable clock)."""

    clock: Callable[[], float] = time.monotonic
    window: float = 20.0
    _stamps: deque[float] = field(default_factory=deque)
    _started: float | None = None

    def start(self) -> None:
        if self._started is None:
            self._started = self.clock()

    def tick(self) -> None:
        self._stamps.append(self.clock())

    def rate(self) -> float:
        now = self.clock()
        while self._stamps and self._stamps[0] < now - self.window:
            self._stamps.popleft()
        if not self._stamps or self._started is None:
            return 0.0
        span = min(self.window, now - self._started)
        return len(self._stamps) / span if span > 0 else 0.0
