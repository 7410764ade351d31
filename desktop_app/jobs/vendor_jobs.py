"""What a batch does per vendor: which lead field is the subject, how the call is made, what counts as answered.

One :class:`VendorJob` per batch vendor. "Don't pay twice" (:attr:`VendorJob.cache`), decided per vendor:

================  ==========================================================================================
trustedform       a certificate with any *completed* retain answer (retained, or judged: expired, sandbox,
                  mismatch...) is never sent again: retaining is billed and the answer does not change.
jornaya           a LeadiD token with any completed audit is never audited again (audits are billed per query).
litigator         a phone with a completed check newer than ``litigator_cache_days`` (Settings, default 30)
                  is not checked again; older answers are re-checked (the list grows every day).
contactstate      a certificate whose completed status is final — certified (green) or not found (red) — is
                  not read again; "claimed, not scored yet" (yellow) is read again, since it changes within
                  minutes. The read is free, but Contact State's 60-requests-a-minute limit is shared.
================  ==========================================================================================

A failed call (``error`` set) never counts as answered. ``recheck`` on a batch ignores all of this, except
that a pair answered by the same batch (before a crash, say) is still not sent twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from desktop_app.check_rules import EVIDENCE_OPERATIONS, JORNAYA_DATA
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import InputError
from desktop_app.vendors.registry import BATCH_VENDORS
from desktop_app.vendors.results import CheckResult
from desktop_app.vendors.validation import (
    contactstate_url,
    leadid_token,
    normalize_email,
    normalize_phone,
    trustedform_cert_url,
)


def iso_days_ago(days: float, now: datetime | None = None) -> str:
    moment = (now or datetime.now(UTC)) - timedelta(days=days)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class CachePolicy:
    """Which stored answers count: newer than ``max_age_days`` (None: any age), with one of ``flags`` (None: any)."""

    max_age_days: float | None = None
    flags: tuple[str, ...] | None = None

    def since(self, now: datetime | None = None) -> str | None:
        return None if self.max_age_days is None else iso_days_ago(self.max_age_days, now)


class VendorJob(Protocol):
    """One vendor's part of a batch."""

    vendor: str
    operation: str
    required_credentials: tuple[str, ...]

    def subject(self, lead: Mapping[str, Any]) -> str | None:
        """The normalised subject this lead is checked by, or None when the lead lacks usable data."""

    def cache(self, settings: Any) -> CachePolicy: ...

    def sent(self, lead: Mapping[str, Any]) -> dict[str, str]:
        """The lead data :meth:`call` sends with the subject (lead field names), stored with the check."""

    async def call(self, client: Any, subject: str, lead: Mapping[str, Any]) -> CheckResult:
        """Make the vendor call. May raise InputError (nothing was sent)."""


def _text(lead: Mapping[str, Any], name: str) -> str:
    value = lead.get(name)
    return str(value).strip() if value is not None else ""


