"""TrustedForm tab: retain a certificate (URL or bare id) and match it against the lead's email and phone."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktop_app.ui.tabs.base import OperationPanel, VendorTab
from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.ui.widgets.text import local_time, match_word, yes_no
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import normalize_email, normalize_phone, trustedform_cert_url

REASON_WORDS = {
    "expired_or_not_found": "Expired or not found",
    "sandbox_certificate": "Sandbox (test) certificate",
    "retention_window_passed": "Retention window passed",
    "claimed_too_many_times": "Claimed too many times",
}


class TrustedFormTab(VendorTab):
    """Retain one certificate; the card shows retained until, previously retained and the email/phone match."""

    key = "trustedform"
    title = "TrustedForm"
    placeholder_text = (
        "Paste a TrustedForm certificate URL and the lead's email or phone, then press Enter.\n"
        "The retain result appears here."
    )

    def build_inputs(self) -> QWidget:
        panel = OperationPanel(
            self.retain,
            paste_label="Certificate URL or ID",
            paste_placeholder="https://cert.trustedform.com/… (or the 40/80-character ID)",
            run_text="Retain",
            busy_text="Checking…",
        )
        form = panel.form
        form.add_line("email", "Email", placeholder="the lead's email", max_length=254)
        form.add_line("phone", "Phone", placeholder="the lead's phone, e.g. (202) 555-1212", max_length=30)
        form.add_line("reference", "Reference", placeholder="optional: your lead ID or URL", max_length=255)
        form.add_line("vendor", "Vendor", placeholder="optional: who sold you the lead", max_length=255)
        panel.add_validator(self._check)
        self.panel = self.add_panel(panel)
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(panel)
        layout.addStretch(1)
        return host

    def _check(self) -> None:
        assert self.panel.paste_box is not None
        trustedform_cert_url(self.panel.paste_box.text())
        values = self.panel.form.values()
        if "email" in values:
            normalize_email(values["email"])
        if "phone" in values:
            normalize_phone(values["phone"])
        if "email" not in values and "phone" not in values:
            raise InputError(
                "Enter the lead's email or phone (or both): TrustedForm retains a certificate only together with "
                "matching them against what the consumer typed.",
                field="email",
            )

    async def retain(self) -> CheckResult:
        assert self.panel.paste_box is not None
        values = self.panel.form.values()
        return await self.service.retain(
            self.panel.paste_box.text(),
            email=values.get("email"),
            phone=values.get("phone"),
            reference=values.get("reference"),
            vendor=values.get("vendor"),
        )

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        d = result.details
        if not d:
            return
        if result.error is None:
            if d.get("retained"):
                card.row("Retained until", local_time(d.get("expires_at")) if d.get("expires_at") else "No date given")
            else:
                card.row("Retained", "No")
            card.row(
                "Previously retained",
                yes_no(d.get("previously_retained")),
                tooltip="Yes: this certificate was already in your account before this request.",
            )
            body = result.request.get("body") if isinstance(result.request, dict) else None
            sent = body.get("match_lead") if isinstance(body, dict) else None
            sent = sent if isinstance(sent, dict) else {}
            for field, label in (("email", "Email match"), ("phone", "Phone match")):
                value = d.get(f"{field}_match")
                # A refusal (404/410/…) judges the certificate before matching: sent, but not compared.
                card.row(label, "Not checked" if value is None and field in sent else match_word(value))
        if d.get("masked_cert_url"):
            card.link(
                "Masked certificate",
                d["masked_cert_url"],
                note="Safe to share: it hides the consumer's details.",
            )
        card.row("Certificate", d.get("cert_url") or result.subject)
        if d.get("reason") or d.get("reason_code"):
            reason = d.get("reason") or ""
            code = REASON_WORDS.get(str(d.get("reason_code")), "")
            card.row("Reason", " · ".join(part for part in (code, reason) if part))
        if d.get("reference"):
            card.row("Reference", d["reference"])
        if d.get("lead_vendor"):
            card.row("Vendor", d["lead_vendor"])
        insights = d.get("insights") or {}
        if insights:
            card.row("Page", insights.get("page_url") or insights.get("domain"))
            card.row("Created", local_time(insights.get("created_at")) if insights.get("created_at") else None)
        scans = d.get("scans") or {}
        missing = scans.get("required_not_found") or []
        forbidden = scans.get("forbidden_found") or []
        if missing:
            card.row("Required text not found", ", ".join(f"“{t}”" for t in missing))
        if forbidden:
            card.row("Forbidden text found", ", ".join(f"“{t}”" for t in forbidden))
