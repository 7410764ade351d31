"""Jornaya tab: audit a LeadiD token (authentic? disclosure, capture, stored, data integrity, call center)."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLineEdit, QVBoxLayout, QWidget

from desktop_app.ui.tabs.base import OperationPanel, VendorTab
from desktop_app.ui.widgets.field_form import FieldForm
from desktop_app.ui.widgets.flags import RuleChip
from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.vendors import jornaya
from desktop_app.vendors.credentials import field
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import leadid_token

DATA_FIELDS: tuple[tuple[str, str], ...] = (
    ("f_name", "First name"),
    ("l_name", "Last name"),
    ("email", "Email"),
    ("phone1", "Phone 1"),
    ("phone2", "Phone 2"),
    ("address1", "Address 1"),
    ("address2", "Address 2"),
    ("city", "City"),
    ("state", "State"),
    ("zip", "Zip"),
)
RULES: tuple[tuple[str, str], ...] = (
    ("disclosure", "Disclosure"),
    ("capture", "Capture"),
    ("stored", "Stored"),
    ("data_integrity", "Data integrity"),
    ("call_center", "Call center"),
)


def rule_chips(rules: dict[str, dict[str, object]]) -> list[RuleChip]:
    """One chip per documented rule, coloured by Jornaya's rule flag, with the documented meaning as tooltip."""
    chips = []
    for key, name in RULES:
        rule = rules.get(key) or {}
        colour = rule.get("rule")
        value = rule.get("value")
        meaning = str(rule.get("meaning") or "Not returned by Jornaya.")
        if value is not None:
            meaning = f"{meaning} (Jornaya value {value})"
        chips.append(RuleChip(name, str(colour) if colour else None, meaning))
    return chips


class JornayaTab(VendorTab):
    """Audit one LeadiD token; optional lead data is compared by Jornaya (data integrity)."""

    key = "jornaya"
    title = "Jornaya"
    placeholder_text = (
        "Paste a Jornaya LeadiD token and press Enter.\nAdd the lead's data to have Jornaya check its integrity."
    )

    def build_inputs(self) -> QWidget:
        panel = OperationPanel(
            self.audit,
            paste_label="LeadiD token",
            paste_placeholder="e.g. 58990313-03FB-43B8-AD0B-08CEF791D49B",
            run_text="Audit",
        )
        options = panel.form
        options.add_line(
            "provider_code",
            "Provider code",
            max_length=jornaya.MAX_PROVIDER_CODE_LENGTH,
            tooltip="Jornaya's lpc: identifies the supplier the lead came from. Blank uses the default in Settings.",
        )
        options.add_line(
            "record_id",
            "Record ID",
            max_length=jornaya.MAX_RECORD_ID_LENGTH,
            placeholder="optional: your ID for this lead",
        )
        self.data_form = FieldForm(columns=2)
        for label, caption in DATA_FIELDS:
            self.data_form.add_line(
                label,
                caption,
                max_length=jornaya.MAX_VALUE_LENGTH,
                tooltip=f"Sent to Jornaya as “{label}” to check against what was typed on the form.",
            )
        self.data_form.changed.connect(panel.revalidate)
        self.data_form.submitted.connect(panel.run_button.click)
        group = QGroupBox("Lead data (optional, for data integrity)")
        inner = QVBoxLayout(group)
        inner.addWidget(self.data_form)
        panel.extra.addWidget(group)
        panel.add_validator(self._check)
        self.panel = self.add_panel(panel)
        self.update_provider_placeholder()
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(panel)
        layout.addStretch(1)
        return host

    def default_provider_code(self) -> str:
        return self.service.settings.credential(field("jornaya", "provider_code"))[0]

    def update_provider_placeholder(self) -> None:
        default = self.default_provider_code()
        box = self.panel.form.fields["provider_code"]
        assert isinstance(box, QLineEdit)
        text = f"default from Settings: {default}" if default else "none set in Settings: enter one"
        box.setPlaceholderText(text)

    def focus_input(self) -> None:
        self.update_provider_placeholder()
        super().focus_input()

    def _check(self) -> None:
        assert self.panel.paste_box is not None
        leadid_token(self.panel.paste_box.text())
        jornaya.encode_data(self.data_form.values())
        provider = self.panel.form.value("provider_code") or self.default_provider_code()
        if not provider:
            raise InputError(
                "Enter a provider code (lpc), or set a default one in Settings → Jornaya.", field="provider_code"
            )

    async def audit(self) -> CheckResult:
        assert self.panel.paste_box is not None
        options = self.panel.form.values()
        return await self.service.audit(
            self.panel.paste_box.text(),
            provider_code=options.get("provider_code"),
            data=self.data_form.values() or None,
            record_id=options.get("record_id"),
        )

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        d = result.details
        if result.error is not None or not d:
            return
        card.row("Authentic", "Yes" if d.get("authentic") else "No")
        if not d.get("authentic"):
            if d.get("reason"):
                card.row("Reason", d["reason"])
            if d.get("possible_reasons"):
                card.heading("Possible reasons")
                card.bullets(list(d["possible_reasons"]))
        rules = d.get("rules") or {}
        if d.get("authentic"):
            card.heading("Rules")
            card.chips(rule_chips(rules))
        failed = d.get("data_integrity_failed") or []
        passed = d.get("data_integrity_passed") or []
        defaults = d.get("data_integrity_default") or []
        if failed or passed or defaults or d.get("data_labels"):
            card.row("Failed fields", ", ".join(failed) or "None")
            card.row("Passed fields", ", ".join(passed) or "None")
            card.row("Default-value fields", ", ".join(defaults) or "None")
        fields = d.get("fields") or {}
        if fields:
            rows = [[name, info.get("value"), info.get("meaning")] for name, info in fields.items()]
            card.table(["Field", "Value", "Meaning"], rows, name="fields")
        disclosures = d.get("disclosures") or []
        if disclosures:
            card.heading("Disclosures")
            rows = [
                [item.get("label") or item.get("disclosure_id"), item.get("interaction_meaning") or "—"]
                for item in disclosures
            ]
            card.table(["Disclosure", "Interaction"], rows, name="disclosures")
        card.row("Provider code", d.get("provider_code"))
        if d.get("record_id"):
            card.row("Record ID", d["record_id"])
        if d.get("transid"):
            card.row("Transaction ID", d["transid"])
