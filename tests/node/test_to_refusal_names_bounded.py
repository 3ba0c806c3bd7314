"""A `--to` refusal for a name no group has lists the groups' names (node/audience.py
`_known_names`): sorted by the names themselves, where the marks that set a right-to-left name
apart had sorted it after every other script's, and bounded, where a network of many groups (a mole
naming one group after another) made the refusal as long as all their names. Real stores."""
from __future__ import annotations

from pathlib import Path

import pytest

from node.audience import KNOWN_NAMED, AudienceError, resolve_groups
from node_fixtures import Net

RTL, DEVANAGARI = "بيت", "दिल्ली"


def _home_with_groups(net: Net, tmp_path: Path, names: list[str]):
    return net.log_with_groups(tmp_path / "calais.db", names)[0]


def _refusal(log) -> str:
    with pytest.raises(AudienceError, match="no group called 'Nowhere'") as caught:
        resolve_groups(log, ["Nowhere"])
    return str(caught.value)


def test_the_names_a_refusal_lists_sort_by_the_names_not_the_marks(net: Net, tmp_path: Path) -> None:
    said = _refusal(_home_with_groups(net, tmp_path, [DEVANAGARI, RTL, "Bristol"]))
    assert said.index("Bristol") < said.index(RTL) < said.index(DEVANAGARI), said  # U+0628 before U+0926
    assert f"\u2068{RTL}\u2069" in said, "still set apart"


def test_a_refusal_lists_a_bounded_number_of_names_and_says_how_many_more(net: Net, tmp_path: Path) -> None:
    names = [f"Group {i:02d}" for i in range(KNOWN_NAMED + 5)]
    said = _refusal(_home_with_groups(net, tmp_path, names))
    shown = ", ".join(["Calais", *names[:KNOWN_NAMED - 1]])  # (Calais: the founder's group)
    assert f"give a group's name ({shown} and {len(names) + 1 - KNOWN_NAMED} more) or its id" in said, said
