"""The characters no member-written text may carry into a reader's view: what the fields refuse at
input (events/fields.py) and the CLI shows escaped at output (node/terminal_text.py); and what is no
text at all (bytes that are not UTF-8, which Python hands over as surrogates). A module of its own,
loading only `re`, so that every command's start can use it without the event layers."""
from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (terminal escapes), and bidirectional
# overrides that can make a text display as something else than it says.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
CONTROL_RE = re.compile(f"[{_CONTROL}]")

# What a terminal is given as escapes (node/terminal_text.py): CONTROL_RE's characters, and the marks
# a field accepts (a format decision, 2026-12: refusing them now would make stored events invalid)
# but that turn or break a line where they are shown: U+200E/U+200F and U+061C, which a reader's
# rule for a line's direction takes as its first letter (a right-to-left mark first turned a line
# of `solnet ls`) and beside which digits move, and U+2028/U+2029, which end a line or a paragraph
# (and so the isolate that sets a name apart) where a terminal or a program that reads the output
# lays out text by Unicode's rules.
SHOWN_ESCAPED_RE = re.compile(f"[{_CONTROL}\u061c\u200e\u200f\u2028\u2029]")


def escaped(char: str) -> str:
    """`char` as the terminal is given it where it must not act (`\\u200f`: node/terminal_text.py)."""
    return f"\\u{ord(char):04x}"


def not_text(value: str) -> bool:
    """Whether `value` holds what UTF-8 cannot encode: surrogates, from bytes that were not UTF-8 (an
    argument, a line of standard input); no field and no file name solnet writes can hold them."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
