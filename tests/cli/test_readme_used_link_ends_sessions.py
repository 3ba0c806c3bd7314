"""The README's "A second coordinator on the dashboard": a login link found already used means someone
else is logged in with it. It said to stop the node and start it again to end every session, though
`solnet end-sessions` does that while the node keeps running (tests/integration/test_log_out_everywhere.py
runs it): a coordinator who followed it took the node off the network, alerts included, to log one
browser out. It names the command now."""
from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_ends_the_sessions_of_a_used_link_with_end_sessions_not_a_restart() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.index("**A second coordinator on the dashboard.**")
    paragraph = text[start:text.index("A coordinator who should also sign", start)]
    assert "run `solnet end-sessions` on the node's machine, which ends every dashboard session at once" in paragraph
    assert "stop the node and start it again, which ends" not in paragraph, paragraph


def test_the_readme_says_end_sessions_deletes_the_unused_login_links_too() -> None:
    """`solnet end-sessions` also deletes every login link not used yet (cmd_end_sessions): a coordinator
    who sent links to others and then ran it, as the README said, found their links dead unawares."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.index("**A second coordinator on the dashboard.**")
    paragraph = text[start:text.index("A coordinator who should also sign", start)]
    assert "and deletes every login link not used yet, those you sent to other coordinators too" in paragraph
