"""`solnet ls` and `solnet show` set apart (U+2068 ... U+2069) every text a member wrote that has
right-to-left letters, and `ls` every group name: a right-to-left title's direction ran over what
followed it in a terminal that lays out bidirectional text (the digits after it drawn across it, on
the poster's side), and in `ls` a right-to-left group name pulled the digits of the short id after
it across it. An event for chosen groups, read here, is set apart the same way."""
from __future__ import annotations

from bidi_lines import rtl_outside_isolates
from test_no_silent_effects import _sync

RTL = "مسيرة"


def test_ls_and_show_set_apart_right_to_left_texts_and_names(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", "بب", "--region", "bristol")
    need = cli.publish(b, "need", "--category", "tents", "--quantity", "20", "--region", "calais", "--notes", f"{RTL} 12")
    _sync(cli, b, a, tmp_path)
    action = cli.publish(a, "action", "--title", f"{RTL} 3", "--region", "calais", "--type", "protest",
                         "--starts-at", "2030-01-01T10:00Z", "--place", RTL)
    fund = cli.publish(a, "fundraiser", "--title", f"{RTL} 7", "--goal", "1000", "--currency", "EUR",
                       "--region", "calais", "--to", "بب")
    listed = cli.run(a, "ls").stdout
    assert listed.count(RTL) >= 3, listed
    assert not rtl_outside_isolates(listed), listed
    for event in (need, action, fund):
        shown = cli.run(a, "show", event).stdout
        assert RTL in shown, shown
        assert not rtl_outside_isolates(shown), shown
