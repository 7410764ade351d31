"""Reading an upload's answer: the request's error in the buyer's words, and which opt-outs were stored."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from desktop_app.vendors.answers import Exchange, truthy
from desktop_app.vendors.consentcontrol.records import OptOutRecord, RecordOutcome, single_line
from desktop_app.vendors.consentcontrol.terms import (
    AUTH_WORDS,
    LABEL,
    MAX_QUOTED,
    OPERATION,
    SETTINGS_HINT,
    STATUS_EXPLANATIONS,
    STATUS_HINTS,
    VENDOR,
)
from desktop_app.vendors.errors import (
    CallError,
    ErrorKind,
    bad_response,
    default_hint,
    replace_error,
    transport_or_status_error,
)
from desktop_app.vendors.http import Redactor
from desktop_app.vendors.ratelimit import Clock, retry_after_seconds
from desktop_app.vendors.results import CheckResult, Flag, failed, judged


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _message_in(body: Any, depth: int = 0) -> str:
    """The first ``message``/``error``-like text in an error body (keys in any case, one level of nesting)."""
    if isinstance(body, str):
        return body.strip()
    if isinstance(body, list) and depth < 2:
        return "; ".join(t for t in (_message_in(item, depth + 1) for item in body[:3]) if t)
    if not isinstance(body, Mapping) or depth > 1:
        return ""
    lowered = {str(k).lower(): v for k, v in body.items()}
    for key in ("message", "error", "error_description", "errors", "detail", "title", "exceptionmessage"):
        if key in lowered and (text := _message_in(lowered[key], depth + 1)):
            return text
    return ""


def vendor_text(exchange: Exchange, redactor: Redactor) -> str:
    """What the vendor said in an error answer, shortened and scrubbed; '' for HTML pages or nothing useful."""
    body = exchange.json()
    text = _message_in(body) if body is not None else ""
    if body is None and exchange.response is not None:
        raw = (exchange.body_text or "").strip()
        content_type = exchange.response.headers.get("content-type", "")
        if raw and "html" not in content_type and not raw.startswith("<"):
            text = raw
    text = redactor.text(" ".join(text.split()))
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def upload_error(exchange: Exchange, redactor: Redactor, clock: Clock) -> CallError | None:
    """The error for a failed request (transport, HTTP status, ``status: false``), or None when it went through."""
    if exchange.failure is not None:
        return exchange.failure
    status = exchange.status_code
    said = vendor_text(exchange, redactor)
    error = transport_or_status_error(exchange, LABEL, SETTINGS_HINT, STATUS_EXPLANATIONS)
    if error is None:
        body = exchange.json()
        if not (isinstance(body, Mapping) and truthy(body.get("status")) is False):
            return None
        error = CallError(
            ErrorKind.REJECTED,
            "Consent Control did not accept the upload (status false).",
            http_status=status,
            hint=default_hint(ErrorKind.REJECTED, LABEL, SETTINGS_HINT),
        )
    if status in STATUS_HINTS:
        error = replace_error(error, hint=STATUS_HINTS[status])
    if error.kind is ErrorKind.REJECTED and AUTH_WORDS.search(said):
        error = replace_error(error, kind=ErrorKind.AUTH, hint=SETTINGS_HINT)
    if error.kind is ErrorKind.RATE_LIMITED and exchange.response is not None:
        wait = retry_after_seconds(exchange.response, clock)
        if wait is not None:
            error = replace_error(error, message=f"{error.message[:-1]}; it asked us to wait {wait:.0f} seconds.")
    if said:
        error = replace_error(error, message=f"{error.message} Consent Control said: “{said}”.")
    return replace_error(error, retryable=error.kind in (ErrorKind.VENDOR_DOWN, ErrorKind.TIMEOUT))


def _echo_key(values: Mapping[str, Any]) -> tuple[str, ...]:
    """What identifies an opt-out in an echoed result: its phones, emails, street and zip, loosely compared."""

    def text(name: str) -> str:
        value = values.get(name)
        return " ".join(str(value).lower().split()) if isinstance(value, str | int) else ""

    phones = tuple(re.sub(r"\D", "", text(n))[-10:] for n in ("phone1", "phone2"))
    return phones + (text("email1"), text("email2"), text("address1"), re.sub(r"\D", "", text("zip"))[:5])


def _match_results(records: Sequence[OptOutRecord], results: Sequence[Any]) -> list[Mapping[str, Any] | None]:
    """Each record's result: by position when there is one per record, else by its echoed contact details."""
    items = [r if isinstance(r, Mapping) else None for r in results]
    if len(items) == len(records):
        return items
    unused = list(range(len(items)))
    matched: list[Mapping[str, Any] | None] = []
    for record in records:
        key = _echo_key(record.to_json())
        found = next((i for i in unused if (item := items[i]) is not None and _echo_key(item) == key), None)
        if found is None:
            matched.append(None)
        else:
            unused.remove(found)
            matched.append(items[found])
    return matched


