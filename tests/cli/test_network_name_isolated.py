"""`solnet init` and `solnet status` set apart a network's name with right-to-left letters: by
default "GROUP network", the founding group's own name in it, and "in the network 'مجموعة network'
(1a2b3c4d5e6f…)" had the short id's digits drawn across the name in a terminal that lays out
bidirectional text, as `view`, `ls`, `show` and `peers` no longer do (until 2026-12-07)."""
from __future__ import annotations

from bidi_lines import rtl_outside_isolates

RTL = "مجموعة"


def test_status_and_init_set_apart_a_right_to_left_network_name(cli, tmp_path) -> None:
    home = tmp_path / "A"
    founded = cli.run(home, "init", "--group", RTL, "--region", "calais", "--new-network").stdout
    said = cli.run(home, "status").stdout
    assert f"{RTL} network" in said, said
    assert not rtl_outside_isolates(said), said
    assert not rtl_outside_isolates(founded), founded


def test_join_sets_apart_the_network_and_the_group_it_joined_through(cli, tmp_path) -> None:
    """"It names مجموعة (1a2b3c4d5e6f…) as the group it joined through": the inviter's name too."""
    a, b = tmp_path / "A", tmp_path / "B"
    cli.run(a, "init", "--group", RTL, "--region", "calais", "--new-network")
    prepared = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")
    cli.run(a, "invite", prepared["group_id"], "--out", tmp_path / "token")
    joined = cli.run(b, "join", tmp_path / "token").stdout
    assert f"{RTL} network" in joined, joined
    assert not rtl_outside_isolates(joined), joined
