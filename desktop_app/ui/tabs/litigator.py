"""TCPA Litigator tab: is this phone number a known serial TCPA plaintiff?"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.ui.tabs.base import OperationPanel, VendorTab
from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import normalize_phone


def us_format(number: str | None) -> str | None:
    """``(202) 555-1212`` for anything that reads as a US number; the text unchanged otherwise."""
    if not number:
        return None
    try:
        return normalize_phone(number).display
    except InputError:
        return number


class LitigatorTab(VendorTab):
    """Check one phone number; a hit is also added to the local suppression list by the service."""

    key = "litigator"
    title = "TCPA Litigator"
    placeholder_text = "Paste a phone number and press Enter.\nRed means a known TCPA litigator: do not call."

    def build_inputs(self) -> QWidget:
        panel = OperationPanel(
            self.check,
            paste_label="Phone number",
            paste_placeholder="e.g. (202) 555-1234, 202-555-1234 or +1 202 555 1234",
            run_text="Check number",
        )
        panel.add_validator(self._check)
        self.panel = self.add_panel(panel)
        note = QLabel(
            "One US or Canadian number per check. A number found on the list is added to your suppression list."
        )
        note.setWordWrap(True)
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(panel)
        layout.addWidget(note)
        layout.addStretch(1)
        return host

    def _check(self) -> None:
        assert self.panel.paste_box is not None
        normalize_phone(self.panel.paste_box.text())

    async def check(self) -> CheckResult:
        assert self.panel.paste_box is not None
        return await self.service.check_litigator(self.panel.paste_box.text())

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        d = result.details
        if result.error is not None or not d:
            return
        card.row("Standardised number", us_format(d.get("standardized_phone") or d.get("phone_e164")))
        card.row("Known litigator", "Yes" if d.get("phone_is_litigator") else "No")
        card.row("Stored as", d.get("phone_e164") or result.subject)
