"""For tests of what a terminal shows: the lines where a right-to-left letter stands outside a
closed isolate (U+2068 ... U+2069), where a terminal that lays out bidirectional text would give
its direction to what is around it (node.words.isolated, node/terminal_text.py)."""
from __future__ import annotations

import re
import unicodedata

_ISOLATE = re.compile("\u2068[^\u2066-\u2069]*\u2069")


def rtl_outside_isolates(printed: str) -> list[str]:
    """The lines of `printed` with a right-to-left letter outside a closed isolate."""
    return [line for line in printed.splitlines()
            if any(unicodedata.bidirectional(c) in ("R", "AL") for c in _ISOLATE.sub("", line))]
