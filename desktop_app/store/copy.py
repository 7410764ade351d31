"""``leadcheck db copy``: bring a desktop's own store (an SQLite file) into the shared one (team mode).

Everything the buyer's evidence rests on is copied: leads, imports and their problems, batches and their items,
checks and their lead links (``check_leads``), suppression entries, reviews, audit entries and the evidence log.
The target already holds other seats' rows, so every copied row gets a new id there and every reference to it
(a check's lead and batch, a batch item's check...) is remapped. Each copied row is recorded in ``copies``
(``source``, ``kind``, source id -> target id); that table is both the id map and what makes the copy resumable
and idempotent: each chunk (:data:`CHUNK` rows, one write transaction of the target) first reads which of its
rows are already there, so a copy killed half-way finishes on the next run, and a second run copies nothing.

The source's identity (``copies.source``) is :func:`source_identity`: ``store:`` and a digest of the source's
first evidence entry (its hash, time and seat), which the file keeps wherever it is moved; a store whose log is
empty gets a ``copy-source`` entry first, so it has one. A copy of the same file is therefore the same source (a
backup copied again adds nothing); two files that grew apart from one copy of the same file would count as one
source too, which is why a copy is always made from the file the seat uses.

The evidence: the target has one chain. A copied check gets a ``check`` entry of the target's, whose content is
the copied row as stored in the target (so ``verify`` holds there exactly as for a check made on the spot); every
other entry of the source (imports, suppression changes, reviews, exports, purged checks' hashes...) is appended as
a ``copied`` entry holding the original entry whole (its number, time, seat, kind, reference, content and hashes),
and at the end one ``copy`` entry names the source, its file and its head (entries and hash): the anchor from the
shared chain to the original one, which the source file still verifies on its own.

The source is read in one read transaction (a snapshot: a window writing to it meanwhile changes nothing of
this copy). No CLI, no Qt: the command is :mod:`desktop_app.cli.database`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_app.store import evidence
from desktop_app.store.backend import Connection
from desktop_app.store.errors import StoreError, store_errors
from desktop_app.vendors.results import utcnow

if TYPE_CHECKING:
    from desktop_app.store.db import Store

CHUNK = 500  # rows per write transaction of the target: other seats' writes wait at most one chunk


class CopyError(StoreError):
    """The copy cannot be made as asked (a row refers to something its store does not hold)."""


@dataclass(frozen=True)
class _Table:
    """One table copied row by row: ``kind`` names its rows in ``copies``; ``refs`` maps each column that refers
    to another copied row to that row's kind (``required``: the row cannot exist without it)."""

    kind: str
    table: str
    refs: dict[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()


# In an order where everything a row refers to is copied before it.
IMPORTS = _Table("import", "imports")
LEADS = _Table("lead", "leads", {"import_id": "import"})
IMPORT_PROBLEMS = _Table(
    "import_problem", "import_problems", {"import_id": "import", "lead_id": "lead"}, ("import_id",)
)
BATCHES = _Table("batch", "batches", {"import_id": "import"})
CHECKS = _Table("check", "checks", {"lead_id": "lead", "batch_id": "batch"})
BATCH_ITEMS = _Table(
    "batch_item", "batch_items", {"batch_id": "batch", "lead_id": "lead", "check_id": "check"}, ("batch_id", "lead_id")
)
SUPPRESSION = _Table("suppression", "suppression")
REVIEWS = _Table("review", "reviews", {"lead_id": "lead"}, ("lead_id",))
AUDIT = _Table("audit", "audit_log")
TABLES = (IMPORTS, LEADS, IMPORT_PROBLEMS, BATCHES, CHECKS, BATCH_ITEMS, SUPPRESSION, REVIEWS, AUDIT)

# How the report names each kind (plural), in the order it lists them.
WORDS = {
    "lead": "leads",
    "check": "checks",
    "suppression": "suppression entries",
    "import": "imports",
    "import_problem": "import problems",
    "batch": "batches",
    "batch_item": "batch items",
    "review": "reviews",
    "audit": "audit entries",
    "evidence": "evidence entries",
}


@dataclass
class CopyReport:
    """What one run copied (``copied``: kind -> rows new in the target this run) and how the target verifies."""

    source: str  # the source's identity (copies.source)
    source_head: evidence.Head
    copied: dict[str, int]
    verification: evidence.Verification | None = None

    @property
    def nothing_new(self) -> bool:
        return not any(self.copied.values())

    def counts_line(self) -> str:
        """``1,204 leads, 3,611 checks, 57 suppression entries, ... and 3,700 evidence entries``."""
        always = ("lead", "check", "suppression")
        parts = [
            f"{self.copied.get(kind, 0):,} {WORDS[kind]}"
            for kind in WORDS
            if kind != "evidence" and (kind in always or self.copied.get(kind))
        ]
        return ", ".join(parts) + f" and {self.copied.get('evidence', 0):,} evidence entries"


Progress = Callable[[str, int], None]  # (kind, rows of that kind copied so far this run)


def source_identity(conn: Connection) -> str | None:
    """The source's identity in ``copies`` (see the module doc), or None while its evidence log is empty."""
    row = conn.execute("SELECT seq, at, seat, entry_hash FROM evidence_log WHERE seq = 1").fetchone()
    if row is None:
        return None
    text = "\n".join(str(value) for value in row)
    return "store:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def copy_store(
    source: Store,
    target: Store,
    *,
    chunk: int = CHUNK,
    on_progress: Progress | None = None,
    verify: bool = True,
) -> CopyReport:
    """Copy ``source`` (an SQLite store) into ``target`` (the shared one); see the module doc. Resumable and
    idempotent. ``verify``: recompute the target's evidence log at the end (:attr:`CopyReport.verification`)."""
    if source.shared:
        raise CopyError("Leadcheck copies an SQLite file into the shared database; the source is a shared database.")
    src = source.conn
    with store_errors(f"read {source.describe}"):
        if source_identity(src) is None:  # give an empty log a first entry, and so the store an identity
            with source.transaction() as conn:
                evidence.log_event(
                    conn, "copy-source", {"note": "the first entry, so that db copy can name this store"}
                )
        identity = source_identity(src)
        assert identity is not None
        src.execute("BEGIN")  # one snapshot of the source for the whole copy
    try:
        with store_errors(f"read {source.describe}"):
            head = evidence.head(src)
        report = CopyReport(identity, head, {kind: 0 for kind in WORDS})
        copier = _Copier(src, target, identity, chunk, report, on_progress)
        for table in TABLES:
            copier.table(table)
        copier.evidence_entries(head)
        copier.copy_event(source.describe, head)
    finally:
        src.execute("ROLLBACK")  # the snapshot read nothing to keep
    if verify:
        report.verification = target.verify()
    return report


