"""The README's dashboard section says what the overview does with a flood of live alerts (folded
beyond a lineage's share of the banner's room: node/alert_banner.py), what a screen reader hears of
it, and the warnings and banner the admin's pages give. It said none of them: a coordinator who met
"25 more live alerts, from ..." at the banner's foot could not tell whether those alerts were doubted,
hidden or dropped."""
from __future__ import annotations

from pathlib import Path

from node.alert_banner import ROOM

README = Path(__file__).resolve().parents[2] / "README.md"


def dashboard_section() -> str:
    text = " ".join(README.read_text(encoding="utf-8").split())
    return text[text.index("## The dashboard"):text.index("## Privacy, revocation and seizure")]


def test_the_readme_says_how_the_banner_folds_a_flood_and_what_a_screen_reader_hears() -> None:
    said = dashboard_section()
    assert f"with more than {ROOM} live, the banner's room is shared" in said, said[:600]
    assert "folded behind one line saying how many and from which groups" in said
    assert "folded in a flood are said, notified and listed in the fold's one line" in said


def test_the_readme_names_the_warnings_after_publishing_and_the_cut_off_banner() -> None:
    said = dashboard_section()
    assert "a delivery recorded twice" in said and "moves an action into the past" in said
    assert "Every page of the admin's says so at its top when the node is cut off" in said
