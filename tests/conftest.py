"""Settings for the whole test suite.

Hypothesis profiles: the default keeps every property test to a few seconds; `HYPOTHESIS_PROFILE=long`
multiplies the examples of the tests that read `examples()` (the order-independence tests) for a
long hunt, e.g. before a release: `HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/node/test_order_independence.py`.
"""
from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("long", deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