def _failed_ids(value: Any, n: int) -> set[int] | None:
    """``unsuccessful_ids`` as 0-based positions; None when absent or not a list of positions in this request."""
    if not isinstance(value, list):
        return None
    ids: set[int] = set()
    for item in value:
        position = _count(item)
        if position is None or not 0 <= position < n:
            return None
        ids.add(position)
    return ids


def parse_upload(
    exchange: Exchange,
    chunk: Sequence[tuple[int, OptOutRecord]],
    subject: str,
    redactor: Redactor,
    clock: Clock,
) -> tuple[CheckResult, list[RecordOutcome]]:
    """One request's result and each of its records' outcomes."""
    error = upload_error(exchange, redactor, clock)
    body = exchange.json()
    if error is None and not isinstance(body, Mapping):
        error = bad_response(LABEL, "not with the JSON object the documents describe", exchange)
    if error is None and isinstance(body, Mapping) and truthy(body.get("status")) is not True:
        error = bad_response(LABEL, "without the status the documents promise", exchange)
    if error is not None or not isinstance(body, Mapping):
        error = error or bad_response(LABEL, "not in JSON", exchange)
        return failed(VENDOR, OPERATION, subject, error, exchange), [
            RecordOutcome(i, r, None, error=error) for i, r in chunk
        ]

    n = len(chunk)
    records = [r for _, r in chunk]
    raw_results = body.get("results")
    matched = _match_results(records, raw_results) if isinstance(raw_results, list) else [None] * n
    ids = _failed_ids(body.get("unsuccessful_ids"), n)
    successful, unsuccessful = _count(body.get("successful")), _count(body.get("unsuccessful"))
    if ids is None and not isinstance(raw_results, list) and successful == n and unsuccessful in (None, 0):
        ids = set()  # the counts alone say every opt-out was stored
    counts_agree = ids is not None and (
        (successful is None or successful == n - len(ids)) and (unsuccessful is None or unsuccessful == len(ids))
    )
    unclear = CallError(
        ErrorKind.BAD_RESPONSE,
        "Consent Control answered, but did not say clearly whether this opt-out was stored.",
        http_status=exchange.status_code,
        hint="Upload it again (storing an opt-out twice is harmless); contact Consent Control support if it "
        "keeps happening.",
    )

    outcomes: list[RecordOutcome] = []
    for position, (index, record) in enumerate(chunk):
        result = matched[position]
        said = truthy(result.get("successful")) if result is not None else None
        listed = None if ids is None else position in ids
        record_id = str(result["recordID"]) if result is not None and result.get("recordID") else None
        vendor_reason = single_line(result.get("unsuccessful_reason")) if result is not None else ""
        if (said is True and listed is not True) or (said is None and listed is False and counts_agree):
            outcomes.append(RecordOutcome(index, record, Flag.GREEN, record_id=record_id))
        elif (said is False and listed is not False) or (said is None and listed is True):
            reason = redactor.text(vendor_reason) or "Consent Control rejected it without giving a reason."
            outcomes.append(RecordOutcome(index, record, Flag.RED, record_id=record_id, reason=reason))
        else:
            outcomes.append(RecordOutcome(index, record, None, record_id=record_id, error=unclear))

    stored = sum(o.flag is Flag.GREEN for o in outcomes)
    rejected = sum(o.flag is Flag.RED for o in outcomes)
    not_clear = n - stored - rejected
    details: dict[str, Any] = {
        "transaction_id": str(body.get("transaction_id") or ""),
        "records_sent": n,
        "stored": stored,
        "rejected": rejected,
        "unclear": not_clear,
        "vendor_successful": successful,
        "vendor_unsuccessful": unsuccessful,
        "unsuccessful_ids": sorted(ids) if ids is not None else None,
        "records": [
            {
                "index": o.index,
                "status": o.status,
                "flag": o.flag.value if o.flag else None,
                "record_id": o.record_id,
                "reason": o.reason,
            }
            for o in outcomes
        ],
    }
    if not_clear == n:
        error = bad_response(LABEL, "did not say which opt-outs were stored", exchange)
        check = failed(VENDOR, OPERATION, subject, error, exchange)
        check.details = details
        return check, outcomes
    flag = Flag.RED if rejected else Flag.YELLOW if not_clear else Flag.GREEN
    if flag is Flag.GREEN:
        summary = "Consent Control stored the opt-out." if n == 1 else f"Consent Control stored all {n} opt-outs."
    else:
        summary = f"Consent Control stored {stored} of {n} opt-outs"
        summary += f" and rejected {rejected}" if rejected else ""
        summary += f"; {not_clear} could not be confirmed." if not_clear else "."
    return judged(VENDOR, OPERATION, subject, flag, summary, details, exchange), outcomes
