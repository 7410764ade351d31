"""The reads an evidence packet needs beyond :meth:`Store.lookup` (see :mod:`desktop_app.packet`).

:func:`evidence_entries` gives, for each check, everything a reader of the packet needs to recompute its evidence-log
entry without Leadcheck: the entry number, the previous entry's hash, the content hash and the entry hash (the
formulas are in :mod:`desktop_app.store.evidence`). :func:`full_leads` gives leads' whole rows, every original
column included.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.store.backend import Connection

CHUNK = 500


@dataclass(frozen=True)
class EvidenceEntry:
    """One check's entry in the evidence log."""

    seq: int
    prev_hash: str
    content_hash: str
    entry_hash: str
    hash_version: int = 1
    at: str = ""
    seat: str = ""


def evidence_entries(conn: Connection, check_ids: Sequence[int]) -> dict[int, EvidenceEntry]:
    """check id -> its entry (a check stored outside Leadcheck has none and is absent)."""
    ids = sorted(set(check_ids))
    found: dict[int, EvidenceEntry] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        rows = conn.execute(
            "SELECT ref, seq, prev_hash, content_hash, entry_hash, hash_version, at, seat FROM evidence_log "
            f"WHERE kind = 'check' AND ref IN ({', '.join('?' * len(part))})",
            part,
        )
        for ref, seq, prev_hash, content_hash, digest, version, at, seat in rows:
            found[int(ref)] = EvidenceEntry(
                int(seq), str(prev_hash), str(content_hash), str(digest), int(version), str(at), str(seat)
            )
    return found


def full_leads(conn: Connection, lead_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """lead id -> every column of its row, ``extra`` (the original CSV's other columns) as a dict."""
    ids = sorted(set(lead_ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        cursor = conn.execute(f"SELECT * FROM leads WHERE id IN ({', '.join('?' * len(part))})", part)
        columns = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            lead = dict(zip(columns, row, strict=True))
            lead["extra"] = json.loads(lead["extra"]) if lead.get("extra") else {}
            found[int(lead["id"])] = lead
    return found
