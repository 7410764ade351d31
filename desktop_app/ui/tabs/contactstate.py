"""Contact State tab: Certify (claim, reclaim, certificate status), Connect (create, get, delete leads) and
Perform (push a sales status, a lead's stats, bulk export with progress and the download link).

Three sub-tabs, each with a row of buttons choosing the operation, so the inputs stay readable at 1280×800.
Every input is checked as the buyer types with :mod:`desktop_app.vendors.contactstate.fields` and
:func:`desktop_app.vendors.validation.contactstate_url`, the same checks the client runs before sending.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QWidget,
)

from desktop_app.ui.tabs.base import OperationPanel, SegmentedPages, VendorTab, panel_page
from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.ui.widgets.text import local_time, text_or_dash, yes_no
from desktop_app.vendors.contactstate.answers import DOWNLOAD_VALID_DAYS
from desktop_app.vendors.contactstate.client import MAX_DELETE_IDS
from desktop_app.vendors.contactstate.fields import (
    LEAD_FIELDS,
    PERFORM_OPTIONAL_FIELDS,
    PERFORM_STATUSES,
    TITLES,
    TRUE_FALSE,
    Kind,
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


def field_caption(name: str) -> str:
    return name.replace("_", " ").capitalize()


class ExtraFieldsEditor(QWidget):
    """The "Add field" row of the lead form: any other documented Connect field, with its choices as a combo.

    Added fields are listed with a remove button; :meth:`values` returns them as ``{name: value}``.
    """

    def __init__(self, exclude: set[str], on_change: object = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_change = on_change
        self.values_: dict[str, str] = {}
        self.name_combo = QComboBox()
        self.name_combo.setAccessibleName("Field name")
        for name, spec in LEAD_FIELDS.items():
            if name not in exclude:
                self.name_combo.addItem(f"{name} — {spec.description}", name)
        self.name_combo.setMinimumContentsLength(14)
        self.name_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.value_text = QLineEdit()
        self.value_text.setPlaceholderText("value")
        self.value_text.setAccessibleName("Field value")
        self.value_choice = QComboBox()
        self.value_choice.setAccessibleName("Field value")
        self.value_stack = QStackedWidget()
        self.value_stack.addWidget(self.value_text)
        self.value_stack.addWidget(self.value_choice)
        self.value_stack.setFixedHeight(self.value_text.sizeHint().height())
        self.add_button = QPushButton("Add field")
        self.add_button.clicked.connect(self.add_current)
        self.value_text.returnPressed.connect(self.add_current)
        self.name_combo.currentIndexChanged.connect(self._name_changed)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(self.name_combo, 3)
        row.addWidget(self.value_stack, 2)
        row.addWidget(self.add_button)
        self.list_layout = QGridLayout()
        self.list_layout.setHorizontalSpacing(8)
        self.list_layout.setColumnStretch(1, 1)
        outer = QGridLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(row, 0, 0)
        outer.addLayout(self.list_layout, 1, 0)
        self._name_changed()

    def _name_changed(self) -> None:
        name = self.name_combo.currentData()
        spec = LEAD_FIELDS.get(str(name)) if name else None
        if spec is not None and spec.kind is Kind.CHOICE:
            self.value_choice.clear()
            self.value_choice.addItems(list(spec.choices))
            self.value_stack.setCurrentWidget(self.value_choice)
        else:
            placeholder = "yyyy-mm-dd" if spec is not None and spec.kind is Kind.DATE else "value"
            self.value_text.setPlaceholderText(placeholder)
            self.value_stack.setCurrentWidget(self.value_text)

    def add_field(self, name: str, value: str) -> None:
        """Add (or replace) one field; it then appears in the list with a remove button."""
        self.values_[name] = value
        self._rebuild()

    def add_current(self) -> None:
        name = self.name_combo.currentData()
        if not name:
            return
        widget = self.value_stack.currentWidget()
        value = widget.currentText() if isinstance(widget, QComboBox) else self.value_text.text().strip()
        if not value:
            return
        self.value_text.clear()
        self.add_field(str(name), value)

    def remove_field(self, name: str) -> None:
        self.values_.pop(name, None)
        self._rebuild()

    def _rebuild(self) -> None:
        while self.list_layout.count():
            item = self.list_layout.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        for row, (name, value) in enumerate(self.values_.items()):
            label = QLabel(f"{name}:")
            label.setToolTip(LEAD_FIELDS[name].description if name in LEAD_FIELDS else "")
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            remove = QToolButton()
            remove.setText("✕")
            remove.setToolTip(f"Remove {name}")
            remove.setAccessibleName(f"Remove {name}")
            remove.clicked.connect(lambda _checked=False, n=name: self.remove_field(n))
            self.list_layout.addWidget(label, row, 0)
            self.list_layout.addWidget(shown, row, 1)
            self.list_layout.addWidget(remove, row, 2)
        if callable(self._on_change):
            self._on_change()

    def values(self) -> dict[str, str]:
        return dict(self.values_)


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

    # -- card --------------------------------------------------------------------------------------------------

    def render_details(self, result: CheckResult, card: CardBuilder) -> None:
        d = result.details
        op = result.operation
        if result.error is not None:
            errors = d.get("errors") or []
            if errors:
                card.table(
                    ["Field", "Problem"],
                    [[e.get("param") or "—", e.get("message")] for e in errors],
                    name="errors",
                )
            if d.get("job_url"):
                card.row("Job URL", d["job_url"])
            return
        if op in ("claim", "reclaim"):
            card.link("Certificate URL", d.get("cert_url"))
            card.row("Certificate ID", d.get("cert_id"))
            if d.get("reclaim_cert_url"):
                card.row(
                    "Reclaim URL",
                    d["reclaim_cert_url"],
                    tooltip="Use it within 15 minutes to move the certificate onto a Sales Pipe.",
                )
            card.note("Read the certificate's score with Certificate status in a minute or two.")
        elif op == "cert":
            card.row("Status", (d.get("status") or "not found").capitalize())
            card.row("Scored at", local_time(d["scored_at"]) if d.get("scored_at") else "Not scored yet")
            card.link("Certificate URL", d.get("cert_url"))
            card.row("Certificate ID", d.get("cert_id"))
        elif op in ("lead_create", "lead_get"):
            card.row("Lead ID", d.get("lead_id"))
            if op == "lead_create":
                card.row("Test mode", yes_no(d.get("test_mode")))
                card.row("Connect code", d.get("connect_code") or "None (not delivered)")
            else:
                card.row("Created", local_time(d["created_at"]) if d.get("created_at") else None)
                fields = d.get("fields") or {}
                shown = [[k, v] for k, v in fields.items() if k not in ("id",) and v not in (None, "")]
                if shown:
                    card.heading("Fields")
                    card.table(["Field", "Value"], shown, name="fields")
            self._deliveries(d.get("deliveries") or [], card)
        elif op in ("lead_delete", "lead_delete_many"):
            card.row("Deleted", d.get("deleted"))
            card.row("Lead IDs", ", ".join(d.get("lead_ids") or []))
        elif op == "status":
            card.row("Status", f"{d.get('status')} — {d.get('status_description')}")
            if d.get("connect_id"):
                card.row("Connect ID", d["connect_id"])
            if d.get("certificate_url"):
                card.link("Certificate URL", d["certificate_url"])
            sent = {
                k: v for k, v in (d.get("sent") or {}).items() if k not in ("status", "connect_id", "certificate_url")
            }
            for name, value in sent.items():
                card.row(field_caption(name), value)
        elif op == "stats":
            card.row("Lead ID", d.get("lead_id"))
            card.row("Delivery ID", d.get("delivery_id") or "Last successful delivery")
            status = d.get("status")
            card.row("Status", f"{status} — {d.get('status_description') or ''}".rstrip(" —") if status else "None yet")
            for name in ("status_at", "sale_sold_at"):
                card.row(field_caption(name), local_time(d[name]) if d.get(name) else None)
            for name in ("sale_currency", "sale_revenue", "sale_lead_cost", "sale_costs", "sale_gross_profit", "notes"):
                card.row(field_caption(name), text_or_dash(d.get(name)))
        elif op in ("export", "export_poll"):
            card.row("Job status", d.get("status"))
            if d.get("download_url"):
                until = local_time(d.get("download_valid_until")) if d.get("download_valid_until") else None
                note = f"The link stays valid for {DOWNLOAD_VALID_DAYS} days" + (f" (until {until})." if until else ".")
                card.link("Download", d["download_url"], text="Download the spreadsheet", note=note)
            card.row("Job URL", d.get("job_url"))

    @staticmethod
    def _deliveries(deliveries: list[dict[str, object]], card: CardBuilder) -> None:
        if not deliveries:
            card.row("Deliveries", "None")
            return
        card.heading("Deliveries")
        colours = {"delivered": "green", "success": "green", "failed": "red", "pending": "yellow"}
        rows = [
            [
                str(d.get("status") or "unknown").capitalize(),
                d.get("buyer_name"),
                d.get("endpoint_name") or d.get("distribution_group_name"),
                d.get("message"),
                local_time(str(d.get("delivered_at") or d.get("failed_at") or "")) or None,
            ]
            for d in deliveries
        ]
        card.table(
            ["Status", "Buyer", "Endpoint", "Message", "When"],
            rows,
            colours=[colours.get(str(d.get("status")).lower()) for d in deliveries],
            colour_column=0,
            name="deliveries",
        )
