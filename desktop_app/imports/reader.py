"""Reading a buyer's CSV: refuse what is not one, detect encoding, delimiter and header, then stream rows.

Encoding: a UTF-8 or UTF-16 byte-order mark decides; otherwise the first megabyte is tried as UTF-8, and
``windows-1252`` is reported when it is not UTF-8. Rows are always decoded with a UTF-8 decoder whose error
handler reads any invalid byte as Windows-1252 (``leadcheck-cp1252``), so a file that is mostly UTF-8 with a
stray ``é`` typed in Excel still reads correctly all the way through, without a second pass.

Delimiter: :class:`csv.Sniffer` limited to ``, ; tab |`` on the first lines, checked by parsing those lines
(the candidate must give a constant column count > 1); otherwise each of ``, ; tab |`` is tried in turn;
a file with one column reads as comma-separated.

Files refused as a whole (:class:`ImportRefused`, an :class:`InputError`): missing or unreadable, not a
regular file (a folder, a named pipe, a device: refused before anything is read, so a FIFO never hangs the
import), empty, only blank lines, a ZIP/Excel/PDF file, or binary data (NUL bytes, or mostly control
characters). Every open goes through :func:`open_csv`, used by the CLI, the batch and the window alike.

Cells: :func:`csv.field_size_limit` is raised to :data:`FIELD_SIZE_LIMIT` (64 MiB) for the whole process
(it is global); a larger cell makes that row unreadable (reported, the rest of the file still read). Cells
longer than :data:`MAX_CELL_CHARS` are not used as lead fields (see the importer).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count, islice, repeat
from pathlib import Path
from typing import IO

from desktop_app.paths import NotARegularFile, open_regular_file
from desktop_app.vendors.errors import InputError

FIELD_SIZE_LIMIT = 64 * 1024 * 1024
MAX_CELL_CHARS = 10_000
HEAD_BYTES = 1024 * 1024
MAX_HEAD_BYTES = 16 * 1024 * 1024
SNIFF_CHARS = 64 * 1024
SAMPLE_ROWS = 20
RECORD_BATCH = 1000  # records read per C-level call (record_batches)
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
ERROR_HANDLER = "leadcheck-cp1252"


class ImportRefused(InputError):
    """The file as a whole cannot be imported (nothing was stored). The message says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read bytes that are not UTF-8 as Windows-1252 (Latin-1 for its 5 unused bytes)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(
        bytes([b]).decode("cp1252", errors="strict") if b not in b"\x81\x8d\x8f\x90\x9d" else chr(b) for b in bad
    ), exc.end


codecs.register_error(ERROR_HANDLER, _cp1252_fallback)


def raise_field_size_limit() -> None:
    """Let the csv module read cells up to 64 MiB (its default, 128 KiB, stops real files with long notes)."""
    if csv.field_size_limit() < FIELD_SIZE_LIMIT:
        csv.field_size_limit(FIELD_SIZE_LIMIT)


@dataclass(frozen=True)
class CsvFormat:
    """What :func:`detect_format` found. ``encoding`` is the Python codec used to read the rows."""

    path: Path
    size: int
    encoding: str
    encoding_label: str  # what a buyer reads: "UTF-8", "UTF-8 with BOM", "UTF-16", "Windows-1252"
    delimiter: str
    has_header: bool
    header: tuple[str, ...]
    sample: tuple[tuple[str, ...], ...] = field(default=())  # up to SAMPLE_ROWS data rows after the header

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    @property
    def column_count(self) -> int:
        widths = [len(self.header), *(len(r) for r in self.sample)]
        return max(widths) if widths else 0


def _looks_binary(head: bytes) -> str | None:
    """A sentence saying what kind of non-CSV file this is, or None when it may be text."""
    if head.startswith(b"PK\x03\x04"):
        return "a ZIP archive or an Excel workbook (.xlsx); open it in Excel and save it as CSV, then import that"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an Excel 97-2003 workbook (.xls); open it in Excel and save it as CSV, then import that"
    if head.startswith(b"%PDF"):
        return "a PDF document, not a CSV file"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    probe = head[:8192]
    if b"\x00" in probe:
        return "binary data (it contains NUL bytes), not a CSV file"
    controls = sum(1 for b in probe if b < 32 and b not in (9, 10, 12, 13))
    if probe and controls / len(probe) > 0.05:
        return "binary data, not a CSV file"
    return None


