"""Import leads from a CSV: detect → propose a mapping → import with the confirmed mapping.

The window calls :func:`inspect_csv` (format + proposed :class:`ColumnMapping` + sample rows to show), lets
the buyer change the mapping, then runs :meth:`LeadImporter.run_async` (one chunk per loop turn, so the
window keeps painting); the CLI calls :meth:`LeadImporter.run`. Both are built on :meth:`LeadImporter.steps`,
a generator yielding an :class:`ImportProgress` after each chunk.

Per row:

* Phones are stored in E.164 (``+12025551212``); emails trimmed and lower-cased; TrustedForm certificate
  URLs completed and checked; LeadiD tokens upper-cased and checked; Contact State certificate URLs checked;
  names, city, address and supplier made single-line; state upper-cased; cost read as a number (``$1,250.00``
  becomes ``1250.00``).
* A field that fails its check is not used, and the row is imported without it with a *warning* problem.
* A row with no usable phone, email, certificate URL or token cannot be checked or merged: it is *refused*.
  Every refused row is stored in ``import_problems`` with its reason and raw cells (never silently dropped);
  blank rows are only counted.
* ``source_file`` on each lead is the file's name (the full path is kept once, with the import).
* Rows naming the same phone, email, TrustedForm certificate, LeadiD token or Contact State certificate as an
  earlier row or a stored lead are **merged** into that lead: its blank fields are filled, nothing it already
  has is overwritten. A row matching two different leads is merged into the first match (phone, then email,
  certificate, token, Contact State certificate) and a warning names the other; leads are never joined.

Writes go through ``executemany`` on the Store's connection, one transaction per chunk, with lead ids assigned
inside the transaction; a killed import keeps every chunk already committed (the import's status stays
``running`` and reads as interrupted).
"""

from __future__ import annotations

import asyncio
import bisect
import gc
import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.imports.mapping import IDENTITY_FIELDS, ColumnMapping, propose_mapping
from desktop_app.imports.reader import MAX_CELL_CHARS, CsvFormat, ImportRefused, detect_format, iter_records, open_text
from desktop_app.store.batches import IMPORT_COLUMNS, BatchStore, ImportChunk, ImportProblemRow
from desktop_app.store.db import LEAD_FIELDS, Store
from desktop_app.vendors.base import InputError, utcnow
from desktop_app.vendors.validation import (
    EMAIL,
    LEADID_TOKEN,
    contactstate_url,
    leadid_token,
    normalize_email,
    normalize_phone,
    trustedform_cert_url,
)

CHUNK_ROWS = 20_000  # rows per transaction (run_async uses ASYNC_CHUNK_ROWS so the window keeps painting)
ASYNC_CHUNK_ROWS = 2000
RAW_CELL_CHARS = 1000
MAX_TEXT_CHARS = 500
KEPT_PROBLEMS = 200

