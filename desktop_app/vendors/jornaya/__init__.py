"""Jornaya LeadiD audits (1st Party Privacy Guardian / TCPA Guardian): is this token real, and what did it witness?

One ``SingleQuery`` per LeadiD token. The token, the lead data and the other fields are checked before anything
is sent. The request is an https POST of form fields, so the account code (``lac``) and the audit key (``lak``)
never appear in an address; both are redacted from everything stored. The provider code (``lpc``) is not a
secret: it names the supplier the lead came from.

Lead data (``data``) is optional here although the document marks it required: without it Jornaya can still
say whether the token is authentic and what the TCPA disclosure, visual playback and call-center checks found,
it just has nothing to compare for data integrity. So ``data`` is sent only when the buyer gives some, and the
``data_integrity`` rule then reads "not checked".

Flag rules:

* ``audit.authentic`` 0 -> red, with the ``reason`` (1 token expired, 2 query limit reached, 3 consumer opted out
  under CCPA, 4 not a Jornaya token; these codes come from a third-party source) or, without one, the four
  conditions the document lists.
* ``audit.authentic`` 1 -> the overall audit ``result`` (1 green, 2 yellow, 3 red). The document says that result
  is set by the portal's call-center and data-integrity settings, so when the TCPA First ``result`` (or the
  ``market``/``leadid`` results) is worse, the worse colour wins: a lead is never shown greener than any of
  Jornaya's own results.
* No ``authentic``, or authentic without an overall ``result``, is an unreadable answer (``bad_response``),
  never green. Fields the document marks with * (absent when no disclosure matched) may be missing.

Every rule keeps its own colour, raw number and documented meaning in ``details["rules"]``. Email integrity is
checked in parts: when the whole address does not match, Jornaya also returns results for its components, which
appear in ``details["fields"]`` under whatever names Jornaya gives them.

The error body's shape is not documented, so error codes are read from several layouts (``{"error": {...}}``,
``{"code": N}``, ``{"audit": {"error": ...}}``, ``{"errors": [...]}``, a bare number, XML ``<error>``). Code 100
(Jornaya's internal error) is retried with capped backoff, as are timeouts, network failures and 5xx answers.

The package: :mod:`.terms` (endpoint, limits, error codes, rule meanings), :mod:`.client` (the inputs checked and
encoded, the request sent) and :mod:`.answers` (the answer decoded from JSON or XML and judged).
"""

from desktop_app.vendors.jornaya.answers import decode_body, error_for, is_retryable_answer, parse_audit, vendor_error
from desktop_app.vendors.jornaya.client import JornayaClient, JornayaCredentials, encode_data
from desktop_app.vendors.jornaya.terms import (
    ERROR_CODES,
    FIELD_LABELS,
    INAUTHENTIC_CONDITIONS,
    MAX_PROVIDER_CODE_LENGTH,
    MAX_RECORD_ID_LENGTH,
    MAX_VALUE_LENGTH,
    NOT_MATCHED,
    RETRY,
)

__all__ = [
    "ERROR_CODES",
    "FIELD_LABELS",
    "INAUTHENTIC_CONDITIONS",
    "MAX_PROVIDER_CODE_LENGTH",
    "MAX_RECORD_ID_LENGTH",
    "MAX_VALUE_LENGTH",
    "NOT_MATCHED",
    "RETRY",
    "JornayaClient",
    "JornayaCredentials",
    "decode_body",
    "encode_data",
    "error_for",
    "is_retryable_answer",
    "parse_audit",
    "vendor_error",
]
