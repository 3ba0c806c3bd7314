"""`solnet run` and `solnet demo` go on until Ctrl-C, and exit 0 when it stops them cleanly
(tests/demo/test_demo.py, tests/cli/test_readme.py check it on real processes); the README's
exit-code table said "130 interrupted (Ctrl-C)" for every command, so a script or a person
checking `$?` after stopping the demo read the 0 as contradicting the table."""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_exit_code_table_says_that_run_and_demo_end_with_0_on_ctrl_c() -> None:
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", README.read_text(encoding="utf-8"), re.M))
    interrupted = table["130"]
    assert "interrupted (Ctrl-C) before the command finished" in interrupted, interrupted
    assert "`run` and `demo`" in interrupted and "exit 0 when Ctrl-C stops them" in interrupted, interrupted
