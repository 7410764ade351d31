"""Which credentials each vendor needs, under which environment variable and keyring name.

This is the declaration only; :mod:`desktop_app.settings` reads the values (environment first, then the
OS keyring). Clients use :func:`require` to refuse an operation before sending when a value is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from desktop_app.vendors.base import MissingCredentials


@dataclass(frozen=True)
class CredentialField:
    vendor: str
    name: str  # the field name in the client's credentials dataclass
    env: str
    label: str
    secret: bool = True  # secrets are masked everywhere; non-secrets (a host, a provider code) may be shown
    help: str = ""


VENDOR_LABELS: dict[str, str] = {
    "trustedform": "TrustedForm",
    "jornaya": "Jornaya",
    "contactstate": "Contact State",
    "consentcontrol": "Consent Control",
    "litigator": "TCPA Litigator",
}

FIELDS: tuple[CredentialField, ...] = (
    CredentialField("trustedform", "api_key", "LEADCHECK_TRUSTEDFORM_API_KEY", "API key"),
    CredentialField("jornaya", "account_code", "LEADCHECK_JORNAYA_ACCOUNT_CODE", "Account code (lac)"),
    CredentialField("jornaya", "audit_key", "LEADCHECK_JORNAYA_AUDIT_KEY", "Audit key (lak)"),
    CredentialField(
        "jornaya",
        "provider_code",
        "LEADCHECK_JORNAYA_PROVIDER_CODE",
        "Default provider code (lpc)",
        secret=False,
        help="Identifies the supplier the lead came from; each audit can override it.",
    ),
    CredentialField(
        "contactstate",
        "secret_key",
        "LEADCHECK_CONTACTSTATE_SECRET_KEY",
        "Secret key",
        help="Signs claims and sales-status pushes.",
    ),
    CredentialField(
        "contactstate",
        "api_key",
        "LEADCHECK_CONTACTSTATE_API_KEY",
        "API key",
        help="Bearer key for Connect leads, stats and exports.",
    ),
    CredentialField("consentcontrol", "api_key", "LEADCHECK_CONSENTCONTROL_API_KEY", "API key"),
    CredentialField(
        "consentcontrol",
        "host",
        "LEADCHECK_CONSENTCONTROL_HOST",
        "Account host",
        secret=False,
        help="The name before .digitalsegment.com in your account's address.",
    ),
    CredentialField("litigator", "client_id", "LEADCHECK_LITIGATOR_CLIENT_ID", "Client ID"),
    CredentialField("litigator", "cwsid", "LEADCHECK_LITIGATOR_CWSID", "CWSID (Client Web Service ID)"),
    CredentialField("litigator", "token", "LEADCHECK_LITIGATOR_TOKEN", "Token"),
)


def fields_for(vendor: str) -> tuple[CredentialField, ...]:
    return tuple(f for f in FIELDS if f.vendor == vendor)


def field(vendor: str, name: str) -> CredentialField:
    for f in FIELDS:
        if f.vendor == vendor and f.name == name:
            return f
    raise KeyError(f"{vendor}.{name}")


def missing_message(vendor: str, names: list[str]) -> str:
    label = VENDOR_LABELS[vendor]
    parts = [f"{field(vendor, n).label} ({field(vendor, n).env})" for n in names]
    return (
        f"{label} needs its {', '.join(parts)}. Set it in Settings → {label} (stored in your system keyring), "
        f"or run `leadcheck credentials set {vendor}`, or set the environment variable."
    )


def require(vendor: str, values: Mapping[str, str | None], *names: str) -> None:
    """Raise MissingCredentials naming every one of ``names`` that has no value."""
    missing = [n for n in names if not (values.get(n) or "").strip()]
    if missing:
        raise MissingCredentials(vendor, [field(vendor, n).env for n in missing], missing_message(vendor, missing))
