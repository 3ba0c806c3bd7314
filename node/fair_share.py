"""How a capped list shares its room between the network's groups: one rule for the dashboard's
live-alert banner (node/alert_banner.py) and the capped listings (node/views.py fair_cut).

Any member admits a group with one vouch, and the groups it admits may admit more, so an
infiltrator can post its share of alerts (or needs) from a dozen groups it made up. Two steps, each
a function of the trust graph and of the items' own order (never of the order events arrived in):

- between lineages (events/trust.py `lineages`: the group the founders admitted above a group):
  the room is shared out evenly, a lineage with fewer items leaving the rest to the others
  (`fair_level`), and each lineage's first `floor` come before any lineage's others;
- within a lineage, down the admission tree (`admitter`): at each group, its own items and each
  group it admitted (with all those below that one) take turns, one item each, in the order of
  their first items. The groups one member made up, however they are chained, share that member's
  one turn at the group that admitted it; that group's own alerts and its other, honest groups'
  keep theirs (a mole is usually admitted by an honest group, and shares its lineage).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Hashable
from itertools import zip_longest
from typing import Any

from events.trust import GROUP_ROLE, TrustGraph

Parent = Callable[[Any], Any]


def admitter(trust: TrustGraph) -> Parent:
    """Of a group (key), the group above it in the admission tree: the first of the groups of the
    wave before that admitted it (none for a founder, a group the founders admitted, or a key that
    is no group: those head their lineage, as in `TrustGraph.lineages`)."""
    def parent(group: Any) -> Any:
        m = trust.members.get(group) if isinstance(group, bytes) else None
        if m is None or m.role != GROUP_ROLE or m.wave <= 1 or not m.admitters:
            return None
        return m.admitted_by
    return parent


def fair_level(sizes: Collection[int], room: int, floor: int = 0) -> int:
    """The largest share each of the lineages of `sizes` may take so that, each taking at most
    what it has, the room holds them (at least `floor`: each lineage's first few come first)."""
    ordered = sorted(sizes)
    for i, size in enumerate(ordered):
        share = room // (len(ordered) - i)
        if size > share:
            return max(floor, share)
        room -= size
    return ordered[-1] if ordered else 0


def tiers(groups: list[Any], room: int, floor: int, lineage: Callable[[Any], Hashable],
          parent: Parent | None = None) -> list[int]:
    """Of items (given by their groups, in the items' order), which are chosen first: 0, among its
    lineage's first `floor` (in the lineage's turns); 1, within its lineage's fair share of `room`;
    2, beyond it (left out, or folded). At most `room` are of tier 0 or 1 unless `floor` makes it
    more (each lineage's first few are always chosen first)."""
    lines = [lineage(g) for g in groups]
    of_line: dict[Hashable, list[int]] = defaultdict(list)
    for i, line in enumerate(lines):
        of_line[line].append(i)
    level = fair_level([len(v) for v in of_line.values()], room, floor)
    out = [2] * len(groups)
    for members in of_line.values():
        for rank, i in enumerate(_in_turns(members, groups, parent, level), start=1):
            out[i] = 0 if rank <= min(floor, level) else 1 if rank <= level else 2
    return out


def full_lineages(counts: Counter[Hashable], room: int, floor: int) -> set[Hashable]:
    """Of the lineages counted in the first `room` items of a listing, those whose items there
    already fill all a lineage could be given, however many the others have: their items that come
    later in the listing can win no place (each of the others counted as it is, one more lineage
    only lowers the level)."""
    return {line for line, n in counts.items()
            if n >= fair_level([room if k == line else c for k, c in counts.items()], room, floor)}


def _in_turns(items: list[int], groups: list[Any], parent: Parent | None, cap: int) -> list[int]:
    """The first `cap` of `items` (indices, in order, of one lineage) in the order of their turns
    down the admission tree. Built from the deepest groups up, without recursion, each group's turns
    cut to `cap` (a chain of made-up groups, each admitting the next, may be thousands deep: its
    whole order, built at each group of the chain, would cost the chain's length times its items)."""
    own: dict[Any, list[int]] = defaultdict(list)
    for i in items:
        own[groups[i]].append(i)
    above: dict[Any, Any] = {}
    depth: dict[Any, int] = {}
    todo = list(own)
    while todo:  # each group present and those above it, up to the lineage's head
        g = todo.pop()
        if g in above:
            continue
        up = parent(g) if parent is not None else None
        above[g] = up
        if up is not None and up not in above:
            todo.append(up)
    for g in above:  # (the walk up ends at a head: admitters are of the wave before)
        chain, k = [], g
        while k is not None and k not in depth:
            chain.append(k)
            k = above[k]
        base = -1 if k is None else depth[k]
        for n, key in enumerate(reversed(chain), start=1):
            depth[key] = base + n
    below: dict[Any, list[Any]] = defaultdict(list)
    for g, up in above.items():
        if up is not None:
            below[up].append(g)
    turns: dict[Any, list[int]] = {}
    for g in sorted(above, key=lambda k: -depth[k]):
        turns[g] = _interleave([own.get(g, []), *(turns.pop(c) for c in below[g])], cap)
    return _interleave([t for g, t in turns.items() if above[g] is None], cap)


def _interleave(entries: list[list[int]], cap: int) -> list[int]:
    """The first `cap` of: one of each entry in turn (entries in the order of their first items,
    the first of each being its earliest), then the second of each, and so on."""
    entries = sorted((e for e in entries if e), key=lambda e: e[0])
    if len(entries) == 1:
        return entries[0][:cap]
    out: list[int] = []
    for turn in zip_longest(*entries):
        out += [i for i in turn if i is not None]
        if len(out) >= cap:
            break
    return out[:cap]
