"""The README's paragraph on `solnet passphrase` says what the command does to a running node's
dashboard sessions: it ends them (tests/integration/test_log_out_everywhere.py runs it). Until
2026-12-06 the paragraph still said to restart the node to end them, beside the command table's
"the running node's dashboard sessions end": a newcomer who changed a passphrase seen typed then
restarted a node in the middle of a raid for nothing, or believed the command left a copied
session cookie open."""
from __future__ import annotations

from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_says_a_new_passphrase_ends_the_running_nodes_sessions() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    start = text.index("`solnet passphrase` changes it")
    paragraph = text[start:text.index("### Backups", start)]
    assert "restart it to end" not in paragraph, paragraph
    assert "ends the dashboard sessions opened before" in paragraph, paragraph
