"""The characters no member-written text may carry into a reader's view: what the fields refuse at
input (events/fields.py) and the CLI shows escaped at output (node/terminal_text.py). A module of its
own, loading only `re`, so that every command's start can use it without the event layers."""
from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls (terminal escapes), and bidirectional
# overrides that can make a text display as something else than it says.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
