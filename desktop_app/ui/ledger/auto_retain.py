"""Retaining due TrustedForm certificates automatically while the window is open (the ``auto_retain`` setting).

:class:`AutoRetainer` belongs to the main window, so it keeps working whether the Deadlines window is open or not.
Once started (the Deadlines window asks the buyer first, showing how many certificates are due and what they cost at
the set price; the choice is saved in Settings, so later starts do not ask again) it makes a round at once and then
one every :data:`INTERVAL_MS` on a QTimer. A round reads the due certificates off the GUI thread, and retains at
most :data:`ROUND_LIMIT` of them one after another on the asyncio loop (the window never waits), each through the
same path as "Retain now" (:func:`desktop_app.jobs.recheck.recheck_lead`: the lead's own email and phone matched,
stored, costed). Each automatic call is also an ``auto_retain`` entry in the evidence log that says it was automatic
and names the check. Only certificates not yet past their deadline are retained (a lapsed one cannot be); one that
failed is not tried again until the next start; TrustedForm's daily cap (``cap.trustedform``) is respected as a
batch respects it.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop_app.jobs.recheck import recheck_lead, recheck_plan
from desktop_app.jobs.spending import DailySpend, money, stored_spend
from desktop_app.ui.ledger import read_off_thread
from desktop_app.ui.runtime import spawn
from desktop_app.vendors.errors import LeadcheckError

INTERVAL_MS = 10 * 60 * 1000  # deadlines are days away: every ten minutes is plenty
ROUND_LIMIT = 50  # certificates retained per round at most (the next round takes the rest)
VENDOR = "trustedform"
SETTING = "auto_retain"


def due_for_auto(items: list[Any], tried: set[str]) -> list[Any]:
    """The due items an automatic round retains: TrustedForm certificates not yet retained and not yet lapsed, one
    per certificate, not tried (and failed) before."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item.vendor != VENDOR or item.kind != "retain" or item.hours_left < 0 or item.subject in tried:
            continue
        if item.subject not in seen:
            seen.add(item.subject)
            out.append(item)
    return out


