"""Large imports: the column-at-a-time fast paths clean exactly like the cell-by-cell rules, and dropping the lead
indexes for a bulk import changes no result, is never done from the window's loop, and survives a kill."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.cli import main
from desktop_app.imports import (
    ImportRefused,
    LeadImporter,
    cleaning,
    import_csv,
    importer,
    keymap,
    reader_process,
    rows,
)
from desktop_app.imports.reader import MAX_CELL_CHARS
from desktop_app.store import Store, evidence
from desktop_app.store.backend import Location
from desktop_app.store.imports import ImportStore
from desktop_app.store.schema import LEAD_INDEXES
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.validation import PHONE_LAYOUT

ROOT = Path(__file__).resolve().parents[3]
CERT = "https://cert.trustedform.com/" + "a1" * 20
TOKEN = "5a1c3d2e-7b8f-4a6c-9d0e-1f2a3b4c5d6e"

# fmt: off
TRICKY: dict[str, list[str]] = {
    "phone": [
        "(202) 555-1212", "+1 202 555 1212", "+12025551212", "12025551212", "1-202-555-1212", "202.555.1212",
        "2025551212", "(202)5551212", "1 (202) 555-1212", "+1(202)555-1212", "(211) 555-1212", "911-555-1212",
        "202-055-1212", "102-555-1212", "+2 202 555 1212", "+ 1 202 555 1212", "11 202 555 1212", "+112025551212",
        "202 555 1212 x12", "202\t555\t1212", "٢٠٢٥٥٥١٢١٢", "２０２５５５１２１２", "phone", "555-1212",
        "(202 555-1212", "202--555--1212", "1", "+1", "+", "",
    ],
    "email": [
        "Jane.Doe@Example.COM", "a@b.co", "a@b", "a b@c.de", "a@@b.co", "@b.co", "a@.co", "a@b.", "a@b.c",
        "ÄÖ@Bücher.de", "x" * 250 + "@b.co", "a@b.co\u00a0", "",
    ],
    "cert_url": [
        CERT, "a1" * 20, "https://cert.trustedform.com/" + "b" * 80, "http://cert.trustedform.com/" + "a" * 40,
        CERT + "/", "HTTPS://CERT.TRUSTEDFORM.COM/" + "a" * 40, "https://cert.staging.trustedform.com/" + "a" * 40,
        "https://cert.trustedform.com/0.abc.def.ghi", "https://cert.trustedform.com/" + "a" * 39, CERT + "?x=1", "",
    ],
    "leadid": [TOKEN, TOKEN.upper(), TOKEN[:-1], "{" + TOKEN + "}", TOKEN.replace("a", "g"), "", "abc"],
    "first_name": ["Jane", "Zoë", "a\x00b", "\u00a0x", "tab\there", "x" * 600, "x" * 20_000, "", "O'Brien"],
    "state": ["ca", "CA", "Calif", "ßa", "c\x01a", "x" * 600, ""],
    "zip": ["90210", "90210-1234", "\x7f1", ""],
}
# fmt: on


def cell_by_cell(name: str, cells: list[str]) -> tuple[list[Any], dict[int, list[tuple[str, str]]]]:
    """The reference: every cell through the field's own rule, as the importer did before the fast paths."""
    cleaner = None if name in cleaning.PLAIN_FIELDS else cleaning.CLEANERS[name]
    values: list[Any] = []
    problems: dict[int, list[tuple[str, str]]] = {}
    for k, raw in enumerate(cells):
        cell = raw.strip()
        value = None
        if len(cell) > MAX_CELL_CHARS:
            problems.setdefault(k, []).append((name, f"The {name} cell is {len(cell):,} characters long; not used."))
        elif cleaner is None and len(cell) > cleaning.MAX_TEXT_CHARS:
            problems.setdefault(k, []).append((name, f"{name}: {len(cell):,} characters is too long; not used."))
        elif cell and cleaner is None:
            value = cell if cell.isprintable() else cleaning._CONTROL.sub(" ", cell).strip()
        elif cell:
            try:
                value = cleaner(cell)  # type: ignore[misc]
            except InputError as exc:
                problems.setdefault(k, []).append((name, f"{name}: {exc}"))
        values.append(value)
    return values, problems


