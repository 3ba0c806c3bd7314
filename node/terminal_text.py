"""What the CLI writes reaches the reader's terminal as text only: control characters are shown.

Why. Members write much of what `solnet ls`, `show` and `view` print, and a sealed support
request's private details are checked by nobody before they are opened (the public fields refuse
controls at input: events.fields.CONTROL_RE). Printed raw, an ESC sequence, a BEL, a C1 control or
a carriage return retitled the reader's window, cleared the screen, coloured text or wrote a line
over another, a false "readable by ... only" among them (until 2026-12-06); a bidirectional override
shows a text as something else than it says; a direction mark turns a line, a separator breaks one.

How. The CLI's output streams are wrapped once (`shown_as_text`, cli.main): every such character but
newline and tab is written as its escape, `\\u001b` for ESC. That form is also JSON's own, so the
`--json` output stays valid JSON with the same values (json.dumps already escapes C0 controls; with
ensure_ascii=False it leaves C1 controls, DEL and bidi overrides raw). One exception on stderr: a
carriage return that opens a write is the CLI's own progress line (`solnet sync`), redrawn in place.
"""
from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from events.control_chars import SHOWN_ESCAPED_RE, escaped


# A name set apart by the CLI itself (node.words.isolated): U+2068, text with no control, isolate or
# override, U+2069, on one line. Closed so, it sets apart what it holds and nothing after it.
_ISOLATED = re.compile("\u2068[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*\u2069")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab (and every bidi override, isolate and
    direction mark, and the line and paragraph separators) escaped, but the two marks of a closed isolate of plain text (`_ISOLATED`): a right-to-left
    group name, set apart, which a terminal that lays out bidirectional text needs."""
    # every C0 control but tab and newline (carriage return too), DEL, C1, bidi overrides, direction
    # marks and line separators (events.control_chars.SHOWN_ESCAPED_RE)
    kept = {i for m in _ISOLATED.finditer(text) for i in (m.start(), m.end() - 1)} if "\u2068" in text else ()
    return SHOWN_ESCAPED_RE.sub(lambda m: m.group() if m.start() in kept else escaped(m.group()), text)


class VisibleWriter:
    """A text stream whose writes go through `visible` to `stream` (everything else is the stream's)."""

    def __init__(self, stream: TextIO, *, progress: bool = False) -> None:
        self._stream = stream
        self._progress = progress  # a leading carriage return is kept (a progress line redrawn)

    def write(self, text: str) -> int:
        if self._progress and text.startswith("\r"):
            self._stream.write("\r" + visible(text[1:]))
        else:
            self._stream.write(visible(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def shown_as_text() -> Iterator[None]:
    """sys.stdout and sys.stderr wrapped by `VisibleWriter` while the block runs (then as they were)."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleWriter(out), VisibleWriter(err, progress=True)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
