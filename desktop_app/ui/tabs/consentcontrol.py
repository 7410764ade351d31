"""Consent Control tab: upload opt-outs typed by hand or read from a CSV file; see each record accepted or rejected.

The hand form enforces Consent Control's documented maximum lengths in the widgets and checks the record with
:func:`desktop_app.vendors.consentcontrol.check_record` as the buyer types. A CSV is read off the UI thread
with :func:`records_from_csv`; rows it cannot use are listed before anything is uploaded.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.imports.optouts import RowProblem, records_from_csv
from desktop_app.service import CheckService
from desktop_app.ui.runtime import run_dialog
from desktop_app.ui.tabs.base import OperationPanel, SegmentedPages, VendorTab, async_slot, panel_page
from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.vendors.consentcontrol import (
    FIELD_LABELS,
    MAX_SIZES,
    OptOutRecord,
    UploadOutcome,
    check_record,
)
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.results import CheckResult, Flag, utcnow

HAND_FIELDS = (
    "phone1",
    "phone2",
    "email1",
    "email2",
    "firstname",
    "lastname",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "projectid",
    "validation",
)
STATUS_WORDS = {
    "stored": "Recorded",
    "rejected": "Rejected",
    "refused": "Not sent",
    "failed": "Failed",
    "unclear": "Unclear",
}
# A stored opt-out is recorded (do not contact), not a green light: no colour for it.
STATUS_COLOURS = {"rejected": "red", "unclear": "yellow"}
VALIDATION_TIP = (
    "validation: the record's validation status, which Consent Control requires. Its documentation's example "
    "uses 1; change it only if Consent Control gave you another value."
)


def contact_of(values: dict[str, Any]) -> str:
    """A short name for an opt-out: its phones and emails, else its name and street."""
    parts = [str(values[k]) for k in ("phone1", "phone2", "email1", "email2") if values.get(k)]
    if not parts:
        parts = [" ".join(str(values[k]) for k in ("firstname", "lastname") if values.get(k))]
        parts += [str(values[k]) for k in ("address1", "zip") if values.get(k)]
    return ", ".join(p for p in parts if p) or "—"


def combined_result(outcome: UploadOutcome) -> CheckResult:
    """What the card shows for an upload: the single request's result, or one view over several requests."""
    if len(outcome.results) == 1 and not outcome.refused:
        return outcome.results[0]
    records = [
        {
            "index": o.index,
            "status": o.status,
            "flag": o.flag.value if o.flag else None,
            "record_id": o.record_id,
            "reason": o.reason or (o.error.message if o.error else ""),
            "contact": contact_of(o.record.to_json()),
        }
        for o in outcome.records
    ]
    errors = [r.error for r in outcome.results if r.error is not None]
    failed_all = bool(outcome.results) and len(errors) == len(outcome.results)
    flags = [o.flag for o in outcome.records]
    flag = Flag.RED if Flag.RED in flags else Flag.GREEN if outcome.all_stored else Flag.YELLOW
    n = len(outcome.records)
    return CheckResult(
        vendor="consentcontrol",
        operation="optout_upload",
        subject=f"{n} opt-out{'s' if n != 1 else ''}",
        flag=None if failed_all else flag,
        summary=outcome.summary,
        details={"records": records, "requests": len(outcome.results)},
        error=errors[0] if failed_all else None,
        request={"requests": [r.request for r in outcome.results]} if outcome.results else {},
        response_body=json.dumps([r.response_body for r in outcome.results]) if outcome.results else None,
        started_at=outcome.results[0].started_at if outcome.results else utcnow(),
    )


