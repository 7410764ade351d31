"""The batch runner with fake vendor clients: lanes, concurrency, caching, pause/resume/cancel, stops, resume."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.jobs import BatchRunner, EventKind, RunState
from desktop_app.jobs.vendor_jobs import iso_days_ago
from desktop_app.store import Store
from desktop_app.store.backend import Location
from desktop_app.store.batches import BatchStore
from desktop_app.vendors.errors import CallError, ErrorKind, MissingCredentials
from desktop_app.vendors.http import Redactor
from desktop_app.vendors.results import CheckResult, Flag
from tests.helpers import let_the_loop_run, until

VENDORS = ["trustedform", "jornaya", "litigator", "contactstate"]


class FakeSettings:
    def __init__(self, values: dict[str, Any] | None = None, creds: bool = True) -> None:
        self.values = {"litigator_cache_days": 30, **(values or {})}
        self.creds = creds

    def get(self, key: str) -> Any:
        return self.values.get(key, 4)

    def credentials_for(self, vendor: str) -> dict[str, str]:
        return {}


class FakeService:
    def __init__(self, store: Store, settings: FakeSettings | None = None) -> None:
        self.store = store
        self.settings = settings or FakeSettings()

    def redactor(self) -> Redactor:
        return Redactor(["super-secret-key"])


class FakeClient:
    """Answers like a vendor client after ``delay`` seconds (or when ``gate`` opens), counting calls in flight."""

    def __init__(self, vendor: str, *, delay: float = 0.005, flag: Flag = Flag.GREEN) -> None:
        self.vendor = vendor
        self.delay = delay
        self.flag = flag
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: Counter[str] = Counter()
        self.gate: asyncio.Event | None = None
        self.error: ErrorKind | None = None
        self.details: dict[str, Any] = {}

    async def _answer(self, operation: str, subject: str) -> CheckResult:
        self.calls[subject] += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate.wait()
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        if self.error is not None:
            error = CallError(self.error, "The key was refused (super-secret-key).", hint="Open Settings.")
            return CheckResult(self.vendor, operation, subject, None, error.message, error=error)
        return CheckResult(self.vendor, operation, subject, self.flag, f"{self.flag.word} answer", dict(self.details))

    async def retain(self, cert_url: str, **kwargs: Any) -> CheckResult:
        return await self._answer("retain", cert_url)

    async def audit(self, token: str, **kwargs: Any) -> CheckResult:
        return await self._answer("audit", token)

    async def check_phone(self, phone: str) -> CheckResult:
        return await self._answer("check", phone)

    async def certificate(self, url: str) -> CheckResult:
        return await self._answer("cert", url)


@pytest.fixture
def store(database: Location) -> Iterator[Store]:
    with Store(database) as s:
        yield s


def add_leads(store: Store, n: int, start: int = 0) -> list[int]:
    ids = []
    for i in range(start, start + n):
        ids.append(
            store.add_lead(
                {
                    "phone": f"+1202555{i:04d}",
                    "email": f"u{i}@example.com",
                    "cert_url": f"https://cert.trustedform.com/{i:040d}",
                    "leadid": f"{i:08X}-1234-4234-8234-123456789012",
                    "cs_cert_url": f"https://cert.contactstate.com/certs/c{i}",
                }
            )
        )
    return ids


def fakes(**kwargs: Any) -> dict[str, FakeClient]:
    return {v: FakeClient(v, **kwargs) for v in VENDORS}


async def test_every_lead_is_checked_by_every_vendor_it_has_data_for(store: Store) -> None:
    ids = add_leads(store, 5)
    ids.append(store.add_lead({"phone": "+13035550100"}))  # litigator only (TrustedForm needs a certificate)
    clients = fakes()
    runner = BatchRunner(FakeService(store), clients=clients)
    plan = runner.create(ids, VENDORS, name="test")
    assert plan.items == {"trustedform": 5, "jornaya": 5, "litigator": 6, "contactstate": 5}
    assert plan.skipped == {"trustedform": 1, "jornaya": 1, "litigator": 0, "contactstate": 1}
    assert plan.batch_id is not None
    progress = await runner.run(plan.batch_id).run()
    assert progress.state is RunState.DONE
    assert (progress.done, progress.failed, progress.cached, progress.remaining) == (21, 0, 0, 0)
    assert sum(sum(c.calls.values()) for c in clients.values()) == 21
    checks = store.db.execute(
        "SELECT count(*), count(DISTINCT lead_id) FROM checks WHERE batch_id = ?", [plan.batch_id]
    )
    assert checks.fetchone() == (21, 6)
    lead = store.lead(ids[0])
    assert lead is not None and all(lead[f"flag_{v}"] == "green" for v in VENDORS)
    # secrets are scrubbed from what is stored, as for single checks
    assert not any("super-secret-key" in summary for (summary,) in store.db.execute("SELECT summary FROM checks"))


async def test_lanes_run_concurrently_each_within_its_own_concurrency(store: Store) -> None:
    ids = add_leads(store, 40)
    clients = fakes(delay=0.02)
    overall = {"now": 0, "max": 0}
    originals = {}
    for client in clients.values():
        originals[client.vendor] = client._answer

        async def counted(operation: str, subject: str, _orig: Any = client._answer) -> CheckResult:
            overall["now"] += 1
            overall["max"] = max(overall["max"], overall["now"])
            try:
                return await _orig(operation, subject)  # type: ignore[no-any-return]
            finally:
                overall["now"] -= 1

        client._answer = counted  # type: ignore[method-assign]
    runner = BatchRunner(FakeService(store), clients=clients)
    plan = runner.create(ids, VENDORS, name="test")
    assert plan.batch_id is not None
    limits = {"trustedform": 3, "jornaya": 5, "litigator": 7, "contactstate": 2}
    await runner.run(plan.batch_id, concurrency=limits).run()
    for vendor, limit in limits.items():
        assert clients[vendor].max_in_flight == limit, vendor
    assert overall["max"] == sum(limits.values())  # all four lanes were busy at once


async def test_concurrency_comes_from_settings_by_default(store: Store) -> None:
    ids = add_leads(store, 12)
    clients = fakes(delay=0.01)
    settings = FakeSettings({"concurrency.litigator": 6})
    runner = BatchRunner(FakeService(store, settings), clients=clients)
    plan = runner.create(ids, ["litigator"], name="t")
    assert plan.batch_id is not None
    await runner.run(plan.batch_id).run()
    assert clients["litigator"].max_in_flight == 6


async def test_answered_pairs_are_cached_not_sent_again_unless_rechecked(store: Store) -> None:
    ids = add_leads(store, 6)
    clients = fakes()
    runner = BatchRunner(FakeService(store), clients=clients)
    first = runner.create(ids, VENDORS, name="first").batch_id
    assert first is not None
    await runner.run(first).run()
    sent = {v: sum(c.calls.values()) for v, c in clients.items()}
    second = runner.create(ids, VENDORS, name="second").batch_id
    assert second is not None
    cached_events = []
    progress = await runner.run(second, on_event=lambda e: cached_events.append(e)).run()
    assert {v: sum(c.calls.values()) for v, c in clients.items()} == sent  # nothing re-sent
    assert progress.cached == 24 and progress.done == 0
    items = [e.item for e in cached_events if e.kind is EventKind.ITEM]
    assert all(i is not None and i.state == "cached" and i.flag == "green" for i in items)
    third = runner.create(ids, ["litigator"], name="recheck", recheck=True).batch_id
    assert third is not None
    progress = await runner.run(third).run()
    assert progress.done == 6 and progress.cached == 0
    assert all(n == 2 for n in clients["litigator"].calls.values())


async def test_litigator_answers_expire_and_contactstate_rereads_unscored_certificates(store: Store) -> None:
    ids = add_leads(store, 4)
    clients = fakes()
    clients["contactstate"].flag = Flag.YELLOW  # "claimed, not scored yet"
    runner = BatchRunner(FakeService(store), clients=clients)
    first = runner.create(ids, ["litigator", "contactstate"], name="first").batch_id
    assert first is not None
    await runner.run(first).run()
    old = iso_days_ago(31)
    store.db.execute(
        "UPDATE checks SET finished_at = ? WHERE vendor = 'litigator' AND subject = ?", [old, "+12025550000"]
    )
    clients["contactstate"].flag = Flag.GREEN
    second = runner.create(ids, ["litigator", "contactstate"], name="second").batch_id
    assert second is not None
    progress = await runner.run(second).run()
    assert clients["litigator"].calls["+12025550000"] == 2  # 31 days old: checked again
    assert clients["litigator"].calls["+12025550001"] == 1  # fresh: cached
    assert all(n == 2 for n in clients["contactstate"].calls.values())  # yellow is re-read
    assert progress.vendors["litigator"].cached == 3
    third = runner.create(ids, ["contactstate"], name="third").batch_id
    assert third is not None
    await runner.run(third).run()
    assert all(n == 2 for n in clients["contactstate"].calls.values())  # green is final: cached


async def test_same_subject_twice_in_a_batch_is_one_call(store: Store) -> None:
    a = store.add_lead({"phone": "+12025550100", "email": "a@example.com"})
    b = store.add_lead({"phone": "+12025550100", "email": "b@example.com"})
    clients = fakes(delay=0.02)
    runner = BatchRunner(FakeService(store), clients=clients)
    batch = runner.create([a, b], ["litigator"], name="dup").batch_id
    assert batch is not None
    progress = await runner.run(batch, concurrency=4).run()
    assert clients["litigator"].calls["+12025550100"] == 1
    assert (progress.done, progress.cached) == (1, 1)


async def test_pause_stops_new_calls_resume_continues_and_events_stream(store: Store) -> None:
    ids = add_leads(store, 30)
    clients = fakes(delay=0.01)
    runner = BatchRunner(FakeService(store), clients=clients)
    batch = runner.create(ids, ["litigator"], name="p").batch_id
    assert batch is not None
    run = runner.run(batch, concurrency=2)
    kinds: list[EventKind] = []

    async def watch() -> None:
        async for event in run.events():
            kinds.append(event.kind)

    watcher = asyncio.create_task(watch())
    task = asyncio.create_task(run.run())
    while run.progress.done < 5:
        await asyncio.sleep(0.005)
    run.pause()
    assert BatchStore(store).batch(batch).status == "paused"  # type: ignore[union-attr]
    await until(lambda: clients["litigator"].in_flight == 0)  # calls in flight finish
    calls = sum(clients["litigator"].calls.values())
    await let_the_loop_run()
    assert sum(clients["litigator"].calls.values()) == calls  # nothing new while paused
    assert run.progress.state is RunState.PAUSED and run.progress.remaining > 0
    run.resume()
    progress = await task
    await watcher
    assert progress.state is RunState.DONE and progress.done == 30
    assert kinds[0] is EventKind.STARTED and kinds[-1] is EventKind.FINISHED
    assert EventKind.PAUSED in kinds and EventKind.RESUMED in kinds


async def test_cancel_keeps_answers_and_a_later_run_finishes_without_repeating(store: Store) -> None:
    ids = add_leads(store, 20)
    clients = fakes(delay=0.01)
    runner = BatchRunner(FakeService(store), clients=clients)
    batch = runner.create(ids, ["litigator", "trustedform"], name="c").batch_id
    assert batch is not None
    run = runner.run(batch, concurrency=2)
    task = asyncio.create_task(run.run())
    while run.progress.done < 6:
        await asyncio.sleep(0.005)
    run.cancel()
    progress = await task
    assert progress.state is RunState.CANCELLED
    assert 0 < progress.remaining < 40
    info = BatchStore(store).batch(batch)
    assert info is not None and info.status == "cancelled" and info.count("in_flight") == 0
    assert runner.resumable() == []  # a cancelled batch is not offered automatically...
    progress = await runner.run(batch).run()  # ...but can be resumed by id
    assert progress.state is RunState.DONE and progress.done == 40
    for client in clients.values():
        assert all(n == 1 for n in client.calls.values())


async def test_a_resume_sends_as_many_calls_at_once_as_the_batch_last_ran_with_unless_told(store: Store) -> None:
    """Settings say 6 parallel litigator calls, the batch ran at 3 and was stopped: resuming it without a
    concurrency sends 3 at once, not 6. A concurrency given to a resume wins and is what the next resume reuses."""
    ids = add_leads(store, 30)
    clients = fakes(delay=0)
    litigator = clients["litigator"]
    litigator.gate = gate = asyncio.Event()
    runner = BatchRunner(FakeService(store, FakeSettings({"concurrency.litigator": 6})), clients=clients)
    batch = runner.create(ids, ["litigator"], name="resume").batch_id
    assert batch is not None

    async def calls_at_once(concurrency: int | None, *, finish: bool = False) -> tuple[int, dict[str, int]]:
        """Run the batch until every worker waits on the vendor; then stop it (or let it finish)."""
        gate.clear()
        run = runner.run(batch, concurrency=concurrency)
        task = asyncio.create_task(run.run())
        for _ in range(200):  # every worker reaches the gate within a few loop turns
            await asyncio.sleep(0)
        in_flight = litigator.in_flight
        if not finish:
            run.cancel()
        gate.set()
        await task
        return in_flight, run.concurrency

    assert await calls_at_once(3) == (3, {"litigator": 3})
    assert await calls_at_once(None) == (3, {"litigator": 3})
    assert await calls_at_once(2) == (2, {"litigator": 2})
    batches = BatchStore(store)
    assert batches.batch(batch).concurrency == {"litigator": 2}  # type: ignore[union-attr]
    assert await calls_at_once(None, finish=True) == (2, {"litigator": 2})
    info = batches.batch(batch)
    assert info is not None and info.status == "done" and info.count("done") == 30
    assert all(n == 1 for n in litigator.calls.values())


async def test_items_in_flight_at_a_crash_are_sent_again_and_completed_ones_are_not(store: Store) -> None:
    ids = add_leads(store, 10)
    clients = fakes()
    runner = BatchRunner(FakeService(store), clients=clients)
    batch = runner.create(ids, ["litigator"], name="crash").batch_id
    assert batch is not None
    run = runner.run(batch, concurrency=1)
    task = asyncio.create_task(run.run())
    while run.progress.done < 4:
        await asyncio.sleep(0.001)
    task.cancel()  # what a kill looks like to the database: the current item stays in flight
    with pytest.raises(asyncio.CancelledError):
        await task
    batches = BatchStore(store)
    info = batches.batch(batch)
    assert info is not None and info.status == "interrupted" and info.count("in_flight") == 1
    assert [b.id for b in runner.resumable()] == [batch]
    sent_before = dict(clients["litigator"].calls)
    done_subjects = {r["subject"] for r in batches.items(batch, state="done")}
    resumed = runner.run(batch)
    progress = await resumed.run()
    assert resumed.reopened == 1
    assert progress.done == 10 and progress.remaining == 0
    for subject in done_subjects:
        assert clients["litigator"].calls[subject] == 1  # completed before the crash: never repeated
    repeated = [s for s, n in clients["litigator"].calls.items() if n > 1]
    assert len(repeated) <= 1 and set(repeated) <= set(sent_before)
    assert store.db.execute("SELECT count(*) FROM checks WHERE batch_id = ?", [batch]).fetchone()[0] == 10


async def test_a_lane_stops_when_the_vendor_refuses_the_account(store: Store) -> None:
    ids = add_leads(store, 20)
    clients = fakes()
    clients["trustedform"].error = ErrorKind.AUTH
    runner = BatchRunner(FakeService(store), clients=clients)
    batch = runner.create(ids, ["trustedform", "litigator"], name="auth").batch_id
    assert batch is not None
    messages = []
    progress = await runner.run(batch, concurrency=1, on_event=lambda e: messages.append(e.message)).run()
    assert progress.state is RunState.STOPPED
    assert sum(clients["trustedform"].calls.values()) == 1  # not 20 refused calls
    assert progress.vendors["litigator"].done == 20
    assert progress.vendors["trustedform"].failed == 1 and progress.vendors["trustedform"].remaining == 19
    assert progress.stop_reason is not None and "Open Settings" in progress.stop_reason
    assert any("TrustedForm stopped" in m for m in messages)
    clients["trustedform"].error = None
    progress = await runner.run(batch, retry_failed=True).run()
    assert progress.state is RunState.DONE and progress.done == 40


async def test_missing_credentials_refuse_the_run_before_anything_is_sent(store: Store, tmp_path: Path) -> None:
    from desktop_app.paths import Paths
    from desktop_app.settings import Settings

    ids = add_leads(store, 2)
    service = FakeService(store)
    service.settings = Settings(Paths.from_env(tmp_path / "home"), environ={})  # type: ignore[assignment]
    runner = BatchRunner(service)
    batch = runner.create(ids, ["litigator"], name="creds").batch_id
    assert batch is not None
    with pytest.raises(MissingCredentials, match="LEADCHECK_LITIGATOR"):
        await runner.run(batch).run()
    info = BatchStore(store).batch(batch)
    assert info is not None and info.count("pending") == 2 and info.status == "pending"


async def test_litigator_hits_join_the_suppression_list(store: Store) -> None:
    ids = add_leads(store, 2)
    clients = fakes()
    clients["litigator"].flag = Flag.RED
    clients["litigator"].details = {"phone_is_litigator": True}
    runner = BatchRunner(FakeService(store), clients=clients)
    batch = runner.create(ids, ["litigator"], name="hits").batch_id
    assert batch is not None
    await runner.run(batch).run()
    assert {(r["kind"], r["value"], r["reason"]) for r in store.suppression()} == {
        ("phone", "+12025550000", "litigator"),
        ("phone", "+12025550001", "litigator"),
    }


async def test_a_writer_thread_run_stores_the_same_from_its_own_thread(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window's runs commit item states and results on a thread of their own (its own connection); what
    ends up stored, and the order in-flight → done per item, is the same as on the loop."""
    ids = add_leads(store, 8)
    # another purchase with lead 1's phone and certificate, but no email: its litigator check is lead 1's call, its
    # retain is a call of its own (the certificate must be matched against this lead's data, not lead 1's)
    store.add_lead({"phone": "+12025550000", "cert_url": f"https://cert.trustedform.com/{0:040d}"})
    threads: Counter[str] = Counter()
    for name in ("start_call", "complete_item", "mark_cached", "release_claims"):
        real = getattr(BatchStore, name)

        def recording(self: BatchStore, *args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            threads[f"{_name}@{threading.current_thread().name.split('_')[0]}"] += 1
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(BatchStore, name, recording)
    clients = fakes()
    runner = BatchRunner(FakeService(store), clients=clients)
    plan = runner.create([*ids, ids[-1] + 1], ["trustedform", "litigator"], name="writer")
    assert plan.batch_id is not None
    progress = await runner.run(plan.batch_id, writer_thread=True).run()
    assert progress.state is RunState.DONE
    assert (progress.done, progress.failed, progress.remaining) == (17, 0, 0)
    assert set(threads) == {
        "start_call@batch-writer",
        "complete_item@batch-writer",
        "mark_cached@batch-writer",
        "release_claims@batch-writer",
    }
    assert threads["complete_item@batch-writer"] == sum(sum(c.calls.values()) for c in clients.values())
    states = Counter(r["state"] for r in runner.batches.items(plan.batch_id))
    assert states == {"done": 17, "cached": 1}  # the repeated phone shares its first call
    assert store.db.execute("SELECT count(*) FROM checks WHERE batch_id = ?", [plan.batch_id]).fetchone() == (17,)
    lead = store.lead(ids[0])
    assert lead is not None and lead["flag_trustedform"] == "green"
    if not store.shared:  # SQLite only: the store's own connection keeps the default WAL checkpointing
        assert store.db.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)


