"""The evidence log: every stored check and every change to the buyer's records, chained so that any later edit
shows, the way Certificate Transparency logs and git commits chain.

Each entry (table ``evidence_log``) holds a canonical serialisation of what happened (:func:`canonical`: JSON,
keys sorted, no spaces, UTF-8) and::

    content_hash = SHA-256(content)
    entry_hash   = SHA-256("leadcheck-evidence-v1\\n" + seq + "\\n" + prev_hash + "\\n" + content_hash)

where ``seq`` runs 1, 2, 3... without gaps and ``prev_hash`` is the previous entry's ``entry_hash`` (64 zeros
before the first). A check's entry is appended in the same transaction that stores the check, and its content
is the check's row exactly as stored (the request as sent with secrets already removed, the status, the body
exactly as received, the times). Nothing in Leadcheck updates or deletes an entry; corrections are new entries. The
one exception is a purge the buyer confirmed (:func:`purge_checks`, after the retention period): the purged checks'
entries keep their hashes, so the chain still verifies, and lose their content; a purge entry lists them.

:func:`verify` recomputes the whole chain and every stored check against its entry, and names the first thing
that does not match: an edited entry or check, a deleted or reordered entry, a check with no entry. What the
chain proves is that nothing changed *after* it was logged; a buyer who keeps the head hash somewhere else (it
is printed in every export and packet) has an outside anchor for everything before it. Checks stored before the
log existed were sealed into it when the database was upgraded, and an entry says so.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import socket
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from desktop_app.store.backend import Connection
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.links import key_input, row_keys
from desktop_app.vendors.results import utcnow

GENESIS = "0" * 64
DOMAIN = "leadcheck-evidence-v1"
DOMAIN_V2 = "leadcheck-evidence-v2"  # entries from schema 9 on: the time, kind, reference and seat are hashed too
HASH_VERSION = 2
CHECK_COLUMNS = (
    "id", "lead_id", "batch_id", "vendor", "operation", "subject", "flag", "summary", "details", "error",
    "error_kind", "http_status", "request", "response_body", "attempts", "started_at", "finished_at", "sent",
)  # fmt: skip
VERIFY_BATCH = 2000


def canonical(value: Mapping[str, Any]) -> str:
    """The one serialisation an entry's content is hashed in."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def entry_hash(
    seq: int,
    prev_hash: str,
    content_hash: str,
    *,
    version: int = 1,
    at: str = "",
    kind: str = "",
    ref: int | None = None,
    seat: str = "",
) -> str:
    """An entry's hash. Version 1 (entries written before schema 9) covers its number, the previous hash and its
    content; version 2 also its time, kind, reference and seat, so that none of them can be edited unseen."""
    if version == 1:
        return _sha256(f"{DOMAIN}\n{seq}\n{prev_hash}\n{content_hash}")
    reference = "" if ref is None else str(ref)
    return _sha256(f"{DOMAIN_V2}\n{seq}\n{prev_hash}\n{content_hash}\n{at}\n{kind}\n{reference}\n{seat}")


@cache
def seat() -> str:
    """Who made an entry: the operating-system user and the computer's name."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname() or 'unknown'}"


# Read with a check when verifying: its cost (schema 6) is part of its content when it is not zero, so that the
# checks sealed before costs were recorded (cost 0) keep their content.
VERIFY_COLUMNS = (*CHECK_COLUMNS, "cost")


def check_content(row: Mapping[str, Any]) -> str:
    """A stored check's entry content: its row exactly as stored (its cost too, when it has one)."""
    content = {column: row.get(column) for column in CHECK_COLUMNS}
    if row.get("cost"):
        content["cost"] = row["cost"]
    return canonical({"check": content})


@dataclass(frozen=True)
class Head:
    """The end of the chain: how many entries, and the last one's hash (an outside anchor for all before it)."""

    entries: int
    hash: str

    def line(self) -> str:
        return f"Evidence log: {self.entries:,} entries, head {self.hash}"


def head(conn: Connection) -> Head:
    row = conn.execute("SELECT seq, entry_hash FROM evidence_log ORDER BY seq DESC LIMIT 1").fetchone()
    return Head(0, GENESIS) if row is None else Head(int(row[0]), str(row[1]))


