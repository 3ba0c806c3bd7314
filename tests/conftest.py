"""Settings for the whole test suite: test tiers and hypothesis profiles.

Tiers (markers registered in pyproject.toml). `pytest -m "not slow"` is the fast tier, about a
minute: the pure cores, the store, the web app in-process. Left out of it: everything that starts
real `solnet` processes (`integration`: tests/integration, tests/cli, tests/demo, and modules that
mark themselves), network namespaces (`netns`), the browser (`browser`), and single tests marked
`slow`. Folders are marked here; `integration`, `netns` and `browser` imply `slow`. CI runs
everything.

Hypothesis profiles: the default keeps every property test to a few seconds; "fast" (chosen by
itself when the fast tier runs and no profile is named) runs fewer examples; `HYPOTHESIS_PROFILE=long`
multiplies the examples of the tests that read `examples()` (the order-independence tests) and draws
fresh ones at every run (the default and "fast" profiles draw the same ones every run) for a long
hunt, e.g. before a release: `HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/node/test_order_independence.py`.

Test networks open fast: the homes the tests make in this process (node.demo.localnet.create_network)
get keystores at libsodium's minimum Argon2id cost instead of the "interactive" level (64 MiB and
~0.1-0.3 s a run, several times that on a busy machine). A keystore records its cost and reading
follows the file, so each later unlock of such a home (every `solnet` command and `solnet run` a
test starts, every in-process `Home.keys`) is fast too; the suite unlocks keystores some thousand
times. Nothing in the product can lower the cost: only this process's module values are changed,
while a network is made. The CLI tests' template network, made by the real `solnet init`, is re-sealed
at that cost afterwards (tests/fast_keystores.py); the crypto tests and `init` itself keep the real level.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from fast_keystores import cheap_key_derivation
from parallel_ports import worker_port_span
from node.demo import localnet

# The everyday profiles draw the same examples at every run (derandomize): a run's verdict follows
# the code, never the draw. A CI run drew a damaged bundle that no run had drawn before and failed
# on a defect older than the change it checked; fresh examples are the long profile's hunt.
settings.register_profile("default", deadline=None, derandomize=True)
settings.register_profile("fast", deadline=None, max_examples=25, derandomize=True)
settings.register_profile("long", deadline=None, max_examples=2000)

HERE = Path(__file__).parent
FOLDER_MARKS = {"integration": ("integration",), "cli": ("integration",), "demo": ("integration",),
                "netns": ("netns",), "browser": ("browser",)}
IMPLY_SLOW = ("integration", "netns", "browser")


def pytest_configure(config: pytest.Config) -> None:
    localnet.PORT_SPAN = worker_port_span(os.environ.get("PYTEST_XDIST_WORKER", ""),
                                          int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1") or 1),
                                          localnet.LOWEST_PORT, localnet.outgoing_ports_start())
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


@pytest.fixture(scope="session", autouse=True)
def cheap_test_networks() -> Iterator[None]:
    """Networks made by the tests (node.demo.localnet.create_network) open fast: see the docstring above."""
    create_network = localnet.create_network

    def create_cheaply(*args, **kwargs):  # type: ignore[no-untyped-def]
        with cheap_key_derivation():
            return create_network(*args, **kwargs)

    localnet.create_network = create_cheaply
    try:
        yield
    finally:
        localnet.create_network = create_network
