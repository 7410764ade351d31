"""Checks on what a buyer pastes, run before any paid request: phones, emails, certificate URLs, tokens.

Every function returns the normalised value or raises :class:`InputError` with a sentence a buyer can act
on. Patterns for TrustedForm and LeadiD come from ``shared/vendor-docs/fixtures/token_regexes.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from desktop_app.vendors.errors import InputError

TRUSTEDFORM_HOST = "cert.trustedform.com"
TF_ID = re.compile(r"^(?:[-_a-zA-Z0-9]{40}|[-_a-zA-Z0-9]{80})$")
TF_META_ID = re.compile(r"^0\.[-_A-Za-z0-9]+\.[-_A-Za-z0-9]+\.[-_A-Za-z0-9]+$")
TF_NON_PRODUCTION_HOSTS = ("cert.staging.trustedform.com", "cert.trustedform-dev.com")
TF_MAX_ID_LENGTH = 255  # the v4 spec's cert_id maxLength

LEADID_TOKEN = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HOST_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


# The North American numbering rule that :func:`normalize_phone` applies, in parts: an area code and an exchange
# start with 2-9, an area code is not a service code (N11), and a +1 or 1 may come first. The import's fast path
# (:data:`PHONE_LAYOUT`) is built from these; tests/unit/imports/test_phone_rule.py fuzzes it against normalize_phone.
AREA_CODE = r"[2-9](?!11)[0-9]{2}"
EXCHANGE = r"[2-9][0-9]{2}"
LINE_NUMBER = r"[0-9]{4}"
COUNTRY_PREFIX = r"(?:\+1|1)"
PHONE_SEPARATORS = r"[ .\-]*"
# The usual layouts (ASCII digits, spaces, dots, dashes, the area code in brackets): groups area, exchange, line.
# Where it matches, normalize_phone gives "+1" + the three groups; any other text needs normalize_phone itself.
PHONE_LAYOUT = re.compile(
    rf"{COUNTRY_PREFIX}?{PHONE_SEPARATORS}\(?({AREA_CODE})\)?{PHONE_SEPARATORS}({EXCHANGE}){PHONE_SEPARATORS}({LINE_NUMBER})"
)


@dataclass(frozen=True)
class Phone:
    """A North American number: ``e164`` is stored, ``display`` is shown, ``digits10`` goes to vendors."""

    e164: str
    digits10: str

    @property
    def display(self) -> str:
        d = self.digits10
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"


def normalize_phone(text: str) -> Phone:
    """A US/Canadian phone number in any usual layout, or InputError saying why it cannot be dialled."""
    raw = (text or "").strip()
    if not raw:
        raise InputError("Enter a phone number.", field="phone")
    if re.search(r"[A-Za-z]", raw.split("x")[0].split("ext")[0]):
        raise InputError(f"“{raw}” is not a phone number: it contains letters.", field="phone")
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+") and not raw.startswith("+1"):
        raise InputError(f"“{raw}” is not a US or Canadian number (it must start with +1).", field="phone")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        raise InputError(
            f"“{raw}” has {len(digits)} digits; a US phone number has 10 (area code + number).", field="phone"
        )
    if digits[0] in "01":
        raise InputError(f"“{raw}” has an impossible area code {digits[:3]} (it cannot start with 0 or 1).", "phone")
    if digits[3] in "01":
        raise InputError(f"“{raw}” has an impossible exchange {digits[3:6]} (it cannot start with 0 or 1).", "phone")
    if digits[1:3] == "11":
        raise InputError(f"“{raw}” uses {digits[:3]}, a service code, not an area code.", field="phone")
    return Phone(e164="+1" + digits, digits10=digits)


def normalize_email(text: str) -> str:
    value = (text or "").strip().lower()
    if not EMAIL.match(value) or len(value) > 254:
        raise InputError(f"“{text.strip()}” is not an email address.", field="email")
    return value


def trustedform_cert_url(text: str) -> str:
    """``https://cert.trustedform.com/<id>`` (a bare id is accepted and completed), or InputError."""
    raw = (text or "").strip()
    if not raw:
        raise InputError("Paste a TrustedForm certificate URL (https://cert.trustedform.com/…).", field="cert_url")
    if "://" not in raw and (TF_ID.match(raw) or TF_META_ID.match(raw)):
        return f"https://{TRUSTEDFORM_HOST}/{raw}"
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if host in TF_NON_PRODUCTION_HOSTS:
        raise InputError(
            f"“{raw}” is a TrustedForm staging/development certificate; only production certificates can be retained.",
            field="cert_url",
        )
    if host != TRUSTEDFORM_HOST:
        raise InputError(f"“{raw}” is not a TrustedForm certificate URL (https://cert.trustedform.com/…).", "cert_url")
    if parts.scheme != "https":
        raise InputError(f"“{raw}” must start with https:// (TrustedForm only accepts secure requests).", "cert_url")
    if parts.query or parts.fragment or parts.port or parts.username:
        raise InputError(f"“{raw}” has extra parts after the certificate ID; paste the URL exactly.", "cert_url")
    cert_id = parts.path.lstrip("/")
    if len(cert_id) > TF_MAX_ID_LENGTH or not (TF_ID.match(cert_id) or TF_META_ID.match(cert_id)):
        raise InputError(
            f"“{raw}” does not end in a valid certificate ID (40 or 80 letters, digits, dashes or underscores, "
            "or a Facebook lead-ad ID starting with 0.).",
            field="cert_url",
        )
    return f"https://{TRUSTEDFORM_HOST}/{cert_id}"


