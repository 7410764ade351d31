"""Contact State's part of the result card: what each operation returned, and a lead's deliveries."""

from __future__ import annotations

from desktop_app.ui.widgets.result_card import CardBuilder
from desktop_app.ui.widgets.text import local_time, text_or_dash, yes_no
from desktop_app.vendors.contactstate.answers import DOWNLOAD_VALID_DAYS
from desktop_app.vendors.results import CheckResult


def field_caption(name: str) -> str:
    """A Connect field name as a caption: ``sale_currency`` -> "Sale currency"."""
    return name.replace("_", " ").capitalize()


def render_card(result: CheckResult, card: CardBuilder) -> None:
    """Contact State's part of the result card, by operation (live and stored results alike)."""
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
        card.note("Contact State scores a certificate within a minute or two: check its status then.")
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
        _deliveries(d.get("deliveries") or [], card)
    elif op in ("lead_delete", "lead_delete_many"):
        card.row("Deleted", d.get("deleted"))
        card.row("Lead IDs", ", ".join(d.get("lead_ids") or []))
    elif op == "status":
        card.row("Status", f"{d.get('status')} — {d.get('status_description')}")
        if d.get("connect_id"):
            card.row("Connect ID", d["connect_id"])
        if d.get("certificate_url"):
            card.link("Certificate URL", d["certificate_url"])
        sent = {k: v for k, v in (d.get("sent") or {}).items() if k not in ("status", "connect_id", "certificate_url")}
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