@pytest.mark.parametrize("name", sorted(TRICKY))
@pytest.mark.parametrize("with_long_cell", [False, True], ids=["batch", "cell-by-cell"])
def test_column_fast_paths_clean_exactly_like_the_cell_rules(name: str, with_long_cell: bool) -> None:
    # Without a long cell the column goes through the field's batch cleaner (an email over 254 characters also
    # sends its whole column cell by cell); with one, every cell goes through the field's own rule.
    cells = [c for c in TRICKY[name] if len(c) <= 254 or with_long_cell]
    cells += [f" {c} " for c in cells[:5]]  # surrounding spaces are stripped first
    cleaner = None if name in cleaning.PLAIN_FIELDS else cleaning.CLEANERS[name]
    if not with_long_cell and name in cleaning.BATCH_CLEANERS:
        _, ok = cleaning.BATCH_CLEANERS[name]([c.strip() for c in cells])
        assert any(ok) and not all(ok)  # both the fast path and the fallback are exercised
    problems: dict[int, list[tuple[str, str]]] = {}
    values = cleaning.clean_column(cells, name, cleaner, problems)
    assert (values, problems) == cell_by_cell(name, cells)


def test_the_phone_fast_path_refuses_what_normalize_phone_refuses() -> None:
    for cell in TRICKY["phone"]:
        if PHONE_LAYOUT.fullmatch(cell):
            assert cleaning.clean_phone(cell) == "+1" + "".join(PHONE_LAYOUT.fullmatch(cell).groups())  # type: ignore[union-attr]
    with pytest.raises(InputError, match="service code"):
        cleaning.clean_phone("(211) 555-1212")


def write_leads(path: Path, rows: int, start: int = 0) -> Path:
    lines = ["phone,email,cert_url,first_name,state,notes"]
    for i in range(start, start + rows):
        phone = f"(202) 55{i // 10_000 % 10}-{i % 10_000:04d}" if i % 50 else "(211) 555-0000"  # some refused phones
        email = f"Lead{i % (rows - 5) if i % 7 == 0 else i}@Example.com"  # repeats: one consumer's other buys
        lines.append(f'{phone},{email},https://cert.trustedform.com/{i:040x},Name{i},ca,"note {i}"')
    lines.append(",,,,,")  # blank
    lines.append("not a phone,,,Nobody,,")  # refused
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def everything(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    leads = store.db.execute(
        "SELECT id, phone, email, cert_url, first_name, state, extra, source_row FROM leads ORDER BY id"
    ).fetchall()
    problems = store.db.execute("SELECT row_number, severity, field, reason, raw FROM import_problems ORDER BY id")
    return leads, problems.fetchall()


def test_dropping_the_indexes_for_a_bulk_import_changes_no_result(
    tmp_path: Path, another_database: Callable[[str], Location]
) -> None:
    first = write_leads(tmp_path / "first.csv", 300)
    second = write_leads(tmp_path / "second.csv", 900, start=200)  # overlaps the first: rows already imported
    results = []
    for rebuild in (False, True):
        with Store(another_database(f"rebuild-{rebuild}")) as store:
            reports = [
                LeadImporter(store, path, chunk_rows=64, rebuild_indexes=rebuild).run() for path in (first, second)
            ]
            assert store.missing_lead_indexes() == []
            results.append((everything(store), [(r.leads_created, r.rows_recognised, r.lead_ids) for r in reports]))
    assert results[0] == results[1]
    (leads, problems), counts = results[1]
    assert counts[1][1] == 100  # the second file's rows already imported by the first
    assert any(p[1] == "refused" for p in problems) and any(p[2] == "phone" for p in problems)


def test_only_a_large_import_into_a_small_table_off_the_loop_drops_the_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, another_database: Callable[[str], Location]
) -> None:
    monkeypatch.setattr(importer, "BULK_ROWS", 100)
    a, b = another_database("a"), another_database("b")
    dropped: list[Location] = []
    monkeypatch.setattr(Store, "drop_lead_indexes", lambda self: dropped.append(self.location))
    large = write_leads(tmp_path / "large.csv", 300)
    small = write_leads(tmp_path / "small.csv", 20, start=5000)
    with Store(a) as store:
        import_csv(store, small)
        assert dropped == []  # 20 rows: updating the indexes is cheaper
        import_csv(store, large)
        assert dropped == [a]
    with Store(b) as store:
        asyncio.run(LeadImporter(store, large).run_async())
        assert dropped == [a]  # never from the window's loop: rebuilding would stop it painting
        import_csv(store, write_leads(tmp_path / "next.csv", 120, start=9000))
        assert dropped == [a]  # the table already holds more leads than the file brings