def _encoding(head: bytes, complete: bool) -> tuple[str, str]:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 with BOM"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "UTF-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return "utf-8", "Windows-1252"
    return "utf-8", "UTF-8"


def open_csv(path: Path, what: str = "file") -> IO[bytes]:
    """``path`` opened for binary reading, or :class:`ImportRefused` saying why it cannot be (never blocks)."""
    try:
        return open_regular_file(path)
    except FileNotFoundError as exc:
        raise ImportRefused(f"There is no {what} at “{path}”.") from exc
    except IsADirectoryError as exc:
        raise ImportRefused(f"“{path}” is a folder; choose a CSV file.") from exc
    except NotARegularFile as exc:
        raise ImportRefused(
            f"“{path}” is {exc.kind}, not a regular file; Leadcheck imports only files saved on disk "
            "(save the data to a CSV file, then import that)."
        ) from exc
    except OSError as exc:
        raise ImportRefused(f"Could not read “{path}”: {exc.strerror or exc}.") from exc


def open_text(path: Path, encoding: str) -> tuple[IO[bytes], IO[str]]:
    """(binary file for progress via ``tell()``, text stream for :mod:`csv`). Raises :class:`ImportRefused`."""
    raw = open_csv(path)
    return raw, io.TextIOWrapper(raw, encoding=encoding, errors=_errors(encoding), newline="")


def _rows(text: str, delimiter: str, limit: int) -> list[list[str]]:
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            if row and any(c.strip() for c in row):
                rows.append(row)
                if len(rows) >= limit:
                    break
    except csv.Error:
        pass
    return rows


def _consistent(text: str, delimiter: str) -> bool:
    rows = _rows(text, delimiter, SAMPLE_ROWS)
    if not rows:
        return False
    widths = {len(r) for r in rows}
    return min(widths) > 1 and (len(widths) == 1 or len(rows) > 2 and max(widths) - min(widths) <= 1)


def _delimiter(text: str) -> str:
    sniffable = text[:SNIFF_CHARS]
    if "\n" in sniffable.rstrip("\r\n"):
        sniffable = sniffable[: sniffable.rstrip("\r\n").rfind("\n") + 1] or sniffable
    candidates: list[str] = []
    try:
        sniffed = csv.Sniffer().sniff(sniffable, delimiters="".join(DELIMITERS)).delimiter
        candidates.append(sniffed)
    except csv.Error:
        pass
    candidates += [d for d in DELIMITERS if d not in candidates]
    for candidate in candidates:
        if _consistent(text, candidate):
            return candidate
    # No delimiter gives a constant width: take the one that splits the first line into the most cells.
    first = _rows(text, ",", 1)
    best, cells = ",", len(first[0]) if first else 1
    for candidate in DELIMITERS[1:]:
        parsed = _rows(text, candidate, 1)
        if parsed and len(parsed[0]) > cells:
            best, cells = candidate, len(parsed[0])
    return best


def read_head(path: Path, what: str = "file") -> tuple[bytes, int, bool]:
    """(first bytes containing at least two lines where possible, file size, whether that is the whole file)."""
    with open_csv(path, what) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(HEAD_BYTES)
            while len(head) < MAX_HEAD_BYTES and head.count(b"\n") < 2 and len(head) < size:
                more = handle.read(HEAD_BYTES)
                if not more:
                    break
                head += more
        except OSError as exc:
            raise ImportRefused(f"Could not read “{path}”: {exc.strerror or exc}.") from exc
    return head, size, len(head) >= size