def append(
    conn: Connection,
    kind: str,
    content: str,
    *,
    ref: int | None = None,
    version: int = HASH_VERSION,
    made_by: str | None = None,
) -> Head:
    """Append one entry inside the caller's write transaction, which from here on holds the store-wide write lock
    until it commits (one chain: appends one at a time); returns the new head. ``version`` 1 only for the schema
    migration that sealed older checks (schema 5, before the hash_version column). ``made_by``: the seat that made
    what the entry records, when it was not this one (a check ``db copy`` brings from another store)."""
    conn.lock_writes()
    last = head(conn)
    seq = last.entries + 1
    content_hash = _sha256(content)
    at, who = utcnow(), made_by or seat()
    if version == 1:
        digest = entry_hash(seq, last.hash, content_hash)
        conn.execute(
            "INSERT INTO evidence_log (seq, at, kind, ref, seat, content, content_hash, prev_hash, entry_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, kind, ref, who, content, content_hash, last.hash, digest),
        )
        return Head(seq, digest)
    digest = entry_hash(seq, last.hash, content_hash, version=version, at=at, kind=kind, ref=ref, seat=who)
    conn.execute(
        "INSERT INTO evidence_log (seq, at, kind, ref, seat, content, content_hash, prev_hash, entry_hash, "
        "hash_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, at, kind, ref, who, content, content_hash, last.hash, digest, version),
    )
    return Head(seq, digest)


def log_event(
    conn: Connection, kind: str, detail: Mapping[str, Any], *, ref: int | None = None, version: int = HASH_VERSION
) -> Head:
    """Append a record of something the buyer did (an import, an export, a suppression change...)."""
    return append(conn, kind, canonical({kind: dict(detail)}), ref=ref, version=version)


def add_suppression(conn: Connection, entries: list[tuple[str, str, str, str]], at: str) -> int:
    """Insert (kind, value, reason, source) suppression rows inside the caller's transaction, keeping existing
    ones, and log the new ones as one entry. Returns how many were new."""
    added = []
    for kind, value, reason, source in entries:
        cur = conn.execute(
            "INSERT INTO suppression (kind, value, reason, source, added_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT DO NOTHING",
            (kind, value, reason, source, at),
        )
        if cur.rowcount:
            added.append({"kind": kind, "value": value, "reason": reason, "source": source})
    if added:
        log_event(conn, "suppression", {"added": added, "at": at})
    return len(added)


