"""Local vendor simulator: one loopback HTTP server speaking all five compliance vendors' documented APIs.

Used by end-to-end tests, benchmarks and the app's demo mode. Start it, write its origin map to a file and
point ``LEADCHECK_ORIGINS`` at that file; the app then talks to the simulator instead of the real vendors.
Trigger values that make a vendor answer with a particular error or result live in
:mod:`desktop_app.sandbox.scenarios`. Run it standalone with ``python -m desktop_app.sandbox``.
"""

from __future__ import annotations

from desktop_app.sandbox import scenarios
from desktop_app.sandbox.simulator import ORIGIN_PREFIXES, RecordedRequest, VendorSimulator, check_loopback

__all__ = ["ORIGIN_PREFIXES", "RecordedRequest", "VendorSimulator", "check_loopback", "scenarios"]