async def test_each_lane_calls_through_a_connection_pool_of_its_own_closed_at_the_end(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real CheckService against the simulator: every lane gets its own httpx pool sized to its concurrency
    (httpcore's per-request pool scan is quadratic in the pool's size), all of them closed when the run ends;
    the shared client is not used for the batch and stays open."""
    from desktop_app.demo import demo_environment
    from desktop_app.paths import Paths
    from desktop_app.sandbox import VendorSimulator
    from desktop_app.service import CheckService, make_http_client
    from desktop_app.settings import Settings
    from desktop_app.vendors.origins import OriginMap

    monkeypatch.setenv("LEADCHECK_HOME", str(tmp_path / "home"))
    sim = VendorSimulator(enforce_rate_limits=False).start()
    shared = make_http_client(10.0)
    try:
        settings = Settings(Paths.from_env().ensure(), environ=demo_environment())
        service = CheckService(settings, store, shared, origins=OriginMap(sim.origin_map()))
        pools: list[tuple[str, int, Any]] = []
        real = CheckService.lane_client

        def recording(self: CheckService, vendor: str, connections: int) -> Any:
            client, close = real(self, vendor, connections)
            pools.append((vendor, connections, client._http.client))
            return client, close

        monkeypatch.setattr(CheckService, "lane_client", recording)
        ids = add_leads(store, 6)
        runner = BatchRunner(service)
        plan = runner.create(ids, ["trustedform", "litigator"], name="pools")
        assert plan.batch_id is not None
        progress = await runner.run(plan.batch_id, concurrency={"trustedform": 3, "litigator": 2}).run()
        assert (progress.done, progress.failed) == (12, 0)
        assert sorted((vendor, n) for vendor, n, _ in pools) == [("litigator", 2), ("trustedform", 3)]
        assert all(client is not shared and client.is_closed for _, _, client in pools)
        assert not shared.is_closed
        assert len(sim.requests) >= 12
    finally:
        await shared.aclose()
        sim.stop()


async def test_a_lane_over_16_calls_is_spread_over_pools_of_at_most_16_each(store: Store) -> None:
    """httpcore's per-request scan grows with the pool, so 40 litigator calls in flight go through three pools of
    14, 13 and 13 connections (each worker sticks to one), all 40 in flight at once, every pool closed at the end."""
    gate = asyncio.Event()
    pools: list[tuple[int, FakeClient, list[bool]]] = []

    class KeyedSettings(FakeSettings):
        def credentials_for(self, vendor: str) -> dict[str, str]:
            return {"client_id": "c", "cwsid": "w", "token": "t"}

    class PooledService(FakeService):
        def lane_client(self, vendor: str, connections: int) -> Any:
            client, closed = FakeClient(vendor, delay=0), [False]
            client.gate = gate

            async def close() -> None:
                closed[0] = True

            pools.append((connections, client, closed))
            return client, close

    ids = add_leads(store, 100)
    runner = BatchRunner(PooledService(store, KeyedSettings()))
    plan = runner.create(ids, ["litigator"], name="pools")
    assert plan.batch_id is not None
    task = asyncio.ensure_future(runner.run(plan.batch_id, concurrency=40).run())
    for _ in range(1000):
        if sum(client.in_flight for _, client, _ in pools) == 40:
            break
        await asyncio.sleep(0)
    assert [(n, client.in_flight) for n, client, _ in pools] == [(14, 14), (13, 13), (13, 13)]
    gate.set()
    progress = await task
    assert progress.done == 100
    assert all(client.max_in_flight <= n and closed == [True] for n, client, closed in pools)
    assert sum(sum(client.calls.values()) for _, client, _ in pools) == 100


def test_durations_read_as_minutes_or_hours_and_unknown_is_dashes() -> None:
    from desktop_app.jobs.events import format_duration

    assert [format_duration(s) for s in (None, 0, 65.4, 3723)] == ["--:--", "0:00", "1:05", "1:02:03"]


async def test_leads_sharing_a_certificate_are_matched_each_against_its_own_data(store: Store) -> None:
    """One retain per (certificate, data sent): the same email twice is one call; another email is a call of its
    own, in this batch and in a later one, and each lead's verdict comes from the retain made with its data."""
    cert = f"https://cert.trustedform.com/{7:040d}"
    same = [store.add_lead({"phone": "+12025550107", "email": "ann@example.com", "cert_url": cert}) for _ in (1, 2)]
    other = store.add_lead({"phone": "+12025550107", "email": "bob@example.com", "cert_url": cert})
    clients = fakes()
    runner = BatchRunner(FakeService(store), clients=clients)
    first = runner.create([*same, other], ["trustedform", "litigator"], name="shared")
    assert first.batch_id is not None
    progress = await runner.run(first.batch_id).run()
    assert clients["trustedform"].calls[cert] == 2 and clients["litigator"].calls["+12025550107"] == 1
    assert (progress.done, progress.cached) == (3, 3)
    assert {store.lead(i)["verdict"] for i in (*same, other)} == {"green"}  # type: ignore[index]
    sent = [c.sent for c in store.checks(vendor="trustedform")]
    assert sorted(s["email"] for s in sent if s) == ["ann@example.com", "bob@example.com"]
    late = store.add_lead({"phone": "+12025550107", "email": "cy@example.com", "cert_url": cert})
    again = runner.create([*same, other, late], ["trustedform"], name="again")
    assert again.batch_id is not None
    await runner.run(again.batch_id).run()
    assert clients["trustedform"].calls[cert] == 3  # only the new lead's data was never sent
    states = Counter(r["state"] for r in runner.batches.items(again.batch_id))
    assert states == {"cached": 3, "done": 1}
