"""What the terminal shows of member texts holding the marks a text field accepts but that turn or
break a line: U+200E/U+200F (left-to-right and right-to-left marks), U+061C (Arabic letter mark),
U+2028/U+2029 (line and paragraph separators). Valid in a field (a format decision, kept), they are
written as their escapes (`\\u200f`), as the other controls are (node/terminal_text.py): first in a
line, a right-to-left mark turned it; beside digits it moved them across the text; a separator
ended the paragraph that a name's isolate (U+2068 ... U+2069) had to close. And the words that
name groups or show what a member wrote set apart right-to-left names: the refusals of `--to`
(node/audience.py AudienceError) listed them raw, and `show`'s private-details lines printed each
line of a sealed request raw."""
from __future__ import annotations

import json
import re

from bidi_lines import rtl_outside_isolates
from node.status_text import peer_line
from test_no_silent_effects import _sync

MARKS = "\u200e\u200f\u061c\u2028\u2029"
RAW_MARK = re.compile(f"[{MARKS}]")
RTL = "بب"


def test_ls_and_show_write_direction_marks_and_separators_as_escapes(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    notes = "\u200f12 tents\u2028for \u061cCalais\u2029now\u200e"
    need = cli.publish(b, "need", "--category", "tents", "--quantity", "20", "--region", "calais", "--notes", notes)
    _sync(cli, b, a, tmp_path)
    for printed in (cli.run(a, "ls").stdout, cli.run(a, "show", need).stdout):
        assert "\\u200f12 tents" in printed and "\\u061cCalais" in printed, printed
        assert not RAW_MARK.search(printed), repr(printed)
    as_json = json.loads(cli.run(a, "show", need, "--json").stdout)
    assert notes in json.dumps(as_json, ensure_ascii=False), "the text itself is kept, as JSON says it"


def test_show_sets_apart_right_to_left_lines_of_private_details(network, cli) -> None:
    details = f"{RTL}: 2 people\nCalais 3\n{RTL}"
    made = cli.run_json(network.a, "publish", "support.request", "--region", "calais", "--type", "housing",
                        "--people", "2", "--urgency", "high", "--private", "-", "--to", "Calais", stdin=details + "\n")
    shown = cli.run(network.a, "show", made["id"]).stdout
    assert shown.count(RTL) == 2 and "\n    Calais 3\n" in shown, shown
    assert not rtl_outside_isolates(shown), shown


def test_to_refusals_set_apart_the_names_they_list(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", RTL, "--region", "bristol")
    _sync(cli, b, a, tmp_path)
    for typed in ("Nowhere", RTL + "ب"):
        refused = cli.run(a, "publish", "need", "--category", "tents", "--quantity", "2", "--region", "calais",
                          "--to", typed, ok=False)
        assert refused.returncode == 1 and "no group called" in refused.stderr, refused.stderr
        assert RTL in refused.stderr and not rtl_outside_isolates(refused.stderr), refused.stderr


def _seen(line: str) -> str:
    """A line as a reader sees its columns: the marks that set a name apart take none."""
    return line.replace("\u2068", "").replace("\u2069", "")


def test_ls_columns_line_up_under_a_right_to_left_group_name(network, cli, tmp_path) -> None:
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", RTL, "--region", "bristol")
    ids = [cli.publish(b, "need", "--category", "tents", "--quantity", "2", "--region", "calais")]
    _sync(cli, b, a, tmp_path)
    ids.append(cli.publish(a, "need", "--category", "tents", "--quantity", "3", "--region", "calais"))
    lines = cli.run(a, "ls").stdout.splitlines()
    at = [_seen(line).index(event[:12]) for event in ids for line in lines if event[:12] in line]
    assert len(at) == 2 and at[0] == at[1], lines


def test_peers_columns_line_up_under_a_right_to_left_group_name() -> None:
    lines = [peer_line({"name": name, "address": "127.0.0.1:7700", "source": "config", "connected": False,
                        "label": "peer-1a2b"}) for name in (RTL, "Calais")]
    assert _seen(lines[0]).index("127.0.0.1") == _seen(lines[1]).index("127.0.0.1") == 21, lines


def test_peers_columns_line_up_under_wide_accented_and_escaped_names() -> None:
    """`padded` counted every other character as one column: a name in Japanese (two columns a letter)
    pushed the address column right by as many letters, one with a combining accent pulled it left by
    one, and one holding a right-to-left mark, written as the six characters of its escape on the
    terminal, pushed it right by five. Each name below fills the 20 columns of its field, then the
    address: what a reader sees of each line (its escapes written: node/terminal_text.visible)."""
    from node.terminal_text import visible

    def seen(name: str) -> str:
        return _seen(visible(peer_line({"name": name, "address": "127.0.0.1:7700", "source": "config",
                                        "connected": False, "label": "peer-1a2b"})))

    assert seen("Calais").startswith("Calais" + " " * 14 + " 127.0.0.1"), seen("Calais")
    assert seen("カレー支援").startswith("カレー支援" + " " * 10 + " 127.0.0.1"), seen("カレー支援")  # 10 columns
    assert seen("Cafe\u0301 Calais").startswith("Cafe\u0301 Calais" + " " * 9 + " 127.0.0.1"), seen("Cafe\u0301 Calais")
    assert seen("\u200fCalais").startswith("\\u200fCalais" + " " * 8 + " 127.0.0.1"), seen("\u200fCalais")
