"""CSV imports on the :class:`~desktop_app.store.db.Store`'s connection: the import's row, its chunks of new leads,
the rows it recognised or could not use.

Tables (schema steps ``_v2`` and ``_v3`` in :mod:`desktop_app.store.schema`)::

    imports          one row per CSV import: file, detected format, confirmed mapping, counts, status
    import_problems  every row (or field) an import could not use, or recognised as a purchase already stored,
                     with the reason and the raw cells

Each chunk is one transaction with its lead ids taken inside it (:meth:`ImportStore.write_import_chunk`): a
killed import keeps every chunk already committed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from desktop_app.store import evidence
from desktop_app.store.backend import Connection
from desktop_app.store.db import Store
from desktop_app.store.errors import store_errors
from desktop_app.store.fields import IMPORT_FIELDS
from desktop_app.vendors.results import utcnow


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


# Lead columns an import writes row by row, in this order (``extra`` holds the unmapped columns as JSON). The
# columns with one value for a whole chunk (source_file, created_at, updated_at, import_id) are written as SQL
# literals (binding the same value a million times costs more than the row's own fields do).
IMPORT_COLUMNS = (*IMPORT_FIELDS, "extra", "source_row", "row_key")


@dataclass(frozen=True)
class ImportProblemRow:
    """A row (or one field of it) an import could not use. ``raw`` is the row's cells as read."""

    row_number: int
    # "refused" (the row was not imported), "warning" (imported without the bad field) or "recognised" (the same
    # purchase as a stored lead: nothing was added)
    severity: str
    reason: str
    raw: list[str]
    field: str | None = None
    lead_id: int | None = None


@dataclass
class ImportChunk:
    """One transaction's worth of import work: new leads (:attr:`values`, a list per column of :attr:`columns`),
    rows recognised as a purchase already seen (row number, lead id, or ``-pid`` of a new lead of this chunk, which
    :meth:`ImportStore.write_import_chunk` resolves) and problems."""

    # The new leads' values, a list per column of ``columns`` (column-major: built with C-level extends and bound
    # as they are, with no list per row)
    values: list[list[Any]] = field(default_factory=list)
    recognised: list[tuple[int, int]] = field(default_factory=list)
    problems: list[ImportProblemRow] = field(default_factory=list)
    rows_read: int = 0
    touch: list[int] = field(default_factory=list)  # the lead each used row went to (importer's references)
    first_pid: int = 0  # the importer's number for the first new lead
    # The IMPORT_COLUMNS a new lead may have a value in, in its row's order; the others are left NULL without
    # binding a parameter each (sqlite3 binds None through its adapter lookup: half the cost of a bulk insert).
    columns: tuple[str, ...] = IMPORT_COLUMNS
    source_file: str = ""  # the file's name, on every lead of the chunk
    created_at: str = ""  # the chunk's leads' created_at and updated_at
    # pid -> id of a new lead that another import stored meanwhile (written by write_import_chunk)
    replaced: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.values:
            self.values = [[] for _ in self.columns]

    @property
    def size(self) -> int:
        """How many new leads the chunk holds."""
        return len(self.values[0])