_PHONE = re.compile(r"(?:\+1|1)?[\s.\-]*\(?([2-9]\d{2})\)?[\s.\-]*([2-9]\d{2})[\s.\-]*(\d{4})")
_TF_URL = re.compile(r"https://cert\.trustedform\.com/(?:[-_a-zA-Z0-9]{40}|[-_a-zA-Z0-9]{80})")
_COST = re.compile(r"^-?\d+(?:\.\d+)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class CsvPreview:
    """What the mapping dialog shows: the detected format, the proposed mapping and a few rows."""

    format: CsvFormat
    mapping: ColumnMapping

    @property
    def sample(self) -> tuple[tuple[str, ...], ...]:
        return self.format.sample


def inspect_csv(path: str | Path) -> CsvPreview:
    """Detect the file's format and propose a mapping. Raises ImportRefused for files that are not usable CSV."""
    fmt = detect_format(path)
    mapping = propose_mapping(fmt.header, fmt.sample, has_header=fmt.has_header)
    return CsvPreview(fmt, mapping)


@dataclass(frozen=True)
class ImportProgress:
    """Counts after each chunk; ``fraction`` is bytes read / file size."""

    rows_read: int
    leads_created: int
    leads_merged: int
    rows_refused: int
    warnings: int
    fraction: float
    report: ImportReport | None = None  # set on the last progress


@dataclass
class ImportReport:
    """How an import ended. ``problems`` holds the first :data:`KEPT_PROBLEMS`; all are in the database."""

    import_id: int
    source_file: str
    encoding: str
    delimiter: str
    has_header: bool
    mapping: dict[str, str]
    rows_read: int = 0
    blank_rows: int = 0
    leads_created: int = 0
    leads_merged: int = 0
    rows_refused: int = 0
    warnings: int = 0
    columns_ignored: int = 0
    seconds: float = 0.0
    problems: list[ImportProblemRow] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)  # every lead the file created or merged into, in file order

    def summary(self) -> str:
        parts = [
            f"{self.rows_read:,} rows read",
            f"{self.leads_created:,} new leads",
            f"{self.leads_merged:,} merged into existing leads",
        ]
        if self.rows_refused:
            parts.append(f"{self.rows_refused:,} rows refused")
        if self.warnings:
            parts.append(f"{self.warnings:,} fields not used")
        if self.blank_rows:
            parts.append(f"{self.blank_rows:,} blank rows skipped")
        if self.columns_ignored:
            parts.append(f"{self.columns_ignored:,} columns ignored")
        return ", ".join(parts) + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "source_file": self.source_file,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "has_header": self.has_header,
            "mapping": self.mapping,
            "rows_read": self.rows_read,
            "blank_rows": self.blank_rows,
            "leads_created": self.leads_created,
            "leads_merged": self.leads_merged,
            "rows_refused": self.rows_refused,
            "warnings": self.warnings,
            "columns_ignored": self.columns_ignored,
            "seconds": round(self.seconds, 3),
            "problems": [
                {"row": p.row_number, "severity": p.severity, "field": p.field, "reason": p.reason}
                for p in self.problems
            ],
        }


def _raw(cells: Sequence[str]) -> list[str]:
    """Cells as kept with a problem: each cut to RAW_CELL_CHARS, saying how long it was."""
    out = []
    for cell in cells[:200]:
        out.append(cell if len(cell) <= RAW_CELL_CHARS else f"{cell[:RAW_CELL_CHARS]}… ({len(cell):,} characters)")
    if len(cells) > 200:
        out.append(f"… ({len(cells) - 200:,} more cells)")
    return out


def clean_phone(value: str) -> str:
    match = _PHONE.fullmatch(value)
    if match and match.group(1)[1:] != "11":
        return "+1" + match.group(1) + match.group(2) + match.group(3)
    return normalize_phone(value).e164


def clean_email(value: str) -> str:
    lower = value.lower()
    if len(lower) <= 254 and EMAIL.match(lower):
        return lower
    return normalize_email(value)


def clean_cert_url(value: str) -> str:
    return value if _TF_URL.fullmatch(value) else trustedform_cert_url(value)


def clean_leadid(value: str) -> str:
    return value.upper() if LEADID_TOKEN.match(value) else leadid_token(value)


def clean_cs_cert_url(value: str) -> str:
    return contactstate_url(value, kind="cert")


