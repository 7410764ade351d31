"""Test-wide set-up: offscreen Qt, an isolated LEADCHECK_HOME, an in-memory keyring, and qasync loops."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