def leadid_token(text: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InputError("Paste a Jornaya LeadiD token.", field="token")
    if len(value) != 36:
        raise InputError(f"A LeadiD token has 36 characters; “{value}” has {len(value)}.", field="token")
    if not LEADID_TOKEN.match(value):
        raise InputError(
            f"“{value}” is not a LeadiD token (expected 8-4-4-4-12 hexadecimal characters).", field="token"
        )
    return value.upper()


def contactstate_url(text: str, *, kind: str) -> str:
    """A Contact State URL: https, on a contactstate.com host, shaped like ``kind`` (claim/reclaim/cert/job)."""
    raw = (text or "").strip()
    label = {"claim": "claim URL", "reclaim": "reclaim URL", "cert": "certificate URL", "job": "job URL"}[kind]
    if not raw:
        raise InputError(f"Paste a Contact State {label}.", field=kind)
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if not (host == "contactstate.com" or host.endswith(".contactstate.com")):
        raise InputError(f"“{raw}” is not a Contact State {label} (it must be on contactstate.com).", field=kind)
    if parts.scheme != "https":
        raise InputError(f"“{raw}” must start with https:// (Contact State only accepts secure requests).", kind)
    if parts.username or parts.port or parts.fragment:
        raise InputError(f"“{raw}” is not a plain Contact State {label}.", field=kind)
    path = parts.path.rstrip("/")
    segments = [s for s in path.split("/") if s]
    ok = {
        "claim": len(segments) == 3 and segments[0] == "certs" and segments[2] == "claim",
        "reclaim": len(segments) == 3 and segments[0] == "certs" and segments[2] == "claim",
        "cert": len(segments) == 2 and segments[0] == "certs" and not segments[1].endswith(".json"),
        "job": len(segments) == 2 and segments[0] == "jobs",
    }[kind]
    if kind == "cert" and len(segments) == 2 and segments[1].endswith(".json"):
        segments[1] = segments[1][: -len(".json")]
        ok = bool(segments[1])
    if not ok or any(not re.match(r"^[-_A-Za-z0-9.]+$", s) for s in segments):
        example = {
            "claim": "https://cert-gen.contactstate.com/certs/<token>/claim",
            "reclaim": "https://cert.contactstate.com/certs/<token>/claim",
            "cert": "https://cert.contactstate.com/certs/<id>",
            "job": "https://perform.contactstate.com/jobs/<id>",
        }[kind]
        raise InputError(f"“{raw}” is not shaped like a Contact State {label} ({example}).", field=kind)
    return f"https://{host}/" + "/".join(segments)


def consentcontrol_host(text: str) -> str:
    """The account host ``{hostname}.digitalsegment.com`` from a bare name, a host, or a URL."""
    raw = (text or "").strip().lower()
    if "://" in raw:
        parts = urlsplit(raw)
        if parts.scheme != "https":
            raise InputError("The Consent Control host must use https://.", field="host")
        raw = parts.hostname or ""
    if raw.endswith(".digitalsegment.com"):
        raw = raw[: -len(".digitalsegment.com")]
    if not HOST_LABEL.match(raw):
        raise InputError(
            f"“{text}” is not a Consent Control account host; enter the name before .digitalsegment.com.",
            field="host",
        )
    return f"{raw}.digitalsegment.com"
