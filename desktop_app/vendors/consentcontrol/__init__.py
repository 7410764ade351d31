"""Consent Control (Digital Segment) opt-outs: upload a buyer's opt-outs, read which were stored, read suppressions.

Consent Control keeps a buyer's consumer opt-outs in the buyer's own account
(``https://{account}.digitalsegment.com``) and returns daily, weekly or monthly suppression files. This module:

* checks opt-out records locally against the documented field limits (:func:`check_record`),
* uploads them, at most 100 per request as documented, and maps the answer back to each record
  (:meth:`ConsentControlClient.upload`).

Reading opt-outs from a buyer's CSV and suppression files the buyer downloaded is
:mod:`desktop_app.imports.optouts` (it reads them the way a lead import reads a CSV).

Flags, per opt-out record (:class:`RecordOutcome`):

* green  — Consent Control stored the opt-out (``successful: true``, or not listed in ``unsuccessful_ids``);
* red    — Consent Control rejected it; ``reason`` is the vendor's ``unsuccessful_reason``;
* none   — it was refused locally (``problems``), its request failed (``error``: key, host, network, outage…),
  or the answer did not say clearly whether it was stored (``error`` of kind ``bad_response``).

Per request (one :class:`CheckResult` each): green when every opt-out in it was stored, red when any was
rejected, yellow when none was rejected but some could not be confirmed, no flag when the request failed.

Decisions where the document is silent:

* ``validation`` is required, one character, allowed values not published. Leadcheck sends ``"1"`` — the value
  in every record of the vendor's sample request — when the buyer gives none, and passes any other single
  character through unchanged, so the vendor's verdict on it shows up per record.
* Phones are sent as ``NNN-NNN-NNNN`` (the layout of the sample's ``phone1``), after the same checks as every
  other phone in Leadcheck; emails are trimmed and lower-cased; states upper-cased; a 9-digit zip gets its dash.
  Blank fields are left out of the JSON, since the vendor says presenting some fields makes others required.
* Refused locally, besides the documented sizes: a record with no phone, email or street address (nothing to
  opt out); a street address alone without a zip or city and state (it cannot be matched to anyone); phones
  and emails Leadcheck cannot read; a state that is not a two-letter US code; a zip that is not 12345 or
  12345-6789.
* ``unsuccessful_ids`` are 0-based positions in the request (the sample's second record failed with id 1).
  ``results`` are matched by position when there is one per record, otherwise by the echoed phone, email,
  street and zip. Where ``results`` and ``unsuccessful_ids`` contradict each other, the record is unclear
  (never green). Without ``results``, a record is green only when ``unsuccessful_ids`` (or counts saying all
  succeeded) leave it out and the ``successful``/``unsuccessful`` counts, where given, agree.
* Error answers are not documented. ``message``/``error`` text (any case, nested one level) or a short plain-text
  body is quoted to the buyer; HTML pages are not. 401/403 mean the key or host is wrong; 404 means the account
  host is wrong; a ``status: false`` or 400 whose text mentions the API key or authentication is treated as auth.
* Only 5xx answers and timeouts are retried (3 attempts, capped backoff). An upload that timed out may already
  have been stored; retrying is safe because storing the same opt-out twice changes nothing. After a failure
  that would repeat for every request (auth, host, rate limit, outage, timeout, network) the remaining
  requests are not sent; their records carry the reason and can be uploaded again.

Errors: invalid input and a malformed host raise :class:`InputError`, missing credentials raise
:class:`MissingCredentials` (both before anything is sent). Call failures come back inside the results.

The package: :mod:`.terms` (address, limits, fields, column names, error statuses), :mod:`.records` (the record,
its local checks, each record's outcome), :mod:`.client` (the upload) and :mod:`.answers` (reading its answer).
"""

from desktop_app.vendors.consentcontrol.answers import parse_upload, upload_error, vendor_text
from desktop_app.vendors.consentcontrol.client import ConsentControlClient, ConsentControlCredentials
from desktop_app.vendors.consentcontrol.records import (
    OptOutRecord,
    RecordOutcome,
    RecordProblem,
    UploadOutcome,
    check_record,
    checked_project_id,
    prepare_record,
    single_line,
)
from desktop_app.vendors.consentcontrol.terms import (
    COLUMN_ALIASES,
    CONTACT_FIELDS,
    DEFAULT_VALIDATION,
    FIELD_LABELS,
    MAX_SIZES,
    SECOND_SLOT,
    SETTINGS_HINT,
)

__all__ = [
    "COLUMN_ALIASES",
    "CONTACT_FIELDS",
    "DEFAULT_VALIDATION",
    "FIELD_LABELS",
    "MAX_SIZES",
    "SECOND_SLOT",
    "SETTINGS_HINT",
    "ConsentControlClient",
    "ConsentControlCredentials",
    "OptOutRecord",
    "RecordOutcome",
    "RecordProblem",
    "UploadOutcome",
    "check_record",
    "checked_project_id",
    "parse_upload",
    "prepare_record",
    "single_line",
    "upload_error",
    "vendor_text",
]
