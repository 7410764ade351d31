"""The one verdict rule (``desktop_app.verdict``): a table of cases, its SQL twin on every flag combination,
the reasons in a buyer's words and the end-of-batch count line."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3

import pytest

from desktop_app.verdict import VERDICT_VENDORS, VendorAnswer, Verdict, count_line, reasons, verdict_of, verdict_sql

CASES = [
    # (trustedform, jornaya, litigator, contactstate) -> verdict
    ((None, None, None, None), Verdict.UNCHECKED),
    (("green", None, None, None), Verdict.GREEN),
    (("green", "green", "green", "green"), Verdict.GREEN),
    ((None, None, "green", None), Verdict.GREEN),
    (("green", "yellow", None, None), Verdict.YELLOW),
    ((None, None, None, "yellow"), Verdict.YELLOW),
    (("yellow", "yellow", "green", None), Verdict.YELLOW),
    (("green", "green", "red", "green"), Verdict.RED),
    (("red", None, None, None), Verdict.RED),
    (("yellow", "red", "green", "yellow"), Verdict.RED),
    ((None, None, None, "red"), Verdict.RED),
]


@pytest.mark.parametrize(("flags", "expected"), CASES)
def test_verdict_rule_table(flags: tuple[str | None, ...], expected: Verdict) -> None:
    assert verdict_of(dict(zip(VERDICT_VENDORS, flags, strict=True))) is expected


def test_vendors_outside_the_rule_and_missing_vendors_do_not_count() -> None:
    assert verdict_of({"consentcontrol": "red"}) is Verdict.UNCHECKED
    assert verdict_of({"consentcontrol": "red", "trustedform": "green"}) is Verdict.GREEN
    assert verdict_of({}) is Verdict.UNCHECKED
    assert verdict_of({"trustedform": ""}) is Verdict.UNCHECKED


def test_verdict_words() -> None:
    assert [v.word for v in Verdict] == ["Red", "Yellow", "Green", "Unchecked"]


def test_verdict_sql_agrees_with_verdict_of_on_every_combination_of_flags() -> None:
    values = (None, "green", "yellow", "red")
    combos = list(itertools.product(values, repeat=len(VERDICT_VENDORS)))
    columns = [f"flag_{v}" for v in VERDICT_VENDORS]
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(f"CREATE TABLE leads (id INTEGER PRIMARY KEY, {', '.join(columns)}, flag_consentcontrol)")
        conn.executemany(
            f"INSERT INTO leads (id, {', '.join(columns)}, flag_consentcontrol) VALUES (?, ?, ?, ?, ?, 'red')",
            [(i, *combo) for i, combo in enumerate(combos)],
        )
        got = dict(conn.execute(f"SELECT id, {verdict_sql()} FROM leads").fetchall())
    assert len(got) == len(combos) == 256
    for i, combo in enumerate(combos):
        assert got[i] == verdict_of(dict(zip(VERDICT_VENDORS, combo, strict=True))).value, combo


def test_verdict_sql_accepts_another_column_pattern() -> None:
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        conn.execute("CREATE TABLE t (trustedform_x, jornaya_x, litigator_x, contactstate_x)")
        conn.execute("INSERT INTO t VALUES ('green', NULL, 'yellow', NULL)")
        assert conn.execute(f"SELECT {verdict_sql('{vendor}_x')} FROM t").fetchone()[0] == "yellow"


def test_reasons_name_every_red_then_every_yellow_answer_in_the_vendors_words() -> None:
    answers = {
        "trustedform": VendorAnswer("trustedform", "red", "the email does not match the certificate"),
        "jornaya": VendorAnswer("jornaya", "yellow", "capture was partial"),
        "litigator": VendorAnswer("litigator", "red", "known litigator"),
        "contactstate": VendorAnswer("contactstate", "green", "certified"),
    }
    assert reasons(answers) == [
        "TrustedForm: the email does not match the certificate",
        "TCPA Litigator: known litigator",
        "Jornaya: capture was partial",
    ]


def test_reasons_of_a_green_lead_say_who_checked_it_and_of_an_unchecked_lead_say_so() -> None:
    green = {
        "litigator": VendorAnswer("litigator", "green", "not a known litigator"),
        "trustedform": VendorAnswer("trustedform", "green", "retained"),
    }
    assert reasons(green) == ["Every vendor that checked it is green (TrustedForm, TCPA Litigator)."]
    assert reasons({}) == ["No vendor has checked this lead yet."]


def test_count_line() -> None:
    assert count_line({"red": 12, "yellow": 30, "green": 153}) == "195 leads: 12 red, 30 yellow, 153 green"
    assert count_line({"green": 1}) == "1 lead: 0 red, 0 yellow, 1 green"
    assert count_line({"red": 1, "unchecked": 1500}) == "1,501 leads: 1 red, 0 yellow, 0 green, 1,500 unchecked"
    assert count_line({}) == "0 leads: 0 red, 0 yellow, 0 green"