class ImportStore:
    """Reads and writes imports and their problems through ``store``'s connection."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Leads another process (or seat) stored while this import runs: row key -> id, read a piece per chunk, so
        # that two imports of one file at once create each lead once (see write_import_chunk).
        self._others: dict[bytes, int] = {}
        self._seen_to = 0  # the highest lead id already looked at for other imports' rows
        self._digests: dict[int, evidence.LeadsDigest] = {}  # import id -> its written leads so far (finish_import)

    @property
    def conn(self) -> Connection:
        return self.store.connection

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, tuple(params))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

    def start_import(
        self, source_file: str, *, encoding: str, delimiter: str, has_header: bool, mapping: Mapping[str, Any]
    ) -> int:
        with self.store.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO imports (source_file, encoding, delimiter, has_header, mapping, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?) RETURNING id",
                (source_file, encoding, delimiter, int(has_header), _json(mapping), utcnow()),
            )
            import_id = int(cur.fetchone()[0])
            # every lead stored from here on that this import did not write is looked at (the key map is read after)
            self._seen_to = int(conn.execute("SELECT coalesce(max(id), 0) FROM leads").fetchone()[0])
            return import_id

    def lead_keys(self) -> Iterator[tuple[int, str | None, str | None, str | None]]:
        """(id, row_key, cert_url, leadid) of every stored lead: what an import recognises a purchase by."""
        return self.lead_keys_on(self.conn)

    @staticmethod
    def lead_keys_on(conn: Connection) -> Iterator[tuple[int, str | None, str | None, str | None]]:
        """:meth:`lead_keys` read through ``conn`` (another thread's connection of its own)."""
        cursor = conn.stream("SELECT id, row_key, cert_url, leadid FROM leads ORDER BY id")
        try:
            while rows := cursor.fetchmany(10_000):
                yield from rows
        finally:
            cursor.close()  # a server-side cursor (team mode) is released on the server

    def write_import_chunk(self, import_id: int, chunk: ImportChunk) -> list[int]:
        """Write one chunk in one transaction; returns the ids given to the chunk's new leads (in order: the
        ``k``-th is the id of pid ``chunk.first_pid + k``), taken inside the transaction (so another writer cannot
        take them in between). A lead another import stored meanwhile is not written; its id stays unused."""
        with store_errors("save the imported leads"), self.store.transaction() as conn:
            same: dict[str, str | int] = {
                "source_file": chunk.source_file,
                "created_at": chunk.created_at,
                "updated_at": chunk.created_at,
                "import_id": import_id,
            }
            columns = [*chunk.columns, "id"]
            insert = (
                f"INSERT INTO leads ({', '.join([*columns, *same])}) VALUES ({', '.join('?' * len(columns))}, "
                f"{', '.join(map(conn.dialect.literal, same.values()))})"
            )
            conn.lock_writes()  # ids taken and rows recognised one import at a time
            first = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM leads").fetchone()[0])
            ids = range(first, first + chunk.size)
            written: Sequence[int] = self._drop_stored_meanwhile(conn, import_id, chunk, ids)
            if written:
                conn.executemany(insert, zip(*chunk.values, written, strict=True))
                if after := conn.dialect.identity_after_explicit_ids("leads"):
                    conn.execute(after)
            # a recognised row of a lead new in this chunk refers to it as -pid: its id is known now
            chunk.recognised = [
                (row, ref if ref > 0 else chunk.replaced.get(-ref) or ids[-ref - chunk.first_pid])
                for row, ref in chunk.recognised
            ]
            problems = chunk.problems + self._recognised(conn, chunk.recognised)
            if problems:
                conn.executemany(
                    "INSERT INTO import_problems (import_id, row_number, severity, field, reason, raw, lead_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (import_id, p.row_number, p.severity, p.field, p.reason, _json(p.raw), p.lead_id)
                        for p in problems
                    ],
                )
            refused = sum(1 for p in chunk.problems if p.severity == "refused")
            conn.execute(
                "UPDATE imports SET rows_read = rows_read + ?, leads_created = leads_created + ?, "
                "rows_recognised = rows_recognised + ?, rows_refused = rows_refused + ?, warnings = warnings + ? "
                "WHERE id = ?",
                (
                    chunk.rows_read,
                    chunk.size,
                    len(chunk.recognised),
                    refused,
                    len(chunk.problems) - refused,
                    import_id,
                ),
            )
            chunk.problems = problems
            self._seen_to = max(
                self._seen_to, int(conn.execute("SELECT coalesce(max(id), 0) FROM leads").fetchone()[0])
            )
        digest = self._digests.setdefault(import_id, evidence.LeadsDigest())
        # committed: in id order, after earlier chunks'
        digest.add(written, chunk.values[chunk.columns.index("row_key")])
        return list(ids)

    def _drop_stored_meanwhile(
        self, conn: Connection, import_id: int, chunk: ImportChunk, ids: Sequence[int]
    ) -> Sequence[int]:
        """Inside the chunk's write transaction: a new lead whose row another import stored since this one began
        (another process or seat importing the same file at the same time) is not written again; its row is
        recognised as that lead, and ``chunk.replaced`` maps its pid to it (the id set aside for it stays unused).
        Returns the ids of the leads left to write (``ids``: one per new lead). The key map the importer read at the
        start could not know them; the write lock makes this look and the insert one step."""
        cursor = conn.execute(
            "SELECT id, row_key FROM leads WHERE id > ? AND coalesce(import_id, 0) <> ? AND row_key IS NOT NULL",
            (self._seen_to, import_id),
        )
        for lead_id, key in cursor.fetchall():
            self._others.setdefault(bytes(key), int(lead_id))
        if not self._others or not chunk.size:
            return ids
        keys, rows = chunk.values[chunk.columns.index("row_key")], chunk.values[chunk.columns.index("source_row")]
        kept: list[bool] = []
        for offset, key in enumerate(keys):
            stored = self._others.get(bytes(key)) if key is not None else None
            kept.append(stored is None)
            if stored is not None:
                chunk.replaced[chunk.first_pid + offset] = stored
                chunk.recognised.append((int(rows[offset] or 0), stored))
        if all(kept):
            return ids
        chunk.values = [list(compress(column, kept)) for column in chunk.values]
        return list(compress(ids, kept))

    @staticmethod
    def _recognised(conn: Connection, recognised: Sequence[tuple[int, int]]) -> list[ImportProblemRow]:
        """A ``recognised`` entry per row that was the same purchase as a stored lead, saying where it was first
        seen (file and row)."""
        ids = sorted({lead_id for _, lead_id in recognised})
        origin: dict[int, tuple[Any, Any]] = {}
        for start in range(0, len(ids), 500):  # one read per 500 leads, not one per row (a re-imported file)
            part = ids[start : start + 500]
            marks = ", ".join("?" * len(part))
            for lead_id, source_file, source_row in conn.execute(
                f"SELECT id, source_file, source_row FROM leads WHERE id IN ({marks})", part
            ):
                origin[int(lead_id)] = (source_file, source_row)
        out = []
        for row_number, lead_id in recognised:
            found = origin.get(lead_id)
            where = f"first seen in {found[0]}, row {found[1]}" if found and found[0] else "added by hand"
            reason = f"The same purchase as lead #{lead_id} ({where}); nothing new was added."
            out.append(ImportProblemRow(row_number, "recognised", reason, [], lead_id=lead_id))
        return out

    def finish_import(self, import_id: int, status: str) -> None:
        """Mark the import ended and log it: the file, the mapping, the counts, and a digest of the leads it
        created (each lead's id and row key, so a later edit of an imported lead shows in ``verify``)."""
        with store_errors("save the import"), self.store.transaction() as conn:
            conn.execute("UPDATE imports SET status = ?, finished_at = ? WHERE id = ?", (status, utcnow(), import_id))
            info = conn.execute(
                "SELECT source_file, encoding, delimiter, has_header, mapping, status, rows_read, leads_created, "
                "rows_recognised, rows_refused, warnings, started_at, finished_at FROM imports WHERE id = ?",
                (import_id,),
            ).fetchone()
            names = (
                "source_file", "encoding", "delimiter", "has_header", "mapping", "status", "rows_read",
                "leads_created", "rows_recognised", "rows_refused", "warnings", "started_at", "finished_at",
            )  # fmt: skip
            detail = dict(zip(names, info, strict=True))
            detail["import_id"] = import_id
            written = self._digests.pop(import_id, None)
            detail["leads"] = written.value() if written is not None else evidence.leads_digest(conn, import_id)
            evidence.log_event(conn, "import", detail, ref=import_id)

    def import_info(self, import_id: int) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM imports WHERE id = ?", [import_id])
        if not rows:
            return None
        info = rows[0]
        info["mapping"] = json.loads(info["mapping"] or "{}")
        return info

    @staticmethod
    def iter_import_problems(conn: Connection, import_id: int) -> Iterator[tuple[Any, ...]]:
        """(row_number, severity, field, reason, raw cells) of every problem of an import, in row order, through
        ``conn`` (a worker thread's connection of its own: an import may have a million)."""
        with store_errors("read the import's problems"):
            cursor = conn.execute(
                "SELECT row_number, severity, field, reason, raw FROM import_problems WHERE import_id = ? "
                "ORDER BY row_number, id",
                (import_id,),
            )
            while batch := cursor.fetchmany(5000):
                for row_number, severity, field_name, reason, raw in batch:
                    yield row_number, severity, field_name, reason, json.loads(raw)

    def import_problems(self, import_id: int, *, limit: int | None = None) -> list[ImportProblemRow]:
        sql = (
            "SELECT row_number, severity, reason, raw, field, lead_id FROM import_problems "
            "WHERE import_id = ? ORDER BY row_number, id"
        )
        params: list[Any] = [import_id]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [
            ImportProblemRow(
                row_number=r["row_number"],
                severity=r["severity"],
                reason=r["reason"],
                raw=json.loads(r["raw"]),
                field=r["field"],
                lead_id=r["lead_id"],
            )
            for r in self._rows(sql, params)
        ]