def test_kill_during_a_bulk_import_leaves_a_database_that_opens_with_its_indexes(tmp_path: Path) -> None:
    """SQLite only: a killed process and the file's integrity."""
    source = write_leads(tmp_path / "leads.csv", 2000)
    path = tmp_path / "lc.db"
    Store(path).close()
    script = f"""
import os, sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from desktop_app.imports import LeadImporter
from desktop_app.store import Store
from desktop_app.store.backend import Location
store = Store(Path({str(path)!r}))
for n, progress in enumerate(LeadImporter(store, Path({str(source)!r}), chunk_rows=200, rebuild_indexes=True).steps()):
    if n == 3:
        print('committed', progress.leads_created, store.missing_lead_indexes() != [], flush=True)
        os.kill(os.getpid(), 9)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == -9, proc.stderr
    _, created, were_missing = proc.stdout.split()
    assert were_missing == "True"
    with Store(path) as store:
        assert store.missing_lead_indexes() == []
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.lead_count() == int(created) > 0
        info = ImportStore(store).import_info(1)
        assert info is not None and info["status"] == "running"  # read as interrupted
        report = import_csv(store, source)  # importing the file again recognises what was kept
        assert report.rows_recognised >= int(created) and store.lead_count() == report.leads_created + int(created)
    names = ("phone", "email", "cert_url", "leadid", "cs_cert_url", "scorecard")
    assert set(LEAD_INDEXES) == {f"leads_{c}" for c in names}
    assert os.path.exists(path)


def test_the_logged_digest_of_an_import_is_its_leads_as_stored(tmp_path: Path, database: Location) -> None:
    """An import logs the digest of the leads it wrote chunk by chunk (no read of the table at its end): it must be
    the digest verify reads back, with rows recognised and refused in between."""
    first = write_leads(tmp_path / "first.csv", 120)
    second = write_leads(tmp_path / "second.csv", 150, start=60)
    with Store(database) as store:
        for path in (first, second):
            report = LeadImporter(store, path, chunk_rows=16).run()
            logged = store.connection.execute(
                "SELECT content FROM evidence_log WHERE kind = 'import' AND ref = ?", (report.import_id,)
            ).fetchone()[0]
            assert json.loads(logged)["import"]["leads"] == evidence.leads_digest(store.connection, report.import_id)
        assert report.leads_created > 0 and report.rows_recognised > 40 and report.rows_refused > 0
        assert evidence.verify(store.connection).ok


def test_the_merge_key_map_spreads_keys_over_small_dicts() -> None:
    """One dict of millions of keys resizes in one GIL-holding call (a 273 ms window stall); the shards don't."""
    keys = keymap.KeyMap()
    values = [f"+1202555{i:04d}" for i in range(20_000)] + [f"lead{i}@example.com" for i in range(20_000)]
    for ref, value in enumerate(values, start=1):
        keys[value] = ref
    keys["+12025550000"] = -7  # a value can be given another reference
    assert len(keys) == len(values)
    assert keys["+12025550000"] == -7 and keys["lead19999@example.com"] == 40_000
    sizes = [len(shard) for shard in keys.shards]
    assert len(sizes) == keymap.KEY_SHARDS and max(sizes) < 3 * len(values) / keymap.KEY_SHARDS


async def test_the_reader_thread_frees_the_merge_keys_when_it_is_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: Location
) -> None:
    """Freed on the window's thread, a million stored leads' keys stalled it 600 ms at the end of an import."""
    freed_on: list[str] = []
    real_clear = keymap.KeyMap.clear

    def clear(keys: keymap.KeyMap, *, pause: float = 0.0) -> None:
        freed_on.append(threading.current_thread().name)
        real_clear(keys, pause=pause)
        assert len(keys) == 0

    monkeypatch.setattr(keymap.KeyMap, "clear", clear)
    with Store(database) as store:
        LeadImporter(store, write_leads(tmp_path / "first.csv", 200)).run()
        second = write_leads(tmp_path / "second.csv", 300, start=100)
        report = await LeadImporter(store, second, chunk_rows=50).run_async()
    assert freed_on and set(freed_on) == {"csv-import-reader"}
    assert report.rows_recognised > 50  # the stored leads' keys were there while rows were read


