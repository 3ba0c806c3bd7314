"""How the node's log (stderr: a service's journal, kept past any wipe) writes a failure: by its
class and where it was raised, never with an exception's message. A KeyError or ValueError quotes
the value it met (a case's private details, a place sealed for chosen groups, an event's field), so
a traceback as Python writes it could put event content into the journal, which the README says
holds none. `log.exception(...)` anywhere in the node writes its frames through this formatter.
"""
from __future__ import annotations

import logging
import os
import traceback
from types import TracebackType
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(message)s"
MOST_FRAMES = 8


def frames_of(exc: BaseException, most: int = MOST_FRAMES, chained: int = 3) -> str:
    """Where `exc` was raised, innermost last, as file:line in function (at most `most` frames), and
    where the exception it was handling was (its class and frames, `chained` deep at most): enough to
    find a defect, with nothing of a value it met (no message, no locals)."""
    frames = traceback.extract_tb(exc.__traceback__)[-most:]
    where = " > ".join(f"{os.path.basename(f.filename)}:{f.lineno} in {f.name}" for f in frames) or "?"
    cause = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if cause is None or chained <= 0:
        return where
    return f"{where}; while handling a {type(cause).__name__} at {frames_of(cause, most, chained - 1)}"


class ValueFreeFormatter(logging.Formatter):
    """A formatter whose tracebacks name each exception's class and frames, never its message.

    asyncio's own reports are cut to their first line: below it, its exception handler writes the
    repr of what it reports on, which quotes values: a task's failure ("Task exception was never
    retrieved") as `exception=KeyError('...')`, the value met; an unclosed peer connection as
    `ConnectionKey(host='...')`, the peer's address."""

    def format(self, record: logging.LogRecord) -> str:
        if record.name == "asyncio":
            first, _, rest = record.getMessage().partition("\n")
            record = logging.makeLogRecord({**record.__dict__, "args": None,
                                            "msg": first + (" (its details are not logged)" if rest else "")})
        return super().format(record)

    def formatException(self, ei: tuple[type[BaseException], BaseException, TracebackType | None]
                        | tuple[None, None, None]) -> str:
        exc = ei[1]
        if exc is None:
            return ""
        return f"{type(exc).__name__} (its message is not logged) at {frames_of(exc)}"


def configure(stream: TextIO, level: int = logging.INFO) -> None:
    """The node's log on `stream`, tracebacks without values (`solnet run`)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ValueFreeFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
