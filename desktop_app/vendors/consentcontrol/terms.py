"""Consent Control's facts in one place: the upload address and limits, the record's fields and sizes, the CSV
column names, and what each error status means for a buyer.
"""

from __future__ import annotations

import re

from desktop_app.vendors.errors import ErrorKind
from desktop_app.vendors.ratelimit import RetryPolicy

VENDOR = "consentcontrol"
LABEL = "Consent Control"
OPERATION = "optout_upload"
UPLOAD_PATH = "/RestServices/OptOut/Upload"
MAX_RECORDS_PER_REQUEST = 100
DEFAULT_VALIDATION = "1"
SETTINGS_HINT = "Open Settings → Consent Control to fix the API key or account host."
HOST_HINT = "Open Settings → Consent Control and check the account host (the name before .digitalsegment.com)."

# Only outages and timeouts are tried again; a 4xx or a dropped connection is reported at once.
RETRY = RetryPolicy(
    max_attempts=3,
    base_delay=2.0,
    max_delay=20.0,
    retry_statuses=frozenset(range(500, 600)),
    retry_timeouts=True,
    retry_network=False,
    honour_rate_limit=False,
)

FIELDS: tuple[str, ...] = (
    "firstname",
    "lastname",
    "address1",
    "address2",
    "city",
    "state",
    "zip",
    "phone1",
    "phone2",
    "email1",
    "email2",
    "validation",
    "projectid",
)
MAX_SIZES: dict[str, int] = {
    "firstname": 45,
    "lastname": 45,
    "address1": 60,
    "address2": 45,
    "city": 45,
    "state": 2,
    "zip": 10,
    "phone1": 15,
    "phone2": 15,
    "email1": 200,
    "email2": 200,
    "validation": 1,
    "projectid": 20,
}
FIELD_LABELS: dict[str, str] = {
    "firstname": "First name",
    "lastname": "Last name",
    "address1": "Address line 1",
    "address2": "Address line 2",
    "city": "City",
    "state": "State",
    "zip": "Zip",
    "phone1": "Phone 1",
    "phone2": "Phone 2",
    "email1": "Email 1",
    "email2": "Email 2",
    "validation": "Validation",
    "projectid": "Project ID",
}
ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI UM FM MH PW AA AE AP".split()
)

# CSV header (lower-cased, spaces/dashes as underscores) -> field. Documented names first, then usual aliases.
COLUMN_ALIASES: dict[str, str] = {name: name for name in FIELDS} | {
    "first_name": "firstname",
    "fname": "firstname",
    "first": "firstname",
    "last_name": "lastname",
    "lname": "lastname",
    "last": "lastname",
    "surname": "lastname",
    "address": "address1",
    "address_1": "address1",
    "address_line_1": "address1",
    "street": "address1",
    "street_address": "address1",
    "address_2": "address2",
    "address_line_2": "address2",
    "apt": "address2",
    "suite": "address2",
    "st": "state",
    "zipcode": "zip",
    "zip_code": "zip",
    "postal_code": "zip",
    "postalcode": "zip",
    "postcode": "zip",
    "phone": "phone1",
    "phone_1": "phone1",
    "phone_number": "phone1",
    "phonenumber": "phone1",
    "telephone": "phone1",
    "mobile": "phone1",
    "mobile_phone": "phone1",
    "cell": "phone1",
    "cell_phone": "phone1",
    "phone_2": "phone2",
    "email": "email1",
    "email_1": "email1",
    "email_address": "email1",
    "e_mail": "email1",
    "email_2": "email2",
    "project_id": "projectid",
    "project": "projectid",
}
# A second phone or email column (e.g. "phone" and "cell") fills the second slot.
SECOND_SLOT = {"phone1": "phone2", "email1": "email2"}
CONTACT_FIELDS = ("phone1", "phone2", "email1", "email2", "address1")

# Error answers are undocumented; these are the statuses an upload can meet, explained for a buyer.
STATUS_EXPLANATIONS: dict[int, tuple[ErrorKind, str]] = {
    400: (ErrorKind.REJECTED, "Consent Control refused the upload as sent (HTTP 400)."),
    401: (ErrorKind.AUTH, "Consent Control did not accept the API key (HTTP 401)."),
    403: (ErrorKind.AUTH, "Consent Control refused this API key access to opt-out uploads (HTTP 403)."),
    404: (ErrorKind.NOT_FOUND, "Consent Control has no opt-out upload service at this account host (HTTP 404)."),
    413: (ErrorKind.REJECTED, "Consent Control said the upload was too large (HTTP 413)."),
    429: (ErrorKind.RATE_LIMITED, "Consent Control is limiting how fast we can send uploads (HTTP 429)."),
}
STATUS_HINTS: dict[int, str] = {
    400: "Check the opt-outs in this request; if they look right, send Consent Control support the message above.",
    401: SETTINGS_HINT,
    403: SETTINGS_HINT,
    404: HOST_HINT,
    413: "Leadcheck sends at most 100 opt-outs per request; try again, and contact Consent Control support "
    "if it keeps happening.",
}
AUTH_WORDS = re.compile(r"api[-_ ]?key|unauthori[sz]ed|authenticat|access denied|invalid key", re.IGNORECASE)
# After one of these, every later request would fail the same way, so the rest are not sent.
STOP_AFTER = frozenset(
    {
        ErrorKind.AUTH,
        ErrorKind.FORBIDDEN,
        ErrorKind.BILLING,
        ErrorKind.NOT_FOUND,
        ErrorKind.RATE_LIMITED,
        ErrorKind.VENDOR_DOWN,
        ErrorKind.TIMEOUT,
        ErrorKind.NETWORK,
    }
)
MAX_QUOTED = 300