class TrustedFormJob:
    """Retain the certificate, matching it against the lead's email and phone (needs at least one)."""

    vendor = "trustedform"
    operation = EVIDENCE_OPERATIONS[vendor]
    required_credentials: tuple[str, ...] = ("api_key",)

    def subject(self, lead: Mapping[str, Any]) -> str | None:
        if not _text(lead, "cert_url") or not (_text(lead, "email") or _text(lead, "phone")):
            return None
        try:
            return trustedform_cert_url(_text(lead, "cert_url"))
        except InputError:
            return None

    def cache(self, settings: Any) -> CachePolicy:
        return CachePolicy()

    @staticmethod
    def _match(lead: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """The email and phone given to ``match_lead``: a bad one is left out, so it cannot stop the match on a
        good other one."""
        email, phone = _text(lead, "email") or None, _text(lead, "phone") or None
        for name, value in (("email", email), ("phone", phone)):
            try:
                if value:
                    normalize_email(value) if name == "email" else normalize_phone(value)
            except InputError:
                email, phone = (None, phone) if name == "email" else (email, None)
        return email, phone

    def sent(self, lead: Mapping[str, Any]) -> dict[str, str]:
        email, phone = self._match(lead)
        return {k: v for k, v in (("email", email), ("phone", phone)) if v}

    async def call(self, client: Any, subject: str, lead: Mapping[str, Any]) -> CheckResult:
        email, phone = self._match(lead)
        supplier = _text(lead, "supplier")
        try:
            result: CheckResult = await client.retain(subject, email=email, phone=phone, vendor=supplier or None)
        except InputError as exc:
            if exc.field != "vendor":
                raise
            result = await client.retain(subject, email=email, phone=phone)
        return result


class JornayaJob:
    """Audit the LeadiD token, sending the lead's data so Jornaya can check its integrity."""

    vendor = "jornaya"
    operation = EVIDENCE_OPERATIONS[vendor]
    required_credentials: tuple[str, ...] = ("account_code", "audit_key", "provider_code")

    def subject(self, lead: Mapping[str, Any]) -> str | None:
        try:
            return leadid_token(_text(lead, "leadid")) if _text(lead, "leadid") else None
        except InputError:
            return None

    def cache(self, settings: Any) -> CachePolicy:
        return CachePolicy()

    @staticmethod
    def data(lead: Mapping[str, Any]) -> dict[str, str]:
        data = {}
        for label, name in JORNAYA_DATA:
            value = _text(lead, name)
            if value:
                data[label] = value[2:] if name == "phone" and value.startswith("+1") else value
        return data

    def sent(self, lead: Mapping[str, Any]) -> dict[str, str]:
        return {name: _text(lead, name) for _, name in JORNAYA_DATA if _text(lead, name)}

    async def call(self, client: Any, subject: str, lead: Mapping[str, Any]) -> CheckResult:
        data = self.data(lead)
        try:
            result: CheckResult = await client.audit(subject, data=data or None)
        except InputError as exc:
            if not data or exc.field == "token":
                raise
            result = await client.audit(subject)  # lead data Jornaya would refuse: audit the token alone
        return result


class LitigatorJob:
    """Check the phone against the TCPA litigator list."""

    vendor = "litigator"
    operation = EVIDENCE_OPERATIONS[vendor]
    required_credentials: tuple[str, ...] = ("client_id", "cwsid", "token")

    def subject(self, lead: Mapping[str, Any]) -> str | None:
        try:
            return normalize_phone(_text(lead, "phone")).e164 if _text(lead, "phone") else None
        except InputError:
            return None

    def cache(self, settings: Any) -> CachePolicy:
        days = settings.get("litigator_cache_days") if settings is not None else 30
        return CachePolicy(max_age_days=float(days))

    def sent(self, lead: Mapping[str, Any]) -> dict[str, str]:
        return {}  # the phone is the subject

    async def call(self, client: Any, subject: str, lead: Mapping[str, Any]) -> CheckResult:
        result: CheckResult = await client.check_phone(subject)
        return result


class ContactStateCertJob:
    """Read the Contact State certificate's status (public JSON; paced by the shared 60/minute limiter)."""

    vendor = "contactstate"
    operation = EVIDENCE_OPERATIONS[vendor]
    required_credentials: tuple[str, ...] = ()

    def subject(self, lead: Mapping[str, Any]) -> str | None:
        try:
            return contactstate_url(_text(lead, "cs_cert_url"), kind="cert") if _text(lead, "cs_cert_url") else None
        except InputError:
            return None

    def cache(self, settings: Any) -> CachePolicy:
        return CachePolicy(flags=("green", "red"))

    def sent(self, lead: Mapping[str, Any]) -> dict[str, str]:
        return {}  # the certificate is the subject

    async def call(self, client: Any, subject: str, lead: Mapping[str, Any]) -> CheckResult:
        result: CheckResult = await client.certificate(subject)
        return result


JOBS: dict[str, VendorJob] = {
    "trustedform": TrustedFormJob(),
    "jornaya": JornayaJob(),
    "litigator": LitigatorJob(),
    "contactstate": ContactStateCertJob(),
}


def parse_vendors(text: str | Sequence[str]) -> list[str]:
    """``"trustedform,jornaya"`` (or a list) -> known vendor names in batch order; InputError for unknown ones."""
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    aliases = {"tf": "trustedform", "leadid": "jornaya", "cs": "contactstate", "tcpa": "litigator"}
    names = [aliases.get(n, n) for n in names]
    unknown = [n for n in names if n not in JOBS]
    if unknown:
        raise InputError(
            f"Unknown vendor {', '.join(unknown)}; choose from {', '.join(BATCH_VENDORS)}.", field="vendors"
        )
    if not names:
        raise InputError(f"Choose at least one vendor ({', '.join(BATCH_VENDORS)}).", field="vendors")
    return [v for v in BATCH_VENDORS if v in names]


def check_credentials(vendor: str, values: Mapping[str, str | None]) -> None:
    """Raise MissingCredentials before a lane starts when the vendor's keys are not set."""
    required = JOBS[vendor].required_credentials
    if required:
        require(vendor, values, *required)
