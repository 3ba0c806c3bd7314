"""`solnet status` sets apart (U+2068 ... U+2069) a group's name with right-to-left letters where it
names a revoked group, the group that revoked it and the groups named like this one: "group بب
(1a2b3c4d5e6f…) revoked from seq 1 by Calais" had the short id's digits drawn across the name in a
terminal that lays out bidirectional text, as `view`, `ls`, `show` and `peers` no longer do."""
from __future__ import annotations

from bidi_lines import rtl_outside_isolates
from node.status_text import status_text
from node.words import named_like_us
from test_no_silent_effects import _sync

RTL = "بب"


def test_status_sets_apart_a_revoked_groups_right_to_left_name(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", RTL, "--region", "bristol")
    _sync(cli, b, a, tmp_path)
    cli.run(a, "revoke", network.group_b, "--from-seq", "50", "--reason", "infiltrator")  # its name stays its latest
    said = cli.run(a, "status").stdout
    assert f"group \u2068{RTL}\u2069 (" in said, said
    assert not rtl_outside_isolates(said), said


def test_the_warning_of_a_group_named_like_ours_sets_names_apart() -> None:
    said = named_like_us([{"name": RTL, "admitted_by": "ب"}])
    assert f"\u2068{RTL}\u2069 (let in by \u2068ب\u2069)" in said, said
    assert not rtl_outside_isolates(said), said
