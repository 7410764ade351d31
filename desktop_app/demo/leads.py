"""The demo database's leads: each one a set of vendor simulator triggers, so its checks cover every outcome.

What the seeded checks show (each a real answer of the simulator, :mod:`desktop_app.sandbox.scenarios`):

=================  ===========================================================================================
TrustedForm        green (Jane), yellow: phone does not match (Ana), red: retention window passed (Lee)
Jornaya            green (Jane), yellow: partial capture (Ana), call centre (Priya), red: no disclosure
                   (Marcus), not authentic (Dana)
Contact State      green: certified (Tom), yellow: claimed, not scored yet (Priya), red: no such certificate (Lee)
TCPA Litigator     green (most), red: known litigator (Marcus), a failed call: the service had trouble (Dana)
=================  ===========================================================================================

The failed call is one a buyer meets with real keys too (the vendor had trouble; try again later). In demo mode
its advice says the simulator gave it on purpose (:func:`desktop_app.check_rules.simulated`). The last lead is
left unchecked, to show what that looks like.
"""

from __future__ import annotations

from desktop_app.sandbox import scenarios as sim

TF_CERT_URL = "https://cert.trustedform.com/"
CS_CERT_URL = "https://cert.contactstate.com/certs/"

DEMO_LEADS: tuple[dict[str, str], ...] = (
    {
        "first_name": "Jane",
        "last_name": "Doe",
        "phone": "+1" + sim.TF_PHONE_OK,
        "email": sim.TF_EMAIL_OK,
        "cert_url": TF_CERT_URL + sim.TF_CERT_OK,
        "leadid": sim.JORNAYA_TOKEN_OK,
        "city": "Austin",
        "state": "TX",
        "zip": "78701",
        "supplier": "SunBright Media",
        "cost": "18.50",
    },
    {
        "first_name": "Marcus",
        "last_name": "Reed",
        "phone": "+1" + sim.LITIGATOR_PHONE_HIT,
        "email": "marcus.reed@example.com",
        "cert_url": TF_CERT_URL + sim.tf_cert_id("demo2"),
        "leadid": sim.JORNAYA_TOKEN_NO_DISCLOSURE,
        "state": "FL",
        "supplier": "QuoteWave",
        "cost": "22.00",
    },
    {
        "first_name": "Ana",
        "last_name": "Lopez",
        "phone": "+1" + sim.TF_PHONE_MISMATCH,
        "email": "ana.lopez@example.com",
        "cert_url": TF_CERT_URL + sim.tf_cert_id("demo3"),
        "leadid": sim.JORNAYA_TOKEN_CAPTURE_PARTIAL,
        "state": "AZ",
        "supplier": "SunBright Media",
        "cost": "17.25",
    },
    {
        "first_name": "Tom",
        "last_name": "Becker",
        "phone": "+1" + sim.LITIGATOR_PHONE_CLEAN,
        "email": "tom.becker@example.com",
        "cs_cert_url": CS_CERT_URL + sim.CS_CERT_ID_CERTIFIED,
        "state": "OH",
        "supplier": "MedicareLeadsPro",
        "cost": "31.00",
    },
    {
        "first_name": "Priya",
        "last_name": "Shah",
        "phone": "+13125550188",
        "email": "priya.shah@example.com",
        "cs_cert_url": CS_CERT_URL + sim.CS_CERT_ID_CLAIMED,
        "leadid": sim.JORNAYA_TOKEN_CALL_CENTER,
        "state": "IL",
        "supplier": "MedicareLeadsPro",
        "cost": "29.50",
    },
    {
        "first_name": "Lee",
        "last_name": "Wong",
        "phone": "+14155550142",
        "email": "lee.wong@example.com",
        "cert_url": TF_CERT_URL + sim.TF_CERT_STATUS[410],
        "cs_cert_url": CS_CERT_URL + sim.CS_CERT_ID_MISSING,
        "state": "CA",
        "supplier": "QuoteWave",
        "cost": "20.00",
    },
    {
        "first_name": "Dana",
        "last_name": "Fox",
        "phone": "+1" + sim.LITIGATOR_PHONE_ERROR[35060],
        "email": "dana.fox@example.com",
        "leadid": sim.JORNAYA_TOKEN_INAUTHENTIC[2],
        "state": "NV",
        "supplier": "Solar Direct",
        "cost": "15.75",
    },
    {
        "first_name": "Sam",
        "last_name": "Ortiz",
        "phone": "+16175550199",
        "email": "sam.ortiz@example.com",
        "state": "MA",
        "supplier": "Solar Direct",
        "cost": "16.00",
    },
)
UNCHECKED_DEMO_LEADS = 1  # the last demo lead is left unchecked, to show what that looks like
