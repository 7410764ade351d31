"""Export dialogs write the results CSV and suppression lists in the chosen format; suppression files import."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from desktop_app.ui.batch.check_dialog import BatchRequest
from desktop_app.ui.batch.export_dialog import ExportResultsDialog, ExportSuppressionDialog
from desktop_app.ui.batch.feature import BatchFeature
from tests.ui.helpers import OFFSCREEN_SHOW, add_leads

pytestmark = OFFSCREEN_SHOW


def read_csv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    """The CSV's rows, without a results export's last line (the evidence log's head, checked on its own)."""
    with open(path, encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[:-1] if rows and rows[-1] and rows[-1][0].startswith("# Evidence log: ") else rows


async def checked(feature: BatchFeature, n: int = 5) -> tuple[list[int], int]:
    ids = add_leads(feature.store, n)
    final = await feature.start_batch(BatchRequest(ids, ("trustedform", "litigator"), "export me"))
    assert final is not None and final.remaining == 0
    return ids, final.batch_id


async def test_export_results_writes_every_vendors_flag_reason_and_date(feature: BatchFeature, tmp_path: Path) -> None:
    ids, batch_id = await checked(feature)
    feature.store.add_lead({"first_name": '=HYPERLINK("http://x")', "phone": "+13125550999"})  # never checked
    dialog = feature.open_export_results(batch_id)
    assert isinstance(dialog, ExportResultsDialog) and dialog.batch_id == batch_id
    out = tmp_path / "results.csv"
    dialog.path_row.edit.setText(str(out))
    assert await dialog.export() == 5
    rows = read_csv(out, "utf-8-sig")
    header = rows[0]
    for column in ("trustedform_flag", "trustedform_reason", "trustedform_date", "litigator_flag"):
        assert column in header
    first = dict(zip(header, rows[1], strict=True))
    assert first["trustedform_flag"] == "Green" and first["trustedform_date"]
    assert {dict(zip(header, r, strict=True))["litigator_flag"] for r in rows[1:]} == {"Green", "Red"}
    assert "5 leads written" in dialog.status.text() and dialog.status.objectName() == "infoMessage"

    dialog.scope_combo.setCurrentIndex(0)  # every checked lead (the unchecked one is not in it)
    assert dialog.batch_id is None
    assert await dialog.export() == 5


async def test_export_results_to_an_unwritable_place_says_so(feature: BatchFeature, tmp_path: Path) -> None:
    await checked(feature, 1)
    dialog = feature.open_export_results()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    dialog.path_row.edit.setText(str(blocker / "results.csv"))
    assert await dialog.export() is None
    assert "Could not write" in dialog.status.text() and dialog.status.objectName() == "errorMessage"
    assert dialog.export_button.isEnabled()


async def test_export_suppression_in_the_chosen_format(feature: BatchFeature, tmp_path: Path) -> None:
    ids, _batch = await checked(feature)  # lead 4's phone is a litigator hit: suppressed
    store = feature.store
    store.add_suppression([("email", "gone@example.com", "optout", "test"), ("phone", "+13125550111", "optout", "t")])
    hit = store.lead(ids[4])
    assert hit is not None
    dialog = feature.open_export_suppression()
    assert isinstance(dialog, ExportSuppressionDialog)
    out = tmp_path / "supp.csv"
    dialog.path_row.edit.setText(str(out))

    dialog.set_format("e164")
    dialog.reason_check.setChecked(True)
    dialog.date_check.setChecked(True)
    assert not dialog.kind_combo.isEnabled()
    assert await dialog.export() == 2
    rows = read_csv(out)
    assert rows[0] == ["e164", "reason", "date"]
    assert sorted(r[0] for r in rows[1:]) == sorted([hit["phone"], "+13125550111"])
    assert {r[1] for r in rows[1:]} == {"litigator", "optout"} and all(r[2] for r in rows[1:])

    dialog.set_format("phone10")
    dialog.reason_check.setChecked(False)
    dialog.date_check.setChecked(False)
    dialog.source_checks["optout"].setChecked(False)
    assert await dialog.export() == 1
    assert read_csv(out) == [["phone10"], [hit["phone"][2:]]]

    dialog.set_format("sha256")
    assert dialog.kind_combo.isEnabled()
    dialog.kind_combo.setCurrentIndex(2)  # emails
    dialog.source_checks["optout"].setChecked(True)
    dialog.source_checks["litigator"].setChecked(False)
    assert await dialog.export() == 1
    assert read_csv(out)[1] == [hashlib.sha256(b"gone@example.com").hexdigest()]

    dialog.set_format("email")  # flag colours: every lead TrustedForm flagged green
    for check in dialog.source_checks.values():
        check.setChecked(False)
    dialog.colour_checks["green"].setChecked(True)
    dialog.flag_vendor_combo.setCurrentIndex(dialog.flag_vendor_combo.findData("trustedform"))
    assert dialog.include() == ["trustedform:green"]
    assert await dialog.export() == 5

    dialog.colour_checks["green"].setChecked(False)
    assert await dialog.export() is None and "at least one" in dialog.status.text()


async def test_import_a_consent_control_suppression_file(feature: BatchFeature, tmp_path: Path) -> None:
    path = tmp_path / "suppression.csv"
    path.write_text("phone,email\n(312) 555-0147,Opted.Out@Example.com\nnot a phone,\n3125550148,\n", encoding="utf-8")
    outcome = await feature.import_suppression(path)
    assert outcome is not None and (outcome.read, outcome.added) == (3, 3) and len(outcome.problems) == 1
    values = {(e["kind"], e["value"], e["reason"]) for e in feature.store.suppression()}
    assert ("phone", "+13125550147", "imported") in values and ("email", "opted.out@example.com", "imported") in values
    assert feature.last_message is not None
    text = feature.last_message.text()
    assert "3 phones/emails read, 3 new" in text and "Line 3" in text
    again = await feature.import_suppression(path)
    assert again is not None and again.added == 0


async def test_a_missing_suppression_file_says_so(feature: BatchFeature, tmp_path: Path) -> None:
    assert await feature.import_suppression(tmp_path / "nope.csv") is None
    assert feature.last_message is not None and "nope.csv" in feature.last_message.text()
