"""Names that a reader could take for one another: two groups called alike are told apart.

A group names itself in its profile, and any member may invite a new group: an infiltrator can
bring in a group called "Calais Coordination" (or "CaIais" with a capital I, a Cyrillic "а", a
zero-width space) and post alerts, needs or a place to meet under a name people trust, or be
picked as the recipient of a sealed support request meant for the real one. Names are not unique
by any rule of the network (a rule that the first to take a name keeps it would depend on the
order in which profiles arrive), so instead every name that looks like another group's is shown
with the group's short id, on every node alike: which names look alike depends only on the set of
current profiles.

Two names look alike when one of their `looks` is the same: the name's skeleton (Unicode's UTS #39:
each character replaced by the one it looks like, events/confusables.py), in lower case, accents,
spaces and punctuation dropped, taken both before and after lower-casing (an "I" looks like an
"l", an "i" does not), and the same for the name cut before its first bracket, so that a name that
copies another's shown form ("Calais (3fa2c1d0a1b2…)") looks like that name too. A group without
a profile is shown as "group 3fa2c1d0a1b2…": a name that reads like that form (`mimics_unnamed`)
could pass for such a group, so it is told apart the same way. Pure.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Mapping
from functools import lru_cache
from typing import TypeVar

from crypto.short_ids import SHORT_ID_HEX

K = TypeVar("K", bound=Hashable)
_BRACKET = re.compile(r"[(\[{<]")
MAX_LISTED = 16  # other groups listed beside one whose name looks like theirs
MIN_ID_DIGITS = 4  # hex digits after "group" that make a name read as an unnamed group's id


@lru_cache(maxsize=4096)
def looks(name: str) -> frozenset[str]:
    """The forms under which `name` could be read: two names look alike when they share one. Empty
    for a name of no letters or digits (nothing for a reader to recognise)."""
    forms = {_plain(_skeleton(name.casefold())), _plain(_skeleton(name))}
    cut = _BRACKET.split(name, 1)[0]
    if cut != name:
        forms |= {_plain(_skeleton(cut.casefold())), _plain(_skeleton(cut))}
    forms.discard("")
    return frozenset(forms)


def look_alikes(names: Mapping[K, str]) -> dict[K, list[K]]:
    """For each key whose name looks like another key's name, those others (in the mapping's order,
    at most MAX_LISTED of them); keys whose names look like no other are left out. Bounded: an
    infiltrator admitting a thousand made-up groups all called "Calais" costs a thousand times
    MAX_LISTED steps, not a million."""
    holders: dict[str, list[K]] = {}
    for key, name in names.items():
        for form in looks(name):
            holders.setdefault(form, []).append(key)
    alike: dict[K, dict[K, None]] = {}
    for keys in holders.values():
        if len(keys) > 1:
            for key in keys:
                listed = alike.setdefault(key, {})
                if len(listed) < MAX_LISTED:
                    listed.update((other, None) for other in keys[:MAX_LISTED + 1] if other != key)
    order = {key: i for i, key in enumerate(names)}
    return {key: sorted(others, key=order.__getitem__)[:MAX_LISTED]
            for key, others in sorted(alike.items(), key=lambda kv: order[kv[0]])}


def mimics_unnamed(name: str) -> bool:
    """Whether `name` reads like the way a group without a profile is shown ("group" or "groupe"
    and the start of its id in hex) or like a short id alone, under any of its `looks`."""
    pattern = _unnamed_pattern()
    return any(pattern.fullmatch(form) for form in looks(name))


@lru_cache(maxsize=1)
def _unnamed_pattern() -> re.Pattern[str]:
    digits = "".join(sorted({_plain(_skeleton(c)) for c in "0123456789abcdefABCDEF"}))
    word = "|".join(sorted({_plain(_skeleton(w)) for w in ("group", "groupe", "GROUP", "GROUPE")}))
    return re.compile(f"(?:(?:{word})[{digits}]{{{MIN_ID_DIGITS},}}|[{digits}]{{{SHORT_ID_HEX},}})")


def _skeleton(text: str) -> str:
    """UTS #39's skeleton: decomposed, each character replaced by its prototype, decomposed again."""
    from events.confusables import PROTOTYPES  # 6,000 entries: loaded when a name is first compared

    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).translate(PROTOTYPES))


def _plain(text: str) -> str:
    """Lower case, without accents (combining marks), spaces, punctuation or invisible characters."""
    return "".join(c for c in text.casefold() if c.isalnum() and not unicodedata.category(c).startswith("M"))
