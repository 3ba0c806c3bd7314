"""`solnet show` sets apart (U+2068 ... U+2069) every group name with right-to-left letters it
prints, not the author's alone: a group called "بب" in "shared with", in a fulfilment's "by" and in
the "now:" line ("taken by بب since ...") turned a terminal's line right to left, the words after
the name read first, as another group's (node.words.isolated; node/terminal_text.py lets such a
closed isolate through)."""
from __future__ import annotations

from test_no_silent_effects import _sync

RTL = "بب"
SET_APART = f"\u2068{RTL}\u2069"


def test_show_sets_apart_every_right_to_left_name(network, cli, tmp_path) -> None:
    a, b = network.a, network.b  # Calais; Bristol, which renames itself with right-to-left letters
    cli.publish(b, "group.profile", "--name", RTL, "--region", "bristol")
    need = cli.publish(b, "need", "--category", "tents", "--quantity", "20", "--region", "calais")
    _sync(cli, b, a, tmp_path)

    shared = cli.publish(a, "need", "--category", "blankets", "--quantity", "5", "--region", "calais", "--to", RTL)
    first = cli.run(a, "show", shared).stdout.splitlines()[0]
    assert first.endswith(f"(shared with Calais and {SET_APART} only)"), first

    offer = cli.publish(a, "offer", "--category", "tents", "--quantity", "8", "--unit", "items", "--region", "calais")
    given = cli.run(a, "show", cli.publish(a, "need.fulfil", "--need", need, "--offer", offer, "--quantity", "5")).stdout
    assert f"  need: 20 × tents, in calais, by {SET_APART}  {need[:12]}…" in given.splitlines(), given

    request = cli.publish(a, "support.request", "--region", "calais", "--type", "accompaniment", "--people", "2",
                          "--urgency", "high")
    _sync(cli, a, b, tmp_path)
    cli.publish(b, "support.claim", "--request", request)
    now = cli.run(b, "show", request).stdout.splitlines()[-1]
    assert now.startswith(f"  now: claimed — taken by {SET_APART} since "), now
    for printed in (first, given, now):  # each name closed, nothing else set apart
        assert printed.count("\u2068") == printed.count("\u2069") == printed.count(RTL), printed
