"""CI runs the README's test command, verbatim: what a contributor types is what CI checks.

`.ci/run` installs Debian packages and sets CI-only variables first, then ends with the command the
README gives under "Set up and run the tests"; how the suite runs (two worker processes, the
timeout per test) lives in pyproject.toml's addopts, read by both alike.
"""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"```bash\n(.*?)```", re.S)


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [block.strip() for block in FENCE.findall(readme) if "pytest" in block and "pip install" in block]
    assert len(commands) == 1, f"expected one set-up-and-test block in the README, found {commands}"
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert ci_lines[-1] == commands[0], f".ci/run ends with {ci_lines[-1]!r}, the README says {commands[0]!r}"