def clean_text(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise InputError(f"{len(value):,} characters is too long for this field (at most {MAX_TEXT_CHARS}).")
    return _CONTROL.sub(" ", value).strip() if _CONTROL.search(value) else value


def clean_state(value: str) -> str:
    text = clean_text(value)
    return text.upper() if len(text) == 2 else text


def clean_cost(value: str) -> str:
    text = value.replace("$", "").replace(",", "").replace(" ", "")
    if not _COST.match(text):
        raise InputError(f"“{value[:40]}” is not an amount.")
    return text


CLEANERS: dict[str, Callable[[str], str]] = {
    "phone": clean_phone,
    "email": clean_email,
    "cert_url": clean_cert_url,
    "leadid": clean_leadid,
    "cs_cert_url": clean_cs_cert_url,
    "first_name": clean_text,
    "last_name": clean_text,
    "address": clean_text,
    "city": clean_text,
    "state": clean_state,
    "zip": clean_text,
    "supplier": clean_text,
    "cost": clean_cost,
}

POSITION = {name: i for i, name in enumerate(IMPORT_COLUMNS)}
EXTRA, SOURCE_ROW = POSITION["extra"], POSITION["source_row"]
CREATED, UPDATED = POSITION["created_at"], POSITION["updated_at"]

IDENTITY_LABELS = "phone number, email, TrustedForm or Contact State certificate URL, or LeadiD token"


class LeadImporter:
    """Imports one CSV into the store. Construct per import; call :meth:`run`, :meth:`run_async` or drive
    :meth:`steps` yourself."""

    def __init__(
        self,
        store: Store,
        path: str | Path,
        *,
        preview: CsvPreview | None = None,
        mapping: ColumnMapping | None = None,
        chunk_rows: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.batches = BatchStore(store)
        self.path = Path(path)
        self.preview = preview or inspect_csv(self.path)
        self.mapping = mapping or self.preview.mapping
        self.mapping.check()
        self._chunk_rows_given = chunk_rows is not None
        self.chunk_rows = max(1, chunk_rows or CHUNK_ROWS)
        self.clock = clock

    def run(self, on_progress: Callable[[ImportProgress], None] | None = None) -> ImportReport:
        last: ImportProgress | None = None
        for last in self.steps():
            if on_progress is not None:
                on_progress(last)
        assert last is not None and last.report is not None
        return last.report

    async def run_async(self, on_progress: Callable[[ImportProgress], None] | None = None) -> ImportReport:
        """Like :meth:`run`, giving the event loop a turn after every chunk (the window keeps painting)."""
        if not self._chunk_rows_given:
            self.chunk_rows = ASYNC_CHUNK_ROWS
        last: ImportProgress | None = None
        for last in self.steps():
            if on_progress is not None:
                on_progress(last)
            await asyncio.sleep(0)
        assert last is not None and last.report is not None
        return last.report

    def steps(self) -> Iterator[ImportProgress]:
        """Import chunk by chunk, yielding progress after each committed chunk; the last carries the report."""
        started = self.clock()
        fmt = self.preview.format
        mapping = self.mapping
        import_id = self.batches.start_import(
            str(self.path),
            encoding=fmt.encoding_label,
            delimiter=fmt.delimiter,
            has_header=fmt.has_header,
            mapping=mapping.as_dict(),
        )
        report = ImportReport(
            import_id=import_id,
            source_file=str(self.path),
            encoding=fmt.encoding_label,
            delimiter=fmt.delimiter,
            has_header=fmt.has_header,
            mapping=mapping.as_dict(),
            columns_ignored=mapping.ignored,
        )
        status = "failed"
        try:
            yield from self._import(fmt, mapping, report)
            status = "done"
        finally:
            self.batches.finish_import(import_id, status)
        report.seconds = self.clock() - started
        yield ImportProgress(
            report.rows_read,
            report.leads_created,
            report.leads_merged,
            report.rows_refused,
            report.warnings,
            1.0,
            report,
        )

    def _import(self, fmt: CsvFormat, mapping: ColumnMapping, report: ImportReport) -> Iterator[ImportProgress]:
        """Read and clean on a helper thread (:class:`_RowReader`), write here: the one writer stays the caller.

        The reader numbers new leads itself (``-pid`` in its key map); each written chunk's pids map to the ids
        the database gave them, so a later row merging into an earlier lead is resolved here."""
        keys: dict[str, int] = {}
        for lead_id, *stored in self.batches.lead_keys():
            for value in stored:
                if value:
                    keys.setdefault(value, lead_id)
        reader = _RowReader(fmt, mapping, keys, self.chunk_rows)
        thread = threading.Thread(target=reader.run, name="csv-import-reader", daemon=True)
        touched: dict[int, None] = {}
        firsts: list[int] = []  # first pid of each written chunk
        bases: list[int] = []  # first database id of each written chunk

        def resolve(ref: int) -> int:
            if ref > 0:
                return ref
            pid = -ref
            k = bisect.bisect_right(firsts, pid) - 1
            return bases[k] + pid - firsts[k]

        gc_was_enabled = gc.isenabled()
        gc.disable()  # a bulk load creates no cycles; collecting millions of young rows costs ~15%
        conn = self.store.db.conn
        cache = int(conn.execute("PRAGMA cache_size").fetchone()[0])
        # Five indexes take random inserts: a page cache sized to the file (up to 256 MiB) keeps them in memory.
        conn.execute(f"PRAGMA cache_size = -{min(262_144, max(8192, fmt.size // 1024))}")
        thread.start()
        try:
            while True:
                chunk = reader.next_chunk()
                if chunk is None:
                    break
                if chunk.updates:
                    chunk.updates = {resolve(ref): values for ref, values in chunk.updates.items()}
                now = utcnow()
                for row in chunk.new_leads:
                    row[CREATED] = row[UPDATED] = now
                    if row[EXTRA] is not None:
                        row[EXTRA] = json.dumps(row[EXTRA], ensure_ascii=False)
                ids = self.batches.write_import_chunk(report.import_id, chunk)
                if ids:
                    firsts.append(chunk.first_pid)
                    bases.append(ids[0])
                for ref in chunk.touch:
                    touched[resolve(ref)] = None
                self._count(chunk, report)
                yield self._progress(report, reader.fraction)
        finally:
            reader.stop()
            thread.join(timeout=30)
            conn.execute(f"PRAGMA cache_size = {cache}")
            if gc_was_enabled:
                gc.enable()
        report.blank_rows = reader.blank_rows
        report.lead_ids = list(touched)
        yield self._progress(report, 1.0)

    @staticmethod
    def _count(chunk: ImportChunk, report: ImportReport) -> None:
        report.rows_read += chunk.rows_read
        report.leads_created += len(chunk.new_leads)
        report.leads_merged += chunk.merged
        refused = sum(1 for p in chunk.problems if p.severity == "refused")
        report.rows_refused += refused
        report.warnings += len(chunk.problems) - refused
        room = KEPT_PROBLEMS - len(report.problems)
        if room > 0:
            report.problems.extend(chunk.problems[:room])

    @staticmethod
    def _progress(report: ImportReport, fraction: float) -> ImportProgress:
        return ImportProgress(
            report.rows_read,
            report.leads_created,
            report.leads_merged,
            report.rows_refused,
            report.warnings,
            min(1.0, fraction),
        )


class _RowReader:
    """Reads, cleans and merges rows into chunks on a helper thread; :meth:`next_chunk` hands them over.

    Nothing here touches the database. New leads get pids (1, 2, ...) and are known in ``keys`` as ``-pid``;
    a row matching a lead of the chunk being built is merged in memory, one matching anything older becomes an
    update the writer resolves.
    """

    def __init__(self, fmt: CsvFormat, mapping: ColumnMapping, keys: dict[str, int], chunk_rows: int) -> None:
        self.fmt = fmt
        self.mapping = mapping
        self.keys = keys
        self.chunk_rows = chunk_rows
        self.blank_rows = 0
        self.fraction = 0.0
        self._queue: queue.Queue[ImportChunk | BaseException | None] = queue.Queue(maxsize=2)
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()
        while True:  # unblock a reader waiting to hand over a chunk
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def next_chunk(self) -> ImportChunk | None:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def _put(self, item: ImportChunk | BaseException | None) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        try:
            self._read()
        except BaseException as exc:  # handed to the writer, which raises it
            self._put(exc)
        else:
            self._put(None)

    def _read(self) -> None:
        fmt, mapping, keys = self.fmt, self.mapping, self.keys
        # The hot loop works on lists in IMPORT_COLUMNS order (plus the id, last), not dicts: a million rows.
        plain = ("first_name", "last_name", "address", "city", "zip", "supplier")
        mapped = [(i, POSITION[f], f, None if f in plain else CLEANERS[f]) for i, f in mapping.mapped()]
        extras = mapping.extras()
        identity_positions = [POSITION[f] for f in IDENTITY_FIELDS]
        blank = [None] * len(LEAD_FIELDS)
        tail = [None, fmt.path.name, 0, "", "", None]  # extra, source_file, source_row, created, updated, id
        size = max(fmt.size, 1)
        next_pid = 1
        raw, text = open_text(fmt.path, fmt.encoding)
        try:
            chunk = ImportChunk(first_pid=next_pid)
            header_pending = fmt.has_header
            for number, cells, unreadable in iter_records(text, fmt.delimiter):
                if cells is None:
                    chunk.rows_read += 1
                    chunk.problems.append(ImportProblemRow(number, "refused", unreadable or "Unreadable row.", []))
                    continue
                if not any(cells) or not any(c.strip() for c in cells):
                    self.blank_rows += 1
                    continue
                if header_pending:  # the first non-blank row names the columns
                    header_pending = False
                    continue
                chunk.rows_read += 1
                row: list[Any] = blank + tail
                problems: list[tuple[str, str]] = []
                width = len(cells)
                for index, position, name, cleaner in mapped:
                    if index >= width or not (cell := cells[index].strip()):
                        continue
                    if len(cell) > MAX_TEXT_CHARS:
                        if len(cell) > MAX_CELL_CHARS:
                            problems.append((name, f"The {name} cell is {len(cell):,} characters long; not used."))
                            continue
                        if cleaner is None:
                            problems.append((name, f"{name}: {len(cell):,} characters is too long; not used."))
                            continue
                    if cleaner is None:
                        row[position] = cell if cell.isprintable() else _CONTROL.sub(" ", cell).strip()
                        continue
                    try:
                        row[position] = cleaner(cell)
                    except InputError as exc:
                        problems.append((name, f"{name}: {exc}"))
                if extras:
                    extra = {}
                    for index, column in extras:
                        if index < width and (cell := cells[index].strip()):
                            if len(cell) > MAX_CELL_CHARS:
                                why = f"The “{column}” cell is {len(cell):,} characters long; it was not kept."
                                problems.append((column, why))
                            else:
                                extra[column] = cell
                    if extra:
                        row[EXTRA] = extra
                identity = [row[p] for p in identity_positions if row[p] is not None]
                if not identity:
                    why = "; ".join(p[1] for p in problems)
                    reason = f"The row has no usable {IDENTITY_LABELS}" + (f" ({why})." if why else ".")
                    chunk.problems.append(ImportProblemRow(number, "refused", reason, _raw(cells)))
                    continue
                target: int | None = None
                for value in identity:
                    found = keys.get(value)
                    if found is not None:
                        if target is None:
                            target = found
                        elif found != target:
                            problems.append(("", f"Also matches another lead (by {value}); merged into one only."))
                if target is None:
                    ref = -next_pid
                    next_pid += 1
                    row[SOURCE_ROW] = number
                    chunk.new_leads.append(row)
                else:
                    chunk.merged += 1
                    ref = target
                    if target < 0 and -target >= chunk.first_pid:
                        _fill_row(chunk.new_leads[-target - chunk.first_pid], row)
                    else:
                        _fill(chunk.updates.setdefault(target, {}), row)
                chunk.touch.append(ref)
                for value in identity:
                    if value not in keys:
                        keys[value] = ref
                for name, reason in problems:
                    chunk.problems.append(ImportProblemRow(number, "warning", reason, _raw(cells), field=name or None))
                if len(chunk.new_leads) + len(chunk.updates) >= self.chunk_rows:
                    self.fraction = min(1.0, raw.tell() / size)
                    if not self._put(chunk):
                        return
                    chunk = ImportChunk(first_pid=next_pid)
            if chunk.new_leads or chunk.updates or chunk.problems or chunk.rows_read:
                self._put(chunk)
        finally:
            text.close()
            raw.close()


def _fill(into: dict[str, Any], row: list[Any]) -> None:
    """Merge a row (IMPORT_COLUMNS order) into the fields to fill on a stored lead; earlier rows win."""
    for position, name in enumerate(LEAD_FIELDS):
        if row[position] is not None and not into.get(name):
            into[name] = row[position]
    if row[EXTRA]:
        extra = into.setdefault("extra", {})
        for key, cell in row[EXTRA].items():
            extra.setdefault(key, cell)


def _fill_row(into: list[Any], row: list[Any]) -> None:
    """Merge a row into a new lead of the same chunk without overwriting anything it has."""
    for position in range(len(LEAD_FIELDS)):
        if into[position] is None and row[position] is not None:
            into[position] = row[position]
    if row[EXTRA]:
        if into[EXTRA] is None:
            into[EXTRA] = {}
        for key, cell in row[EXTRA].items():
            into[EXTRA].setdefault(key, cell)


def import_csv(
    store: Store,
    path: str | Path,
    *,
    overrides: Sequence[tuple[str, str]] = (),
    on_progress: Callable[[ImportProgress], None] | None = None,
) -> ImportReport:
    """Detect, propose, apply ``overrides`` (``--map COLUMN=FIELD``) and import: the CLI's one call."""
    preview = inspect_csv(path)
    mapping = preview.mapping.apply(overrides) if overrides else preview.mapping
    return LeadImporter(store, path, preview=preview, mapping=mapping).run(on_progress)


__all__ = [
    "CsvPreview",
    "ImportProgress",
    "ImportRefused",
    "ImportReport",
    "LeadImporter",
    "import_csv",
    "inspect_csv",
]
