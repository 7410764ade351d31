"""Jornaya's rule tables in one place: endpoint and limits, error codes, and what each rule's numbers mean.

The error names and the rule meanings are Jornaya's own words from its SingleQuery document; the plain words and
hints are Leadcheck's, for the buyer. :mod:`.client` and :mod:`.answers` read these tables and add none of their own.
"""

from __future__ import annotations

import re

from desktop_app.vendors.errors import ErrorKind
from desktop_app.vendors.ratelimit import RetryPolicy

VENDOR = "jornaya"
OPERATION = "audit"
LABEL = "Jornaya"
ENDPOINT = "https://api.leadid.com/SingleQuery"
SETTINGS_HINT = "Open Settings → Jornaya to fix the Account code (lac) and Audit key (lak)."
RETRY = RetryPolicy(max_attempts=3, base_delay=1.0, max_delay=20.0)
SECRET_FIELDS = ("lac", "lak", "agency")

FIELD_LABELS = ("f_name", "l_name", "email", "phone1", "phone2", "address1", "address2", "city", "state", "zip")
MAX_VALUE_LENGTH = 250
MAX_RECORD_ID_LENGTH = 255
MAX_PROVIDER_CODE_LENGTH = 100
RESPONSE_FORMATS = ("json", "xml")
# The document draws account codes as xxxxxxxx-xxxx-xxxx-xxxx (and an agency as xxxxxxxx-xxxx-xxxx-xxxxxxxxxxxxxxxx);
# real ones look like UUIDs. Accept any of these layouts rather than guess which is exact.
ACCOUNT_CODE_LAYOUT = re.compile(r"^[0-9A-Za-z]{8}(?:-[0-9A-Za-z]{4,16}){2,4}$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

RULE_COLOURS: dict[int, str] = {1: "green", 2: "yellow", 3: "red"}
COLOUR_ORDER = ("green", "yellow", "red")

# Error code -> (kind, plain words, what to do). Names and descriptions are Jornaya's, from its error table.
ERROR_NAMES: dict[int, str] = {
    100: "Internal Error",
    1000: "Leadid not set",
    1001: "Malformed LeadiD",
    2000: "Account code not set",
    2001: "Malformed account code",
    4001: "Malformed Audit Key",
    5000: "Invalid Entry Code",
    6000: "Invalid Account Code and/or Audit Key",
    7000: "Testing not enabled for account",
}
ERROR_CODES: dict[int, tuple[ErrorKind, str, str]] = {
    100: (
        ErrorKind.VENDOR_DOWN,
        "Jornaya had an internal error while running the audit.",
        "Jornaya is having trouble (Leadcheck already tried again); try again in a few minutes.",
    ),
    1000: (
        ErrorKind.REJECTED,
        "Jornaya says no LeadiD token reached it (the request did not carry the token in a form it could read).",
        "Try again; if it keeps happening, a proxy or firewall may be altering Leadcheck's requests. "
        "Contact Jornaya support if it persists.",
    ),
    1001: (
        ErrorKind.REJECTED,
        "Jornaya says the LeadiD token is malformed or blank.",
        "Check the token: a LeadiD token has 36 characters, like 58990313-03FB-43B8-AD0B-08CEF791D49B.",
    ),
    2000: (
        ErrorKind.AUTH,
        "Jornaya says no account code was sent.",
        "Open Settings → Jornaya and enter your Account code (lac).",
    ),
    2001: (
        ErrorKind.AUTH,
        "Jornaya says your account code is malformed or blank.",
        "Open Settings → Jornaya and check the Account code (lac); it looks like xxxxxxxx-xxxx-xxxx-xxxx.",
    ),
    4001: (
        ErrorKind.AUTH,
        "Jornaya says your audit key is malformed or blank.",
        "Open Settings → Jornaya and check the Audit key (lak).",
    ),
    5000: (
        ErrorKind.AUTH,
        "Jornaya did not accept the entity code sent with the audit (the provider code, lpc, "
        "or the agency account code if one was sent).",
        "Open Settings → Jornaya and check the default Provider code (lpc), or the provider code given for this "
        "lead; your supplier or Jornaya support can tell you the right one.",
    ),
    6000: (
        ErrorKind.AUTH,
        "Jornaya did not accept your account code and/or audit key.",
        "Open Settings → Jornaya and re-enter the Account code (lac) and Audit key (lak) from your Jornaya portal.",
    ),
    7000: (
        ErrorKind.FORBIDDEN,
        "This Jornaya account is not set up for testing.",
        "Contact support@jornaya.com to have testing enabled for your account.",
    ),
}
RETRYABLE_CODES = frozenset({100})

HTTP_EXPLANATIONS: dict[int, tuple[ErrorKind, str]] = {
    400: (ErrorKind.REJECTED, "Jornaya refused the audit request as sent (HTTP 400)."),
    401: (ErrorKind.AUTH, "Jornaya did not accept the account code or audit key (HTTP 401)."),
    403: (ErrorKind.AUTH, "Jornaya refused access for this account (HTTP 403)."),
    404: (ErrorKind.REJECTED, "Jornaya's audit address was not found (HTTP 404)."),
}
HTTP_HINTS: dict[int, str] = {
    404: "If Leadcheck is set to use a proxy or sandbox address, check it; otherwise contact Jornaya support.",
}

# Reasons for authentic 0. The codes come from a third-party summary of the API; the conditions from Jornaya.
REASONS: dict[int, tuple[str, str]] = {
    1: ("token expired", "The token expired: it was created more than a year ago, or Jornaya cannot find it."),
    2: ("query limit reached", "This token has been queried too many times (the query limit was reached)."),
    3: (
        "consumer opted out (CCPA)",
        "The consumer exercised their CCPA right to opt out, so Jornaya returns nothing for this token.",
    ),
    4: ("invalid token", "Jornaya did not create this token."),
}
INAUTHENTIC_CONDITIONS = (
    "This was not a token that Jornaya created.",
    "This token has been queried too many times (hundreds or thousands of times).",
    "This token was created over a year ago.",
    "This token is associated with a consumer who has exercised their CCPA Right to Opt-out.",
)

DISCLOSURE = {
    0: "No matching TCPA disclosures were captured during the lead event.",
    1: "A single matching TCPA disclosure was captured during the event.",
    2: "Multiple matching TCPA disclosures were captured during the event.",
}
INTERACTION = {
    0: "No interaction is required for the disclosure.",
    1: "Consumer interaction with the disclosure was captured.",
    2: "No consumer interaction with the disclosure was captured.",
}
CAPTURE = {
    0: "The visual playback has not been captured.",
    1: "The visual playback has been captured.",
    2: "The visual playback has been partially captured.",
}
STORED = {0: "The visual playback has not been stored.", 1: "The visual playback has been stored."}
DATA_INTEGRITY = {
    0: "Mismatch: the value provided was not matched to any data witnessed by Jornaya during the lead event.",
    1: "Match: the value of the data you submitted is what was actually entered on the lead form.",
    2: "Mismatch with disclosure: the value of the data you submitted is not what was actually entered "
    "but may have been changed by the generator.",
    3: "Default value: the data sent was the default field value.",
}
CALL_CENTER = {
    0: "Not entered by a third party.",
    1: "Information was entered by a 3rd party: the campaign that created the token was identified as a call center.",
}
REG_RULE_MEANING = "Jornaya's 'reg_rule' flag colour (its documentation does not describe this rule)."
NOT_MATCHED = (
    "Not returned: Jornaya could not identify a TCPA disclosure on the form, or it did not match any disclosure "
    "text in your audit profile."
)

# Short words for the one-line summary, by (rule, value).
PHRASES: dict[tuple[str, int], str] = {
    ("disclosure", 0): "no matching TCPA disclosure captured",
    ("disclosure", 1): "one matching TCPA disclosure captured",
    ("disclosure", 2): "several matching TCPA disclosures captured",
    ("capture", 0): "visual playback not captured",
    ("capture", 1): "visual playback captured",
    ("capture", 2): "visual playback only partially captured",
    ("stored", 0): "visual playback not stored",
    ("stored", 1): "visual playback stored",
    ("data_integrity", 0): "lead data does not match what was entered",
    ("data_integrity", 1): "lead data matches what was entered",
    ("data_integrity", 2): "lead data differs from what was entered (may have been changed by the generator)",
    ("data_integrity", 3): "lead data is the form's default values",
    ("call_center", 1): "entered by a third party (call center)",
}
LIST_KEYS = frozenset({"data_integrity_failed", "data_integrity_passed", "data_integrity_default", "disclosures"})