def detect_format(path: str | Path) -> CsvFormat:
    """Look at the start of ``path`` and say how to read it, or raise :class:`ImportRefused` saying why not."""
    from desktop_app.imports.mapping import looks_like_header

    raise_field_size_limit()
    path = Path(path)
    head, size, complete = read_head(path)
    if size == 0:
        raise ImportRefused(f"“{path.name}” is empty (0 bytes); there is nothing to import.")
    encoding, label, text = _decode_head(head, complete, f"“{path.name}”")
    if not text.strip():
        raise ImportRefused(f"“{path.name}” has only blank lines; there is nothing to import.")
    delimiter = _delimiter(text)
    rows = _rows(text, delimiter, SAMPLE_ROWS + 1)
    if not rows:
        raise ImportRefused(f"“{path.name}” has no rows Leadcheck can read.")
    has_header = looks_like_header(rows[0], rows[1:])
    header = tuple(c.strip() for c in rows[0]) if has_header else ()
    sample = tuple(tuple(r) for r in (rows[1:] if has_header else rows[:SAMPLE_ROWS]))
    return CsvFormat(path, size, encoding, label, delimiter, has_header, header, sample)


def _decode_head(head: bytes, complete: bool, name: str) -> tuple[str, str, str]:
    """(codec, encoding label, the head's text up to its last whole line); ImportRefused for binary data."""
    what = _looks_binary(head)
    if what:
        raise ImportRefused(f"{name} is {what}.")
    encoding, label = _encoding(head, complete)
    text = head.decode(encoding, errors=_errors(encoding))
    if not complete:
        cut = max(text.rfind("\n"), 0)
        text = text[:cut] if cut > 0 else text
    return encoding, label, text.lstrip("\ufeff")


def _errors(encoding: str) -> str:
    return ERROR_HANDLER if encoding.startswith("utf-8") else "replace"


def read_records(
    source: str | Path | bytes, *, what: str = "file"
) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """Every record (:func:`iter_records`) of a CSV that is not a lead import: a path, the file's bytes, or its text
    (a string with a line break). Read as an import reads: never a named pipe or a device, a ZIP, Excel or binary
    file refused with :class:`ImportRefused` (named ``what`` when it is missing), the encoding and delimiter
    detected. A file with only blank lines has no records."""
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        text = source.lstrip("\ufeff").replace("\x00", "")
        yield from iter_records(io.StringIO(text), _delimiter(text)) if text.strip() else ()
        return
    if isinstance(source, bytes):
        head, complete, name = source, True, f"The {what}"
    else:
        path = Path(source)
        head, _, complete = read_head(path, what)
        name = f"“{path.name}”"
    encoding, _, text = _decode_head(head, complete, name)
    if not text.strip():
        return
    delimiter = _delimiter(text)
    if isinstance(source, bytes):
        stream: IO[str] = io.TextIOWrapper(io.BytesIO(source), encoding, _errors(encoding), newline="")
        yield from iter_records(stream, delimiter)
        return
    raw, text_stream = open_text(path, encoding)
    with raw, text_stream:
        yield from iter_records(text_stream, delimiter)


def record_batches(text: IO[str], delimiter: str, size: int) -> Iterator[tuple[int, list[list[str]], str | None]]:
    """Every CSV record, read ``size`` at a time in one C-level call each: ``(number of the first, records, why the
    record after them could not be read, or None)``. A batch shorter than ``size`` with nothing unreadable after it
    is the last.

    Records are numbered from 1 in file order, unreadable ones included (a record with quoted newlines is one
    record). Reading goes on after an unreadable record, as :class:`csv.reader` allows: buyers' files come from
    other tools (lead platforms, Excel, dialers), and one stray quote must not stop the rest of the file.
    """
    raise_field_size_limit()
    reader = csv.reader(text, delimiter=delimiter)
    number = 1
    while True:
        records: list[list[str]] = []
        why = None
        try:
            records.extend(islice(reader, size))  # the records before an unreadable one stay in the list
        except csv.Error as exc:
            why = f"The row is not valid CSV ({exc}); check its quotes."
        if number == 1 and records and records[0] and records[0][0].startswith("\ufeff"):
            records[0][0] = records[0][0][1:]
        yield number, records, why
        if why is None and len(records) < size:
            return
        number += len(records) + (why is not None)


def iter_records(text: IO[str], delimiter: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(record number counting from 1, cells or None, why it could not be read) for every CSV record
    (:func:`record_batches` one record at a time)."""
    for first, records, why in record_batches(text, delimiter, RECORD_BATCH):
        yield from zip(count(first), records, repeat(None))
        if why is not None:
            yield first + len(records), None, why