def test_reading_in_a_child_process_changes_no_result(
    tmp_path: Path, another_database: Callable[[str], Location]
) -> None:
    """A large import reads and cleans in a child process while this one merges and writes: the same leads,
    problems, recognitions and reports as reading here."""
    first = write_leads(tmp_path / "first.csv", 300)
    second = write_leads(tmp_path / "second.csv", 900, start=200)
    with first.open("a", encoding="utf-8") as handle:  # a cell holding the separator of the compact batches
        handle.write('\x1f(202) 555-7777,"a\x1fb@example.com",,x\x1fy,ca,"n\x1fote"\n')
    results = []
    for in_child in (False, True):
        with Store(another_database(f"child-{in_child}")) as store:
            reports = [
                LeadImporter(store, path, chunk_rows=64, reader_process=in_child).run() for path in (first, second)
            ]
            results.append((everything(store), [r.to_dict() | {"seconds": 0, "import_id": 0} for r in reports]))
    assert results[0] == results[1]
    assert results[1][1][1]["rows_recognised"] == 100


def test_an_unreadable_file_in_the_child_process_is_refused_as_here(tmp_path: Path) -> None:
    source = write_leads(tmp_path / "leads.csv", 50)
    with Store(tmp_path / "lc.db") as store:
        importer_ = LeadImporter(store, source, reader_process=True)
        source.unlink()
        with pytest.raises(ImportRefused, match="There is no file"):
            importer_.run()