class LeadsDigest:
    """The digest of an import's leads (:func:`leads_digest`), fed their ids and row keys in id order: an import
    feeds it each chunk it wrote, instead of reading a million leads back at its end.

    The digested text is one line ``"{id}:{row key in hex}\n"`` per lead (an empty key for a lead without one),
    built for a whole chunk in C-level passes (a line at a time in Python cost 1.5 s per million leads)."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None

    def add(self, ids: Sequence[int], keys: Sequence[Any]) -> None:
        """Digest the leads ``ids`` (in id order) with their row keys (bytes, a memoryview, or None)."""
        if not ids:
            return
        try:
            hexes = list(map(bytes.hex, keys))
        except TypeError:  # a lead without a key, or a key read back as another buffer type
            hexes = [bytes(key or b"").hex() for key in keys]
        self._sha.update("".join(map("{}:{}\n".format, ids, hexes)).encode())
        self.count += len(ids)
        self.first = ids[0] if self.first is None else self.first
        self.last = ids[-1]

    def value(self) -> dict[str, Any]:
        return {"count": self.count, "first_id": self.first, "last_id": self.last, "sha256": self._sha.hexdigest()}


def leads_digest(conn: Connection, import_id: int) -> dict[str, Any]:
    """The leads an import created, as a digest: SHA-256 over each lead's id and row key (the fingerprint of its
    cleaned fields and extra columns), in id order, with the count and the id range."""
    digest = LeadsDigest()
    cursor = conn.execute("SELECT id, row_key FROM leads WHERE import_id = ? ORDER BY id", (import_id,))
    while rows := cursor.fetchmany(VERIFY_BATCH):
        ids, keys = zip(*rows, strict=True)
        digest.add(ids, keys)
    return digest.value()


def entries_for_checks(conn: Connection, check_ids: list[int]) -> dict[int, tuple[int, str]]:
    """check id -> (seq, entry_hash) of its entry."""
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(check_ids), 500):
        part = check_ids[start : start + 500]
        rows = conn.execute(
            "SELECT ref, seq, entry_hash FROM evidence_log "
            f"WHERE kind = 'check' AND ref IN ({', '.join('?' * len(part))})",
            part,
        )
        for ref, seq, digest in rows:
            found[int(ref)] = (int(seq), str(digest))
    return found


def seats(conn: Connection, kind: str, refs: Sequence[int]) -> dict[int, str]:
    """ref -> the seat (user@host) that made the entry of ``kind`` about it: ``check`` for a check id, ``import``
    for an import id (its leads). A ref with no such entry is absent, and so is a check sealed into the log when
    the database was upgraded: that entry's seat sealed it, not necessarily the one that made it."""
    ids = sorted({int(ref) for ref in refs})
    found: dict[int, tuple[int, str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        rows = conn.execute(
            f"SELECT ref, seq, seat FROM evidence_log WHERE kind = ? AND ref IN ({', '.join('?' * len(part))}) "
            "ORDER BY seq",
            (kind, *part),
        )
        for ref, seq, who in rows:
            if who:
                found.setdefault(int(ref), (int(seq), str(who)))
    if kind == "check" and found:
        for sealed_at, content in conn.execute("SELECT seq, content FROM evidence_log WHERE kind = 'sealed'"):
            sealed = json.loads(content).get("sealed", {}) if content else {}
            first, last = sealed.get("first_check"), sealed.get("last_check")
            if first is None or last is None:
                continue
            for ref in [r for r, (seq, _) in found.items() if int(first) <= r <= int(last) and seq < int(sealed_at)]:
                del found[ref]
    return {ref: who for ref, (_, who) in found.items()}


def seal_existing_checks(conn: Connection) -> int:
    """The schema migration's step: every check stored before the log existed gets an entry, in stored order,
    then one entry saying they were sealed now. Returns how many were sealed."""
    columns = ", ".join(CHECK_COLUMNS)
    cursor = conn.execute(f"SELECT {columns} FROM checks ORDER BY id")
    sealed = 0
    first = last = None
    while rows := cursor.fetchmany(VERIFY_BATCH):
        for values in rows:
            row = dict(zip(CHECK_COLUMNS, values, strict=True))
            append(conn, "check", check_content(row), ref=int(row["id"]), version=1)  # schema 5: no hash_version yet
            sealed += 1
            first = first if first is not None else row["id"]
            last = row["id"]
    if sealed:
        note = (
            f"The {sealed:,} checks stored before this Leadcheck kept an evidence log were sealed into it now, in "
            "their stored order. The log shows any change made to them after this moment, not before."
        )
        log_event(conn, "sealed", {"checks": sealed, "first_check": first, "last_check": last, "note": note}, version=1)
    return sealed


def purge_checks(conn: Connection, before: str, *, reason: str) -> int:
    """Remove the checks that finished before ``before`` (ISO time), inside the caller's transaction, after the
    buyer confirmed: their rows and lead links are deleted, and their entries keep their hashes (so the chain still
    verifies) but lose their content. An entry lists what was purged, when and why. Returns how many."""
    ids = [int(r[0]) for r in conn.execute("SELECT id FROM checks WHERE finished_at < ? ORDER BY id", (before,))]
    if not ids:
        return 0
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        conn.execute(f"UPDATE batch_items SET check_id = NULL WHERE check_id IN ({marks})", part)
        conn.execute(f"DELETE FROM check_leads WHERE check_id IN ({marks})", part)
        conn.execute(f"DELETE FROM checks WHERE id IN ({marks})", part)
        conn.execute(f"UPDATE evidence_log SET content = NULL WHERE kind = 'check' AND ref IN ({marks})", part)
    log_event(conn, "purge", {"checks": ids, "finished_before": before, "reason": reason})
    return len(ids)


def _purged(conn: Connection) -> set[int]:
    """The check ids a confirmed purge removed (their entries have no content, only hashes)."""
    out: set[int] = set()
    for (content,) in conn.execute("SELECT content FROM evidence_log WHERE kind = 'purge' AND content IS NOT NULL"):
        out.update(int(i) for i in json.loads(content).get("purge", {}).get("checks", []))
    return out


@dataclass(frozen=True)
class Verification:
    """How :func:`verify` ended. ``problem`` names the first thing that does not match (None: intact)."""

    entries: int
    checks: int
    head: Head
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(conn: Connection) -> Iterator[tuple[Any, ...]]:
    """Every entry in order, a piece at a time (a server-side cursor in team mode: a million entries' content
    never sits in memory at once)."""
    cursor = conn.stream(
        "SELECT seq, kind, ref, content, content_hash, prev_hash, entry_hash, hash_version, at, seat "
        "FROM evidence_log ORDER BY seq"
    )
    try:
        while rows := cursor.fetchmany(VERIFY_BATCH):
            yield from rows
    finally:
        cursor.close()


def _import_problem(conn: Connection, import_id: int, content: str) -> str | None:
    """Whether the leads an import created are still as they were: each lead's row key is its content's, and the
    digest over the import's leads is the logged one."""
    columns = ", ".join(LEAD_FIELDS)
    cursor = conn.execute(
        f"SELECT id, row_key, {columns}, extra, purchased_at FROM leads WHERE import_id = ? ORDER BY id", (import_id,)
    )
    while rows := cursor.fetchmany(VERIFY_BATCH):
        keys = row_keys(key_input(tuple(row[2:-2]), json.loads(row[-2]) if row[-2] else None, row[-1]) for row in rows)
        for row, key in zip(rows, keys, strict=True):
            if row[1] is not None and bytes(row[1]) != key:
                return f"Lead {row[0]} was changed after import {import_id} stored it"
    logged = json.loads(content).get("import", {}).get("leads")
    if logged is not None and leads_digest(conn, import_id) != logged:
        return f"The leads of import {import_id} were changed, added or deleted after it stored them"
    return None


def verify(conn: Connection, *, on_progress: Callable[[int, int], None] | None = None) -> Verification:
    """Recompute the chain and every stored check against its entry; stop at the first mismatch.

    ``on_progress(done, total)`` is called every :data:`VERIFY_BATCH` entries. Reads through ``conn`` only."""
    total = int(conn.execute("SELECT count(*) FROM evidence_log").fetchone()[0])
    checks_total = int(conn.execute("SELECT count(*) FROM checks").fetchone()[0])
    columns = ", ".join(VERIFY_COLUMNS)
    check_rows = conn.stream(f"SELECT {columns} FROM checks ORDER BY id")
    pending_checks: list[tuple[Any, ...]] = []
    checks_seen = 0
    prev, expected_seq = GENESIS, 1

    def next_check() -> tuple[Any, ...] | None:
        nonlocal pending_checks
        if not pending_checks:
            pending_checks = list(reversed(check_rows.fetchmany(VERIFY_BATCH)))
        return pending_checks.pop() if pending_checks else None

    def result(problem: str | None, entries: int) -> Verification:
        check_rows.close()  # every way out goes through here: a server-side cursor (team mode) is released
        return Verification(entries, checks_seen, Head(entries, prev), problem)

    purged = _purged(conn)
    check = next_check()
    for seq, kind, ref, content, content_hash, prev_hash, digest, version, at, who in _entries(conn):
        expected_hash = entry_hash(
            seq, prev_hash, content_hash, version=int(version), at=at, kind=kind, ref=ref, seat=who
        )
        if seq != expected_seq:
            missing = f"entry {expected_seq}" if seq > expected_seq else f"entry {seq} appears twice"
            return result(f"The evidence log is missing {missing} (deleted or reordered).", expected_seq - 1)
        if prev_hash != prev:
            return result(f"Entry {seq} does not follow entry {seq - 1} (the log was reordered or edited).", seq - 1)
        if content is None:  # purged: only a check a confirmed purge listed may lose its content
            if kind != "check" or int(ref) not in purged:
                return result(f"Entry {seq} lost its content outside a purge.", seq - 1)
            if expected_hash != digest:
                return result(f"Entry {seq} was edited after it was written.", seq - 1)
            prev, expected_seq = digest, seq + 1
            continue
        if _sha256(content) != content_hash or expected_hash != digest:
            return result(f"Entry {seq} was edited after it was written.", seq - 1)
        if kind == "import" and (problem := _import_problem(conn, int(ref), content)) is not None:
            return result(f"{problem} (entry {seq}).", seq - 1)
        if kind == "check":
            if check is None or int(check[0]) > int(ref):
                return result(f"Check {ref} (entry {seq}) is no longer in the database: it was deleted.", seq - 1)
            if int(check[0]) < int(ref):
                return result(f"Check {check[0]} has no entry in the evidence log (added outside Leadcheck).", seq - 1)
            row = dict(zip(VERIFY_COLUMNS, check, strict=True))
            if check_content(row) != content:
                return result(f"Check {ref} was changed after it was stored (entry {seq} no longer matches).", seq - 1)
            checks_seen += 1
            check = next_check()
        prev, expected_seq = digest, seq + 1
        if on_progress is not None and seq % VERIFY_BATCH == 0:
            on_progress(seq, total)
    if check is not None:
        return result(f"Check {check[0]} has no entry in the evidence log (added outside Leadcheck).", expected_seq - 1)
    if on_progress is not None:
        on_progress(expected_seq - 1, total)
    assert checks_seen <= checks_total
    return result(None, expected_seq - 1)
