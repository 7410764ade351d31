"""Import leads from a CSV: detect → propose a mapping → import with the confirmed mapping.

The window calls :func:`inspect_csv` (format + proposed :class:`ColumnMapping` + sample rows to show), lets
the buyer change the mapping, then runs :meth:`LeadImporter.run_async` (one chunk per loop turn, so the
window keeps painting); the CLI calls :meth:`LeadImporter.run`. Both are built on :meth:`LeadImporter.steps`,
a generator yielding an :class:`ImportProgress` after each chunk.

Per row:

* Each field is cleaned by its rule (:mod:`desktop_app.imports.cleaning`).
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

Speed (a million rows; ``scripts/bench_batch.py`` part (b)): rows are read, cleaned and merged by
:class:`~desktop_app.imports.rows.RowReader` (column by column, one dict ``setdefault`` per key); a large file,
when a core is free, is read and cleaned in a child process while this one merges and writes. A large
import into a small table (:meth:`LeadImporter.run`, the CLI) drops the five lead indexes and builds them again
at its end; a kill in between leaves them to :class:`Store`, which creates missing ones when it opens.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import gc
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.imports.keymap import KeyMap, map_stored_keys, map_stored_keys_from
from desktop_app.imports.mapping import ColumnMapping, propose_mapping
from desktop_app.imports.reader import CsvFormat, ImportRefused, detect_format
from desktop_app.imports.reader_process import (
    ChildBatches,
    idle_cpus,
    reader_process_pays,
    usable_cpus,
)
from desktop_app.imports.rows import RowReader
from desktop_app.store.db import Store
from desktop_app.store.imports import ImportChunk, ImportProblemRow, ImportStore

CHUNK_ROWS = 20_000  # rows per transaction (run_async uses ASYNC_CHUNK_ROWS so the window keeps painting)
ASYNC_CHUNK_ROWS = 250  # measured: longest loop stall 54 ms on 200k rows (2,000: 293 ms), same wall time
READER_WAIT_SECONDS = 0.005  # run_async: how long the loop sleeps when the reader thread has no chunk ready
BULK_ROWS = 50_000  # from this many rows, rebuilding the lead indexes beats updating them (see LeadImporter)
KEPT_PROBLEMS = 200


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
    warnings: int = 0  # problems of rows imported anyway: a field not used, or evidence shared with another lead
    shared_evidence: int = 0  # of those: a certificate or token shared with another lead (kept as its own purchase)
    columns_ignored: int = 0
    seconds: float = 0.0
    problems: list[ImportProblemRow] = field(default_factory=list)
    lead_ids: list[int] = field(default_factory=list)  # every lead the file created or recognised, in file order
    read_in_child: bool = False  # the file was read and cleaned in a child process (LeadImporter's reader_process)

    @property
    def fields_not_used(self) -> int:
        """The warnings that are a field of an imported row not used (the rest are shared evidence)."""
        return self.warnings - self.shared_evidence

    def summary(self) -> str:
        def counted(count: int, one: str, many: str) -> str:
            return f"{count:,} {one if count == 1 else many}"

        parts = [
            counted(self.rows_read, "row read", "rows read"),
            counted(self.leads_created, "new lead", "new leads"),
            f"{self.rows_recognised:,} recognised as already imported",
        ]
        if self.rows_refused:
            parts.append(counted(self.rows_refused, "row refused", "rows refused"))
        if self.fields_not_used:
            parts.append(counted(self.fields_not_used, "field not used", "fields not used"))
        if self.shared_evidence:
            parts.append(f"{self.shared_evidence:,} sharing a certificate or token with another lead")
        if self.blank_rows:
            parts.append(counted(self.blank_rows, "blank row skipped", "blank rows skipped"))
        if self.columns_ignored:
            parts.append(counted(self.columns_ignored, "column ignored", "columns ignored"))
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
            "shared_evidence": self.shared_evidence,
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

    ``reader_process``: read and clean the file in a child process
    (:class:`~desktop_app.imports.reader_process.ChildBatches`) while this one merges and writes (:meth:`run` and
    :meth:`steps` only). ``None`` (the default): for a file of :data:`BULK_ROWS` rows or more when a core is free
    (:func:`~desktop_app.imports.reader_process.reader_process_pays`); the CLI passes the ``import_reader``
    setting (``LEADCHECK_IMPORT_READER``). A million rows on this
    project's 2-core machine: 12–15 s that way, 18–22 s read here (README, Benchmarks).
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
        reader_process: bool | None = None,
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
        self.reader_process = reader_process
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

    def steps(self) -> Generator[ImportProgress, None, None]:
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
        """Read and clean rows (:class:`RowReader`), write each chunk here: the one writer stays the caller.

        :meth:`run` reads on the caller's thread too (a reader thread would only contend for the GIL with the
        writer); :meth:`run_async` reads on a helper thread so the loop only pays for the writes. The reader
        numbers new leads itself (``-pid`` in its key map); each written chunk's pids map to the ids the database
        gave them, so a later row merging into an earlier lead is resolved here."""
        keys = KeyMap() if self._in_loop else KeyMap(shards=1)  # one dict when no window waits for the GIL
        stored_leads: int | None = None
        load_keys: Callable[[], object] | None = None
        if self._in_loop:  # mapping a million stored leads takes seconds: the reader thread does it first
            load_keys = functools.partial(map_stored_keys_from, self.store.location, keys)
        rows = estimated_rows(fmt)
        reader = RowReader(fmt, mapping, keys, self.chunk_rows, import_id=report.import_id, load_keys=load_keys)
        report.read_in_child = self._reads_in_child(rows)
        batches = ChildBatches(reader) if report.read_in_child else None  # started before the keys are mapped
        try:
            if not self._in_loop:
                stored_leads = map_stored_keys(self.imports.lead_keys(), keys)
            rebuild = self.rebuild_indexes
            if rebuild is None:
                rebuild = stored_leads is not None and rows >= BULK_ROWS and stored_leads <= rows
        except BaseException:
            if batches is not None:
                batches.close()
            raise
        chunks = reader.threaded() if self._in_loop else reader.chunks(batches)
        touched: dict[int, None] = {}
        firsts: list[int] = []  # first pid of each written chunk
        bases: list[int] = []  # first database id of each written chunk

        replaced: dict[int, int] = {}  # pid -> the lead another import stored meanwhile (see write_import_chunk)

        def resolve(ref: int) -> int:
            if ref > 0:
                return ref
            pid = -ref
            if pid in replaced:
                return replaced[pid]
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
                replaced.update(chunk.replaced)
                if ids:
                    firsts.append(chunk.first_pid)
                    bases.append(ids[0])
                if chunk.recognised:
                    for ref in chunk.touch:
                        touched[resolve(ref)] = None
                else:  # every row used went to a new lead of this chunk, in id order
                    touched.update(dict.fromkeys(ids))
                self._count(chunk, report)
                yield self._progress(report, reader.fraction)
        finally:
            chunks.close()
            if batches is not None:
                batches.close()
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

    def _reads_in_child(self, rows: int) -> bool:
        """Whether this import reads and cleans in a child process (see the class's ``reader_process``)."""
        if self._in_loop:  # the window's import (run_async) reads on a helper thread
            return False
        if self.reader_process is not None:
            return self.reader_process
        return rows >= BULK_ROWS and reader_process_pays(usable_cpus(), idle_cpus())

    @staticmethod
    def _count(chunk: ImportChunk, report: ImportReport) -> None:
        report.rows_read += chunk.rows_read
        report.leads_created += chunk.size
        report.rows_recognised += len(chunk.recognised)
        report.rows_refused += sum(1 for p in chunk.problems if p.severity == "refused")
        report.warnings += sum(1 for p in chunk.problems if p.severity == "warning")
        report.shared_evidence += sum(1 for p in chunk.problems if p.severity == "warning" and p.field is None)
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


def import_csv(
    store: Store,
    path: str | Path,
    *,
    overrides: Sequence[tuple[str, str]] = (),
    on_progress: Callable[[ImportProgress], None] | None = None,
    reader_process: bool | None = None,
) -> ImportReport:
    """Detect, propose, apply ``overrides`` (``--map COLUMN=FIELD``) and import: the CLI's one call
    (``reader_process``: the ``import_reader`` setting, see :class:`LeadImporter`)."""
    preview = inspect_csv(path)
    mapping = preview.mapping.apply(overrides) if overrides else preview.mapping
    return LeadImporter(store, path, preview=preview, mapping=mapping, reader_process=reader_process).run(on_progress)


__all__ = [
    "CsvPreview",
    "ImportProgress",
    "ImportRefused",
    "ImportReport",
    "LeadImporter",
    "import_csv",
    "inspect_csv",
]
