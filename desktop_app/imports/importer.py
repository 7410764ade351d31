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
* A row with no usable phone, email, certificate URL or token cannot be checked: it is *refused*.
  Every refused row is stored in ``import_problems`` with its reason and raw cells (never silently dropped);
  blank rows are only counted.
* ``source_file`` on each lead is the file's name (the full path is kept once, with the import).
* Each row is one purchase and becomes one lead. Only the **same purchase** seen again is recognised: a row
  whose cleaned contents (every mapped field and extra column) equal a stored lead's or an earlier row's, such
  as a file imported twice. It adds nothing; a ``recognised`` entry says which lead it is and where it was first
  seen (file, row). Rows sharing a phone or email stay separate leads of one consumer; a row sharing a
  TrustedForm certificate or LeadiD token with another lead but differing in anything else is kept as a lead
  of its own, with a warning naming the other (evidence is never dropped to make two purchases one).

Writes go through ``executemany`` on the Store's connection, one transaction per chunk, with lead ids assigned
inside the transaction; a killed import keeps every chunk already committed (the import's status stays
``running`` and reads as interrupted).

Speed (a million rows; ``scripts/bench_batch.py`` part (b)): rows are cleaned a batch of :data:`BATCH_ROWS` at a
time, column by column, the usual cells in one C-level pass per column (:data:`BATCH_CLEANERS`) and the others
through the field's cleaner; merging is one dict ``setdefault`` per value; only mapped columns are bound. A
large import into a small table (:meth:`LeadImporter.run`, the CLI) drops the five lead indexes and builds them
again at its end; a kill in between leaves them to :class:`Store`, which creates missing ones when it opens.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import functools
import gc
import json
import operator
import queue
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from desktop_app.imports.mapping import IDENTITY_FIELDS, ColumnMapping, propose_mapping
from desktop_app.imports.reader import MAX_CELL_CHARS, CsvFormat, ImportRefused, detect_format, iter_records, open_text
from desktop_app.store.db import Store
from desktop_app.store.fields import LEAD_FIELDS
from desktop_app.store.imports import IMPORT_COLUMNS, ImportChunk, ImportProblemRow, ImportStore
from desktop_app.store.lead_table import reader
from desktop_app.store.links import row_keys
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
ASYNC_CHUNK_ROWS = 250  # measured: longest loop stall 54 ms on 200k rows (2,000: 293 ms), same wall time
READER_WAIT_SECONDS = 0.005  # run_async: how long the loop sleeps when the reader thread has no chunk ready
BATCH_ROWS = 1000  # rows cleaned column by column at a time (a 20,000-row batch no longer fits the CPU cache)
BULK_ROWS = 50_000  # from this many rows, rebuilding the lead indexes beats updating them (see LeadImporter)
KEY_SHARDS = 256  # the merge-key map's dicts (see KeyMap): a resize rehashes one of them, not millions of keys
SHARD_MASK = KEY_SHARDS - 1
# run_async's reader thread, when it works through millions of keys, sleeps this long every so often (every
# PAUSE_EVERY_ROWS stored leads mapped, every BIG_SHARD-key shard freed): a thread busy in Python makes the
# window's thread wait for the GIL on each of the many times a frame needs it, and a 100 ms frame was measured.
READER_PAUSE_SECONDS = 0.002
PAUSE_EVERY_ROWS = 5000
BIG_SHARD = 4096
RAW_CELL_CHARS = 1000
MAX_TEXT_CHARS = 500
KEPT_PROBLEMS = 200

