"""The daily spending cap (``cap.<vendor>``): a batch pauses before the call that would pass it, counting today's
stored costs and the calls in flight, and continues once the cap is raised or the next day comes.

Time is a :class:`~tests.helpers.FakeTime` (the batch's wall clock and every stored check's ``finished_at``); a
gate holds the vendor's answers so the calls in flight can be counted. No sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desktop_app.jobs import BatchRunner, RunState
from desktop_app.jobs.spending import REREAD_S, DailySpend, cap_estimate_words, local_day
from desktop_app.store import Store
from desktop_app.store.batches import BatchStore
from desktop_app.vendors.errors import CallError, ErrorKind
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import FakeTime, let_the_loop_run, until

PRICE = 0.25
EARLIER_TODAY = 0.30  # a retain made by hand this morning


def stamp(time: FakeTime) -> str:
    return datetime.fromtimestamp(time.now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CapSettings:
    def __init__(self, cap: float, price: float = PRICE) -> None:
        self.cap, self.price = cap, price

    def get(self, key: str) -> Any:
        return 4 if key.startswith("concurrency.") else 30

    def credentials_for(self, vendor: str) -> dict[str, str]:
        return {}

    def prices(self) -> dict[str, float]:
        return {"trustedform": self.price}

    def caps(self) -> dict[str, float]:
        return {"trustedform": self.cap}


class Service:
    def __init__(self, store: Store, settings: CapSettings) -> None:
        self.store, self.settings = store, settings


class GatedRetains:
    """A TrustedForm client whose answers wait for ``gate``; each answer finishes at the fake time."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.gate = asyncio.Event()
        self.sent: list[str] = []
        self.in_flight = 0
        self.fail: set[str] = set()

    async def retain(self, cert_url: str, **kwargs: Any) -> CheckResult:
        self.sent.append(cert_url)
        self.in_flight += 1
        try:
            await self.gate.wait()
        finally:
            self.in_flight -= 1
        at = stamp(self.time)
        if cert_url in self.fail:
            error = CallError(ErrorKind.VENDOR_DOWN, "TrustedForm is down.")
            return CheckResult("trustedform", "retain", cert_url, None, error.message, error=error, finished_at=at)
        return CheckResult("trustedform", "retain", cert_url, Flag.GREEN, "Retained.", started_at=at, finished_at=at)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "leads.db") as s:
        yield s


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


def six_leads(store: Store, time: FakeTime) -> list[int]:
    ids = [
        store.add_lead({"cert_url": f"https://cert.trustedform.com/{i:040d}", "email": f"u{i}@example.com"})
        for i in range(6)
    ]
    morning = CheckResult(
        "trustedform", "retain", "https://cert.trustedform.com/" + "f" * 40, Flag.GREEN, "Retained.",
        finished_at=stamp(time),
    )  # fmt: skip
    store.record_check(morning, cost=EARLIER_TODAY)
    return ids


async def run_until_held(runner: BatchRunner, batch_id: int, client: GatedRetains, calls: int) -> asyncio.Task[Any]:
    """Start a run of the batch with four workers; return once ``calls`` calls are in flight (held by the gate) and
    the loop has had every chance to start more."""
    task = asyncio.ensure_future(runner.run(batch_id, concurrency=4).run())
    await until(lambda: client.in_flight >= calls or task.done())
    await let_the_loop_run()
    return task


@pytest.mark.parametrize(("cap", "calls"), [(0.79, 1), (0.80, 2), (1.04, 2), (1.05, 3)])
async def test_the_cap_pauses_before_the_call_that_would_pass_it(
    store: Store, time: FakeTime, cap: float, calls: int
) -> None:
    six_leads(store, time)
    client = GatedRetains(time)
    runner = BatchRunner(Service(store, CapSettings(cap)), clients={"trustedform": client}, wall_clock=time.clock)
    plan = runner.create(store_ids(store), ["trustedform"], name="capped")
    assert plan.batch_id is not None
    task = await run_until_held(runner, plan.batch_id, client, calls)
    # four workers, yet only the calls that fit under the cap were started: those in flight count
    assert (len(client.sent), client.in_flight) == (calls, calls)
    client.gate.set()
    progress = await task
    spent = EARLIER_TODAY + calls * PRICE
    assert progress.state is RunState.CAPPED
    assert progress.stop_reason == (
        f"TrustedForm's daily cap of ${cap:.2f} is reached (${spent:.2f} spent today); resume tomorrow or raise the "
        "cap."
    )
    info = BatchStore(store).batch(plan.batch_id)
    assert info is not None and info.status == "paused" and info.stop_reason == progress.stop_reason
    assert (info.count("done"), info.count("pending"), info.count("in_flight")) == (calls, 6 - calls, 0)


