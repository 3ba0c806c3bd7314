"""`solnet peers` sets apart (U+2068 ... U+2069) a group's or a device's name with right-to-left
letters, as `view`, `ls` and `show` do: a peer's line starts with its group's name, and a terminal
that lays out bidirectional text turned the whole line right to left (its address and state read
first); a blocked group's name pulled the digits of its id after it across it."""
from __future__ import annotations

from bidi_lines import rtl_outside_isolates
from node.status_text import peer_line
from test_no_silent_effects import _sync

RTL = "بب"


def test_peers_sets_apart_a_blocked_groups_right_to_left_name(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", RTL, "--region", "bristol")
    _sync(cli, b, a, tmp_path)
    cli.run(a, "peers", "block", network.group_b)
    listed = cli.run(a, "peers").stdout
    assert f"blocked: \u2068{RTL}\u2069 (" in listed, listed
    assert not rtl_outside_isolates(listed), listed


def test_a_linked_peers_line_sets_its_names_apart() -> None:
    line = peer_line({"name": RTL, "device_name": "ب", "address": "127.0.0.1:7700", "source": "config",
                      "connected": True, "direction": "outbound", "behind": 3, "ahead": 0, "label": "peer-1a2b"})
    assert line.startswith(f"\u2068{RTL}\u2069 · \u2068ب\u2069 "), line
    assert not rtl_outside_isolates(line), line