_PHONE_SEPARATORS = str.maketrans("", "", " ().-")
# The usual layouts with the rules of normalize_phone built in: area and exchange start with 2-9, the area code
# is not a service code (N11), an optional +1 or 1 in front. ASCII only; any other cell goes cell by cell.
_PHONE_LAYOUT = re.compile(r"(?:\+1|1)?[ .\-]*\(?([2-9](?!11)[0-9]{2})\)?[ .\-]*([2-9][0-9]{2})[ .\-]*([0-9]{4})")
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
    rows_recognised: int
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
    rows_recognised: int = 0
    rows_refused: int = 0
    warnings: int = 0
    columns_ignored: int = 0
    seconds: float = 0.0
    problems: list[ImportProblemRow] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)  # every lead the file created or recognised, in file order

    def summary(self) -> str:
        parts = [
            f"{self.rows_read:,} rows read",
            f"{self.leads_created:,} new leads",
            f"{self.rows_recognised:,} recognised as already imported",
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
            "rows_recognised": self.rows_recognised,
            "rows_refused": self.rows_refused,
            "warnings": self.warnings,
            "columns_ignored": self.columns_ignored,
            "seconds": round(self.seconds, 3),
            "problems": [
                {
                    "row": p.row_number,
                    "severity": p.severity,
                    "field": p.field,
                    "reason": p.reason,
                    "lead_id": p.lead_id,
                }
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
    """E.164 for a stripped phone cell. The usual layouts (ASCII digits with spaces, brackets, dots, dashes and a
    leading ``+1`` or ``1``) are read here without a regex, with the same rules; anything else, and every
    refusal, goes through :func:`normalize_phone`, which gives the same number or says why not."""
    digits = value.translate(_PHONE_SEPARATORS)
    if digits[:1] == "+":
        digits = digits[2:] if value[:2] == "+1" else ""
    elif len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if (
        len(digits) == 10
        and digits.isdigit()
        and digits.isascii()
        and digits[0] not in "01"
        and digits[3] not in "01"
        and digits[1:3] != "11"
    ):
        return "+1" + digits
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
    if value.isprintable():  # no control characters (the usual case, without a regex)
        return value
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


def _batch_phones(column: list[str]) -> tuple[list[Any], list[Any]]:
    usual = list(map(_PHONE_LAYOUT.fullmatch, column))
    return ["+1" + "".join(match.groups()) if match else None for match in usual], usual


def _batch_emails(column: list[str]) -> tuple[list[Any], list[Any]]:
    lower = list(map(str.lower, column))
    if max(map(len, lower)) > 254:
        return lower, [None] * len(lower)
    return lower, list(map(EMAIL.match, lower))


def _batch_cert_urls(column: list[str]) -> tuple[list[Any], list[Any]]:
    return column, list(map(_TF_URL.fullmatch, column))


def _batch_leadids(column: list[str]) -> tuple[list[Any], list[Any]]:
    return list(map(str.upper, column)), list(map(LEADID_TOKEN.match, column))


def _batch_texts(column: list[str]) -> tuple[list[Any], list[Any]]:
    return column, list(map(str.isprintable, column))


def _batch_states(column: list[str]) -> tuple[list[Any], list[Any]]:
    return [value.upper() if len(value) == 2 else value for value in column], list(map(str.isprintable, column))


# Whole-column cleaning of a batch of stripped cells no longer than MAX_TEXT_CHARS, with C-level ``map`` calls
# instead of a Python call per cell: (values, ok). Where ``ok`` is true the value is exactly what the field's
# cleaner (or the plain-text rule) gives for that cell; the other non-blank cells go through the cleaner.
BATCH_CLEANERS: dict[str, Callable[[list[str]], tuple[list[Any], list[Any]]]] = {
    "phone": _batch_phones,
    "email": _batch_emails,
    "cert_url": _batch_cert_urls,
    "leadid": _batch_leadids,
    "first_name": _batch_texts,
    "last_name": _batch_texts,
    "address": _batch_texts,
    "city": _batch_texts,
    "state": _batch_states,
    "zip": _batch_texts,
    "supplier": _batch_texts,
}

# Text fields the reader only makes single-line (inline: clean_text costs a call per cell).
PLAIN_FIELDS = frozenset({"first_name", "last_name", "address", "city", "zip", "supplier"})

POSITION = {name: i for i, name in enumerate(IMPORT_COLUMNS)}
EXTRA, SOURCE_ROW, ROW_KEY = POSITION["extra"], POSITION["source_row"], POSITION["row_key"]
CERT_URL, LEADID = POSITION["cert_url"], POSITION["leadid"]
# What a second lead sharing one of these with another is warned about (it is still a purchase of its own).
SHARED_EVIDENCE = ((CERT_URL, "TrustedForm certificate"), (LEADID, "LeadiD token"))

_IDENTITY_POSITIONS = frozenset(POSITION[f] for f in IDENTITY_FIELDS)
_NONE = repeat(None)  # a column no file cell maps to


IDENTITY_LABELS = "phone number, email, TrustedForm or Contact State certificate URL, or LeadiD token"


def estimated_rows(fmt: CsvFormat) -> int:
    """About how many rows the file has, from its size and the length of its sample rows."""
    if not fmt.sample:
        return 0
    chars = sum(len(fmt.delimiter.join(row)) + 1 for row in fmt.sample) / len(fmt.sample)
    return int(fmt.size / max(chars, 1.0))


class LeadImporter:
    """Imports one CSV into the store. Construct per import; call :meth:`run`, :meth:`run_async` or drive
    :meth:`steps` yourself.

    ``rebuild_indexes``: drop the lead indexes for the import and build them again at its end. ``None`` (the
    default) decides by size: yes for :meth:`run` and :meth:`steps` when the file has at least :data:`BULK_ROWS`
    rows (estimated from its size) and the database holds no more leads than that; never for :meth:`run_async`
    (building the indexes is one statement of several seconds for a million leads, which would stop the
    window from painting).
    """

    def __init__(
        self,
        store: Store,
        path: str | Path,
        *,
        preview: CsvPreview | None = None,
        mapping: ColumnMapping | None = None,
        chunk_rows: int | None = None,
        rebuild_indexes: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.imports = ImportStore(store)
        self.path = Path(path)
        self.preview = preview or inspect_csv(self.path)
        self.mapping = mapping or self.preview.mapping
        self.mapping.check()
        self._chunk_rows_given = chunk_rows is not None
        self.chunk_rows = max(1, chunk_rows or CHUNK_ROWS)
        self.rebuild_indexes = rebuild_indexes
        self.clock = clock
        self._in_loop = False

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
        self._in_loop = True
        last: ImportProgress | None = None
        for step in self._steps():
            if step is None:  # the reader thread has no chunk ready: let the loop run instead of blocking on it
                await asyncio.sleep(READER_WAIT_SECONDS)
                continue
            last = step
            if on_progress is not None:
                on_progress(last)
            await asyncio.sleep(0)
        assert last is not None and last.report is not None
        return last.report

    def steps(self) -> Iterator[ImportProgress]:
        """Import chunk by chunk, yielding progress after each committed chunk; the last carries the report.

        When the import rebuilds the lead indexes, that happens after the last chunk's progress."""
        for step in self._steps():
            if step is not None:
                yield step

    def _steps(self) -> Iterator[ImportProgress | None]:
        """:meth:`steps`, plus None whenever the reader thread (run_async only) has no chunk ready yet."""
        started = self.clock()
        fmt = self.preview.format
        mapping = self.mapping
        import_id = self.imports.start_import(
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
            self.imports.finish_import(import_id, status)
        report.seconds = self.clock() - started
        yield ImportProgress(
            report.rows_read,
            report.leads_created,
            report.rows_recognised,
            report.rows_refused,
            report.warnings,
            1.0,
            report,
        )

    def _import(self, fmt: CsvFormat, mapping: ColumnMapping, report: ImportReport) -> Iterator[ImportProgress | None]:
        """Read and clean rows (:class:`_RowReader`), write each chunk here: the one writer stays the caller.

        :meth:`run` reads on the caller's thread too (a reader thread would only contend for the GIL with the
        writer); :meth:`run_async` reads on a helper thread so the loop only pays for the writes. The reader
        numbers new leads itself (``-pid`` in its key map); each written chunk's pids map to the ids the database
        gave them, so a later row merging into an earlier lead is resolved here."""
        keys = KeyMap()
        stored_leads: int | None = None
        load_keys: Callable[[], object] | None = None
        if self._in_loop:  # mapping a million stored leads takes seconds: the reader thread does it first
            load_keys = functools.partial(_map_stored_keys_from, Path(self.store.path), keys)
        else:
            stored_leads = _map_stored_keys(self.imports.lead_keys(), keys)
        rebuild = self.rebuild_indexes
        if rebuild is None:
            rows = estimated_rows(fmt)
            rebuild = stored_leads is not None and rows >= BULK_ROWS and stored_leads <= rows
        reader = _RowReader(fmt, mapping, keys, self.chunk_rows, import_id=report.import_id, load_keys=load_keys)
        chunks = reader.threaded() if self._in_loop else reader.chunks()
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
        # The lead indexes take random inserts: a page cache sized to the file (up to 256 MiB) keeps them in memory.
        cache = self.store.set_cache_size(-min(262_144, max(8192, fmt.size // 1024)))
        try:
            if rebuild:
                # Merging looks up the key map above, not the indexes, so dropping them changes no result. A
                # kill before they are back leaves them to Store() on the next start (ensure_lead_indexes).
                self.store.drop_lead_indexes()
            for chunk in chunks:
                if chunk is None:
                    yield None
                    continue
                if chunk.recognised:  # leads of earlier chunks; this chunk's own are resolved as it is written
                    chunk.recognised = [
                        (row, ref if -ref >= chunk.first_pid else resolve(ref)) for row, ref in chunk.recognised
                    ]
                ids = self.imports.write_import_chunk(report.import_id, chunk)
                if ids:
                    firsts.append(chunk.first_pid)
                    bases.append(ids[0])
                for ref in chunk.touch:
                    touched[resolve(ref)] = None
                self._count(chunk, report)
                yield self._progress(report, reader.fraction)
        finally:
            chunks.close()
            try:
                if rebuild:
                    self.store.ensure_lead_indexes()
            finally:
                self.store.set_cache_size(cache)
                if gc_was_enabled:
                    gc.enable()
        report.blank_rows = reader.blank_rows
        report.lead_ids = list(touched)
        yield self._progress(report, 1.0)

    @staticmethod
    def _count(chunk: ImportChunk, report: ImportReport) -> None:
        report.rows_read += chunk.rows_read
        report.leads_created += len(chunk.new_leads)
        report.rows_recognised += len(chunk.recognised)
        report.rows_refused += sum(1 for p in chunk.problems if p.severity == "refused")
        report.warnings += sum(1 for p in chunk.problems if p.severity == "warning")
        room = KEPT_PROBLEMS - len(report.problems)
        if room > 0:
            report.problems.extend(chunk.problems[:room])

    @staticmethod
    def _progress(report: ImportReport, fraction: float) -> ImportProgress:
        return ImportProgress(
            report.rows_read,
            report.leads_created,
            report.rows_recognised,
            report.rows_refused,
            report.warnings,
            min(1.0, fraction),
        )


class KeyMap:
    """Merge keys (phones, emails, certificates, tokens) to lead ids: stored leads' ids, new leads' ``-pid``.

    Held in :data:`KEY_SHARDS` small dicts picked by the key's hash rather than one big dict. A dict grows by
    rehashing every entry in one C call that holds the GIL: with a million stored leads (about 4,000,000 keys)
    the reader thread's last resize kept the window's thread waiting 273 ms. A shard's resize is 1/256th of
    that. Hot loops index :attr:`shards` themselves (``shards[hash(key) & SHARD_MASK]``)."""

    __slots__ = ("shards",)

    def __init__(self) -> None:
        self.shards: list[dict[str | bytes, int]] = [{} for _ in range(KEY_SHARDS)]

    def __len__(self) -> int:
        return sum(map(len, self.shards))

    def clear(self, *, pause: float = 0.0) -> None:
        """Free every key, a shard at a time (millions of strings: hundreds of ms if freed in one call), sleeping
        ``pause`` after each big shard so that another thread waiting for the GIL gets it at once."""
        for shard in self.shards:
            big = len(shard) > BIG_SHARD
            shard.clear()
            if big and pause:
                time.sleep(pause)

    def __getitem__(self, key: str | bytes) -> int:
        return self.shards[hash(key) & SHARD_MASK][key]

    def __setitem__(self, key: str | bytes, ref: int) -> None:
        self.shards[hash(key) & SHARD_MASK][key] = ref


def _map_stored_keys(rows: Iterable[tuple[Any, ...]], keys: KeyMap, *, pause: float = 0.0) -> int:
    """Add each stored lead's merge keys (``(id, *keys)`` rows) to ``keys``; the first lead with a value keeps
    it. Returns how many leads were read. ``pause``: sleep that long every :data:`PAUSE_EVERY_ROWS` rows."""
    count = 0
    shards = keys.shards
    for lead_id, *stored in rows:
        count += 1
        for value in stored:
            if value:
                shards[hash(value) & SHARD_MASK].setdefault(value, lead_id)
        if pause and not count % PAUSE_EVERY_ROWS:
            time.sleep(pause)
    return count


def _map_stored_keys_from(database: Path, keys: KeyMap) -> int:
    """:func:`_map_stored_keys` on a read connection of the calling thread's own (WAL: the writer goes on)."""
    with contextlib.closing(reader(database)) as conn:
        return _map_stored_keys(ImportStore.lead_keys_on(conn), keys, pause=READER_PAUSE_SECONDS)


class _RowReader:
    """Reads, cleans and merges rows into chunks: :meth:`chunks` on the caller's thread, :meth:`threaded` on a
    helper thread handing chunks over through a queue of two.

    Nothing here touches the database. New leads get pids (1, 2, ...) and are known in ``keys`` (by row key,
    certificate and token) as ``-pid``; a row recognised as an earlier one is recorded with that lead's reference,
    which the writer resolves to its id.
    """

    def __init__(
        self,
        fmt: CsvFormat,
        mapping: ColumnMapping,
        keys: KeyMap,
        chunk_rows: int,
        *,
        import_id: int | None = None,
        load_keys: Callable[[], object] | None = None,
    ) -> None:
        self.import_id = import_id
        self.fmt = fmt
        self.mapping = mapping
        self.keys = keys
        self._load_keys = load_keys  # fills ``keys`` first, on the helper thread (threaded() only)
        self.chunk_rows = chunk_rows
        self.blank_rows = 0
        self.fraction = 0.0
        self._queue: queue.Queue[ImportChunk | BaseException | None] = queue.Queue(maxsize=2)
        self._stopping = threading.Event()
        self._next_pid = 1
        # Per-file decisions, taken once: mapped columns with their cleaner (None: plain text), extra columns,
        # the cells to pick from each row (mapped, extras, then the record number appended past `_width`).
        self._mapped = [(i, POSITION[f], f, None if f in PLAIN_FIELDS else CLEANERS[f]) for i, f in mapping.mapped()]
        self._extras = mapping.extras()
        self._width = 1 + max([i for i, *_ in self._mapped] + [i for i, _ in self._extras])
        picked = [i for i, *_ in self._mapped] + [i for i, _ in self._extras] + [self._width]
        self._pick = operator.itemgetter(*picked)
        unmapped = (set(LEAD_FIELDS) - {f for _, f in mapping.mapped()}) | (set() if self._extras else {"extra"})
        self._columns = tuple(c for c in IMPORT_COLUMNS if c not in unmapped)

    def threaded(self) -> Generator[ImportChunk | None, None, None]:
        """The chunks of :meth:`chunks`, read on a helper thread, and None while none is ready (so an event loop
        waits with ``await`` rather than blocking); closing this generator stops the thread."""
        thread = threading.Thread(target=self._produce, name="csv-import-reader", daemon=True)
        thread.start()
        try:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    yield None
                    continue
                if item is None:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stopping.set()
            while True:  # unblock a reader waiting to hand over a chunk
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
            thread.join(timeout=30)

    def _produce(self) -> None:
        try:
            if self._load_keys is not None:
                self._load_keys()
            with contextlib.closing(self.chunks()) as chunks:
                for chunk in chunks:
                    if not self._put(chunk):
                        return
            # The merge keys are freed here, before the end mark, not wherever the last reference goes: with a
            # million stored leads that was the window's thread, stalled 600 ms freeing 4,000,000 strings.
            self.keys.clear(pause=READER_PAUSE_SECONDS)
        except BaseException as exc:  # handed to the writer, which raises it
            self._put(exc)
        else:
            self._put(None)
        finally:
            self.keys.clear()

    def _put(self, item: ImportChunk | BaseException | None) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def chunks(self) -> Generator[ImportChunk, None, None]:
        """Read the whole file, yielding a chunk for every :attr:`chunk_rows` rows with cells (and the rest).

        Rows are cleaned in batches of :data:`BATCH_ROWS` (small enough for the CPU cache) column by column."""
        fmt, width = self.fmt, self._width
        size = max(fmt.size, 1)
        batch_rows = min(BATCH_ROWS, self.chunk_rows)
        raw, text = open_text(fmt.path, fmt.encoding)
        try:
            chunk = self._new_chunk()
            batch: list[list[str]] = []
            short: dict[int, list[str]] = {}  # batch index -> the cells as read, for rows padded to `width`
            header_pending = fmt.has_header
            for number, cells, why in iter_records(text, fmt.delimiter):
                if cells is None:
                    chunk.problems.append(ImportProblemRow(number, "refused", why or "Unreadable row.", []))
                    chunk.rows_read += 1
                    continue
                if not any(cells):
                    self.blank_rows += 1
                    continue
                if header_pending:  # the first non-blank row names the columns
                    if any(c.strip() for c in cells):
                        header_pending = False
                    else:
                        self.blank_rows += 1
                    continue
                if len(cells) < width:
                    short[len(batch)] = cells
                    cells = cells + [""] * (width - len(cells))
                cells.append(number)  # type: ignore[arg-type]  # the record number rides along, past `width`
                batch.append(cells)
                if len(batch) >= batch_rows:
                    self._add_batch(chunk, batch, short)
                    batch, short = [], {}
                    if len(chunk.new_leads) + len(chunk.recognised) >= self.chunk_rows:
                        self.fraction = min(1.0, raw.tell() / size)
                        yield self._finished(chunk)
                        chunk = self._new_chunk()
            if batch:
                self._add_batch(chunk, batch, short)
            if chunk.rows_read or chunk.problems:
                yield self._finished(chunk)
        finally:
            text.close()
            raw.close()

    def _new_chunk(self) -> ImportChunk:
        return ImportChunk(first_pid=self._next_pid, columns=self._columns)

    def _finished(self, chunk: ImportChunk) -> ImportChunk:
        """The chunk with its problems in row order and its new leads' extra fields as JSON, ready to write."""
        chunk.problems.sort(key=operator.attrgetter("row_number"))  # unreadable rows were listed as read
        if self._extras:
            for row in chunk.new_leads:
                if row[EXTRA] is not None:
                    row[EXTRA] = json.dumps(row[EXTRA], ensure_ascii=False)
        return chunk

    def _add_batch(self, chunk: ImportChunk, batch: list[list[str]], short: dict[int, list[str]]) -> None:
        """Clean a batch column by column (see :func:`_clean_column`), then merge it into ``chunk`` row by row."""
        row_problems: dict[int, list[tuple[str, str]]] = {}
        picked = list(zip(*map(self._pick, batch), strict=True))  # mapped, extra and record-number columns
        columns: list[Iterable[Any]] = [_NONE] * len(LEAD_FIELDS)
        for (_, position, name, cleaner), cells in zip(self._mapped, picked, strict=False):
            columns[position] = _clean_column(cells, name, cleaner, row_problems)
        extras: Iterable[Any] = _NONE
        if self._extras:
            extras = _extra_values(self._extras, picked[len(self._mapped) : -1], row_problems)
        now = utcnow()
        source = repeat(self.fmt.path.name)
        rows = list(
            map(
                list,
                zip(
                    *columns, extras, source, picked[-1], repeat(now), repeat(now), repeat(self.import_id), _NONE, _NONE
                ),
            )
        )
        identities = zip(
            *(c for p, c in enumerate(columns) if p in _IDENTITY_POSITIONS and c is not _NONE), strict=True
        )
        # each row's cleaned fields and extra columns (or None); `columns` holds endless repeats for unmapped fields
        keys = row_keys(zip(zip(*columns), extras))  # noqa: B905
        self._merge(chunk, rows, identities, keys, batch, short, row_problems)

    def _merge(
        self,
        chunk: ImportChunk,
        rows: list[list[Any]],
        identities: Iterator[tuple[str | None, ...]],
        keys: list[bytes],
        batch: list[list[str]],
        short: dict[int, list[str]],
        row_problems: dict[int, list[tuple[str, str]]],
    ) -> None:
        """Refuse rows without identity, recognise rows already imported, add the rest as new leads.

        One ``setdefault`` per key both looks it up and, for a new lead (the usual case), records it."""
        shards = self.keys.shards
        new_leads, touch, out = chunk.new_leads, chunk.touch, chunk.problems
        next_pid = self._next_pid
        for k, (row, identity, key) in enumerate(zip(rows, identities, keys, strict=True)):
            if identity.count(None) == len(identity):
                cells = short.get(k) or batch[k][:-1]
                if k not in row_problems and not any(c.strip() for c in cells):
                    self.blank_rows += 1  # only spaces
                    continue
                chunk.rows_read += 1
                why = "; ".join(p[1] for p in row_problems.get(k, ()))
                reason = f"The row has no usable {IDENTITY_LABELS}" + (f" ({why})." if why else ".")
                out.append(ImportProblemRow(row[SOURCE_ROW], "refused", reason, _raw(cells)))
                continue
            chunk.rows_read += 1
            ref = -next_pid
            row[ROW_KEY] = key
            found = shards[hash(key) & SHARD_MASK].setdefault(key, ref)
            if found != ref:  # the same purchase again: nothing new
                chunk.recognised.append((row[SOURCE_ROW], found))
                touch.append(found)
                continue
            for position, label in SHARED_EVIDENCE:
                value = row[position]
                if value is not None and (other := shards[hash(value) & SHARD_MASK].setdefault(value, ref)) != ref:
                    whose = f"lead #{other}" if other > 0 else "an earlier row of this file"
                    why = f"Shares its {label} with {whose} but differs in other data; kept as a purchase of its own."
                    row_problems.setdefault(k, []).append(("", why))
            next_pid += 1
            new_leads.append(row)
            touch.append(ref)
            if k in row_problems:
                cells = _raw(short.get(k) or batch[k][:-1])
                for name, reason in row_problems[k]:
                    out.append(ImportProblemRow(row[SOURCE_ROW], "warning", reason, cells, field=name or None))
        self._next_pid = next_pid


def _clean_column(
    cells: Sequence[str], name: str, cleaner: Callable[[str], str] | None, problems: dict[int, list[tuple[str, str]]]
) -> list[Any]:
    """One mapped column of a batch: its cleaned values (None where blank or unusable); problems by row index.

    The field's :data:`BATCH_CLEANERS` entry cleans the usual cells in one pass over the column; the rest (and
    every cell of a column with an over-long cell) go cell by cell through the field's cleaner, which gives the
    same value or says why not."""
    column = list(map(str.strip, cells))
    rest: Iterable[int]  # the cells to clean one by one
    batch_cleaner = BATCH_CLEANERS.get(name)
    if batch_cleaner is not None and max(map(len, column)) <= MAX_TEXT_CHARS:
        values, ok = batch_cleaner(column)
        if "" in values:
            values = [value or None for value in values]  # a blank cell
        rest = [] if all(ok) else [k for k in compress(range(len(ok)), map(operator.not_, ok)) if column[k]]
    else:
        values = [None] * len(column)
        rest = range(len(column))
    for k in rest:
        cell = column[k]
        values[k] = None
        if not cell:
            continue
        if len(cell) > MAX_TEXT_CHARS:
            if len(cell) > MAX_CELL_CHARS:
                why = f"The {name} cell is {len(cell):,} characters long; not used."
                problems.setdefault(k, []).append((name, why))
                continue
            if cleaner is None:
                problems.setdefault(k, []).append((name, f"{name}: {len(cell):,} characters is too long; not used."))
                continue
        if cleaner is None:
            values[k] = cell if cell.isprintable() else _CONTROL.sub(" ", cell).strip()
            continue
        try:
            values[k] = cleaner(cell)
        except InputError as exc:
            problems.setdefault(k, []).append((name, f"{name}: {exc}"))
    return values


def _extra_values(
    extras: Sequence[tuple[int, str]], columns: Sequence[Sequence[str]], problems: dict[int, list[tuple[str, str]]]
) -> list[dict[str, str] | None]:
    """The extra fields of each row of a batch (None for a row without any); over-long cells are problems."""
    values: list[dict[str, str] | None] = [None] * len(columns[0])
    for (_, name), cells in zip(extras, columns, strict=True):
        for k, raw_cell in enumerate(cells):
            if not (cell := raw_cell.strip()):
                continue
            if len(cell) > MAX_CELL_CHARS:
                why = f"The “{name}” cell is {len(cell):,} characters long; it was not kept."
                problems.setdefault(k, []).append((name, why))
                continue
            extra = values[k]
            if extra is None:
                extra = values[k] = {}
            extra[name] = cell
    return values


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
