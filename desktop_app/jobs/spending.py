"""Daily spending caps per vendor (the ``cap.<vendor>`` settings): may the next billed call still be made today?

A :class:`DailySpend` holds one vendor's cap, the price of one call, what its stored checks cost today (read from
the store's ``checks.cost`` when it is first asked and again when the day changes; see
:func:`desktop_app.store.spending.spent`), what the calls stored since have cost, and what the calls in flight will
cost if they complete. :meth:`DailySpend.reserve` is asked right before a call is sent and refuses when the call's
price would take the day past the cap, counting the calls in flight: so a batch never starts the call that would
overspend, however many run at once. "Today" is the buyer's local day, on an injected wall clock.

A cap of 0 (the default) or a price of 0 means no cap. Spending by other seats or processes meanwhile (team mode:
every seat's batches spend the same vendor account) is read again every :data:`REREAD_S` seconds, not call by
call (reading the day's costs before every call would cost a query per call): seats running at once can pass the
cap by at most what they spend in that time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from desktop_app.vendors.registry import VENDOR_LABELS

Clock = Callable[[], float]
REREAD_S = 30.0  # how often today's stored costs are read again (other seats' and processes' spending)


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def local_day(moment: float) -> tuple[date, datetime, datetime]:
    """The local day of ``moment`` (seconds since the epoch) and its start and end as aware datetimes."""
    day = datetime.fromtimestamp(moment).date()
    start = datetime(day.year, day.month, day.day).astimezone()
    nxt = day + timedelta(days=1)
    return day, start, datetime(nxt.year, nxt.month, nxt.day).astimezone()


def cap_words(vendor: str, cap: float, spent: float) -> str:
    """ "TrustedForm's daily cap of $50.00 is reached ($49.80 spent today); resume tomorrow or raise the cap." """
    label = VENDOR_LABELS.get(vendor, vendor)
    return (
        f"{label}'s daily cap of {money(cap)} is reached ({money(spent)} spent today); resume tomorrow or raise "
        "the cap."
    )


def cap_estimate_words(vendor: str, cap: float, spent: float, cost: float) -> str:
    """What a batch's estimate says when its calls to ``vendor`` (``cost`` in all) would pass the daily cap:
    "TrustedForm's daily cap of $50.00 leaves $12.40 today: this batch's $30.00 of TrustedForm calls will pause at
    the cap and go on tomorrow, or when the cap is raised (Settings → Costs)." """
    label = VENDOR_LABELS.get(vendor, vendor)
    left = max(0.0, cap - spent)
    return (
        f"{label}'s daily cap of {money(cap)} leaves {money(left)} today: this batch's {money(cost)} of {label} "
        "calls will pause at the cap and go on tomorrow, or when the cap is raised (Settings → Costs)."
    )


def cap_pauses(estimate: Mapping[str, Any], vendors: Iterable[str] | None = None) -> list[str]:
    """:func:`cap_estimate_words` for each vendor of ``estimate`` (a :meth:`~desktop_app.jobs.BatchRunner.estimate`;
    only ``vendors``, when given) whose daily cap the batch would reach: what the Check leads dialog and ``scrub
    --estimate`` say."""
    entries = estimate["vendors"]
    return [
        cap_estimate_words(vendor, float(entry["cap"]), float(entry["spent_today"]), float(entry["cost"]))
        for vendor in (entries if vendors is None else vendors)
        if (entry := entries.get(vendor)) is not None and entry.get("pauses")
    ]


def stored_spend(store: Any, vendor: str, start: datetime, end: datetime) -> float:
    """What ``vendor``'s checks stored in ``store`` that finished in [start, end) cost."""
    from desktop_app.store import spending
    from desktop_app.store.errors import store_errors

    with store_errors("read today's costs"):
        return spending.spent(store.db.conn, vendor, start, end)


@dataclass
class DailySpend:
    """One vendor's spending today against its cap (see the module doc). Not thread-safe: use it on the loop."""

    vendor: str
    cap: float
    price: float
    read_spent: Callable[[datetime, datetime], float]  # (day start, day end) -> what stored checks cost
    clock: Clock = time.time
    day: date | None = None
    stored: float = 0.0  # today's stored costs when last read
    read_at: float = 0.0  # when they were read (the clock's seconds)
    reread_s: float = REREAD_S
    added: float = 0.0  # costs of the calls released (stored) since
    reserved: float = 0.0  # the price of each call in flight

    @property
    def active(self) -> bool:
        return self.cap > 0 and self.price > 0

    @property
    def spent(self) -> float:
        """What today's stored calls cost (the calls in flight not included)."""
        self._roll()
        return round(self.stored + self.added, 6)

    def reserve(self) -> bool:
        """True (and the call's price counted as in flight) when one more call fits under today's cap."""
        if not self.active:
            return True
        self._roll()
        if round(self.stored + self.added + self.reserved + self.price, 6) > round(self.cap, 6):
            return False
        self.reserved += self.price
        return True

    def release(self, cost: float) -> None:
        """A reserved call ended: it was stored costing ``cost`` (0 when it failed or was never sent)."""
        if not self.active:
            return
        self.reserved = max(0.0, round(self.reserved - self.price, 6))
        self.added += cost

    def words(self, *, in_flight: bool = False) -> str:
        """Why no more calls are made today, in the buyer's words (``in_flight``: count calls not yet stored)."""
        return cap_words(self.vendor, self.cap, self.spent + (self.reserved if in_flight else 0.0))

    def _roll(self) -> None:
        now = self.clock()
        day, start, end = local_day(now)
        if day != self.day or now - self.read_at >= self.reread_s:
            # what is stored now includes the calls this run stored since the last read (released: ``added``)
            self.day, self.stored, self.added, self.read_at = day, self.read_spent(start, end), 0.0, now
