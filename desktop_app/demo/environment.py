"""Demo mode: credentials the built-in vendor simulator accepts, so every tab works before real keys exist.

They are the simulator's own placeholder values (``desktop_app.sandbox.scenarios``) and only ever reach
the simulator on 127.0.0.1: demo mode routes every vendor there through the origin map.
"""

from __future__ import annotations

from desktop_app.sandbox import scenarios as sim


def demo_environment() -> dict[str, str]:
    return {
        "LEADCHECK_TRUSTEDFORM_API_KEY": sim.TF_API_KEY,
        "LEADCHECK_JORNAYA_ACCOUNT_CODE": sim.JORNAYA_ACCOUNT_CODE,
        "LEADCHECK_JORNAYA_AUDIT_KEY": sim.JORNAYA_AUDIT_KEY,
        "LEADCHECK_JORNAYA_PROVIDER_CODE": sim.JORNAYA_PROVIDER_CODE,
        "LEADCHECK_CONTACTSTATE_SECRET_KEY": sim.CS_SECRET_KEY,
        "LEADCHECK_CONTACTSTATE_API_KEY": sim.CS_API_KEY,
        "LEADCHECK_CONSENTCONTROL_API_KEY": sim.CC_API_KEY,
        "LEADCHECK_CONSENTCONTROL_HOST": "demo",
        "LEADCHECK_LITIGATOR_CLIENT_ID": sim.LITIGATOR_CLIENT_ID,
        "LEADCHECK_LITIGATOR_CWSID": sim.LITIGATOR_CWSID,
        "LEADCHECK_LITIGATOR_TOKEN": sim.LITIGATOR_TOKEN,
    }
