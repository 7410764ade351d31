"""The upload: credentials, at most 100 opt-outs per request, requests one after another until one fails for all."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from desktop_app.vendors.consentcontrol.answers import parse_upload
from desktop_app.vendors.consentcontrol.records import (
    OptOutRecord,
    RecordOutcome,
    RecordProblem,
    UploadOutcome,
    checked_project_id,
    prepare_record,
    single_line,
)
from desktop_app.vendors.consentcontrol.terms import (
    LABEL,
    MAX_RECORDS_PER_REQUEST,
    OPERATION,
    RETRY,
    STOP_AFTER,
    UPLOAD_PATH,
    VENDOR,
)
from desktop_app.vendors.credentials import require
from desktop_app.vendors.errors import CallError, InputError
from desktop_app.vendors.http import Redactor, VendorHttp
from desktop_app.vendors.results import CheckResult, failed
from desktop_app.vendors.validation import consentcontrol_host


@dataclass(frozen=True)
class ConsentControlCredentials:
    """The account's API key (secret) and host: the account name or ``name.digitalsegment.com``."""

    api_key: str
    host: str


def _chunks(items: Sequence[tuple[int, OptOutRecord]]) -> Iterator[list[tuple[int, OptOutRecord]]]:
    for start in range(0, len(items), MAX_RECORDS_PER_REQUEST):
        yield list(items[start : start + MAX_RECORDS_PER_REQUEST])


def _subject(chunk: Sequence[tuple[int, OptOutRecord]]) -> str:
    first, last = chunk[0][0] + 1, chunk[-1][0] + 1
    n = len(chunk)
    span = f"{first}" if first == last else f"{first}–{last}"
    return f"{n} opt-out{'s' if n != 1 else ''} ({span})"


class ConsentControlClient:
    """Uploads opt-outs to the buyer's Consent Control account."""

    vendor = VENDOR

    def __init__(self, http: VendorHttp, credentials: ConsentControlCredentials) -> None:
        self._http = http
        self._credentials = credentials

    async def upload(self, records: Sequence[OptOutRecord], *, project_id: str | None = None) -> UploadOutcome:
        """Upload opt-outs, at most 100 per request, and report each record's fate.

        Every record is checked before anything is sent; refused records are reported (``refused`` and their
        ``RecordOutcome.problems``) and the rest still go. ``project_id`` fills each record's blank
        ``projectid``. Requests go one after another; only 5xx answers and timeouts are retried. A request
        that timed out may already have been stored, and retrying is safe because opt-outs are idempotent:
        storing the same opt-out twice changes nothing. Raises InputError for no records, a too-long
        ``project_id`` or a malformed account host, MissingCredentials for a missing key or host.
        """
        if not records:
            raise InputError("There are no opt-outs to upload.")
        project = checked_project_id(project_id)
        outcomes: list[RecordOutcome | None] = [None] * len(records)
        refused: list[RecordProblem] = []
        ready: list[tuple[int, OptOutRecord]] = []
        for index, record in enumerate(records):
            if project and not single_line(record.projectid):
                record = dataclasses.replace(record, projectid=project)
            clean, reasons = prepare_record(record)
            if reasons:
                refused.append(RecordProblem(index, record, tuple(reasons)))
                outcomes[index] = RecordOutcome(
                    index, record, None, reason="Not sent: " + " ".join(reasons), problems=tuple(reasons)
                )
            else:
                ready.append((index, clean))
        checks: list[CheckResult] = []
        if ready:
            creds = self._credentials
            require(VENDOR, dataclasses.asdict(creds), "api_key", "host")
            url = f"https://{consentcontrol_host(creds.host)}{UPLOAD_PATH}"
            redactor = Redactor([creds.api_key])
            stopped: CallError | None = None
            for chunk in _chunks(ready):
                subject = _subject(chunk)
                if stopped is not None:
                    check = failed(VENDOR, OPERATION, subject, stopped)
                    chunk_outcomes = [RecordOutcome(i, r, None, error=stopped) for i, r in chunk]
                else:
                    exchange = await self._http.send(
                        "POST",
                        url,
                        headers={
                            "api-key": creds.api_key,
                            "Content-Type": "application/json",
                            "Accept": "application/json",
                        },
                        json_body=[record.to_json() for _, record in chunk],
                        redactor=redactor,
                        retry=RETRY,
                        label=LABEL,
                    )
                    check, chunk_outcomes = parse_upload(exchange, chunk, subject, redactor, self._http.clock)
                    if check.error is not None and check.error.kind in STOP_AFTER:
                        stopped = CallError(
                            check.error.kind,
                            f"Not sent, because an earlier request failed: {check.error.message}",
                            hint=check.error.hint,
                            retryable=check.error.retryable,
                        )
                for outcome in chunk_outcomes:
                    outcomes[outcome.index] = dataclasses.replace(outcome, result_index=len(checks))
                checks.append(check)
        return UploadOutcome(checks, [o for o in outcomes if o is not None], refused)
