"""Every vendor Leadcheck talks to, declared once: the store, the batch, the window and the CLI read this.

One :class:`Vendor` per vendor says what it is called, where its tab goes, which lead column holds the evidence
it checks, whether a batch runs it and with how many parallel calls, and which credentials it needs (under which
environment variable; :mod:`desktop_app.settings` reads them, :mod:`desktop_app.vendors.credentials` refuses a
call that lacks one).

:data:`VENDORS` is in *check order* (TrustedForm, Jornaya, TCPA Litigator, Contact State, Consent Control): the
order of batch lanes, result columns in exports and lines of a verdict's explanation. The window's tabs, the
Settings pages and the lead table's flag columns use :func:`in_tab_order`.

Nothing here sends anything or imports anything above :mod:`desktop_app.vendors`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CredentialField:
    """One credential: the field name in the client's credentials dataclass, its environment variable and label."""

    vendor: str
    name: str
    env: str
    label: str
    secret: bool = True  # secrets are masked everywhere; non-secrets (a host, a provider code) may be shown
    help: str = ""


@dataclass(frozen=True)
class Vendor:
    """One vendor's facts.

    ``lead_column`` is the lead column holding the subject it checks (None: it checks no lead's evidence);
    ``batch_concurrency`` is the default number of parallel calls of its batch lane (the ``concurrency.<key>``
    setting), at most ``max_concurrency``; a vendor with ``batch_concurrency`` None is not batchable.
    """

    key: str
    label: str
    tab_order: int
    lead_column: str | None
    credentials: tuple[CredentialField, ...]
    batch_concurrency: int | None = None
    max_concurrency: int = 64
    rate_limit: str = ""  # the vendor's published limit, in words ("60 requests a minute"), shown beside lanes
    batch_task: str = ""  # what a batch does with each lead ("retain the certificate")
    batch_needs: str = ""  # what a lead must hold for it ("a certificate URL and a phone or email")
    batch_billed: bool = True  # the vendor bills each call its batch (and a lead's re-check) makes

    @property
    def batchable(self) -> bool:
        return self.batch_concurrency is not None

    @property
    def flag_column(self) -> str:
        """The lead column holding this vendor's latest counted flag."""
        return f"flag_{self.key}"


VENDORS: tuple[Vendor, ...] = (
    Vendor(
        "trustedform",
        "TrustedForm",
        tab_order=1,
        lead_column="cert_url",
        credentials=(CredentialField("trustedform", "api_key", "LEADCHECK_TRUSTEDFORM_API_KEY", "API key"),),
        batch_concurrency=8,
        batch_task="retain the certificate",
        batch_needs="a certificate URL and a phone or email",
    ),
    Vendor(
        "jornaya",
        "Jornaya",
        tab_order=2,
        lead_column="leadid",
        credentials=(
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
        ),
        batch_concurrency=8,
        batch_task="audit the LeadiD token",
        batch_needs="a LeadiD token",
    ),
    Vendor(
        "litigator",
        "TCPA Litigator",
        tab_order=5,
        lead_column="phone",
        credentials=(
            CredentialField("litigator", "client_id", "LEADCHECK_LITIGATOR_CLIENT_ID", "Client ID"),
            CredentialField("litigator", "cwsid", "LEADCHECK_LITIGATOR_CWSID", "CWSID (Client Web Service ID)"),
            CredentialField("litigator", "token", "LEADCHECK_LITIGATOR_TOKEN", "Token"),
        ),
        batch_concurrency=8,
        batch_task="check the phone",
        batch_needs="a phone number",
    ),
    Vendor(
        "contactstate",
        "Contact State",
        tab_order=3,
        lead_column="cs_cert_url",
        credentials=(
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
        ),
        batch_concurrency=2,
        max_concurrency=4,
        rate_limit="60 requests a minute",
        batch_task="certificate status",
        batch_needs="a Contact State certificate URL",
        batch_billed=False,  # a certificate status read is free
    ),
    Vendor(
        "consentcontrol",
        "Consent Control",
        tab_order=4,
        lead_column=None,
        credentials=(
            CredentialField("consentcontrol", "api_key", "LEADCHECK_CONSENTCONTROL_API_KEY", "API key"),
            CredentialField(
                "consentcontrol",
                "host",
                "LEADCHECK_CONSENTCONTROL_HOST",
                "Account host",
                secret=False,
                help="The name before .digitalsegment.com in your account's address.",
            ),
        ),
    ),
)

BY_KEY: dict[str, Vendor] = {v.key: v for v in VENDORS}


def vendor(key: str) -> Vendor:
    """The vendor called ``key``; KeyError for a name Leadcheck does not know."""
    return BY_KEY[key]


def in_tab_order() -> tuple[Vendor, ...]:
    return tuple(sorted(VENDORS, key=lambda v: v.tab_order))


TAB_ORDER: tuple[str, ...] = tuple(v.key for v in in_tab_order())
VENDOR_LABELS: dict[str, str] = {v.key: v.label for v in in_tab_order()}
# Vendors that check a lead's evidence, in check order (they set a lead's flag from a subject column).
LEAD_VENDORS: tuple[str, ...] = tuple(v.key for v in VENDORS if v.lead_column is not None)
SUBJECT_COLUMNS: dict[str, str] = {v.key: v.lead_column for v in VENDORS if v.lead_column is not None}
FLAG_COLUMNS: dict[str, str] = {v.key: v.flag_column for v in VENDORS}
BATCH_VENDORS: tuple[str, ...] = tuple(v.key for v in VENDORS if v.batchable)
DEFAULT_CONCURRENCY: dict[str, int] = {v.key: v.batch_concurrency for v in VENDORS if v.batch_concurrency is not None}
FIELDS: tuple[CredentialField, ...] = tuple(f for v in in_tab_order() for f in v.credentials)
