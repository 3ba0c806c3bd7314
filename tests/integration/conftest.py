"""The `cluster` fixture: nodes started for a test are all stopped when it ends, pass or fail."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_cluster import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        problems = c.teardown()
    assert not problems, "\n".join(problems) + "\n" + c.log_tails()
