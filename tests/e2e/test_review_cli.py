"""A reviewed red lead end to end: ``lookup`` (human and ``--json``) reads "Red — reviewed: ...", and the suppression
export keeps it unless ``--skip-reviewed`` (in-process ``main([...])``; the demo's simulator answers; the
store on both engines)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from desktop_app.cli import main
from desktop_app.sandbox import VendorSimulator
from desktop_app.sandbox import scenarios as sim
from desktop_app.store.backend import Location

pytestmark = pytest.mark.e2e


def test_a_reviewed_red_lead_in_lookup_and_the_suppression_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: Location, simulated_vendors: VendorSimulator
) -> None:
    source = tmp_path / "leads.csv"
    source.write_text(f"phone,email\n{sim.LITIGATOR_PHONE_HIT},hit@example.com\n2025550123,ok@example.com\n")
    assert main(["scrub", str(source), "--vendors", "litigator"]) == 0
    capsys.readouterr()
    assert main(["--json", "lookup", "hit@example.com"]) == 0
    (lead,) = json.loads(capsys.readouterr().out)["leads"]
    assert lead["verdict"] == "red" and lead["review"] is None
    lead_id = lead["id"]

    out = tmp_path / "suppress.csv"

    def exported(*extra: str) -> list[str]:
        args = ["export", "suppression", "--out", str(out), "--format", "e164", "--include", "litigator,red"]
        assert main([*args, *extra]) == 0
        with open(out, encoding="utf-8", newline="") as handle:
            return [row[0] for row in csv.reader(handle)][1:]

    hit = exported()
    assert len(hit) == 1
    assert main(["review", str(lead_id), "--reason", "a known customer"]) == 0
    capsys.readouterr()

    assert main(["--json", "lookup", "hit@example.com"]) == 0
    (lead,) = json.loads(capsys.readouterr().out)["leads"]
    assert lead["verdict"] == "red"
    review = lead["review"]
    assert review["reason"] == "a known customer" and review["seat"] and review["at"]
    assert main(["lookup", "hit@example.com"]) == 0
    human = capsys.readouterr().out
    day = review["at"][:10]
    assert f"Red — reviewed: a known customer (by {review['seat']}, {day})" in human

    assert exported() == hit  # a reviewed lead stays on the list by default
    assert exported("--skip-reviewed") == []  # unless the buyer chooses otherwise
    assert main(["verify"]) == 0
