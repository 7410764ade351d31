"""Demo mode: credentials the built-in vendor simulator accepts, so every tab works before real keys exist.

They are placeholders for the simulator on 127.0.0.1 only; the origin map routes every vendor there.
"""

from __future__ import annotations

DEMO_CREDENTIALS = {
    "LEADCHECK_TRUSTEDFORM_API_KEY": "demo-trustedform-key",
    "LEADCHECK_JORNAYA_ACCOUNT_CODE": "DEMO1234-ABCD-EF01-2345",
    "LEADCHECK_JORNAYA_AUDIT_KEY": "DEMO5678-ABCD-EF01-2345",
    "LEADCHECK_JORNAYA_PROVIDER_CODE": "DEMOPROVIDER",
    "LEADCHECK_CONTACTSTATE_SECRET_KEY": "demo-contactstate-secret",
    "LEADCHECK_CONTACTSTATE_API_KEY": "demo-contactstate-api-key",
    "LEADCHECK_CONSENTCONTROL_API_KEY": "demo-consentcontrol-key",
    "LEADCHECK_CONSENTCONTROL_HOST": "demo",
    "LEADCHECK_LITIGATOR_CLIENT_ID": "demo-client",
    "LEADCHECK_LITIGATOR_CWSID": "demo-cwsid",
    "LEADCHECK_LITIGATOR_TOKEN": "demo-token",
}


def demo_environment() -> dict[str, str]:
    return dict(DEMO_CREDENTIALS)