class AutoRetainer(QObject):
    """Retains due TrustedForm certificates on a timer while started (see the module doc).

    ``clock`` returns the current time (tests pass their own); ``interval_ms`` the time between rounds.

    Signals:
        round_done(int): a round ended; how many certificates it retained.
        status_changed(str): what the last round did, in words.
    """

    round_done = Signal(int)
    status_changed = Signal(str)

    def __init__(
        self,
        service: Any,
        parent: QObject | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        interval_ms: int = INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.clock = clock or (lambda: datetime.now(UTC))
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timeout)
        self.tried: set[str] = set()  # certificates whose automatic retain failed: not retried until next start
        self.status = ""
        self._round: asyncio.Future[int] | None = None

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def start(self) -> None:
        """Retain due certificates now and every interval from now on (the buyer agreed already)."""
        if not self.active:
            self.timer.start()
            self._on_timeout()

    def stop(self) -> None:
        """No more rounds; a retain in flight finishes and is stored."""
        self.timer.stop()
        self._say("Automatic retaining is off.")

    async def due(self) -> list[Any]:
        """The certificates a round would retain now (read off the GUI thread)."""
        now = self.clock()
        items = await read_off_thread(self.service.store, lambda s: s.deadlines(now))
        return due_for_auto(items, self.tried)

    async def run_round(self) -> int:
        """One round: retain what is due (at most ROUND_LIMIT); returns how many were retained. A round already
        running is not started twice (this waits for it instead)."""
        if self._round is not None and not self._round.done():
            return await asyncio.shield(self._round)
        self._round = asyncio.ensure_future(self._retain_due())
        return await self._round

    async def _retain_due(self) -> int:
        try:
            items = (await self.due())[:ROUND_LIMIT]
        except LeadcheckError as exc:
            self._say(f"Automatic retaining could not read the deadlines: {exc}")
            return 0
        spend = self._daily_spend()
        retained = failed = 0
        stopped = ""
        for item in items:
            if not self.active:
                break
            if spend is not None and not spend.reserve():
                stopped = " " + spend.words()
                break
            cost = 0.0
            try:
                cost, ok = await self._retain_one(item)
            finally:
                if spend is not None:
                    spend.release(cost)
            retained, failed = retained + ok, failed + (not ok)
        at = self.clock().astimezone().strftime("%H:%M")
        words = f"Automatic retaining: {retained} retained" + (f", {failed} failed" if failed else "")
        if not self.active:  # turned off during the round: say so, with what the round did
            self._say("Automatic retaining is off" + (f" ({retained} retained before)." if retained else "."))
        elif items:
            self._say(f"{words} at {at}." + stopped)
        else:
            self._say(f"Automatic retaining: nothing was due at {at}.")
        self.round_done.emit(retained)
        return retained

    async def _retain_one(self, item: Any) -> tuple[float, bool]:
        """Retain one certificate for its lead through the re-check path and log that it was automatic; returns
        (what the stored call cost, whether it was retained)."""
        store = self.service.store
        lead = store.lead(item.lead_id)
        if lead is None or VENDOR not in recheck_plan(lead):
            self.tried.add(item.subject)
            return 0.0, False
        (outcome,) = await recheck_lead(self.service, lead, [VENDOR])
        stored = store.checks(vendor=VENDOR, lead_id=item.lead_id, operation="retain", limit=1)
        check = stored[0] if stored and outcome.result is not None else None
        result = outcome.result
        detail = {
            "automatic": True,
            "vendor": VENDOR,
            "operation": "retain",
            "lead_id": item.lead_id,
            "certificate": item.subject,
            "due_at": item.due_at,
            "check_id": check.id if check is not None else None,
            "flag": result.flag.value if result is not None and result.flag else None,
            "outcome": outcome.refused or (result.summary if result is not None else ""),
        }
        store.log_event("auto_retain", detail, ref=check.id if check is not None else None)
        if outcome.failed:
            self.tried.add(item.subject)
            return 0.0, False
        prices = self.service.settings.prices()
        return float(prices.get(VENDOR, 0.0)), True

    def _daily_spend(self) -> DailySpend | None:
        settings = self.service.settings
        spend = DailySpend(
            VENDOR,
            float(settings.caps().get(VENDOR, 0.0)),
            float(settings.prices().get(VENDOR, 0.0)),
            functools.partial(stored_spend, self.service.store, VENDOR),
            clock=lambda: self.clock().timestamp(),
        )
        return spend if spend.active else None

    def _say(self, text: str) -> None:
        self.status = text
        self.status_changed.emit(text)

    def _on_timeout(self) -> None:
        spawn(self.run_round())


def confirmation_text(count: int, price: float, cap: float, *, lapsed: int = 0) -> str:
    """What the Deadlines window asks before retaining automatically: how many are due and what they cost
    (``lapsed``: listed certificates past their deadline, which cannot be retained any more)."""
    plural = "s" if count != 1 else ""
    if price > 0:
        them = "them" if count != 1 else "it"
        cost = f"Retaining {them} costs {money(count * price)} at {money(price)} each (Settings → Costs)."
    else:
        cost = "Settings → Costs has no price for TrustedForm, so Leadcheck cannot say what TrustedForm will bill."
    past = (
        f" {lapsed} more listed {'are' if lapsed != 1 else 'is'} past {'their' if lapsed != 1 else 'its'} deadline "
        "and cannot be retained."
        if lapsed
        else ""
    )
    capped = f" TrustedForm's daily cap of {money(cap)} still applies." if cap > 0 and price > 0 else ""
    return (
        f"{count} TrustedForm certificate{plural} {'are' if count != 1 else 'is'} due now. {cost}{past}\n\n"
        f"While Leadcheck is open it will look every {INTERVAL_MS // 60000} minutes and retain each certificate as it "
        f"becomes due, each a call TrustedForm bills.{capped} Every automatic retain is recorded in the evidence log "
        "as automatic.\n\nRetain due certificates automatically?"
    )
