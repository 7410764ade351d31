"""Contact State tab: Certify (claim, reclaim, certificate status), Connect (create, get, delete leads) and
Perform (push a sales status, a lead's stats, bulk export with progress and the download link).

Three sub-tabs, each with a row of buttons choosing the operation, so the inputs stay readable at 1280×800.
After a claim the card offers "Check status now" (the certificate read, one click); a Connect lead just created
fills the Perform pages' Connect ID boxes.
Every input is checked as the buyer types with :mod:`desktop_app.vendors.contactstate.fields` and
:func:`desktop_app.vendors.validation.contactstate_url`, the same checks the client runs before sending.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QWidget,
)

from desktop_app.ui.tabs.base import OperationPanel, SegmentedPages, VendorTab, async_slot, panel_page
from desktop_app.ui.tabs.contactstate.card import field_caption, render_card
from desktop_app.ui.tabs.contactstate.extra_fields import ExtraFieldsEditor
from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.vendors.contactstate.answers import DOWNLOAD_VALID_DAYS
from desktop_app.vendors.contactstate.client import MAX_DELETE_IDS
from desktop_app.vendors.contactstate.fields import (
    LEAD_FIELDS,
    PERFORM_OPTIONAL_FIELDS,
    PERFORM_STATUSES,
    TITLES,
    TRUE_FALSE,
    PushKind,
    validate_lead_fields,
    validate_lead_id,
    validate_status_push,
)
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import contactstate_url

COMMON_LEAD_FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email"),
    ("mobile_phone", "Mobile"),
    ("home_phone", "Home phone"),
    ("address_line1", "Address 1"),
    ("address_line2", "Address 2"),
    ("city", "City"),
    ("state", "State"),
    ("postal_code", "Postal code"),
    ("contact_state_connect_code", "Connect code"),
)
PUSH_HINTS: dict[PushKind, tuple[str, str]] = {
    PushKind.TIMESTAMP: ("date and time", "ISO 8601 date and time, e.g. 2020-01-15T12:00:45+01:00"),
    PushKind.CURRENCY: ("GBP / USD", "3-letter ISO 4217 currency code"),
    PushKind.DECIMAL: ("99.99", "an amount with a decimal point"),
    PushKind.SIGNED_DECIMAL: ("944.76", "an amount; may be negative"),
    PushKind.TEXT: ("", "text"),
}
LEAD_ID_PLACEHOLDER = "e.g. eb908232-4a92-4de0-95df-f511aa8d9f8b"
ID_SPLIT = re.compile(r"[\s,;]+")


def split_ids(text: str) -> list[str]:
    return [part for part in ID_SPLIT.split(text or "") if part]


class ContactStateTab(VendorTab):
    """Every Contact State operation, in three sub-tabs: Certify, Connect and Perform."""

    key = "contactstate"
    title = "Contact State"
    placeholder_text = (
        "Paste a claim URL, certificate URL or Connect lead ID, or choose an operation on the left.\n"
        "The result appears here."
    )

    # -- building ----------------------------------------------------------------------------------------------

    def build_inputs(self) -> QWidget:
        self.products = QTabWidget()
        self.products.setDocumentMode(True)
        self._where: dict[int, tuple[int, SegmentedPages, int]] = {}

        certify = SegmentedPages()
        self.claim_panel = self._url_panel(self.claim, "claim", "Claim URL", "Claim", certify, "Claim")
        self.reclaim_panel = self._url_panel(self.reclaim, "reclaim", "Reclaim URL", "Reclaim", certify, "Reclaim")
        self.cert_panel = self._url_panel(
            self.certificate, "cert", "Certificate URL", "Check status", certify, "Certificate status"
        )

        connect = SegmentedPages()
        self.create_panel = self._build_create_panel()
        self._add(connect, "Create lead", self.create_panel)
        self.get_panel = self._lead_id_panel(self.get_lead, "Connect lead ID", "Get lead")
        self._add(connect, "Get lead", self.get_panel)
        self.delete_panel = self._build_delete_panel()
        self._add(connect, "Delete leads", self.delete_panel)

        perform = SegmentedPages()
        self.push_panel = self._build_push_panel()
        self._add(perform, "Sales status", self.push_panel)
        self.stats_panel = self._lead_id_panel(self.stats, "Connect lead ID", "Get stats")
        self.stats_panel.form.add_line(
            "delivery_id", "Delivery ID", placeholder="optional: default is the last successful delivery"
        )
        self._add(perform, "Stats", self.stats_panel)
        self.export_panel = self._build_export_panel()
        self._add(perform, "Bulk export", self.export_panel)

        for index, (title, pages) in enumerate((("Certify", certify), ("Connect", connect), ("Perform", perform))):
            self.products.addTab(pages, title)
            for page_index in range(len(pages.buttons)):
                panel = self._panel_on(pages, page_index)
                self._where[id(panel)] = (index, pages, page_index)
        return self.products

    def _add(self, pages: SegmentedPages, title: str, panel: OperationPanel) -> None:
        self.add_panel(panel)
        pages.add_page(title, panel_page(panel))

    def _panel_on(self, pages: SegmentedPages, index: int) -> OperationPanel:
        page = pages.page(index)
        panel = page.findChild(OperationPanel)
        assert panel is not None
        return panel

    def _url_panel(
        self, action: object, kind: str, label: str, run_text: str, pages: SegmentedPages, title: str
    ) -> OperationPanel:
        examples = {
            "claim": "https://cert-gen.contactstate.com/certs/<token>/claim",
            "reclaim": "https://cert.contactstate.com/certs/<token>/claim",
            "cert": "https://cert.contactstate.com/certs/<id>",
        }
        intros = {
            "claim": "Claim a certificate for your account within 30 seconds of it being generated.",
            "reclaim": "Move a certificate from a Seller account onto your Sales Pipe (within 15 minutes).",
            "cert": "Read a certificate's status: certified (scored) or only claimed.",
        }
        panel = OperationPanel(
            action,  # type: ignore[arg-type]
            paste_label=label,
            paste_placeholder=examples[kind],
            run_text=run_text,
            intro=intros[kind],
        )

        def check(p: OperationPanel = panel) -> None:
            assert p.paste_box is not None
            contactstate_url(p.paste_box.text(), kind=kind)

        panel.add_validator(check)
        self._add(pages, title, panel)
        return panel

    def _lead_id_panel(self, action: object, label: str, run_text: str) -> OperationPanel:
        panel = OperationPanel(
            action,  # type: ignore[arg-type]
            paste_label=label,
            paste_placeholder=LEAD_ID_PLACEHOLDER,
            run_text=run_text,
        )

        def check(p: OperationPanel = panel) -> None:
            assert p.paste_box is not None
            validate_lead_id(p.paste_box.text())
            if "delivery_id" in p.form.fields and p.form.value("delivery_id"):
                validate_lead_id(p.form.value("delivery_id"), field="delivery_id")

        panel.add_validator(check)
        return panel

    def _build_create_panel(self) -> OperationPanel:
        panel = OperationPanel(
            self.create_lead,
            run_text="Create lead",
            busy_text="Sending…",
            intro="first_name, last_name and email are required; other fields are optional.",
            columns=2,
        )
        form = panel.form
        form.add_combo("title", "Title", TITLES)
        for name, caption in COMMON_LEAD_FIELDS:
            form.add_line(name, caption, tooltip=f"{name}: {LEAD_FIELDS[name].description}")
        form.add_combo(
            "contact_state_test_mode",
            "Test mode",
            TRUE_FALSE,
            tooltip="true routes the delivery to the buyers' test environments.",
        )
        form.add_line(
            "contact_state_cert_url",
            "Certificate",
            placeholder="https://cert.contactstate.com/certs/<id>",
            span=True,
        )
        self.extra_fields = ExtraFieldsEditor(
            {n for n, _ in COMMON_LEAD_FIELDS} | {"title", "contact_state_test_mode", "contact_state_cert_url"},
            on_change=panel.revalidate,
        )
        heading = QLabel("Other documented fields")
        heading.setStyleSheet("font-weight: 600;")
        panel.extra.addWidget(heading)
        panel.extra.addWidget(self.extra_fields)
        panel.pristine = lambda: not form.values() and not self.extra_fields.values()
        panel.add_validator(lambda: validate_lead_fields(self.lead_fields()))
        return panel

    def _build_delete_panel(self) -> OperationPanel:
        panel = OperationPanel(
            self.delete_leads,
            paste_label=f"Connect lead IDs (up to {MAX_DELETE_IDS}, separated by spaces or commas)",
            paste_placeholder=LEAD_ID_PLACEHOLDER,
            run_text="Delete",
            busy_text="Deleting…",
            intro="Deletes the leads from Contact State's platform. This cannot be undone.",
        )

        def check() -> None:
            assert panel.paste_box is not None
            ids = split_ids(panel.paste_box.text())
            if not ids:
                raise InputError("Enter at least one Contact State lead ID to delete.", field="lead_ids")
            for lead_id in ids:
                validate_lead_id(lead_id, field="lead_ids")
            if len(set(ids)) > MAX_DELETE_IDS:
                raise InputError(
                    f"Contact State deletes at most {MAX_DELETE_IDS} leads per request; {len(set(ids))} were given.",
                    field="lead_ids",
                )

        panel.add_validator(check)
        return panel

    def _build_push_panel(self) -> OperationPanel:
        panel = OperationPanel(
            self.push_status,
            paste_label="Connect lead ID or certificate URL",
            paste_placeholder="a Connect ID, or https://cert.contactstate.com/certs/<id>",
            run_text="Send status",
            busy_text="Sending…",
            columns=2,
        )
        form = panel.form
        form.add_combo(
            "status",
            "Status",
            [(code, f"{code} — {meaning}") for code, meaning in PERFORM_STATUSES.items()],
            blank=None,
            span=True,
        )
        for name, kind in PERFORM_OPTIONAL_FIELDS.items():
            placeholder, tip = PUSH_HINTS[kind]
            form.add_line(name, field_caption(name), placeholder=placeholder, tooltip=f"{name}: {tip}")

        def check() -> None:
            status, connect_id, certificate_url, optional = self._push_arguments()
            validate_status_push(status, connect_id=connect_id, certificate_url=certificate_url, optional=optional)

        panel.add_validator(check)
        return panel

    def _build_export_panel(self) -> OperationPanel:
        panel = OperationPanel(
            self.export,
            run_text="Start export",
            busy_text="Exporting…",
            intro=(
                "Builds a spreadsheet of every lead's sales feedback. Contact State usually needs 30–90 seconds; "
                f"the download link stays valid for {DOWNLOAD_VALID_DAYS} days."
            ),
        )
        panel.pristine = lambda: True
        self.export_progress = QProgressBar()
        self.export_progress.setRange(0, 0)
        self.export_progress.setTextVisible(False)
        self.export_progress.setAccessibleName("Export progress")
        self.export_progress.hide()
        self.export_status = QLabel()
        self.export_status.setWordWrap(True)
        panel.extra.addWidget(self.export_progress)
        panel.extra.addWidget(self.export_status)
        return panel

    # -- inputs ------------------------------------------------------------------------------------------------

    def lead_fields(self) -> dict[str, str]:
        return {**self.create_panel.form.values(), **self.extra_fields.values()}

    def _push_arguments(self) -> tuple[str, str | None, str | None, dict[str, str | None]]:
        """(status, connect_id, certificate_url, optional fields) from the push form; the target box takes either."""
        assert self.push_panel.paste_box is not None
        target = self.push_panel.paste_box.text().strip()
        values: dict[str, str | None] = dict(self.push_panel.form.values())
        status = values.pop("status", "") or ""
        is_url = target.lower().startswith(("http://", "https://")) or "contactstate.com" in target.lower()
        return status, (None if is_url else target), (target if is_url else None), values

    # -- actions -----------------------------------------------------------------------------------------------

    async def claim(self) -> CheckResult:
        assert self.claim_panel.paste_box is not None
        return await self.service.claim(self.claim_panel.paste_box.text())

    async def reclaim(self) -> CheckResult:
        assert self.reclaim_panel.paste_box is not None
        return await self.service.reclaim(self.reclaim_panel.paste_box.text())

    async def certificate(self) -> CheckResult:
        assert self.cert_panel.paste_box is not None
        return await self.service.certificate(self.cert_panel.paste_box.text())

    async def create_lead(self) -> CheckResult:
        return await self.service.create_lead(self.lead_fields())

    async def get_lead(self) -> CheckResult:
        assert self.get_panel.paste_box is not None
        return await self.service.get_lead(self.get_panel.paste_box.text().strip())

    async def delete_leads(self) -> CheckResult:
        assert self.delete_panel.paste_box is not None
        ids = list(dict.fromkeys(split_ids(self.delete_panel.paste_box.text())))
        return await self.service.delete_leads(ids)

    async def push_status(self) -> CheckResult:
        status, connect_id, certificate_url, optional = self._push_arguments()
        fields = {name: value for name, value in optional.items() if value}
        return await self.service.push_status(
            status, connect_id=connect_id, certificate_url=certificate_url, fields=fields
        )

    async def stats(self) -> CheckResult:
        assert self.stats_panel.paste_box is not None
        delivery = self.stats_panel.form.value("delivery_id") or None
        return await self.service.stats(self.stats_panel.paste_box.text().strip(), delivery)

    async def export(self) -> CheckResult:
        """Run the bulk export, showing the job's status while Contact State builds the spreadsheet."""
        self.export_status.setText("Starting the export…")
        self.export_progress.show()
        try:
            return await self.service.export(on_progress=self.show_export_progress)
        finally:
            self.export_progress.hide()
            self.export_status.setText("")

    def show_export_progress(self, status: str, waited: float) -> None:
        self.export_status.setText(
            f"Export job {status}: waited {waited:.0f} s so far (Contact State usually needs 30–90 s)."
        )

    # -- routing -----------------------------------------------------------------------------------------------

    def panel_for_text(self, text: str) -> OperationPanel:
        value = text.strip()
        host = (urlsplit(value).hostname or "").lower()
        for kind, panel in (("claim", self.claim_panel), ("cert", self.cert_panel)):
            try:
                contactstate_url(value, kind=kind)
            except InputError:
                continue
            if kind == "claim" and not host.startswith("cert-gen."):
                return self.reclaim_panel
            return panel
        try:
            validate_lead_id(value)
        except InputError:
            return self.current_panel()
        return self.get_panel

    def current_panel(self) -> OperationPanel:
        pages = self.products.currentWidget()
        assert isinstance(pages, SegmentedPages)
        return self._panel_on(pages, pages.current_index())

    def reveal(self, panel: OperationPanel) -> None:
        tab_index, pages, page_index = self._where[id(panel)]
        self.products.setCurrentIndex(tab_index)
        pages.set_page(page_index)

    # -- after an operation ------------------------------------------------------------------------------------

    def show_value(self, value: object) -> None:
        super().show_value(value)
        if isinstance(value, CheckResult) and value.ok and value.operation == "lead_create":
            lead_id = str(value.details.get("lead_id") or "")
            for panel in (self.push_panel, self.stats_panel):
                if lead_id and panel.paste_box is not None:
                    panel.set_paste_text(lead_id)

    async def check_status_now(self, cert_url: str) -> CheckResult | None:
        """Read the status of the certificate a claim just returned (the Certificate status page, run)."""
        self.reveal(self.cert_panel)
        self.cert_panel.set_paste_text(cert_url)
        value = await self.cert_panel.run()
        return value if isinstance(value, CheckResult) else None

    @async_slot()
    async def _on_check_status_now(self) -> None:
        url = self.card.links.get("Certificate URL")
        if url:
            await self.check_status_now(url)

    # -- card --------------------------------------------------------------------------------------------------

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        render_card(result, card)
        if result.ok and result.operation in ("claim", "reclaim") and result.details.get("cert_url"):
            self.status_now_button = QPushButton("Check status now")
            self.status_now_button.setToolTip("Read this certificate's status (Certificate status)")
            self.status_now_button.clicked.connect(self._on_check_status_now)
            row = QWidget()
            layout = QHBoxLayout(row)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(self.status_now_button)
            layout.addStretch(1)
            card.widget(row)
