"""`solnet show` prints a text that holds line breaks on lines of its own, and a right-to-left one
set apart on each of them: an isolate (U+2068 ... U+2069) cannot span a line break (a terminal
lays each line out on its own), and one opened on a line and closed on the next was printed as the
escapes `\\u2068` and `\\u2069` (node/terminal_text.py keeps only a closed isolate on one line),
an Arabic description of two paragraphs read with them, its letters set apart nowhere (until
2026-12-07)."""
from __future__ import annotations

from bidi_lines import rtl_outside_isolates

RTL = "مسيرة"


def test_show_sets_apart_each_line_of_a_multi_line_right_to_left_text(network, cli) -> None:
    a = network.a
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "20", "--region", "calais",
                       "--notes", f"{RTL} 12\n{RTL} 3\nplain line")
    shown = cli.run(a, "show", need).stdout
    assert shown.count(RTL) == 2 and "plain line" in shown, shown
    assert "\\u206" not in shown, shown  # no isolate mark printed as its escape
    assert not rtl_outside_isolates(shown), shown
