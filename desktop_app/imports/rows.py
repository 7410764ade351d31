"""Reading, cleaning and merging a CSV's rows into chunks ready to write: :class:`RowReader`.

Nothing here touches the database: the importer (:mod:`desktop_app.imports.importer`) is the one writer. Rows are
cleaned a batch of :data:`BATCH_ROWS` at a time, column by column (:func:`desktop_app.imports.cleaning.clean_column`);
merging is one dict ``setdefault`` per key (:class:`desktop_app.imports.keymap.KeyMap`); only mapped columns are
bound.
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path
from typing import IO, Any

from desktop_app.imports.cleaning import CLEANERS, PLAIN_FIELDS, clean_column, extra_values
from desktop_app.imports.keymap import READER_PAUSE_SECONDS, SHARD_MASK, KeyMap
from desktop_app.imports.mapping import IDENTITY_FIELDS, ColumnMapping
from desktop_app.imports.reader import CsvFormat, iter_records, open_text
from desktop_app.store.fields import IMPORT_FIELDS, LEAD_FIELDS
from desktop_app.store.imports import IMPORT_COLUMNS, ImportChunk, ImportProblemRow
from desktop_app.store.links import key_input, row_keys
from desktop_app.vendors.results import utcnow

BATCH_ROWS = 1000  # rows cleaned column by column at a time (a 20,000-row batch no longer fits the CPU cache)
RAW_CELL_CHARS = 1000

POSITION = {name: i for i, name in enumerate(IMPORT_COLUMNS)}
EXTRA, SOURCE_ROW, ROW_KEY = POSITION["extra"], POSITION["source_row"], POSITION["row_key"]
CERT_URL, LEADID = POSITION["cert_url"], POSITION["leadid"]
# What a second lead sharing one of these with another is warned about (it is still a purchase of its own).
SHARED_EVIDENCE = ((CERT_URL, "TrustedForm certificate"), (LEADID, "LeadiD token"))

_IDENTITY_POSITIONS = frozenset(POSITION[f] for f in IDENTITY_FIELDS)
_NONE = repeat(None)  # a column no file cell maps to


IDENTITY_LABELS = "phone number, email, TrustedForm or Contact State certificate URL, or LeadiD token"
CELL_SEPARATOR = "\x1f"  # the unit separator: joins a row's cells in a compact batch
_WITHOUT_NUMBER = operator.itemgetter(slice(None, -1))
_ROW_KEY_OF = operator.itemgetter(ROW_KEY)
PIPE_BYTES = 1 << 20  # the reader process's pipe: about 14 cleaned batches ahead (Linux's default maximum)


@dataclass
class CleanBatch:
    """A batch of rows read and cleaned, not merged yet. Picklable: it may come from the reader process."""

    rows: list[list[Any]]  # IMPORT_COLUMNS order plus an id slot; extra fields as JSON, row_key filled in
    missing: set[int]  # the rows (batch indexes) without a usable phone, email, certificate or token
    problems: dict[int, list[tuple[str, str]]]  # (field, reason) by batch index
    raw: list[Any]  # each row's cells padded to the mapped width, its record number last (or, compact, one string)
    short: dict[int, list[str]]  # the cells as read of rows that were padded
    unreadable: list[ImportProblemRow]  # rows before this batch that are not valid CSV
    blank_rows: int
    fraction: float  # of the file read at the end of the batch

    def cells_of(self, k: int) -> list[str]:
        """Row ``k``'s cells as read (kept with its problems)."""
        if k in self.short:
            return self.short[k]
        raw = self.raw[k]
        return raw.split(CELL_SEPARATOR) if isinstance(raw, str) else raw[:-1]

    def compact(self) -> CleanBatch:
        """The batch with each row's cells as one string, to cross to another process at a fraction of the cost of
        pickling every cell (unless a cell holds the separator)."""
        lines = list(map(CELL_SEPARATOR.join, map(_WITHOUT_NUMBER, self.raw)))
        if sum(map(str.count, lines, repeat(CELL_SEPARATOR))) == sum(map(len, self.raw)) - 2 * len(self.raw):
            self.raw = lines
        return self


