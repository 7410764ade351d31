"""The evidence packet's ``report.pdf``: what Leadcheck holds about one consumer, written for a lawyer to read.

:func:`report_html` builds the document (plain Python, testable without Qt); :func:`render_report` lays it out on
US Letter pages with Qt (``QTextDocument`` on a ``QPdfWriter``), with a footer on every page naming the consumer,
when the packet was made and the page number. Qt is imported inside :func:`render_report` only, so the command
line stays headless until a packet is asked for; without a running application one is created, on the offscreen
platform when there is no display. It must run on the thread that owns the Qt application; the window uses
:func:`render_report_in_steps`, which lets its loop run between pages.

Sections: the consumer and the evidence-log head (with what the head hash proves); the leads bought for them; each
lead (and the seat that imported it) with its checks in time order (when and by which seat, what was sent, the
result and reasons, what each vendor returned as consent evidence, the check's evidence-log entry); the
suppression and opt-out history; how to verify the packet.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_app import __version__
from desktop_app.check_rules import sent_words
from desktop_app.packet import HEAD_NOTE, PacketData
from desktop_app.packet_rows import (
    VENDOR_ROWS,
    esc,
    flag_cell,
    generic_rows,
    lines,
    mono,
    rows,
    stored_json,
    verdict_chip,
    when,
)
from desktop_app.vendors.credentials import VENDOR_LABELS

RESOLUTION = 300  # dots per inch of the PDF's layout

CSS = """
body { font-size: 9pt; color: #111; }
h1 { font-size: 17pt; margin-bottom: 2px; }
h2 { font-size: 12.5pt; margin-top: 16px; margin-bottom: 6px; color: #1f3b63; }
h3 { font-size: 10.5pt; margin-top: 14px; margin-bottom: 4px; }
p { margin-top: 3px; margin-bottom: 5px; }
th { background-color: #e9edf3; font-weight: bold; text-align: left; }
td.k { background-color: #f6f7f9; font-weight: bold; }
td.head { background-color: #e9edf3; }
.mono { font-family: 'DejaVu Sans Mono', 'Consolas', 'Menlo', monospace; font-size: 7.5pt; }
.note { color: #444; font-size: 8pt; }
.sub { color: #333; font-size: 10pt; }
"""
TABLE = (
    '<table width="100%" border="1" cellspacing="0" cellpadding="4" '
    'style="border-collapse: collapse; border-color: #8a8f98;">'
)


def _entry_text(data: PacketData, check_id: int) -> str:
    entry = data.entries.get(check_id)
    if entry is None:
        return "no entry in the evidence log (this check was not stored through Leadcheck)"
    return f"entry {entry.seq:,}, SHA-256 {mono(entry.entry_hash)}"


def _result_text(listed: Mapping[str, Any], error: Mapping[str, Any] | None) -> str:
    if not error:
        return esc(listed["summary"])
    hint = f" {esc(error.get('hint'))}" if error.get("hint") else ""
    return (
        f"The call failed ({esc(error.get('kind'))}): {esc(error.get('message'))}{hint} "
        "A failed call never counts toward the verdict."
    )


def _exchange_text(stored: Mapping[str, Any]) -> str:
    status = f", HTTP {stored['http_status']}" if stored.get("http_status") else ""
    attempts = stored.get("attempts") or 0
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    return f"{when(stored.get('started_at'))}; answered {when(stored.get('finished_at'))}{status}; {tries}"


def check_block(data: PacketData, listed: Mapping[str, Any], lead_id: int, shown_under: dict[int, int]) -> str:
    """One check as a bordered table: what, when and the flag; the result; what was sent; what the vendor
    returned; its evidence-log entry. A check shown under an earlier lead is named with a reference to it."""
    check_id = int(listed["id"])
    stored = data.checks.get(check_id, {})
    error = stored_json(stored.get("error"))
    vendor = esc(VENDOR_LABELS.get(listed["vendor"], listed["vendor"]))
    by = f' · <span style="white-space: nowrap;">by {esc(listed["seat"])}</span>' if listed.get("seat") else ""
    title = f"<b>Check {check_id} — {vendor} {esc(listed['operation'])}</b> · {when(listed['finished_at'])}{by}"
    head = f'<tr><td class="head" colspan="2">{title}</td>{flag_cell(listed["flag"], error)}</tr>'
    if check_id in shown_under:
        note = f"Shown in full under lead #{shown_under[check_id]}; evidence log {_entry_text(data, check_id)}."
        body = f'<tr><td colspan="3">{_result_text(listed, error)}<br><span class="note">{note}</span></td></tr>'
        return f"{TABLE}{head}{body}</table><br>"
    shown_under[check_id] = lead_id
    request = stored_json(stored.get("request")) or {}
    pairs = [
        ("Result", _result_text(listed, error)),
        ("Sent, answered", _exchange_text(stored)),
        ("Subject", esc(listed["subject"])),
        ("Request", esc(" ".join(str(request.get(k) or "") for k in ("method", "url")).strip())),
        ("Lead data sent", esc(sent_words(listed.get("sent") or {}))),
    ]
    if not listed.get("counts_for_lead", True):
        pairs.append(("Counts for this lead", f"no: {OTHER_DATA}"))
    details = stored_json(stored.get("details"))
    if isinstance(details, dict) and details:
        pairs.extend(VENDOR_ROWS.get(listed["vendor"], generic_rows)(details))
    pairs.append(("Evidence log", _entry_text(data, check_id)))
    body = "".join(f'<tr><td class="k" width="24%">{esc(k)}</td><td colspan="2">{v}</td></tr>' for k, v in pairs)
    return f"{TABLE}{head}{body}</table><br>"


def _origin(row: Mapping[str, Any]) -> str:
    if row.get("source_file"):
        return f"{row['source_file']}, row {row.get('source_row')}"
    return "entered by hand" if row.get("source") == "manual" else f"{row.get('source') or 'unknown'} entry"


def _lead_rows(lead: Mapping[str, Any]) -> list[tuple[str, str]]:
    row = lead["row"]
    name = " ".join(filter(None, (row.get("first_name"), row.get("last_name"))))
    address = ", ".join(filter(None, (row.get("address"), row.get("city"), row.get("state"), row.get("zip"))))
    pairs = [
        ("Verdict", verdict_chip(str(lead["verdict"]))),
        ("Why", lines(esc(r) for r in lead.get("reasons") or [])),
        ("Name", esc(name)),
        ("Phone", esc(row.get("phone"))),
        ("Email", esc(row.get("email"))),
        *([("Address", esc(address))] if address else []),
        ("Supplier", esc(row.get("supplier"))),
        ("Cost", esc(row.get("cost"))),
        ("Bought (imported)", when(row.get("created_at"))),
        ("Source file and row", esc(_origin(row))),
        *([("Imported by", esc(lead["imported_by"]))] if lead.get("imported_by") else []),
        ("TrustedForm certificate", esc(row.get("cert_url"))),
        ("Jornaya LeadiD token", esc(row.get("leadid"))),
        ("Contact State certificate", esc(row.get("cs_cert_url"))),
    ]
    extra = row.get("extra") or {}
    if extra:
        pairs.append(("Other columns of the purchase", lines(f"{esc(k)}: {esc(v)}" for k, v in extra.items())))
    return pairs


def _time_order(checks: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(checks, key=lambda c: (c.get("started_at") or c.get("finished_at") or "", c["id"]))


def _summary_section(data: PacketData) -> list[str]:
    verdicts = Counter(str(lead["verdict"]) for lead in data.leads)
    spread = ", ".join(f"{verdicts[v]} {v}" for v in ("red", "yellow", "green", "unchecked") if verdicts[v])
    more = " — the first 1,000 only" if data.truncated else ""
    return [
        "<h1>Evidence packet</h1>",
        f'<p class="sub">Everything Leadcheck holds about the consumer {esc(data.consumer)}</p>',
        TABLE,
        rows(
            [
                ("Consumer's phones", lines(esc(p) for p in data.phones)),
                ("Consumer's emails", lines(esc(e) for e in data.emails)),
                ("Looked up by", esc(data.query)),
                ("Leads bought", f"{len(data.leads)} ({spread}){more}"),
                ("Checks on record", f"{len(data.checks)}"),
                ("Suppression entries", f"{len(data.suppression)}"),
                ("Packet made", f"{when(data.made_at)} by Leadcheck {esc(__version__)}"),
                ("Evidence log head", f"{data.head.entries:,} entries; head hash {mono(data.head.hash)}"),
            ]
        ),
        "</table>",
        f'<p class="note"><b>What the head hash proves.</b> {esc(HEAD_NOTE)}</p>',
    ]


def _leads_section(data: PacketData) -> list[str]:
    header = "".join(
        f"<th>{h}</th>" for h in ("Lead", "Bought (UTC)", "Supplier", "Cost", "Source file, row", "Checks", "Verdict")
    )
    parts = ["<h2>1. Leads bought for this consumer</h2>", TABLE, f"<thead><tr>{header}</tr></thead>"]
    for lead in data.leads:
        row = lead["row"]
        parts.append(
            f"<tr><td>#{lead['id']}</td><td>{when(row.get('created_at'))}</td><td>{esc(row.get('supplier'))}</td>"
            f"<td>{esc(row.get('cost'))}</td><td>{esc(_origin(row))}</td><td>{len(lead['checks'])}</td>"
            f"<td>{verdict_chip(str(lead['verdict']))}</td></tr>"
        )
    return [*parts, "</table>"]


def _checks_section(data: PacketData) -> list[str]:
    parts = ["<h2>2. Each lead and its checks, in time order</h2>"]
    shown_under: dict[int, int] = {}
    for lead in data.leads:
        row = lead["row"]
        bought = when(row.get("created_at"))[:10]
        parts.append(f"<h3>Lead #{lead['id']} — bought from {esc(row.get('supplier'))} on {bought}</h3>")
        parts += [TABLE, rows(_lead_rows(lead)), "</table>"]
        checks = _time_order(lead["checks"])
        count = f"{len(checks)} check{'s' if len(checks) != 1 else ''} of this lead" if checks else "No check yet."
        parts.append(f'<p style="margin-top: 8px;"><b>{count}</b></p>')
        parts += [check_block(data, check, int(lead["id"]), shown_under) for check in checks]
    return parts


def _suppression_section(data: PacketData) -> list[str]:
    parts = ["<h2>3. Suppression and opt-out history</h2>"]
    if not data.suppression:
        return [*parts, f"<p>{esc(NO_SUPPRESSION)}</p>"]
    header = "".join(f"<th>{h}</th>" for h in ("Added (UTC)", "Phone or email", "Why", "From"))
    parts += [TABLE, f"<thead><tr>{header}</tr></thead>"]
    for entry in sorted(data.suppression, key=lambda e: e.get("added_at") or ""):
        why = SUPPRESSION_REASONS.get(str(entry.get("reason")), str(entry.get("reason")))
        parts.append(
            f"<tr><td>{when(entry.get('added_at'))}</td><td>{esc(entry.get('value'))}</td>"
            f"<td>{esc(why)}</td><td>{esc(entry.get('source'))}</td></tr>"
        )
    return [*parts, "</table>"]


def report_html(data: PacketData) -> str:
    """The whole report as HTML for ``QTextDocument`` (its CSS subset: tables with borders, no floats)."""
    parts = [
        *_summary_section(data),
        *_leads_section(data),
        *_checks_section(data),
        *_suppression_section(data),
        "<h2>4. About this packet</h2>",
        f"<p>{esc(FILES_TEXT)}</p>",
        f"<p>{esc(VERIFY_TEXT)}</p>",
    ]
    return f"<html><body>{''.join(parts)}</body></html>"


OTHER_DATA = (
    "it was sent with other data than this lead's, so it is kept beside the lead and does not change its verdict"
)
SUPPRESSION_REASONS = {
    "litigator": "Known TCPA litigator",
    "optout": "Opt-out",
    "imported": "Imported suppression file",
}
NO_SUPPRESSION = (
    "None of the consumer's phones or emails is on the suppression list (no opt-out, no litigator hit, no imported "
    "suppression file)."
)
FILES_TEXT = (
    "This report is one file of a ZIP archive. Beside it: checks/<id>.json, each check exactly as stored (the "
    "request as sent, with the buyer's keys removed before storing, and the vendor's answer exactly as received); "
    "leads.csv, the consumer's leads with every column of the original purchase files and the seat that imported "
    "each; manifest.json, the SHA-256 of every file, each check's evidence-log entry and seat, the head hash and the "
    "Leadcheck version. A seat (user@host) is the operating-system user and computer of the Leadcheck that stored "
    "the check or import, as its evidence-log entry records it."
)
VERIFY_TEXT = (
    "To check the archive: the SHA-256 of each file must equal the one in manifest.json. To check a check against "
    "the evidence log without Leadcheck, follow manifest.json's notes: the SHA-256 of the check's content gives its "
    "content hash, and with the previous entry's hash and the entry number it gives the entry hash listed here. "
    "The packet itself was recorded in the evidence log when it was written."
)


# -- the PDF -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    pages: int


def _ensure_application() -> Any:
    """The running Qt application, or a new one (offscreen when there is no display). A QApplication rather than
    a bare QGuiApplication, so that a process which later opens widgets (the test suite) can use it too."""
    from PySide6.QtWidgets import QApplication

    from desktop_app.launch import has_display

    existing = QApplication.instance()
    if existing is not None:
        return existing
    if not has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication(["leadcheck"])


def render_report(data: PacketData) -> RenderedReport:
    """The report as PDF bytes on US Letter pages, in one go (on the Qt application's thread)."""
    drawn: list[RenderedReport] = []
    for _ in render_steps(data, drawn):
        pass
    return drawn[0]


async def render_report_in_steps(data: PacketData) -> RenderedReport:
    """:func:`render_report` for the window: it lets the loop run between the layout and each page, so the GUI
    thread is held for one step at a time (the layout of the whole document is the longest)."""
    drawn: list[RenderedReport] = []
    for _ in render_steps(data, drawn):
        await asyncio.sleep(0)
    return drawn[0]


def render_steps(data: PacketData, drawn: list[RenderedReport]) -> Iterator[None]:
    """Draw the report, yielding after the layout and after each page; the PDF is appended to ``drawn``."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, QSizeF, Qt
    from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPageLayout, QPageSize, QPainter, QPdfWriter, QTextDocument

    _ensure_application()
    payload = QByteArray()
    buffer = QBuffer(payload)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.Letter),
            QPageLayout.Orientation.Portrait,
            QMarginsF(18, 16, 18, 14),
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(f"Evidence packet: {data.consumer}")
    writer.setCreator(f"Leadcheck {__version__}")

    font = QFont()
    font.setFamilies(["DejaVu Sans", "Arial", "Helvetica"])
    font.setPointSizeF(9)
    font.setFeature(QFont.Tag("liga"), 0)  # no "ﬁ" ligatures: a reader searching the PDF for "certificate" finds it
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(CSS)
    doc.setHtml(report_html(data))
    area = writer.pageLayout().paintRectPixels(RESOLUTION)
    footer_height = RESOLUTION * 0.32  # a third of an inch below the text
    page = QSizeF(area.width(), area.height() - footer_height)
    doc.setPageSize(page)
    pages = doc.pageCount()
    yield

    footer_font = QFont(font)
    footer_font.setPointSizeF(7.5)
    metrics = QFontMetricsF(footer_font, writer)
    footer = f"Leadcheck evidence packet · made {when(data.made_at)} · {data.consumer}"
    band = QRectF(0, area.height() - footer_height * 0.6, area.width(), footer_height * 0.6)
    painter = QPainter(writer)
    try:
        for number in range(pages):
            if number:
                writer.newPage()
            painter.save()
            painter.translate(0, -number * page.height())
            doc.drawContents(painter, QRectF(0, number * page.height(), page.width(), page.height()))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#555555"))
            painter.drawLine(band.topLeft(), band.topRight())
            right = f"Page {number + 1} of {pages}"
            room = band.width() - metrics.horizontalAdvance(right) - RESOLUTION * 0.3
            left = metrics.elidedText(footer, Qt.TextElideMode.ElideRight, int(room))
            painter.drawText(band, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), left)
            painter.drawText(band, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom), right)
            yield
    finally:
        painter.end()
        buffer.close()
    drawn.append(RenderedReport(bytes(payload.data()), pages))
