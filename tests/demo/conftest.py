"""The `demo` fixture: `solnet demo` processes started by a test are all stopped when it ends."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from demo_process import DemoRun


@pytest.fixture
def demo() -> Iterator[Callable[..., DemoRun]]:
    runs: list[DemoRun] = []

    def start(*args: str) -> DemoRun:
        run = DemoRun(*args)
        runs.append(run)
        return run

    try:
        yield start
    finally:
        for run in runs:
            run.stop()