def test_merging_a_batch_of_new_leads_at_once_gives_the_row_by_row_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, another_database: Callable[[str], Location]
) -> None:
    """Clean rows merge a batch at a time: the same leads, recognitions and shared-evidence warnings as row by row,
    including rows seen before (which send their batch row by row) and blank certificate or token cells."""
    token = "{:08x}-7b8f-4a6c-9d0e-1f2a3b4c5d6e".format

    def clean_rows(path: Path, start: int, count: int) -> Path:
        lines = ["phone,email,cert_url,leadid,first_name"]
        for i in range(start, start + count):
            cert = f"https://cert.trustedform.com/{i % 90:040x}" if i % 3 else ""  # shared by rows 90 apart
            phone = f"(202) 555-{i % 10_000:04d}" if i % 37 else "(211) 555-0000"  # a field not used: a warning
            lines.append(f"{phone},lead{i}@example.com,{cert},{token(i % 70) if i % 4 else ''},N{i}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    first = clean_rows(tmp_path / "first.csv", 0, 400)
    second = clean_rows(tmp_path / "second.csv", 300, 400)  # rows 300-399 seen before
    results = []
    for at_once in (True, False):
        if not at_once:
            monkeypatch.setattr(rows.RowReader, "_merge_new", lambda self, chunk, batch: False)
        with Store(another_database(f"merge-{at_once}")) as store:
            reports = [LeadImporter(store, path, chunk_rows=128).run() for path in (first, second)]
            problems = store.db.execute("SELECT row_number, severity, reason FROM import_problems ORDER BY id")
            results.append((everything(store), problems.fetchall(), [r.to_dict() | {"seconds": 0} for r in reports]))
    assert results[0] == results[1]
    assert sum(1 for p in results[0][1] if "Shares its" in p[2]) > 100
    assert any("service code" in p[2] for p in results[0][1])
    assert results[0][2][1]["rows_recognised"] == 100


@pytest.mark.parametrize(
    ("cpus", "idle", "pays"),
    [
        (2, 1.9, True),  # the second core free (this process waited while the CPUs were watched)
        (2, 1.5, True),
        (2, 1.2, False),  # other work keeps the second core busy
        (1, 1.0, False),  # one core: the child would only add handing the rows over
        (8, 2.0, True),
        (8, 0.5, False),
    ],
)
def test_a_child_process_reads_a_large_file_when_a_core_is_free(cpus: int, idle: float, pays: bool) -> None:
    assert reader_process.reader_process_pays(cpus, idle) is pays


def test_idle_cpus_are_read_from_the_systems_cpu_times() -> None:
    """Idle and I/O-wait ticks over all ticks of the ``cpu`` line, before and after a short wait (injected)."""
    stats = iter(
        [
            "cpu  100 0 50 1000 10 0 5 0 0 0\ncpu0 50 0 25 500 5 0 2 0 0 0\n",
            "cpu  160 0 70 1090 20 0 10 0 0 0\ncpu0 80 0 35 545 10 0 5 0 0 0\n",  # 85 ticks busy, 100 idle
        ]
    )
    waited: list[float] = []
    idle = reader_process.idle_cpus(lambda: next(stats), waited.append, cpus=2)
    assert waited == [reader_process.IDLE_SAMPLE_SECONDS]
    assert idle == pytest.approx(2 * 100 / 185)
    assert reader_process.idle_cpus(lambda: "intr 1 2 3\n", waited.append) is None  # not the summary line


def test_a_small_file_is_read_here_whatever_the_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Below BULK_ROWS the importer reads in this process without watching the CPUs (the child's start costs more
    than it saves)."""
    monkeypatch.setattr(importer, "idle_cpus", lambda: pytest.fail("a small file needs no look at the CPUs"))
    with Store(tmp_path / "lc.db") as store:
        report = LeadImporter(store, write_leads(tmp_path / "leads.csv", 40)).run()
    assert not report.read_in_child and report.leads_created == 40


@pytest.mark.parametrize(("setting", "in_child"), [("process", True), ("here", False), ("auto", False)])
def test_the_import_reader_setting_chooses_where_the_command_line_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, in_child: bool
) -> None:
    """LEADCHECK_IMPORT_READER (the ``import_reader`` setting) overrides the importer's choice (auto: a small file
    is read here); the leads are the same either way."""
    started: list[object] = []
    real = importer.ChildBatches

    def child_batches(reader: rows.RowReader) -> object:
        started.append(reader)
        return real(reader)

    monkeypatch.setattr(importer, "ChildBatches", child_batches)
    monkeypatch.setenv("LEADCHECK_IMPORT_READER", setting)
    home = tmp_path / "home"
    main(["--home", str(home), "import", str(write_leads(tmp_path / "leads.csv", 120))])
    assert len(started) == int(in_child)
    with Store(home / "data" / "leadcheck.db") as store:
        assert store.db.execute("SELECT count(*) FROM leads").fetchone()[0] == 120


def test_stopping_an_import_read_in_a_child_stops_the_child_and_its_pipe_thread(tmp_path: Path) -> None:
    """A writer that stops early (here: after the first chunk) closes the child's batches: the child is killed,
    the thread moving its frames ends, and what was written stays."""
    source = write_leads(tmp_path / "leads.csv", 3000)
    with Store(tmp_path / "lc.db") as store:
        steps = LeadImporter(store, source, chunk_rows=500, reader_process=True).steps()
        first = next(steps)
        assert 0 < first.leads_created < 3000
        steps.close()
        assert not [t for t in threading.enumerate() if t.name == "csv-import-child-pipe"]
        assert store.db.execute("SELECT count(*) FROM leads").fetchone()[0] == first.leads_created


def test_a_reader_process_killed_mid_file_is_said_in_words_and_the_file_can_be_imported_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 of the child after the first chunk: the import stops with a sentence (no traceback) saying the rows
    so far are kept; importing the file again adds exactly the rest."""
    monkeypatch.setattr(reader_process, "PIPE_BYTES", 65536)  # the child runs only a few batches ahead
    monkeypatch.setattr(reader_process, "AHEAD_FRAMES", 2)
    children: list[reader_process.ChildBatches] = []
    real = importer.ChildBatches

    def child_batches(reader: rows.RowReader) -> reader_process.ChildBatches:
        children.append(real(reader))
        return children[-1]

    monkeypatch.setattr(importer, "ChildBatches", child_batches)
    source = write_leads(tmp_path / "leads.csv", 3000)
    with Store(tmp_path / "lc.db") as store:
        steps = LeadImporter(store, source, chunk_rows=100, reader_process=True).steps()
        first = next(steps)
        children[0]._child.kill()
        with pytest.raises(reader_process.ReaderProcessFailed) as stopped:
            list(steps)
        assert str(stopped.value).startswith(
            "The import of leads.csv stopped: the process reading the file was stopped (signal 9). The rows imported "
            "before it stopped are kept"
        )
        kept = store.db.execute("SELECT count(*) FROM leads").fetchone()[0]
        assert first.leads_created <= kept < 3000
        again = LeadImporter(store, source, reader_process=False).run()
        assert (again.rows_recognised, again.leads_created) == (kept, 3000 - kept)
        assert store.db.execute("SELECT status FROM imports ORDER BY id").fetchall() == [("failed",), ("done",)]


def test_the_reader_process_gets_no_leadcheck_variables() -> None:
    """Keys and the team database's address (which may carry its password) stay out of the child's environment."""
    env = reader_process.child_environment(
        {
            "LEADCHECK_TRUSTEDFORM_API_KEY": "tf-secret",
            "LEADCHECK_DATABASE_URL": "postgresql://u:pw@db/x",
            "leadcheck_home": "/h",
            "PATH": "/usr/bin",
            "PYTHONPATH": "/extra",
        },
        "/app",
    )
    assert env == {"PATH": "/usr/bin", "PYTHONPATH": os.pathsep.join(["/app", "/extra"])}
