"""Settings for the whole test suite: test tiers and hypothesis profiles.

Tiers (markers registered in pyproject.toml). `pytest -m "not slow"` is the fast tier, about a
minute: the pure cores, the store, the web app in-process. Left out of it: everything that starts
real `solnet` processes (`integration`: tests/integration, tests/cli, tests/demo, and modules that
mark themselves), network namespaces (`netns`), the browser (`browser`), and single tests marked
`slow`. Folders are marked here; `integration`, `netns` and `browser` imply `slow`. CI runs
everything.

Hypothesis profiles: the default keeps every property test to a few seconds; "fast" (chosen by
itself when the fast tier runs and no profile is named) runs fewer examples; `HYPOTHESIS_PROFILE=long`
multiplies the examples of the tests that read `examples()` (the order-independence tests) for a
long hunt, e.g. before a release: `HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/node/test_order_independence.py`.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("fast", deadline=None, max_examples=25)
settings.register_profile("long", deadline=None, max_examples=2000)

HERE = Path(__file__).parent
FOLDER_MARKS = {"integration": ("integration",), "cli": ("integration",), "demo": ("integration",),
                "netns": ("netns",), "browser": ("browser",)}
IMPLY_SLOW = ("integration", "netns", "browser")


def pytest_configure(config: pytest.Config) -> None:
    profile = os.environ.get("HYPOTHESIS_PROFILE")
    if profile is None:
        profile = "fast" if "not slow" in (config.getoption("markexpr", "") or "") else "default"
    settings.load_profile(profile)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = Path(item.path).relative_to(HERE).parts[0]
        except ValueError:
            continue
        for mark in FOLDER_MARKS.get(folder, ()):
            item.add_marker(mark)
        if any(item.get_closest_marker(mark) for mark in IMPLY_SLOW):
            item.add_marker("slow")