def _raw(cells: Sequence[str]) -> list[str]:
    """Cells as kept with a problem: each cut to RAW_CELL_CHARS, saying how long it was."""
    out = []
    for cell in cells[:200]:
        out.append(cell if len(cell) <= RAW_CELL_CHARS else f"{cell[:RAW_CELL_CHARS]}… ({len(cell):,} characters)")
    if len(cells) > 200:
        out.append(f"… ({len(cells) - 200:,} more cells)")
    return out


class RowReader:
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
        unmapped = (set(IMPORT_FIELDS) - {f for _, f in mapping.mapped()}) | (set() if self._extras else {"extra"})
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

    def chunks(self, batches: Iterable[CleanBatch] | None = None) -> Generator[ImportChunk, None, None]:
        """Merge the file's rows into chunks, yielding one for every :attr:`chunk_rows` rows with cells (and the
        rest). ``batches``: the file's :meth:`clean_batches` read elsewhere (:meth:`from_process`); by default
        they are read here."""
        source = self.clean_batches() if batches is None else batches
        try:
            chunk = self._new_chunk()
            for batch in source:
                self.blank_rows += batch.blank_rows
                if batch.unreadable:
                    chunk.problems += batch.unreadable
                    chunk.rows_read += len(batch.unreadable)
                if not batch.rows:
                    continue
                self._merge(chunk, batch)
                if len(chunk.new_leads) + len(chunk.recognised) >= self.chunk_rows:
                    self.fraction = min(1.0, batch.fraction)
                    yield self._finished(chunk)
                    chunk = self._new_chunk()
            if chunk.rows_read or chunk.problems:
                yield self._finished(chunk)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def clean_batches(self) -> Generator[CleanBatch, None, None]:
        """Read the whole file, yielding its rows cleaned, a batch of :data:`BATCH_ROWS` (small enough for the CPU
        cache) at a time, column by column. Nothing here needs the merge keys, so it can run in another process."""
        fmt, width = self.fmt, self._width
        size = max(fmt.size, 1)
        batch_rows = min(BATCH_ROWS, self.chunk_rows)
        raw, text = open_text(fmt.path, fmt.encoding)
        try:
            batch: list[list[str]] = []
            short: dict[int, list[str]] = {}  # batch index -> the cells as read, for rows padded to `width`
            unreadable: list[ImportProblemRow] = []
            blank = 0
            header_pending = fmt.has_header
            for number, cells, why in iter_records(text, fmt.delimiter):
                if cells is None:
                    unreadable.append(ImportProblemRow(number, "refused", why or "Unreadable row.", []))
                    continue
                if not any(cells):
                    blank += 1
                    continue
                if header_pending:  # the first non-blank row names the columns
                    if any(c.strip() for c in cells):
                        header_pending = False
                    else:
                        blank += 1
                    continue
                if len(cells) < width:
                    short[len(batch)] = cells
                    cells = cells + [""] * (width - len(cells))
                cells.append(number)  # type: ignore[arg-type]  # the record number rides along, past `width`
                batch.append(cells)
                if len(batch) >= batch_rows:
                    yield self._clean_batch(batch, short, unreadable, blank, raw.tell() / size)
                    batch, short, unreadable, blank = [], {}, [], 0
            if batch or unreadable or blank:
                yield self._clean_batch(batch, short, unreadable, blank, 1.0)
        finally:
            text.close()
            raw.close()

    def from_process(self) -> ChildBatches:
        """:meth:`clean_batches` in a child process, started now: the file is read and cleaned on the other core
        while this process merges and writes. Close the result to stop the child; the child stops by itself if
        this process dies."""
        return ChildBatches(self)

    def _merge_new(self, chunk: ImportChunk, batch: CleanBatch) -> bool:
        """:meth:`_merge` of a batch whose rows all have an identity, when none of them is a purchase
        seen before: each key's ``setdefault`` in one ``map`` over the batch. Returns False, with the key map as it
        was, when some row is one seen before (the row-by-row merge then takes the batch)."""
        shards, first, rows = self.keys.shards, self._next_pid, batch.rows
        refs = list(range(-first, -first - len(rows), -1))
        keys = list(map(_ROW_KEY_OF, rows))
        owners = list(map(shards.__getitem__, map(operator.and_, map(hash, keys), repeat(SHARD_MASK))))
        found = list(map(dict.setdefault, owners, keys, refs))
        if found != refs:  # a purchase seen before: undo this batch's keys
            for owner, key, ref in zip(owners, keys, refs, strict=True):
                if owner.get(key) == ref:
                    del owner[key]
            return False
        warnings: dict[int, list[str]] = {}
        for position, label in SHARED_EVIDENCE:
            values = list(map(operator.itemgetter(position), rows))
            if values.count(None) == len(values):
                continue
            owners = list(map(shards.__getitem__, map(operator.and_, map(hash, values), repeat(SHARD_MASK))))
            found = list(map(dict.setdefault, owners, values, refs))
            if None in values:  # a blank cell claimed nothing
                shards[hash(None) & SHARD_MASK].pop(None, None)  # type: ignore[call-overload]
            for k in compress(range(len(rows)), map(operator.ne, found, refs)):
                if values[k] is not None:
                    whose = f"lead #{found[k]}" if found[k] > 0 else "an earlier row of this file"
                    why = f"Shares its {label} with {whose} but differs in other data; kept as a purchase of its own."
                    warnings.setdefault(k, []).append(why)
        chunk.new_leads += rows
        chunk.touch += refs
        chunk.rows_read += len(rows)
        self._next_pid = first + len(rows)
        for k in sorted(warnings.keys() | batch.problems.keys()):
            cells = _raw(batch.cells_of(k))
            found_problems = [*batch.problems.get(k, ()), *(("", why) for why in warnings.get(k, ()))]
            for name, why in found_problems:
                chunk.problems.append(ImportProblemRow(rows[k][SOURCE_ROW], "warning", why, cells, field=name or None))
        return True

    def _new_chunk(self) -> ImportChunk:
        return ImportChunk(first_pid=self._next_pid, columns=self._columns)

    def _finished(self, chunk: ImportChunk) -> ImportChunk:
        """The chunk with its problems in row order, ready to write."""
        chunk.problems.sort(key=operator.attrgetter("row_number"))  # unreadable rows were listed as read
        return chunk

    def _clean_batch(
        self,
        batch: list[list[str]],
        short: dict[int, list[str]],
        unreadable: list[ImportProblemRow],
        blank: int,
        fraction: float,
    ) -> CleanBatch:
        """Clean a batch column by column (see :func:`clean_column`) into rows ready to merge, with their row keys
        and their extra fields as JSON."""
        if not batch:
            return CleanBatch([], set(), {}, [], {}, unreadable, blank, fraction)
        row_problems: dict[int, list[tuple[str, str]]] = {}
        picked = list(zip(*map(self._pick, batch), strict=True))  # mapped, extra and record-number columns
        columns: list[Iterable[Any]] = [_NONE] * len(IMPORT_FIELDS)
        for (_, position, name, cleaner), cells in zip(self._mapped, picked, strict=False):
            columns[position] = clean_column(cells, name, cleaner, row_problems)
        extras: list[Any] | Iterable[Any] = _NONE
        stored_extras: Iterable[Any] = _NONE
        if self._extras:
            extras = extra_values(self._extras, picked[len(self._mapped) : -1], row_problems)
            stored_extras = [None if e is None else json.dumps(e, ensure_ascii=False) for e in extras]
        # each row's cleaned fields and extra columns (or None); `columns` holds endless repeats for unmapped fields
        key_columns = columns[: len(LEAD_FIELDS)]
        dates = columns[len(LEAD_FIELDS)]
        if dates is _NONE:  # no lead-date column: the keys as they always were
            keys = row_keys(zip(zip(*key_columns), extras))  # noqa: B905
        else:  # a row's date joins its key only when it has one (a row without keys as before)
            keys = row_keys(map(key_input, zip(*key_columns), extras, dates))  # noqa: B905
        now = utcnow()
        rows = list(
            map(
                list,
                zip(
                    *columns,
                    stored_extras,
                    repeat(self.fmt.path.name),
                    picked[-1],
                    repeat(now),
                    repeat(now),
                    repeat(self.import_id),
                    keys,
                    _NONE,
                ),
            )
        )
        identities = zip(
            *(c for p, c in enumerate(columns) if p in _IDENTITY_POSITIONS and c is not _NONE), strict=True
        )
        missing = {k for k, identity in enumerate(identities) if identity.count(None) == len(identity)}
        return CleanBatch(rows, missing, row_problems, batch, short, unreadable, blank, fraction)

    def _merge(self, chunk: ImportChunk, batch: CleanBatch) -> None:
        """Refuse rows without identity, recognise rows already imported, add the rest as new leads.

        One ``setdefault`` per key both looks it up and, for a new lead (the usual case), records it. A batch of
        new leads only (the usual case) is merged in C-level passes (:meth:`_merge_new`)."""
        if not batch.missing and self._merge_new(chunk, batch):
            return
        shards = self.keys.shards
        new_leads, touch, out = chunk.new_leads, chunk.touch, chunk.problems
        missing, row_problems = batch.missing, batch.problems
        next_pid = self._next_pid
        blank = 0
        for k, row in enumerate(batch.rows):
            if k in missing:
                cells = batch.cells_of(k)
                if k not in row_problems and not any(c.strip() for c in cells):
                    blank += 1  # only spaces
                    continue
                why = "; ".join(p[1] for p in row_problems.get(k, ()))
                reason = f"The row has no usable {IDENTITY_LABELS}" + (f" ({why})." if why else ".")
                out.append(ImportProblemRow(row[SOURCE_ROW], "refused", reason, _raw(cells)))
                continue
            ref = -next_pid
            key = row[ROW_KEY]
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
                raw_cells = _raw(batch.cells_of(k))
                for name, reason in row_problems[k]:
                    out.append(ImportProblemRow(row[SOURCE_ROW], "warning", reason, raw_cells, field=name or None))
        chunk.rows_read += len(batch.rows) - blank
        self.blank_rows += blank
        self._next_pid = next_pid


