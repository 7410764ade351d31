"""The evidence log: every check and change chained; verify finds an edited response, a deleted, reordered or
edited entry, a forged check, an edited imported lead; an untouched store verifies; the CLI's exit codes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.imports import import_csv
from desktop_app.store import Store
from desktop_app.store import evidence as ev
from desktop_app.store.backend import Connection, Location
from desktop_app.vendors.results import CheckResult, Flag

CERT = "https://cert.trustedform.com/" + "a" * 40


def result(subject: str = "+12025550123", flag: Flag = Flag.GREEN, body: str = '{"ok": true}') -> CheckResult:
    return CheckResult(
        vendor="litigator",
        operation="check",
        subject=subject,
        flag=flag,
        summary="Not a known TCPA litigator.",
        details={"phone_is_litigator": False},
        http_status=200,
        request={"method": "POST", "url": "https://api.tcpalitigatorlist.com/scrub/phone/", "body": {"x": 1}},
        response_body=body,
    )


@pytest.fixture
def store(tmp_path: Path, database: Location) -> Iterator[Store]:
    csv_path = tmp_path / "leads.csv"
    csv_path.write_text(
        f"phone,email,supplier,cost,cert_url\n2025550123,ann@example.com,Acme,1.50,{CERT}\n3035550100,,Zeta,2,\n",
        encoding="utf-8",
    )
    with Store(database) as s:
        import_csv(s, csv_path)
        for i in range(5):
            s.record_check(result(body=f'{{"n": {i}}}'), sent={})
        s.add_suppression([("phone", "+12025550123", "litigator", "TCPA Litigator check")])
        s.log_event("export", {"what": "results", "rows": 2})
        yield s


def raw(store: Store) -> Connection:
    """The database as someone editing it outside Leadcheck would see it."""
    return store.connection


def test_an_untouched_store_verifies_and_every_check_has_one_entry(store: Store) -> None:
    outcome = store.verify()
    assert outcome.ok and outcome.problem is None
    kinds = [r[0] for r in raw(store).execute("SELECT kind FROM evidence_log ORDER BY seq")]
    assert kinds == ["import", *["check"] * 5, "suppression", "export"]
    assert outcome.entries == 8 and outcome.checks == 5
    assert outcome.head == store.evidence_head() and len(outcome.head.hash) == 64
    entries = store.evidence_for_checks([1, 2, 3])
    assert sorted(entries) == [1, 2, 3] and all(len(h) == 64 for _, h in entries.values())


def test_each_entry_is_chained_to_the_one_before(store: Store) -> None:
    rows = (
        raw(store)
        .execute(
            "SELECT seq, content, content_hash, prev_hash, entry_hash, hash_version, at, kind, ref, seat "
            "FROM evidence_log ORDER BY seq"
        )
        .fetchall()
    )
    previous = ev.GENESIS
    for seq, content, content_hash, prev_hash, digest, version, at, kind, ref, seat in rows:
        assert prev_hash == previous
        assert content_hash == ev._sha256(content)
        assert version == ev.HASH_VERSION  # every entry written now hashes its time, kind, reference and seat
        assert digest == ev.entry_hash(seq, prev_hash, content_hash, version=2, at=at, kind=kind, ref=ref, seat=seat)
        assert digest != ev.entry_hash(seq, prev_hash, content_hash)  # not the version-1 recipe
        previous = digest


@pytest.mark.parametrize(
    ("column", "value"), [("seat", "someone@else"), ("at", "2020-01-01T00:00:00.000Z"), ("kind", "export")]
)
def test_an_entrys_seat_time_or_kind_edited_is_named(store: Store, column: str, value: str) -> None:
    raw(store).execute(f"UPDATE evidence_log SET {column} = ? WHERE seq = 2", [value])
    outcome = store.verify()
    assert not outcome.ok and "Entry 2 was edited after it was written" in str(outcome.problem)


def test_entries_written_before_schema_9_still_verify(store: Store) -> None:
    """An entry of hash version 1 (its time, kind and seat not hashed) verifies by the version-1 recipe."""
    rows = raw(store).execute("SELECT seq, content_hash, prev_hash FROM evidence_log ORDER BY seq").fetchall()
    previous = ev.GENESIS
    for seq, content_hash, _ in rows:  # rewrite the whole chain as a schema-8 Leadcheck wrote it
        digest = ev.entry_hash(seq, previous, content_hash)
        raw(store).execute(
            "UPDATE evidence_log SET prev_hash = ?, entry_hash = ?, hash_version = 1 WHERE seq = ?",
            [previous, digest, seq],
        )
        previous = digest
    assert store.verify().ok
    raw(store).execute("UPDATE evidence_log SET seat = 'someone@else' WHERE seq = 2")
    assert store.verify().ok  # version 1 never covered the seat: what schema 9 changed


def test_one_byte_of_a_stored_response_edited_is_named(store: Store) -> None:
    raw(store).execute("UPDATE checks SET response_body = '{\"n\": 7}' WHERE id = 3")
    outcome = store.verify()
    assert not outcome.ok and "Check 3 was changed after it was stored" in str(outcome.problem)
    assert outcome.checks == 2  # the two before it matched


def test_a_deleted_check_is_named(store: Store) -> None:
    raw(store).execute("DELETE FROM check_leads WHERE check_id = 2")
    raw(store).execute("DELETE FROM checks WHERE id = 2")
    outcome = store.verify()
    assert not outcome.ok and "Check 2" in str(outcome.problem) and "deleted" in str(outcome.problem)


def test_a_forged_check_without_an_entry_is_named(store: Store) -> None:
    columns = ", ".join(c for c in ev.CHECK_COLUMNS if c != "id")
    raw(store).execute(
        f"INSERT INTO checks ({columns}) SELECT {columns} FROM checks WHERE id = 1"
    )  # a copy with a new id, as a forger would add it
    outcome = store.verify()
    assert not outcome.ok and "Check 6 has no entry" in str(outcome.problem)


def test_reordered_entries_are_named(store: Store) -> None:
    conn = raw(store)
    a, b = conn.execute("SELECT seq, content, content_hash FROM evidence_log WHERE seq IN (3, 4) ORDER BY seq")
    conn.execute("UPDATE evidence_log SET content = ?, content_hash = ? WHERE seq = ?", (b[1], b[2], a[0]))
    conn.execute("UPDATE evidence_log SET content = ?, content_hash = ? WHERE seq = ?", (a[1], a[2], b[0]))
    outcome = store.verify()
    assert not outcome.ok and "Entry 3" in str(outcome.problem)


def test_a_deleted_entry_is_named(store: Store) -> None:
    raw(store).execute("DELETE FROM evidence_log WHERE seq = 7")
    outcome = store.verify()
    assert not outcome.ok and "missing entry 7" in str(outcome.problem)


def test_an_edited_entry_is_named_even_when_its_hashes_are_recomputed(store: Store) -> None:
    conn = raw(store)
    content = json.dumps({"export": {"what": "results", "rows": 999}}, separators=(",", ":"), sort_keys=True)
    conn.execute("UPDATE evidence_log SET content = ?, content_hash = ? WHERE seq = 8", (content, ev._sha256(content)))
    outcome = store.verify()
    assert not outcome.ok and outcome.problem == "Entry 8 was edited after it was written."


def test_an_imported_lead_edited_afterwards_is_named(store: Store) -> None:
    raw(store).execute("UPDATE leads SET supplier = 'Other' WHERE id = 1")
    outcome = store.verify()
    assert not outcome.ok and "Lead 1 was changed after import 1 stored it" in str(outcome.problem)


def test_a_lead_slipped_into_an_import_is_named(store: Store) -> None:
    raw(store).execute(
        "INSERT INTO leads (phone, import_id, source_file, created_at, updated_at) "
        "VALUES ('+14045550100', 1, 'leads.csv', 'x', 'x')"
    )
    outcome = store.verify()
    assert not outcome.ok and "The leads of import 1 were changed, added or deleted" in str(outcome.problem)


def test_verify_reports_progress(store: Store) -> None:
    seen: list[tuple[int, int]] = []
    store.verify(on_progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (8, 8)


def test_the_cli_exits_0_when_intact_and_1_naming_the_first_mismatch(
    capsys: pytest.CaptureFixture[str], database: Location
) -> None:
    with Store(database) as s:
        for i in range(3):
            s.record_check(result(body=f'{{"n": {i}}}'), sent={})
    assert main(["verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Evidence intact: 3 entries, 3 checks. Head ")
    with Store(database) as s:
        s.connection.execute("UPDATE checks SET summary = 'Known TCPA litigator' WHERE id = 2")
    assert main(["--json", "verify"]) == 1
    record: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert record["ok"] is False and record["entries"] == 1 and "Check 2 was changed" in record["problem"]


async def test_settings_changes_are_logged_and_a_key_never_is(database: Location) -> None:
    from desktop_app.paths import Paths
    from desktop_app.service import CheckService, make_http_client
    from desktop_app.settings import Settings
    from desktop_app.vendors.credentials import field

    paths = Paths.from_env().ensure()
    settings = Settings(paths, environ={})
    client = make_http_client(5.0)
    with Store(database) as store:
        CheckService(settings, store, client)
        settings.set("timeout", 45)
        settings.set_credential(field("jornaya", "provider_code"), "LPC123")
        secret = "sk-live-0123456789abcdef"
        settings.set_credential(field("trustedform", "api_key"), secret)  # the tests' keyring is in memory
        logged = [json.loads(c)["settings"] for (c,) in store.connection.execute("SELECT content FROM evidence_log")]
        dump = json.dumps(logged)
    await client.aclose()
    assert logged[0] == {"key": "timeout", "from": None, "to": 45.0}
    assert logged[1] == {"key": "credentials.jornaya.provider_code", "to": "LPC123"}
    assert logged[2] == {"key": "credentials.trustedform.api_key", "secret": "set in the keyring"}
    assert secret not in dump


def test_a_confirmed_purge_keeps_the_chain_verifiable_and_is_logged(store: Store) -> None:
    store.connection.execute("UPDATE checks SET finished_at = '2019-01-01T00:00:00.000Z' WHERE id IN (1, 2)")
    # that edit is itself tampering until the purge removes those checks:
    assert not store.verify().ok
    assert store.count_checks_before("2020-01-01T00:00:00.000Z") == 2
    assert store.purge_checks("2020-01-01T00:00:00.000Z", reason="older than 5 years, confirmed") == 2
    assert [c.id for c in store.checks(newest_first=False)] == [3, 4, 5]
    outcome = store.verify()
    assert outcome.ok, outcome.problem
    purge = json.loads(store.connection.execute("SELECT content FROM evidence_log ORDER BY seq DESC").fetchone()[0])
    assert purge == {
        "purge": {
            "checks": [1, 2],
            "finished_before": "2020-01-01T00:00:00.000Z",
            "reason": "older than 5 years, confirmed",
        }
    }
    # emptying an entry that no purge listed is tampering
    store.connection.execute("UPDATE evidence_log SET content = NULL WHERE kind = 'check' AND ref = 4")
    assert "lost its content outside a purge" in str(store.verify().problem)


def test_the_cli_purge_asks_first_and_keeps_the_retention_minimum(
    capsys: pytest.CaptureFixture[str], database: Location
) -> None:
    with Store(database) as s:
        old = dataclasses.replace(
            result(), started_at="2015-01-01T00:00:00.000Z", finished_at="2015-01-01T00:00:01.000Z"
        )
        s.record_check(old, sent={})
        s.record_check(result(), sent={})
    assert main(["purge", "--older-than-years", "2"]) == 2  # below the 4-year minimum
    assert "at least 4 years" in capsys.readouterr().err
    assert main(["purge"]) == 2  # no terminal to ask at, and no --yes
    assert "add --yes" in capsys.readouterr().err
    assert main(["purge", "--yes"]) == 0
    assert "Purged 1 checks." in capsys.readouterr().err
    assert main(["verify"]) == 0


def test_leads_digest_is_one_line_per_lead_whatever_the_chunks() -> None:
    """An import's logged digest is SHA-256 over ``"{id}:{row key hex}\\n"`` per lead in id order (what imports
    logged before it was built a chunk at a time): the same however the leads are split, and a lead without a key
    (or a key read back as a memoryview) digests as before."""
    leads = [(3, b"\x00\xff" * 8), (4, None), (7, memoryview(b"\x01" * 16)), (12, b"")]
    expected = hashlib.sha256("".join(f"{i}:{bytes(k or b'').hex()}\n" for i, k in leads).encode()).hexdigest()
    whole, split = ev.LeadsDigest(), ev.LeadsDigest()
    whole.add([i for i, _ in leads], [k for _, k in leads])
    split.add([3], [leads[0][1]])
    split.add([], [])
    split.add([4, 7, 12], [None, leads[2][1], b""])
    assert whole.value() == split.value() == {"count": 4, "first_id": 3, "last_id": 12, "sha256": expected}