def store_ids(store: Store) -> list[int]:
    return [int(r[0]) for r in store.db.execute("SELECT id FROM leads ORDER BY id").fetchall()]


async def test_raising_the_cap_continues_the_batch_the_same_day(store: Store, time: FakeTime) -> None:
    six_leads(store, time)
    client = GatedRetains(time)
    client.gate.set()
    settings = CapSettings(1.00)
    runner = BatchRunner(Service(store, settings), clients={"trustedform": client}, wall_clock=time.clock)
    plan = runner.create(store_ids(store), ["trustedform"], name="capped")
    assert plan.batch_id is not None
    assert (await runner.run(plan.batch_id).run()).state is RunState.CAPPED
    assert len(client.sent) == 2
    again = await runner.run(plan.batch_id).run()  # same day, same cap: nothing more is sent
    assert again.state is RunState.CAPPED and len(client.sent) == 2
    settings.cap = 2.00  # $0.80 spent: room for four more at $0.25
    final = await runner.run(plan.batch_id).run()
    assert final.state is RunState.DONE and final.stop_reason is None
    assert len(client.sent) == 6 and len(set(client.sent)) == 6  # each certificate retained once
    info = BatchStore(store).batch(plan.batch_id)
    assert info is not None and info.status == "done" and info.count("done") == 6


async def test_the_next_day_continues_with_a_fresh_allowance(store: Store, time: FakeTime) -> None:
    six_leads(store, time)
    client = GatedRetains(time)
    client.gate.set()
    runner = BatchRunner(Service(store, CapSettings(0.60)), clients={"trustedform": client}, wall_clock=time.clock)
    plan = runner.create(store_ids(store), ["trustedform"], name="capped")
    assert plan.batch_id is not None
    assert (await runner.run(plan.batch_id).run()).state is RunState.CAPPED
    assert len(client.sent) == 1  # $0.30 + $0.25 = $0.55; another would be $0.80
    time.now += 24 * 3600  # tomorrow: yesterday's $0.55 no longer counts
    second = await runner.run(plan.batch_id).run()
    assert second.state is RunState.CAPPED and len(client.sent) == 3  # $0.50 of $0.60
    time.now += 24 * 3600
    third = await runner.run(plan.batch_id).run()
    assert third.state is RunState.CAPPED and len(client.sent) == 5
    time.now += 24 * 3600
    assert (await runner.run(plan.batch_id).run()).state is RunState.DONE and len(client.sent) == 6


async def test_a_failed_call_costs_nothing_and_frees_its_place_under_the_cap(store: Store, time: FakeTime) -> None:
    six_leads(store, time)
    client = GatedRetains(time)
    first = f"https://cert.trustedform.com/{0:040d}"
    client.fail = {first}
    runner = BatchRunner(Service(store, CapSettings(0.80)), clients={"trustedform": client}, wall_clock=time.clock)
    plan = runner.create(store_ids(store), ["trustedform"], name="capped")
    assert plan.batch_id is not None
    task = await run_until_held(runner, plan.batch_id, client, 2)
    assert client.sent == [first, f"https://cert.trustedform.com/{1:040d}"]  # the other two workers wait for room
    client.gate.set()
    progress = await task
    assert progress.state is RunState.CAPPED
    assert (progress.failed, progress.done, len(client.sent)) == (1, 2, 3)  # the failure's place went to a third
    assert "($0.80 spent today)" in str(progress.stop_reason)


