"""Claims: the call a seat is making right now, so that two seats' batches never pay twice for one call.

A batch item's call (its vendor and :func:`~desktop_app.store.batches.call_key`: the subject and the lead data
sent) is claimed in the same write transaction that marks the item in flight
(:meth:`~desktop_app.store.batches.BatchStore.start_call`). Another seat (a second window or command on the same
SQLite file, or any seat of a team database) that reaches the same call finds the claim and waits for the answer
instead of sending it again; once the answer is stored it links its own lead to it and counts it as cached. The
claim goes when the answer is stored (in the same transaction), when the call fails, or when the item is put back.

A claim names its owner: the database session that made it. A claim whose owner is gone (a killed process, a
dropped connection) is stale and is taken over by the next seat that reaches the call; so a seat killed mid-batch
leaves nothing behind that blocks anyone, and ``scrub --resume`` from any seat finishes its calls.

* team mode: the owner is the PostgreSQL backend (pid and start time, from ``pg_stat_activity``): the server
  itself says whether it is still connected, on whatever machine the seat runs;
* one computer (SQLite): the owner is the process (host, pid and start time from ``/proc``) and its connection.
"""

from __future__ import annotations

import itertools
import os
import socket
from pathlib import Path

from desktop_app.store.backend import Connection

_connections = itertools.count(1)


def _process_start(pid: int) -> str:
    """The process's start time in clock ticks since boot (``/proc/PID/stat`` field 22), "" where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def owner(conn: Connection) -> str:
    """This connection's owner token (computed once per connection)."""
    token = getattr(conn, "claim_owner", None)
    if token:
        return str(token)
    if conn.dialect.name == "postgresql":
        pid, started = conn.execute(
            "SELECT pid, backend_start::text FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        ).fetchone()
        token = f"pg:{pid}:{started}"
    else:
        # one token per connection: two runs in one process (two windows' worth of tests, say) are two owners
        token = f"proc:{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid())}:{next(_connections)}"
    conn.claim_owner = token  # type: ignore[attr-defined]
    return token


def alive(conn: Connection, token: str) -> bool:
    """Whether the owner of a claim is still there (a stale claim may be taken over)."""
    kind, _, rest = token.partition(":")
    if kind == "pg":
        pid, _, started = rest.partition(":")
        if conn.dialect.name != "postgresql" or not pid.isdigit():
            return False
        row = conn.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = ? AND backend_start::text = ?", (int(pid), started)
        ).fetchone()
        return row is not None
    if kind == "proc":
        host, _, rest = rest.partition(":")
        pid_text, _, rest = rest.partition(":")
        started = rest.partition(":")[0]
        if host != socket.gethostname():
            return True  # another computer on one SQLite file: not ours to judge
        if not pid_text.isdigit():
            return False
        number = int(pid_text)
        try:
            os.kill(number, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's live process
        return _process_start(number) == started
    return False


def claim(conn: Connection, vendor: str, key: str, *, batch_id: int | None, seat: str, now: str) -> str | None:
    """Claim the call inside the caller's write transaction. None when this connection holds it now (new, its own
    already, or taken over from an owner that is gone); else the seat that is making it."""
    me = owner(conn)
    cursor = conn.execute(
        "INSERT INTO claims (vendor, call_key, batch_id, seat, owner, claimed_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        (vendor, key, batch_id, seat, me, now),
    )
    if cursor.rowcount:
        return None
    row = conn.execute("SELECT owner, seat FROM claims WHERE vendor = ? AND call_key = ?", (vendor, key)).fetchone()
    if row is None or row[0] == me:
        return None
    if alive(conn, str(row[0])):
        return str(row[1])
    taken = conn.execute(
        "UPDATE claims SET batch_id = ?, seat = ?, owner = ?, claimed_at = ? "
        "WHERE vendor = ? AND call_key = ? AND owner = ?",
        (batch_id, seat, me, now, vendor, key, row[0]),
    )
    if taken.rowcount:
        return None
    row = conn.execute("SELECT seat FROM claims WHERE vendor = ? AND call_key = ?", (vendor, key)).fetchone()
    return str(row[0]) if row is not None else "another seat"  # another seat took it over first


def release(conn: Connection, vendor: str, key: str) -> None:
    """Drop this connection's claim on the call (its answer is stored, it failed, or it was not sent)."""
    conn.execute("DELETE FROM claims WHERE vendor = ? AND call_key = ? AND owner = ?", (vendor, key, owner(conn)))
