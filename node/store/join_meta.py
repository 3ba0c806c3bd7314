"""A `solnet join` under way, as the database records it (node/membership.py writes it).

While a join runs, its meta row holds {"was_in": ..., "rejoin": ...}: the network the home was in
before and, once decided, whether it joins again a network it was in. Once the join finished, {}.
A home whose join was cut short (the command killed, a power cut) is used by no command but
`join` again, which goes on where it stopped: its device may not be certified yet, its peers not
kept, and a node run on it said nothing of either.
"""
from __future__ import annotations

JOIN_META = "join_under_way"
JOIN_CUT_SHORT = ("the join of this home was cut short (the command killed, a power cut) before it finished: "
                  "run the same `solnet join FILE` again, with the invite file; it goes on where it stopped "
                  "and signs nothing twice. Then start the node")


def join_cut_short(raw: bytes | None) -> bool:
    """Whether the JOIN_META row's value says a join began here and did not finish."""
    return raw is not None and raw != b"{}"
