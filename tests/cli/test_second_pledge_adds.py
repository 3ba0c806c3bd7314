"""Whether a second pledge of one group adds to its first or replaces it, and a second report of
money raised: nothing said it (a treasurer who pledged 100, then 150 meaning 'now 150', promised 250
on every desk). `solnet publish fundraiser.update --help` and the README say it now: pledges add up,
a report of what is raised replaces the last; tests/node/test_step_behind_another_device.py checks
that the read model does so."""
from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_help_says_pledges_add_and_raised_replaces(cli):
    out = " ".join(cli.run(None, "publish", "fundraiser.update", "--help").stdout.split())
    assert "each pledge adds to the group's earlier ones" in out and "each report replaces the last" in out
    assert "redact it and pledge again" in out


def test_the_readme_says_it() -> None:
    text = " ".join(README.read_text().split())
    assert "each pledge adds to that group's earlier ones" in text and "each report replacing the last" in text
