"""The pinned chains of frozen devices as far as the events kept out of the log follow them: a
kept fact of the store (node/store/trust.py `pinned_chain`), so that each event of a flood that
must give way (`keep_forked`) costs a set lookup, not a walk of up to 2,000 links (24 ms an event)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Link = tuple[int, bytes | None]  # (seq, prev) of a kept event
PINNED_CHAINS = "pinned_chains"  # the kept fact of PinnedChains


def follow(cur: bytes | None, at: int, fork_at: int, link: Callable[[bytes], Link | None],
           ) -> tuple[list[bytes], tuple[bytes, int] | None]:
    """The ids of a chain from `cur` (its seq `at`) down to `fork_at`, each then the prev of one
    `link` finds at the seq below; and (id, seq) of the last one if the walk stopped there only
    because `link` knows nothing of it yet (it may come), else None (the chain ended: the fork point
    reached, or an event there at another seq, which an id, the hash of the signed event, keeps)."""
    ids: list[bytes] = []
    while at >= fork_at and cur is not None:
        ids.append(cur)
        found = link(cur)
        if found is None:
            return ids, (cur, at)
        if found[0] != at:
            return ids, None
        cur, at = found[1], at - 1
    return ids, None


@dataclass(frozen=True)
class Walk:
    """A device's pinned chain (`pin`, the seq after it, the fork point) as far as followed."""

    start: tuple[bytes, int, int]  # (pin, until, fork point): another one is another walk
    ids: frozenset[bytes]
    open_end: tuple[bytes, int] | None  # (id, seq) whose kept link was missing (`follow`)


class PinnedChains:
    """device -> its Walk through what the store keeps out of the log, kept as a fact of the write
    transaction (`StoreBase._kept`: dropped at a rollback and when another connection wrote). Read
    again only at its open end (one lookup, while the chain is not whole), and walked again only
    when a row it went through may have gone (`lost`)."""

    def __init__(self) -> None:
        self._walks: dict[bytes, Walk] = {}

    def walk(self, device: bytes, start: tuple[bytes, int, int], link: Callable[[bytes], Link | None]) -> Walk:
        """The device's walk from `start` through `link`, taken on from where it stopped."""
        known = self._walks.get(device)
        if known is None or known.start != start:
            ids, open_end = follow(start[0], start[1] - 1, start[2], link)
            known = self._walks[device] = Walk(start, frozenset(ids), open_end)
        elif known.open_end is not None:
            more, open_end = follow(*known.open_end, start[2], link)  # (one lookup while its link is missing)
            if open_end != known.open_end:
                known = self._walks[device] = Walk(start, known.ids | frozenset(more), open_end)
        return known

    def lost(self, event_id: bytes, device: bytes | None = None) -> None:
        """A kept event went (`device`'s, if known): a walk that went through it is taken again."""
        for who in [device] if device is not None else list(self._walks):
            known = self._walks.get(who)
            if known is not None and event_id in known.ids:
                del self._walks[who]

    def drop(self, device: bytes) -> None:
        """Some of `device`'s kept events went: its walk is taken again."""
        self._walks.pop(device, None)
