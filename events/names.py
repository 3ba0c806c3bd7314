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
copies another's shown form ("Calais (3fa2c1d0a1b2…)") looks like that name too, and before its
first blank-looking or unseen character (`seen`: a braille blank, a Hangul filler, a zero-width
space), so that "Calais" padded with blanks before the rest looks like "Calais". A group without
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
# Characters that show as a blank of a letter's width but are no space to Python (str.isspace, split):
# the braille blank and the Hangul fillers. "Calais" and a run of them before "(really Mole)" read
# "Calais" wherever a line is cut, and a filler, a letter to str.isalnum, kept the name apart from
# "Calais" in `looks`.
_BLANKS = "\u2800\u3164\u115f\u1160\uffa0"
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt, 15.1): drawn as nothing at all,
# yet each one a character where a line is cut by count. Bidi controls are among them (they reorder
# what follows). Soft hyphen, combining grapheme joiner, Mongolian and Khmer fillers, zero-width
# spaces and joiners, word joiner and invisible operators, variation selectors, BOM, tags.
_IGNORABLE = ("\u00ad\u034f\u061c\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
              "\ufe00-\ufe0f\ufeff\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff")
_UNSEEN = re.compile(f"[{_BLANKS}{_IGNORABLE}]+")
# Kept where one or two stand alone: a zero-width (non-)joiner is written in Persian, Urdu and Indic
# names, and with a variation selector it makes an emoji (U+2764 U+FE0F U+200D U+1F525)
_WRITTEN = frozenset("\u200c\u200d\ufe0e\ufe0f")


def seen(name: str) -> str:
    """`name` as it looks: each run of blank-looking characters one space, and the characters drawn
    as nothing left out (a lone joiner or variation selector aside, which belongs to the writing).
    What is shown of a name (node/references.py) and compared (`looks`)."""
    return _UNSEEN.sub(_seen_run, name) if _UNSEEN.search(name) else name


def _seen_run(run: re.Match[str]) -> str:
    text = run.group()
    if any(c in _BLANKS for c in text):
        return " "
    return text if len(text) <= 2 and all(c in _WRITTEN for c in text) else ""


MAX_LISTED = 16  # other groups listed beside one whose name looks like theirs
MIN_ID_DIGITS = 4  # hex digits after "group" that make a name read as an unnamed group's id


@lru_cache(maxsize=4096)
def looks(name: str) -> frozenset[str]:
    """The forms under which `name` could be read: two names look alike when they share one. Empty
    for a name of no letters or digits (nothing for a reader to recognise)."""
    runs = list(_UNSEEN.finditer(name))
    # (what comes before the first run has nothing unseen in it: it is as it looks)
    padded = name[:runs[0].start()] if any(c not in _WRITTEN for run in runs for c in run.group()) else name
    name = seen(name)
    forms = {_plain(_skeleton(name.casefold())), _plain(_skeleton(name))}
    # Cut before its first bracket, or its first blank-looking or unseen character: "Calais" and
    # blanks before the rest, cut where a line is cut, reads "Calais"
    for cut in {_BRACKET.split(name, 1)[0], padded} - {name}:
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
    and the start of its id in hex) or like a short id alone, under any of its `looks`; or reads as
    nothing at all (no `looks`: braille blanks, fillers, zero-width characters alone), which no
    look-alike can be found for and two of which are one blank to a reader. Either is shown with
    its group's short id (node/references.py)."""
    forms = looks(name)
    pattern = _unnamed_pattern()
    return not forms or any(pattern.fullmatch(form) for form in forms)


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