class _Copier:
    """One run of :func:`copy_store` (the source's snapshot, the target, the counts)."""

    def __init__(
        self,
        src: Connection,
        target: Store,
        identity: str,
        chunk: int,
        report: CopyReport,
        on_progress: Progress | None,
    ) -> None:
        self.src = src
        self.target = target
        self.identity = identity
        self.chunk = chunk
        self.report = report
        self.on_progress = on_progress

    # -- reading the source ----------------------------------------------------------------------------------

    def _chunks(
        self, table: str, key: str = "id", where: str = ""
    ) -> Iterable[tuple[list[str], list[tuple[Any, ...]]]]:
        last = None
        while True:
            cond = " AND ".join(part for part in (where, "" if last is None else f"{key} > ?") if part)
            sql = f"SELECT * FROM {table}{f' WHERE {cond}' if cond else ''} ORDER BY {key} LIMIT ?"
            with store_errors("read the store being copied"):
                cursor = self.src.execute(sql, (() if last is None else (last,)) + (self.chunk,))
                columns = [c[0] for c in cursor.description]
                rows = [tuple(row) for row in cursor.fetchall()]
            if not rows:
                return
            yield columns, rows
            last = rows[-1][columns.index(key)]

    # -- the id map --------------------------------------------------------------------------------------------

    def _mapped(self, conn: Connection, kind: str, ids: Iterable[Any]) -> dict[int, int]:
        """source id -> target id of the rows of ``kind`` already copied from this source."""
        wanted = sorted({int(i) for i in ids if i is not None})
        found: dict[int, int] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            rows = conn.execute(
                "SELECT source_id, target_id FROM copies WHERE source = ? AND kind = ? "
                f"AND source_id IN ({', '.join('?' * len(part))})",
                (self.identity, kind, *part),
            )
            found.update((int(s), int(t)) for s, t in rows)
        return found

    def _record(self, conn: Connection, kind: str, pairs: Sequence[tuple[int, int]], *, new: int | None = None) -> None:
        """Record copied rows in ``copies``; ``new``: how many of them count as copied (default: all)."""
        now = utcnow()
        conn.executemany(
            "INSERT INTO copies (source, kind, source_id, target_id, copied_at) VALUES (?, ?, ?, ?, ?)",
            [(self.identity, kind, s, t, now) for s, t in pairs],
        )
        self.report.copied[kind] = self.report.copied.get(kind, 0) + (len(pairs) if new is None else new)

    def _progress(self, kind: str) -> None:
        if self.on_progress is not None:
            self.on_progress(kind, self.report.copied[kind])

    # -- tables --------------------------------------------------------------------------------------------

    def table(self, spec: _Table) -> None:
        for columns, rows in self._chunks(spec.table):
            with store_errors(f"copy {WORDS.get(spec.kind, spec.kind)} into the shared database"):
                with self.target.transaction() as conn:
                    self._table_chunk(conn, spec, columns, rows)
            self._progress(spec.kind)

    def _table_chunk(self, conn: Connection, spec: _Table, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        at = columns.index("id")
        done = self._mapped(conn, spec.kind, (row[at] for row in rows))
        todo = [row for row in rows if int(row[at]) not in done]
        if not todo:
            return
        maps = {
            column: self._mapped(conn, kind, (row[columns.index(column)] for row in todo))
            for column, kind in spec.refs.items()
        }
        values = [self._remapped(spec, columns, row, maps) for row in todo]
        names = [c for c in columns if c != "id"]
        new = None
        if spec is SUPPRESSION:
            pairs, new = self._suppression(conn, names, todo, values, at)
        else:
            ids = _insert(conn, spec.table, names, values)
            pairs = [(int(row[at]), target_id) for row, target_id in zip(todo, ids, strict=True)]
        if spec is CHECKS:
            self._seal_checks(conn, pairs)
        self._record(conn, spec.kind, pairs, new=new)

    def _remapped(
        self, spec: _Table, columns: list[str], row: tuple[Any, ...], maps: dict[str, dict[int, int]]
    ) -> list[Any]:
        out = []
        for column, value in zip(columns, row, strict=True):
            if column == "id":
                continue
            if column in spec.refs and value is not None:
                mapped = maps[column].get(int(value))
                if mapped is None and column in spec.required:
                    raise CopyError(
                        f"{spec.table} row {row[columns.index('id')]} refers to {column} {value}, which the copied "
                        "store does not hold; nothing of this chunk was copied."
                    )
                value = mapped  # a reference to a row that is gone (a check's deleted batch) becomes empty
            out.append(value)
        return out

    def _suppression(
        self, conn: Connection, names: list[str], todo: list[tuple[Any, ...]], values: list[list[Any]], at: int
    ) -> tuple[list[tuple[int, int]], int]:
        """Suppression entries are unique by (kind, value, reason): one the target already has is mapped to it
        (and not counted as copied), the rest are inserted."""
        pairs: list[tuple[int, int]] = []
        new = 0
        for row, value in zip(todo, values, strict=True):
            entry = dict(zip(names, value, strict=True))
            inserted = conn.execute(
                f"INSERT INTO suppression ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
                "ON CONFLICT DO NOTHING RETURNING id",
                value,
            ).fetchone()
            if inserted is None:
                inserted = conn.execute(
                    "SELECT id FROM suppression WHERE kind = ? AND value = ? AND reason = ?",
                    (entry["kind"], entry["value"], entry["reason"]),
                ).fetchone()
            else:
                new += 1
            pairs.append((int(row[at]), int(inserted[0])))
        return pairs, new

    def _seal_checks(self, conn: Connection, pairs: list[tuple[int, int]]) -> None:
        """The copied checks' evidence entries (their rows as stored in the target, in id order), the source
        entries they stand for, and their lead links."""
        columns = ", ".join(evidence.VERIFY_COLUMNS)
        targets = [t for _, t in pairs]
        stored: dict[int, dict[str, Any]] = {}
        for start in range(0, len(targets), 500):
            part = targets[start : start + 500]
            rows = conn.execute(f"SELECT {columns} FROM checks WHERE id IN ({', '.join('?' * len(part))})", part)
            for row in rows:
                stored[int(row[0])] = dict(zip(evidence.VERIFY_COLUMNS, row, strict=True))
        with store_errors("read the store being copied"):
            source_entries = evidence.entries_for_checks(self.src, [s for s, _ in pairs])
            source_seats = evidence.seats(self.src, "check", [s for s, _ in pairs])
        entries: list[tuple[int, int]] = []
        for source_id, target_id in sorted(pairs, key=lambda pair: pair[1]):
            new_head = evidence.append(
                conn,
                "check",
                evidence.check_content(stored[target_id]),
                ref=target_id,
                made_by=source_seats.get(source_id),  # the seat that made the check, not the one copying it
            )
            if source_id in source_entries:
                entries.append((source_entries[source_id][0], new_head.entries))
        self._record(conn, "evidence", entries)
        self._links(conn, dict(pairs))

    def _links(self, conn: Connection, checks: dict[int, int]) -> None:
        ids = sorted(checks)
        with store_errors("read the store being copied"):
            links = []
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                links += self.src.execute(
                    "SELECT lead_id, check_id, counts FROM check_leads "
                    f"WHERE check_id IN ({', '.join('?' * len(part))})",
                    part,
                ).fetchall()
        leads = self._mapped(conn, "lead", (lead for lead, _, _ in links))
        conn.executemany(
            "INSERT INTO check_leads (lead_id, check_id, counts) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(leads[int(lead)], checks[int(check)], counts) for lead, check, counts in links if int(lead) in leads],
        )

    # -- the evidence log ------------------------------------------------------------------------------------

    def evidence_entries(self, head: evidence.Head) -> None:
        """Every source entry not yet stood for in the target (a copied check's entry already is) as a ``copied``
        entry holding the original whole."""
        for columns, rows in self._chunks("evidence_log", "seq", f"seq <= {int(head.entries)}"):
            with store_errors("copy the evidence log into the shared database"):
                with self.target.transaction() as conn:
                    done = self._mapped(conn, "evidence", (row[0] for row in rows))
                    pairs = []
                    for row in rows:
                        if int(row[0]) in done:
                            continue
                        original = dict(zip(columns, row, strict=True))
                        content = evidence.canonical({"copied": {"source": self.identity, "entry": original}})
                        pairs.append((int(row[0]), evidence.append(conn, "copied", content).entries))
                    self._record(conn, "evidence", pairs)
            self._progress("evidence")

    def copy_event(self, where: str, head: evidence.Head) -> None:
        """The ``copy`` entry naming the source and its head, once per source head (a second run adds none)."""
        with store_errors("copy the evidence log into the shared database"), self.target.transaction() as conn:
            if self._mapped(conn, "copy", [head.entries]):
                return
            totals = {
                str(kind): int(n)
                for kind, n in conn.execute(
                    "SELECT kind, count(*) FROM copies WHERE source = ? GROUP BY kind ORDER BY kind", (self.identity,)
                )
            }
            detail = {
                "source": self.identity,
                "from": where,
                "source_head": {"entries": head.entries, "hash": head.hash},
                "copied": totals,
                "note": "Rows copied from another Leadcheck store; its own file still verifies its original chain, "
                "whose head is source_head.",
            }
            entry = evidence.log_event(conn, "copy", detail)
            self._record(conn, "copy", [(head.entries, entry.entries)], new=0)
            self.report.copied["evidence"] += 1  # the copy entry is one of the evidence entries this run added


def _insert(conn: Connection, table: str, names: list[str], values: list[list[Any]]) -> list[int]:
    """Insert rows with ids taken inside the caller's write transaction (as an import takes its leads' ids), and
    return them in order."""
    first = int(conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0])
    ids = list(range(first, first + len(values)))
    columns = ["id", *names]
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [(new, *value) for new, value in zip(ids, values, strict=True)],
    )
    if after := conn.dialect.identity_after_explicit_ids(table):
        conn.execute(after)
    return ids