async def test_no_cap_or_no_price_never_pauses(store: Store, time: FakeTime) -> None:
    six_leads(store, time)
    client = GatedRetains(time)
    client.gate.set()
    for settings in (CapSettings(0.0), CapSettings(0.50, price=0.0)):
        runner = BatchRunner(Service(store, settings), clients={"trustedform": client}, wall_clock=time.clock)
        plan = runner.create(store_ids(store), ["trustedform"], name="uncapped", recheck=True)
        assert plan.batch_id is not None
        assert (await runner.run(plan.batch_id).run()).state is RunState.DONE
    assert len(client.sent) == 12


def test_today_is_the_local_day_and_its_spend_is_read_again_when_the_day_changes() -> None:
    time = FakeTime(start=datetime(2031, 3, 4, 12, 0).timestamp())  # local noon
    reads: list[tuple[datetime, datetime]] = []

    def read(start: datetime, end: datetime) -> float:
        reads.append((start, end))
        return 0.40

    spend = DailySpend("trustedform", 1.00, 0.25, read, clock=time.clock)
    assert spend.reserve() and spend.reserve() and not spend.reserve()  # 0.40 + 0.50; a third would be 1.15
    spend.release(0.25)
    spend.release(0.0)  # the second failed: its place is free again
    assert spend.spent == 0.65 and spend.reserve() and not spend.reserve()
    day, start, end = local_day(time.now)
    assert reads == [(start, end)] and start.hour == 0 and (end - start).days == 1 and day == start.date()
    time.now += 13 * 3600  # 01:00 the next day
    assert spend.reserve() and len(reads) == 2 and reads[1][0] == end


def test_what_other_seats_spend_meanwhile_is_read_again_every_30_seconds() -> None:
    """Team mode: every seat's batches spend the same account; today's stored costs are read again every
    REREAD_S seconds, so a seat stops once the others' spending has filled the cap."""
    time = FakeTime(start=datetime(2031, 3, 4, 12, 0).timestamp())
    stored = {"today": 0.0}
    spend = DailySpend("trustedform", 1.00, 0.25, lambda start, end: stored["today"], clock=time.clock)
    assert spend.reserve()
    spend.release(0.25)
    stored["today"] = 0.25 + 0.50  # this seat's stored call, and two another seat stored meanwhile
    assert spend.reserve()  # not read again yet: 0.25 + 0.25 fits
    spend.release(0.25)
    stored["today"] += 0.25
    time.now += REREAD_S
    assert spend.spent == 1.00  # read again: everything stored today, whichever seat stored it
    assert not spend.reserve()


@pytest.mark.parametrize(("cap", "pauses"), [(1.79, True), (1.80, False), (0.0, None)])
def test_the_estimate_says_when_a_batch_would_reach_the_cap(
    store: Store, time: FakeTime, cap: float, pauses: bool | None
) -> None:
    """Six retains at $0.25 after $0.30 spent this morning: $1.80 in all. The estimate carries the cap, today's
    spending and whether the batch would pause; with no cap, none of it. The words say what is left and how the
    batch goes on."""
    ids = six_leads(store, time)
    runner = BatchRunner(Service(store, CapSettings(cap)), wall_clock=time.clock)
    entry = runner.estimate(ids, ["trustedform"], {"trustedform": PRICE})["vendors"]["trustedform"]
    assert (entry["calls"], entry["cost"]) == (6, 1.5)
    if pauses is None:
        assert "cap" not in entry and "pauses" not in entry
        return
    assert (entry["cap"], entry["spent_today"], entry["pauses"]) == (cap, EARLIER_TODAY, pauses)
    time.now += 86_400  # tomorrow: this morning's spending no longer counts
    tomorrow = runner.estimate(ids, ["trustedform"], {"trustedform": PRICE})["vendors"]["trustedform"]
    assert (tomorrow["spent_today"], tomorrow["pauses"]) == (0.0, False)
    assert cap_estimate_words("trustedform", 1.79, EARLIER_TODAY, 1.5) == (
        "TrustedForm's daily cap of $1.79 leaves $1.49 today: this batch's $1.50 of TrustedForm calls will pause at "
        "the cap and go on tomorrow, or when the cap is raised (Settings → Costs)."
    )
