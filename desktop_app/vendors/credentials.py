"""Finding a vendor's credential fields, and refusing an operation that lacks one.

The fields are declared in :mod:`desktop_app.vendors.registry`; :mod:`desktop_app.settings` reads the values
(environment first, then the OS keyring). Clients use :func:`require` to refuse an operation before sending
when a value is missing.
"""

from __future__ import annotations

from collections.abc import Mapping

from desktop_app.vendors.errors import MissingCredentials
from desktop_app.vendors.registry import FIELDS, VENDOR_LABELS, CredentialField

__all__ = ["FIELDS", "VENDOR_LABELS", "CredentialField", "field", "fields_for", "missing_message", "require"]


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