class ChildBatches:
    """A child process (``python -m desktop_app.imports.child``) writing a file's cleaned batches to its stdout,
    iterated here (see :meth:`RowReader.from_process`). A plain subprocess rather than :mod:`multiprocessing`:
    spawning would import the caller's main module again, and forking a process with threads is unsafe.

    The frames are read on this thread, from a pipe enlarged to :data:`PIPE_BYTES` where the system allows it
    (the child runs that far ahead while this process writes). A reader thread would take the GIL from the
    writer at every SQLite step it releases it: measured, the writes took 1.8 times as long."""

    def __init__(self, reader: RowReader) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
        self._child = subprocess.Popen(
            [sys.executable, "-m", "desktop_app.imports.child"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        assert self._child.stdin is not None and self._child.stdout is not None
        self._pipe = self._child.stdout
        with contextlib.suppress(ImportError, OSError, AttributeError):  # Linux only; elsewhere the default size
            import fcntl

            fcntl.fcntl(self._pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        with contextlib.suppress(BrokenPipeError):
            self._child.stdin.write(pickle.dumps((reader.fmt, reader.mapping, reader.chunk_rows, reader.import_id)))
            self._child.stdin.close()

    def __iter__(self) -> Iterator[CleanBatch]:
        while True:
            head = self._pipe.read(8)
            frame = self._pipe.read(int.from_bytes(head, "little")) if len(head) == 8 else b""
            if not frame:
                code = self._child.wait()
                raise RuntimeError(f"The import's reader process ended early (exit code {code}).")
            item = pickle.loads(frame)
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        if self._child.poll() is None:
            self._child.kill()
        self._child.wait()
        self._pipe.close()


def clean_for_parent(out: IO[bytes], args: bytes) -> None:
    """The child's work (:mod:`desktop_app.imports.child`): write each cleaned batch as a length-prefixed pickle,
    then None, or the error that stopped it. A parent that went away ends it (a broken pipe)."""
    gc.disable()  # a bulk read creates no cycles

    def put(item: object) -> None:
        frame = pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(frame).to_bytes(8, "little"))
        out.write(frame)

    fmt, mapping, chunk_rows, import_id = pickle.loads(args)
    reader = RowReader(fmt, mapping, KeyMap(), chunk_rows, import_id=import_id)
    try:
        for batch in reader.clean_batches():
            put(batch.compact())
        put(None)
    except BrokenPipeError:
        return
    except BaseException as exc:  # handed to the importer, which raises it
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        put(exc)
    out.flush()
