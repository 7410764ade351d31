"""Reading a SingleQuery answer: JSON or XML into one layout, Jornaya's error codes in any shape, the audit's flag."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from desktop_app.vendors.answers import MAX_JSON_DEPTH, Exchange, answer_text, decode_json
from desktop_app.vendors.errors import (
    CallError,
    ErrorKind,
    bad_response,
    default_hint,
    replace_error,
    transport_or_status_error,
)
from desktop_app.vendors.jornaya.terms import (
    CALL_CENTER,
    CAPTURE,
    COLOUR_ORDER,
    DATA_INTEGRITY,
    DISCLOSURE,
    ERROR_CODES,
    ERROR_NAMES,
    HTTP_EXPLANATIONS,
    HTTP_HINTS,
    INAUTHENTIC_CONDITIONS,
    INTERACTION,
    LABEL,
    LIST_KEYS,
    NOT_MATCHED,
    OPERATION,
    PHRASES,
    REASONS,
    REG_RULE_MEANING,
    RETRYABLE_CODES,
    RULE_COLOURS,
    SETTINGS_HINT,
    STORED,
    VENDOR,
)
from desktop_app.vendors.results import CheckResult, Flag, failed, judged


@dataclass(frozen=True)
class _VendorError:
    code: int | None
    said: str


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _xml_to_data(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip()
    grouped: dict[str, list[Any]] = {}
    for child in children:
        grouped.setdefault(_tag(child), []).append(_xml_to_data(child))
    return {k: (v if k in LIST_KEYS or len(v) > 1 else v[0]) for k, v in grouped.items()}


def decode_body(text: str) -> Any:
    """The answer as JSON, or XML turned into the same dict layout, or None when it is neither."""
    stripped = text.strip()
    if not stripped:
        return None
    if not stripped.startswith("<"):
        return decode_json(stripped)
    if "<!DOCTYPE" in stripped.upper() or "<!ENTITY" in stripped.upper():
        return None
    try:
        root = ElementTree.fromstring(stripped)
    except ElementTree.ParseError:
        return None
    return {_tag(root): _xml_to_data(root)} if _xml_depth(root) <= MAX_JSON_DEPTH else None


def _xml_depth(root: ElementTree.Element) -> int:
    """How deep the elements nest, counted without recursion (a hostile answer may nest thousands deep)."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _as_int(value: Any) -> int | None:
    """An integer from an int, an integral float or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _lower_keys(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()}


def _unwrap(body: Any) -> Any:
    """Step inside one wrapper element (``<response><audit>…``) when the answer has one."""
    if isinstance(body, dict) and len(body) == 1:
        ((key, inner),) = body.items()
        if str(key).lower() not in ("audit", "error", "errors") and isinstance(inner, dict):
            lowered = _lower_keys(inner)
            if any(k in lowered for k in ("audit", "error", "errors")):
                return inner
    return body


def _error_value(value: Any) -> _VendorError | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, list):
        return next((e for e in (_error_value(v) for v in value) if e is not None), None)
    code = _as_int(value)
    if code is not None:
        return _VendorError(code, "")
    if isinstance(value, str):
        return _VendorError(None, value.strip()) if value.strip() else None
    if isinstance(value, Mapping):
        fields = _lower_keys(value)
        raw_code = next((fields[k] for k in ("code", "error_code", "errorcode", "id") if k in fields), None)
        said = next(
            (str(fields[k]).strip() for k in ("message", "description", "msg", "error_message", "text") if k in fields),
            "",
        )
        code = _as_int(raw_code)
        if code is None and raw_code not in (None, ""):
            said = f"{raw_code}: {said}" if said else str(raw_code)
        if code is None and not said:
            return None
        return _VendorError(code, said)
    return None


def vendor_error(body: Any) -> _VendorError | None:
    """An error code and/or message in any of the layouts Jornaya might use; None when the body holds none."""
    body = _unwrap(body)
    if isinstance(body, bool):
        return None
    if isinstance(body, int | str):
        return _error_value(body)
    if not isinstance(body, Mapping):
        return None
    fields = _lower_keys(body)
    audit = fields.get("audit")
    if isinstance(audit, Mapping):
        inner = _lower_keys(audit)
        for key in ("error", "errors"):
            if key in inner and (found := _error_value(inner[key])) is not None:
                return found
    for key in ("error", "errors"):
        if key in fields and (found := _error_value(fields[key])) is not None:
            return found
    if audit is None and any(k in fields for k in ("code", "error_code", "errorcode")):
        return _error_value(fields)
    return None


def is_retryable_answer(response: httpx.Response) -> bool:
    """True when Jornaya answered with its internal error (code 100), which it asks callers to retry."""
    found = vendor_error(decode_body(answer_text(response)))
    return found is not None and found.code in RETRYABLE_CODES


def error_for(found: _VendorError, status: int | None) -> CallError:
    """Plain words and a hint for an error Jornaya reported in its answer."""
    said = f" (Jornaya said: {found.said.rstrip('.')}.)" if found.said else ""
    if found.code in ERROR_CODES:
        kind, words, hint = ERROR_CODES[found.code]
        name = ERROR_NAMES[found.code].rstrip(".")
        # Jornaya's own words usually are the documented name: say them once.
        echo = found.said.rstrip(".") if found.said else ""
        also = f"; Jornaya said: {echo}" if echo and echo.casefold() != name.casefold() else ""
        message = f"{words} (Jornaya error {found.code}: {name}{also}.)"
        return CallError(
            kind, message, http_status=status, code=found.code, hint=hint, retryable=kind is ErrorKind.VENDOR_DOWN
        )
    if found.code is not None:
        kind = ErrorKind.REJECTED
        message = (
            f"Jornaya refused the audit with error code {found.code}, which its documentation does not list.{said}"
        )
    elif status is not None and status >= 400:
        kind, words = HTTP_EXPLANATIONS.get(
            status, (ErrorKind.VENDOR_DOWN if status >= 500 else ErrorKind.REJECTED, "")
        )
        words = words or f"Jornaya refused the audit (HTTP {status})."
        message = f"{words}{said}"
    else:
        kind = ErrorKind.REJECTED
        message = f"Jornaya reported an error instead of an audit.{said}"
    hint = HTTP_HINTS.get(status or 0) or default_hint(kind, LABEL, SETTINGS_HINT)
    return CallError(kind, message, http_status=status, code=found.code, hint=hint)


def _colour(value: Any) -> str | None:
    number = _as_int(value)
    return RULE_COLOURS.get(number) if number is not None else None


def _result(value: Any) -> dict[str, Any]:
    number = _as_int(value)
    return {"value": number, "rule": RULE_COLOURS.get(number) if number is not None else None}


def _rule(
    section: Mapping[str, Any], key: str, meanings: Mapping[int, str], absent: str, rule_key: str | None = None
) -> dict[str, Any]:
    value = _as_int(section.get(key))
    rule_value = _as_int(section.get(rule_key)) if rule_key else None
    if value is None:
        meaning = absent if section.get(key) in (None, "") else f"Jornaya returned “{section.get(key)}”."
    else:
        meaning = meanings.get(value, f"Jornaya returned {value}, a value its documentation does not describe.")
    return {
        "value": value,
        "rule": RULE_COLOURS.get(rule_value) if rule_value is not None else None,
        "rule_value": rule_value,
        "meaning": meaning,
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if v is not None and not isinstance(v, Mapping | list)]


def _disclosures(raw: Any) -> list[dict[str, Any]]:
    items = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Mapping):
            interaction = _as_int(item.get("interaction"))
            disclosure_id = item.get("disclosure_id")
            out.append(
                {
                    "disclosure_id": _as_int(disclosure_id) if _as_int(disclosure_id) is not None else disclosure_id,
                    "label": None if item.get("label") is None else str(item.get("label")),
                    "interaction": interaction,
                    "interaction_meaning": INTERACTION.get(interaction, "") if interaction is not None else "",
                }
            )
        elif isinstance(item, str | int):
            out.append({"disclosure_id": None, "label": str(item), "interaction": None, "interaction_meaning": ""})
    return out


def _fields(raw: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for label, value in _mapping(raw).items():
        number = _as_int(value)
        meaning = DATA_INTEGRITY.get(number, "") if number is not None else ""
        out[str(label)] = {"value": number, "meaning": meaning}
    return out


def _worst(colours: list[str | None]) -> str | None:
    known = [c for c in colours if c in COLOUR_ORDER]
    return max(known, key=COLOUR_ORDER.index) if known else None


def parse_audit(exchange: Exchange, subject: str, sent: Mapping[str, Any] | None = None) -> CheckResult:
    """Turn a SingleQuery answer into a flag, or an error saying what went wrong."""
    sent = dict(sent or {})
    if exchange.failure is not None:
        return failed(VENDOR, OPERATION, subject, exchange.failure, exchange)
    response = exchange.response
    body = decode_body(answer_text(response)) if response is not None else None
    found = vendor_error(body)
    error = error_for(found, exchange.status_code) if found is not None else None
    if error is None:
        error = transport_or_status_error(exchange, LABEL, SETTINGS_HINT, HTTP_EXPLANATIONS)
        if error is not None and error.http_status in HTTP_HINTS:
            error = replace_error(error, hint=HTTP_HINTS[error.http_status])
    if error is not None:
        return failed(VENDOR, OPERATION, subject, error, exchange)
    if body is None:
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, "not in JSON or XML", exchange), exchange)
    fields = _lower_keys(body) if isinstance(body, Mapping) else {}
    audit = fields.get("audit")
    if not isinstance(audit, Mapping):
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, "without an audit", exchange), exchange)
    authentic = _as_int(audit.get("authentic"))
    if authentic not in (0, 1):
        what = "without saying whether the LeadiD token is authentic"
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, what, exchange), exchange)

    market = _mapping(audit.get("market"))
    leadid = _mapping(market.get("leadid"))
    tcpa = _mapping(leadid.get("tcpafirst"))
    results = {
        "audit": _result(audit.get("result")),
        "tcpa_first": _result(tcpa.get("result")),
        "leadid": _result(leadid.get("result")),
        "market": _result(market.get("result")),
    }
    details: dict[str, Any] = {
        "token": subject,
        "authentic": authentic == 1,
        "result": None,
        "results": results,
        "rules": {},
        "transid": None if fields.get("transid") is None else str(fields.get("transid")),
        "provider_code": sent.get("provider_code"),
        "data_labels": list(sent.get("data_labels") or []),
        "record_id": sent.get("record_id"),
        "token_echoed": None if audit.get("token") is None else str(audit.get("token")),
        "disclosures": [],
        "fields": {},
        "data_integrity_failed": [],
        "data_integrity_passed": [],
        "data_integrity_default": [],
        "call_center": False,
        "reason_code": None,
        "reason": None,
        "possible_reasons": [],
    }
    if authentic == 0:
        return _inauthentic(exchange, subject, audit, details)

    overall = results["audit"]["rule"]
    if overall is None:
        raw = audit.get("result")
        what = "without an overall audit result" if raw in (None, "") else f"with an unknown overall result ({raw})"
        return failed(VENDOR, OPERATION, subject, bad_response(LABEL, what, exchange), exchange)

    integrity_absent = "Not returned by Jornaya." if sent.get("data_labels") else "Not checked: no lead data was sent."
    call_center_absent = "Not reported: the campaign that created the token was not identified as a call center."
    rules = {
        "disclosure": _rule(tcpa, "disclosure", DISCLOSURE, "Not returned by Jornaya.", "disclosure_rule"),
        "capture": _rule(tcpa, "capture", CAPTURE, NOT_MATCHED, "capture_rule"),
        "stored": _rule(tcpa, "stored", STORED, NOT_MATCHED, "stored_rule"),
        "data_integrity": _rule(audit, "data_integrity", DATA_INTEGRITY, integrity_absent, "data_integrity_rule"),
        "call_center": _rule(audit, "call_center", CALL_CENTER, call_center_absent),
        "reg_rule": {**_result(audit.get("reg_rule")), "meaning": REG_RULE_MEANING},
    }
    rules["reg_rule"]["rule_value"] = rules["reg_rule"]["value"]
    colour = _worst([overall, *(r["rule"] for name, r in results.items() if name != "audit")]) or overall
    flag = Flag(colour)
    details.update(
        result=colour,
        rules=rules,
        disclosures=_disclosures(_mapping(tcpa.get("raw_response")).get("disclosures")),
        fields=_fields(audit.get("fields")),
        data_integrity_failed=_string_list(audit.get("data_integrity_failed")),
        data_integrity_passed=_string_list(audit.get("data_integrity_passed")),
        data_integrity_default=_string_list(audit.get("data_integrity_default")),
        call_center=rules["call_center"]["value"] == 1,
    )
    return judged(VENDOR, OPERATION, subject, flag, _authentic_summary(flag, rules), details, exchange)


def _authentic_summary(flag: Flag, rules: Mapping[str, Mapping[str, Any]]) -> str:
    by_colour: dict[str, list[str]] = {"red": [], "yellow": []}
    for name, rule in rules.items():
        if rule["rule"] in by_colour:
            value = rule["value"]
            phrase = "Jornaya's reg_rule" if name == "reg_rule" else PHRASES.get((name, value), f"{name} {value}")
            by_colour[rule["rule"]].append(phrase)
    call_center = rules["call_center"]["value"] == 1 and not any(
        PHRASES[("call_center", 1)] in p for p in by_colour["red"] + by_colour["yellow"]
    )
    note = f" ({PHRASES[('call_center', 1)]})" if call_center else ""
    parts = [f"{colour}: {', '.join(phrases)}" for colour, phrases in by_colour.items() if phrases]
    if parts:
        return f"Authentic; {'; '.join(parts)}{note}"
    if flag is Flag.GREEN:
        return f"Authentic LeadiD; all rules green{note}"
    return f"Authentic; overall result {flag.value} (from your Jornaya portal's flag settings){note}"


def _inauthentic(exchange: Exchange, subject: str, audit: Mapping[str, Any], details: dict[str, Any]) -> CheckResult:
    reason = _as_int(audit.get("reason"))
    details.update(
        result="red",
        reason_code=reason,
        rules={"reg_rule": {**_result(audit.get("reg_rule")), "meaning": REG_RULE_MEANING}},
    )
    details["rules"]["reg_rule"]["rule_value"] = details["rules"]["reg_rule"]["value"]
    if reason in REASONS:
        short, text = REASONS[reason]
        details["reason"] = text
        summary = f"Not authentic: {short}"
    elif reason is not None or audit.get("reason") not in (None, ""):
        details["reason"] = f"Jornaya gave reason {audit.get('reason')}, which Leadcheck does not know."
        details["possible_reasons"] = list(INAUTHENTIC_CONDITIONS)
        summary = f"Not authentic: reason {audit.get('reason')}"
    else:
        details["possible_reasons"] = list(INAUTHENTIC_CONDITIONS)
        summary = (
            "Not authentic: Jornaya did not say why (not a Jornaya token, queried too many times, "
            "over a year old, or a CCPA opt-out)"
        )
    return judged(VENDOR, OPERATION, subject, Flag.RED, summary, details, exchange)