class ConsentControlTab(VendorTab):
    """Opt-outs by hand or from CSV; the card lists every record as recorded (neutral) or rejected (red)."""

    key = "consentcontrol"
    title = "Consent Control"
    green_word = "Recorded"
    placeholder_text = (
        "Add a consumer's opt-out by hand, or choose a CSV file of opt-outs.\n"
        "Each record appears here as recorded (do not contact) or rejected."
    )

    def __init__(self, service: CheckService, parent: QWidget | None = None) -> None:
        self.csv_records: list[OptOutRecord] = []
        self.csv_problems: list[RowProblem] = []
        self.csv_path: Path | None = None
        self.last_outcome: UploadOutcome | None = None
        self.file_dialog: QFileDialog | None = None  # while the opt-out CSV chooser is open
        super().__init__(service, parent)

    # -- building ----------------------------------------------------------------------------------------------

    def build_inputs(self) -> QWidget:
        self.pages = SegmentedPages()
        self.hand_panel = OperationPanel(
            self.upload_hand,
            run_text="Add opt-out",
            busy_text="Uploading…",
            intro="At least a phone, an email or a street address (with zip, or city and state).",
            columns=2,
        )
        form = self.hand_panel.form
        for name in HAND_FIELDS:
            text = "1" if name == "validation" else ""
            box = form.add_line(
                name,
                "Validation status" if name == "validation" else FIELD_LABELS[name],
                max_length=MAX_SIZES[name],
                text=text,
                tooltip=VALIDATION_TIP if name == "validation" else f"{name}: at most {MAX_SIZES[name]} characters",
                span=name in ("address1",),
            )
            if name == "state":
                box.setPlaceholderText("FL")
            elif name == "zip":
                box.setPlaceholderText("34323 or 34323-1234")
        self.hand_panel.pristine = lambda: (
            not any(v for k, v in self.hand_panel.form.values().items() if k != "validation")
        )
        self.hand_panel.add_validator(self._check_hand)
        self.add_panel(self.hand_panel)
        self.pages.add_page("By hand", panel_page(self.hand_panel))

        self.csv_panel = OperationPanel(
            self.upload_csv,
            run_text="Upload",
            busy_text="Uploading…",
            intro=(
                "A CSV with a header row: Consent Control's column names (phone1, email1, firstname, zip…) "
                "or the usual ones (phone, email, first_name, zipcode…). At most 100 opt-outs go per request."
            ),
        )
        self.csv_panel.form.add_line(
            "projectid",
            "Project ID",
            max_length=MAX_SIZES["projectid"],
            placeholder="optional: fills blank projectid cells",
        )
        choose = QPushButton("Choose CSV file…")
        choose.clicked.connect(self._on_choose_file)
        self.file_label = QLabel("No file chosen.")
        self.file_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(choose)
        row.addWidget(self.file_label, 1)
        self.csv_panel.extra.addLayout(row)
        self.problem_list = QListWidget()
        self.problem_list.setAccessibleName("Rows that cannot be uploaded")
        self.problem_list.setMaximumHeight(120)
        self.problem_list.setWordWrap(True)
        self.problem_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.problem_list.hide()
        self.csv_panel.extra.addWidget(self.problem_list)
        self.csv_panel.pristine = lambda: self.csv_path is None
        self.csv_panel.add_validator(self._check_csv)
        self.add_panel(self.csv_panel)
        self.pages.add_page("From a CSV file", panel_page(self.csv_panel))

        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        return host

    # -- by hand -----------------------------------------------------------------------------------------------

    def hand_record(self) -> OptOutRecord:
        values = self.hand_panel.form.values()
        return OptOutRecord(**{name: values.get(name, "") for name in HAND_FIELDS})

    def _check_hand(self) -> None:
        problems = check_record(self.hand_record())
        if problems:
            raise InputError(" ".join(problems))

    async def upload_hand(self) -> UploadOutcome:
        outcome = await self.service.upload_optouts([self.hand_record()])
        if outcome.all_stored:
            validation = self.hand_panel.form.value("validation")
            self.hand_panel.form.clear()
            self.hand_panel.form.set_value("validation", validation or "1")
        return outcome

    # -- from a file -------------------------------------------------------------------------------------------

    def _check_csv(self) -> None:
        if self.csv_path is None:
            raise InputError("Choose a CSV file of opt-outs.", field="file")
        if not self.csv_records:
            raise InputError("The file has no opt-outs that can be uploaded; see the rows listed below.", field="file")

    async def load_csv(self, path: Path) -> int:
        """Read ``path`` off the UI thread; list its unusable rows. Returns the number of usable opt-outs."""
        project = self.csv_panel.form.value("projectid") or None
        self.file_label.setText(f"Reading {path.name}…")
        try:
            records, problems = await asyncio.get_running_loop().run_in_executor(
                None, lambda: records_from_csv(path, project_id=project)
            )
        except InputError as exc:
            self.csv_path, self.csv_records, self.csv_problems = path, [], []
            self.file_label.setText(path.name)
            self.problem_list.clear()
            self.problem_list.addItem(str(exc))
            self.problem_list.show()
            self.csv_panel.revalidate()
            return 0
        self.csv_path, self.csv_records, self.csv_problems = path, records, problems
        noun = "opt-out" if len(records) == 1 else "opt-outs"
        rows = f"; {len(problems)} row{'s' if len(problems) != 1 else ''} cannot be used" if problems else ""
        self.file_label.setText(f"{path.name}: {len(records)} {noun} ready{rows}.")
        self.problem_list.clear()
        for problem in problems:
            self.problem_list.addItem(f"Row {problem.row}: {problem.reason}")
        self.problem_list.setVisible(bool(problems))
        self.csv_panel.run_text = f"Upload {len(records)} {noun}"
        self.csv_panel.run_button.setText(self.csv_panel.run_text)
        self.csv_panel.revalidate()
        return len(records)

    async def choose_file(self) -> Path | None:
        """Ask for the opt-out CSV (a window-modal chooser; the loop, and any running batch, go on meanwhile)."""
        start = str(self.csv_path.parent if self.csv_path is not None else Path.home())
        dialog = QFileDialog(self, "Choose a CSV file of opt-outs", start, "CSV files (*.csv *.txt);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.resize(820, 500)  # Qt's own chooser: wide enough for whole modification dates
        self.file_dialog = dialog
        try:
            accepted = await run_dialog(dialog) == QDialog.DialogCode.Accepted
            files = dialog.selectedFiles() if accepted else []
        finally:
            self.file_dialog = None
            dialog.deleteLater()
        return Path(files[0]) if files else None

    async def choose_and_load(self) -> int:
        path = await self.choose_file()
        if path is None:
            return 0
        self.pages.set_page(1)
        return await self.load_csv(path)

    @async_slot()
    async def _on_choose_file(self) -> None:
        await self.choose_and_load()

    async def upload_csv(self) -> UploadOutcome:
        project = self.csv_panel.form.value("projectid") or None
        return await self.service.upload_optouts(self.csv_records, project_id=project)

    # -- showing -----------------------------------------------------------------------------------------------

    def show_value(self, value: object) -> None:
        if isinstance(value, UploadOutcome):
            self.last_outcome = value
            self.card.show_result(combined_result(value))
            self.recent.refresh()
            return
        super().show_value(value)

    def panel_for_text(self, text: str) -> OperationPanel:
        return self.hand_panel

    async def paste_and_run_value(self, text: str) -> Any:
        """A pasted phone or email becomes a hand opt-out; pasted CSV text (several lines) is read and uploaded."""
        if "\n" in text.strip():
            records, problems = records_from_csv(text)
            self.csv_path, self.csv_records, self.csv_problems = Path("pasted.csv"), records, problems
            self.file_label.setText(f"Pasted text: {len(records)} opt-outs ready.")
            self.pages.set_page(1)
            return await self.csv_panel.run()
        self.pages.set_page(0)
        form = self.hand_panel.form
        value = text.strip()
        form.set_value("email1" if "@" in value else "phone1", value)
        return await self.hand_panel.run()

    def current_panel(self) -> OperationPanel:
        return self.csv_panel if self.pages.current_index() == 1 else self.hand_panel

    def reveal(self, panel: OperationPanel) -> None:
        self.pages.set_page(1 if panel is self.csv_panel else 0)

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        d = result.details
        records = d.get("records") or []
        if not records:
            return
        sent = _sent_records(result)
        rows = []
        colours = []
        for position, item in enumerate(records):
            status = str(item.get("status") or "")
            contact = item.get("contact") or (contact_of(sent[position]) if position < len(sent) else "—")
            rows.append(
                [
                    int(item.get("index", position)) + 1,
                    contact,
                    STATUS_WORDS.get(status, status.capitalize()),
                    item.get("reason") or ("On the suppression list" if status == "stored" else ""),
                    item.get("record_id"),
                ]
            )
            colours.append(STATUS_COLOURS.get(status))
        stored = sum(1 for r in records if r.get("status") == "stored")
        rejected = sum(1 for r in records if r.get("status") == "rejected")
        card.row("Recorded", stored, tooltip="Opt-outs Consent Control stored: do not contact these consumers.")
        card.row("Rejected", rejected)
        if d.get("transaction_id"):
            card.row("Transaction ID", d["transaction_id"])
        card.heading("Records")
        card.table(
            ["#", "Opt-out", "Result", "Reason", "Record ID"], rows, colours=colours, colour_column=2, name="records"
        )


def _sent_records(result: CheckResult) -> list[dict[str, Any]]:
    body = result.request.get("body") if isinstance(result.request, dict) else None
    return [r for r in body if isinstance(r, dict)] if isinstance(body, list) else []
