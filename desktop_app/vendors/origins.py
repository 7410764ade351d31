"""Where a validated vendor request is delivered: the real https origin, or a replacement from LEADCHECK_ORIGINS.

Replacements serve tests, the demo simulator and proxies; keys travel only over https or to this computer, and
a map that would send them elsewhere in clear text is refused (:class:`~desktop_app.vendors.errors.OriginMapError`)
before any request is built.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from desktop_app.vendors.errors import OriginMapError

LOOPBACK_NAMES = frozenset({"localhost"})


def is_loopback_host(host: str) -> bool:
    """True for this computer's own addresses: 127.0.0.0/8, ::1 (also IPv4-mapped) and ``localhost``."""
    host = host.strip("[]").lower().rstrip(".")
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


class OriginMap:
    """Where an already-validated request is delivered: the real vendor origin, or a replacement.

    ``LEADCHECK_ORIGINS`` names a JSON file ``{"https://cert.trustedform.com": "http://127.0.0.1:8765/tf"}``.
    The real URL's path and query are appended to the replacement. A key may use one leading wildcard
    label (``https://*.digitalsegment.com``) for vendors with a host per account. Validation always runs on
    the real URL first; this only changes the destination. It serves tests, sandboxes and proxies.

    Keys travel only over https: a replacement must be an https URL, or plain http to this computer (the demo
    and test simulators). Anything else raises :class:`OriginMapError` here, before any request is built.
    ``source`` names where the mapping came from, for that message.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None, *, source: str = "The origin map") -> None:
        self._exact: dict[str, str] = {}
        self._wildcard: list[tuple[str, str, str]] = []
        for origin, target in (mapping or {}).items():
            origin = origin.rstrip("/").lower()
            target = target.rstrip("/")
            _check_target(origin, target, source)
            if "://*." in origin:
                scheme, rest = origin.split("://*.", 1)
                self._wildcard.append((scheme, "." + rest, target))
            else:
                self._exact[origin] = target

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OriginMap:
        env = os.environ if environ is None else environ
        path = env.get("LEADCHECK_ORIGINS", "").strip()
        if not path:
            return cls()
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:
            raise OriginMapError(f"LEADCHECK_ORIGINS points to {path!r}, which is not a readable JSON file.") from exc
        if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw.items()):
            raise OriginMapError(f"LEADCHECK_ORIGINS file {path!r} must map origin strings to base URL strings.")
        return cls(raw, source=f"The LEADCHECK_ORIGINS file {path!r}")

    def __bool__(self) -> bool:
        return bool(self._exact or self._wildcard)

    def target_for(self, url: str) -> str | None:
        """The replacement base for ``url``'s origin, or None when it is delivered as is."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin in self._exact:
            return self._exact[origin]
        host = (parts.hostname or "").lower()
        for scheme, suffix, target in self._wildcard:
            if parts.scheme.lower() == scheme and host.endswith(suffix) and len(host) > len(suffix):
                return target
        return None

    def resolve(self, url: str) -> str:
        target = self.target_for(url)
        if target is None:
            return url
        parts = urlsplit(url)
        rest = parts.path or "/"
        if parts.query:
            rest += "?" + parts.query
        return target + rest


def _check_target(origin: str, target: str, source: str) -> None:
    """Refuse a replacement that is not https, unless it is plain http to this computer."""
    parts = urlsplit(target)
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        host = ""
    if parts.scheme not in ("http", "https") or not host:
        raise OriginMapError(f"{source} maps {origin} to {target!r}, which is not an http(s) address.")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise OriginMapError(
            f"{source} maps {origin} to {target}, a plain http:// address on another computer: the vendor's keys "
            "would travel unencrypted. Use an https:// address, or http:// only to this computer "
            "(127.0.0.1, ::1 or localhost)."
        )
