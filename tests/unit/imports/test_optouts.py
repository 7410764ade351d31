"""Consent Control files read as a lead import reads a CSV: opt-outs to upload and suppression files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.imports.optouts import records_from_csv, suppression_from_file
from desktop_app.vendors.consentcontrol import OptOutRecord
from desktop_app.vendors.errors import InputError

# ---------------------------------------------------------------------------------------------------------------
# Opt-outs from a CSV


def test_csv_with_documented_names_any_case_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "optouts.csv"
    path.write_text(
        "First_Name,LNAME,Address,City,State,ZipCode,Phone,Cell,Email_Address,Validation\n"
        "John,Doe,123 Main St,Sarasota,fl,34323,(941) 867-5309,727.867.5309,John.Doe@Gmail.com,\n",
        encoding="utf-8",
    )
    records, problems = records_from_csv(path, project_id="Spring")
    assert problems == []
    assert records == [
        OptOutRecord(
            firstname="John",
            lastname="Doe",
            address1="123 Main St",
            city="Sarasota",
            state="FL",
            zip="34323",
            phone1="941-867-5309",
            phone2="727-867-5309",
            email1="john.doe@gmail.com",
            validation="1",
            projectid="Spring",
        )
    ]


def test_csv_rows_with_problems_are_reported_and_the_rest_read() -> None:
    text = (
        "phone,email,zip,projectid\n"
        "941-867-5309,,,\n"
        "555-0123,,,\n"
        "\n"
        ",,,\n"
        ",not-an-email,,\n"
        "941-867-5308,,3432,\n"
        ",,,only a project\n"
        "941-867-5307,,,a project id that is far too long\n"
        "727-867-5309,jane@example.com,34323-1234,Own\n"
    )
    records, problems = records_from_csv(text)
    assert [r.phone1 for r in records] == ["941-867-5309", "727-867-5309"]
    assert records[1].projectid == "Own"
    assert [p.row for p in problems] == [3, 6, 7, 8, 9]
    reasons = {p.row: p.reason for p in problems}
    assert "7 digits" in reasons[3]
    assert "not an email address" in reasons[6]
    assert "leading zero" in reasons[7]
    assert "nothing to opt out" in reasons[8]
    assert "Project ID" in reasons[9] and "at most 20" in reasons[9]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("\ufeffphone,firstname\n9418675309,José\n".encode(), "José"),
        ("phone,firstname\n9418675309,José\n".encode("cp1252"), "José"),
        ("phone,firstname\r\n9418675309,Zoë\r\n".encode("utf-16"), "Zoë"),
        ("phone;firstname\n9418675309;José\n".encode(), "José"),
        ("phone\tfirstname\n9418675309\tJosé\n".encode(), "José"),
    ],
    ids=["utf8-bom", "windows-1252", "utf16", "semicolon", "tab"],
)
def test_csv_encodings_and_delimiters(tmp_path: Path, data: bytes, name: str) -> None:
    path = tmp_path / "optouts.csv"
    path.write_bytes(data)
    records, problems = records_from_csv(path)
    assert problems == [] and records[0].firstname == name and records[0].phone1 == "941-867-5309"


def test_csv_text_with_a_bom_is_read() -> None:
    records, _ = records_from_csv("\ufeffEMAIL\nA@B.co\n")
    assert records[0].email1 == "a@b.co"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"name,notes\nJohn,hello\n", "first row must name the columns"),
        (b"", "empty"),
        (b"PK\x03\x04rest-of-a-zip", "save it as CSV"),
    ],
)
def test_unusable_csv_files_are_refused(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "optouts.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match=words):
        records_from_csv(path)


def test_missing_csv_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no opt-out file"):
        records_from_csv(tmp_path / "nope.csv")


def test_csv_project_id_too_long_is_refused() -> None:
    with pytest.raises(InputError, match="at most 20"):
        records_from_csv("phone\n9418675309\n", project_id="y" * 21)


# ---------------------------------------------------------------------------------------------------------------
# Suppression files


def test_suppression_csv_with_phone_and_email_columns(tmp_path: Path) -> None:
    path = tmp_path / "suppression.csv"
    path.write_text(
        "Phone Number,Email,Name\n"
        "(941) 867-5309,John@Example.com,John\n"
        "+1 727 867 5309,,Jane\n"
        ",,Nobody\n"
        "12345,bad-email,Broken\n",
        encoding="utf-8",
    )
    entries = suppression_from_file(path)
    assert [(e.line, e.kind, e.value) for e in entries] == [
        (2, "phone", "+19418675309"),
        (2, "email", "john@example.com"),
        (3, "phone", "+17278675309"),
    ]
    assert entries.phones == {"+19418675309", "+17278675309"} and entries.emails == {"john@example.com"}
    assert [(p.row, p.reason) for p in entries.problems][0] == (4, "The line has no phone number or email address.")
    assert [p.row for p in entries.problems] == [4, 5, 5]


def test_suppression_one_value_per_line_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "suppression.txt"
    path.write_bytes(
        "9418675309\r\n# exported 2025-01-01\r\n\r\nJOHN@EXAMPLE.COM\r\nnot a value é\r\n".encode("cp1252")
    )
    entries = suppression_from_file(path)
    assert [(e.line, e.value) for e in entries] == [(1, "+19418675309"), (4, "john@example.com")]
    assert [p.row for p in entries.problems] == [5]


def test_suppression_headerless_lines_report_only_when_nothing_is_usable(tmp_path: Path) -> None:
    path = tmp_path / "suppression.csv"
    path.write_text("9418675309,2025-01-05\n2025-01-05,x\n", encoding="utf-8")
    entries = suppression_from_file(path)
    assert [e.value for e in entries] == ["+19418675309"]
    assert [p.row for p in entries.problems] == [2]


def test_suppression_with_an_unknown_header_scans_every_cell(tmp_path: Path) -> None:
    path = tmp_path / "suppression.csv"
    path.write_text("Contact,Added\n941-867-5309,yesterday\n", encoding="utf-8")
    entries = suppression_from_file(path)
    assert entries.phones == {"+19418675309"} and entries.problems == []


def test_missing_suppression_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no suppression file"):
        suppression_from_file(tmp_path / "none.csv")


@pytest.mark.timeout(20)
@pytest.mark.parametrize("read", [records_from_csv, suppression_from_file], ids=["opt-outs", "suppression"])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path: Path, read: Callable[[Path], Any]) -> None:
    fifo = tmp_path / "optouts.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        read(fifo)
