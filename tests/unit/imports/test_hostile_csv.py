"""Hostile CSVs: each ends with a clear outcome (imported, or refused with a sentence saying why) and no crash."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from desktop_app.imports import ImportRefused, LeadImporter, import_csv, inspect_csv
from desktop_app.store import Store

DATA = Path(__file__).resolve().parents[2] / "data" / "csv"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "leads.db") as s:
        yield s


def leads(store: Store) -> list[dict[str, object]]:
    return [store.lead(i) or {} for i in range(1, store.lead_count() + 1)]


def test_utf8_bom_is_not_part_of_the_first_column_name(store: Store) -> None:
    preview = inspect_csv(DATA / "bom.csv")
    assert preview.format.encoding_label == "UTF-8 with BOM"
    assert preview.mapping.columns[0].name == "phone" and preview.mapping.columns[0].field == "phone"
    report = import_csv(store, DATA / "bom.csv")
    assert report.leads_created == 1
    assert leads(store)[0]["phone"] == "+12025551212"


def test_windows_1252_with_semicolons_reads_accents(store: Store) -> None:
    preview = inspect_csv(DATA / "windows1252_semicolons.csv")
    assert preview.format.encoding_label == "Windows-1252"
    assert preview.format.delimiter == ";"
    report = import_csv(store, DATA / "windows1252_semicolons.csv")
    assert report.leads_created == 1
    lead = leads(store)[0]
    assert lead["first_name"] == "Renée" and lead["city"] == "Montréal"


def test_mostly_utf8_file_with_a_stray_windows_1252_byte_late_in_the_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    body = "".join(f"2025{i:06d},user{i}@example.com,Zoë\n" for i in range(5550000, 5550000 + 3000))
    path.write_bytes(b"phone,email,first_name\n" + body.encode() + b"3035551234,late@example.com,Ren\xe9e\n")
    report = import_csv(store, path)
    assert report.rows_refused == 0
    names = {lead["first_name"] for lead in leads(store)}
    assert {"Zoë", "Renée"} <= names


def test_quoted_newlines_stay_inside_their_cell(store: Store) -> None:
    report = import_csv(store, DATA / "quoted_newlines.csv")
    assert report.leads_created == 2 and report.rows_refused == 0
    first = leads(store)[0]
    assert first["extra"] == {"notes": "line one\nline two, with comma"}
    assert leads(store)[1]["extra"] == {"notes": 'say "hi"'}


def test_no_header_is_detected_and_columns_are_guessed_from_values(store: Store) -> None:
    preview = inspect_csv(DATA / "no_header.csv")
    assert not preview.format.has_header
    assert [c.field for c in preview.mapping.columns][:2] == ["phone", "email"]
    assert preview.mapping.columns[0].source == "content"
    report = import_csv(store, DATA / "no_header.csv")
    assert report.leads_created == 2  # the first row is a lead, not a header
    assert leads(store)[0]["email"] == "e@example.com"


def test_blank_lines_are_skipped_and_counted(store: Store) -> None:
    report = import_csv(store, DATA / "blank_lines.csv")
    assert report.leads_created == 2
    assert report.blank_rows >= 3
    assert report.rows_refused == 0


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.csv", "empty"),
        ("only_blank.csv", "only blank lines"),
        ("binary.csv", "binary"),
    ],
)
def test_files_refused_as_a_whole_say_why(store: Store, name: str, words: str) -> None:
    with pytest.raises(ImportRefused, match=words):
        import_csv(store, DATA / name)
    assert store.lead_count() == 0


def test_excel_workbook_is_refused_with_what_to_do(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    with pytest.raises(ImportRefused, match="save it as CSV"):
        inspect_csv(path)


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="no file"):
        inspect_csv(tmp_path / "nope.csv")
    with pytest.raises(ImportRefused, match="folder"):
        inspect_csv(tmp_path)


def test_tab_and_pipe_delimiters(store: Store) -> None:
    assert inspect_csv(DATA / "tabs.csv").format.delimiter == "\t"
    assert inspect_csv(DATA / "pipes.csv").format.delimiter == "|"
    report = import_csv(store, DATA / "tabs.csv")
    lead = leads(store)[0]
    assert report.leads_created == 1
    assert lead["email"] == "i@example.com"
    assert lead["cert_url"] == "https://cert.trustedform.com/eb9fc4dd9bed9ad451a5648946cf4bf09b5bb947"


def test_a_10_mb_cell_is_not_used_and_the_row_is_kept_with_the_reason(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "big_cell.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "email", "notes"])
        writer.writerow(["2025551230", "big@example.com", "x" * (10 * 1024 * 1024)])
        writer.writerow(["9" * (10 * 1024 * 1024), "", ""])
        writer.writerow(["2025551231", "after@example.com", "fine"])
    report = import_csv(store, path)
    assert report.leads_created == 2  # the row with the huge note, and the row after the huge phone
    assert report.rows_refused == 1
    refused = [p for p in report.problems if p.severity == "refused"]
    assert refused[0].row_number == 3 and "characters long" in refused[0].reason
    assert len(refused[0].raw[0]) < 2000  # the raw cell is kept, cut, saying how long it was
    warning = [p for p in report.problems if p.severity == "warning"][0]
    assert warning.row_number == 2 and "notes" in warning.reason


def test_100000_columns(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    header = ["phone", "email"] + [f"c{i}" for i in range(99_998)]
    row = ["2025551240", "wide@example.com"] + ["v"] * 99_998
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(row)
    started = time.monotonic()
    preview = inspect_csv(path)
    assert preview.format.column_count == 100_000
    report = LeadImporter(store, path, preview=preview).run()
    assert time.monotonic() - started < 30
    assert report.leads_created == 1
    assert report.columns_ignored == 100_000 - 2 - 50  # 50 unknown columns kept as extra, the rest ignored
    assert len(leads(store)[0]["extra"]) == 50  # type: ignore[arg-type]


def test_unreadable_row_does_not_stop_the_import(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import desktop_app.imports.reader as reader

    monkeypatch.setattr(reader, "FIELD_SIZE_LIMIT", 1000)
    limit = csv.field_size_limit()
    csv.field_size_limit(1000)
    try:
        path = tmp_path / "limit.csv"
        path.write_text("phone,notes\n2025551250,ok\n2025551251," + "y" * 5000 + "\n2025551252,ok\n", encoding="utf-8")
        report = import_csv(store, path)
    finally:
        csv.field_size_limit(limit)
    assert report.leads_created == 2
    assert report.rows_refused == 1
    assert "not valid CSV" in report.problems[0].reason
