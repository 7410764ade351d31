"""Hypothesis profiles for the property tests under ``tests/unit``: ``ci`` by default, ``thorough`` on demand.

``ci`` runs 50 examples where a test does not ask for a multiple (the vendor-answer fuzzing: 14 operations, each a
fresh client and answer per example), which keeps the suite CI-sized; every run draws new examples, so runs add up.
``thorough`` runs 20 times as many::

    HYPOTHESIS_PROFILE=thorough bash scripts/dev.sh test tests/unit/vendors/test_fuzz_answers.py tests/unit/imports

A test that needs more than the profile's count asks for a multiple of ``settings().max_examples``.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", max_examples=50)
settings.register_profile("thorough", max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
