"""Counts and times as people read them in a terminal: '2 events', '2026-12-01 18:00 CET'. The
few helpers that `solnet status` needs, apart from node/render.py so that it loads nothing else."""
from __future__ import annotations

from datetime import datetime


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 event', '0 events', '2 events' (in English only one is singular)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def local_time(ms: int | None) -> str:
    """A time in this machine's time zone, with the zone: '2026-12-01 18:00 CET'."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%Y-%m-%d %H:%M %Z")
