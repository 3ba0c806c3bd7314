"""Browser tests: Debian's chromium driven by Playwright against real `solnet run` processes.

Chromium runs headless from /usr/bin/chromium with a fresh profile per test and no background
networking; the nodes are started through the integration tests' Cluster, which stops every
process at the end, pass or fail. Every wait has a Playwright timeout.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from local_cluster import cluster  # noqa: F401  (a fixture)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    """A fresh chromium profile (a persistent context in an empty folder); closed at the end."""
    if not CHROMIUM.exists():
        if os.environ.get("SOLNET_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing and SOLNET_REQUIRE_BROWSER is set: install Debian's chromium")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            locale="en-GB", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()

