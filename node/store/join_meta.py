"""A `solnet join` under way, as the database records it (node/membership.py writes it).

While a join runs, its meta row holds {"was_in": ..., "rejoin": ...}: the network the home was in
before and, once decided, whether it joins again a network it was in. Once the join finished, {}.
A home whose join was cut short (the command killed, a power cut) is used by no command but
`join` again, which goes on where it stopped: its device may not be certified yet, its peers not
kept, and a node run on it said nothing of either. Founding a network (`init --new-network`)
writes {"founding": true} first: cut short, it is founded again by the same command (nothing of it
can have left the machine), where the home was left in a network with no certified device.
"""
from __future__ import annotations

JOIN_META = "join_under_way"
JOIN_CUT_SHORT = ("the join of this home was cut short (the command killed, a power cut) before it finished: "
                  "run the same `solnet join FILE` again, with the invite file; it goes on where it stopped "
                  "and signs nothing twice. Then start the node")


FOUNDING = b'{"founding": true}'
FOUNDING_CUT_SHORT = ("founding this network was cut short (the command killed, a power cut) before it finished; "
                      "nothing of it left this machine: run `solnet init --new-network` again on this home, with "
                      "the same --group and --region")


def join_cut_short(raw: bytes | None) -> bool:
    """Whether the JOIN_META row's value says a join or a founding began here and did not finish."""
    return raw is not None and raw != b"{}"


def cut_short_advice(raw: bytes | None) -> str | None:
    """What to do about a join or founding the JOIN_META row's value says was cut short (None: none was)."""
    if not join_cut_short(raw):
        return None
    return FOUNDING_CUT_SHORT if raw == FOUNDING else JOIN_CUT_SHORT
