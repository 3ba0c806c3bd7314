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
from bisect import bisect_left
from itertools import accumulate, zip_longest
from typing import Any

from events.trust import GROUP_ROLE, TrustGraph

Parent = Callable[[Any], Any]


def admitter(trust: TrustGraph) -> Parent:
    """Of a group (key), the group above it in the admission tree: the first of the groups of the
    wave before that admitted it (none for a founder, a group the founders admitted, or a key that
    is no group: those head their lineage, as in `TrustGraph.lineages`).

    "First" is by key bytes (events/trust.py `_group_member`), which a member can steer: a mole
    whose group key starts 00 (a few hundred tries) that co-vouches a group admitted by two or more
    becomes its place, and that group's items share the mole's one turn with its made-up groups.
    No choice among the admitters is beyond a mole's reach: the first vouch by (stamp, id) is by
    the signer's word (a mole backdates its vouch), a vouch's seq orders one signer's events only,
    the order events arrived in must not decide (and differs between nodes), and a hash of (group,
    admitter) is ground like a key (the mole makes its key after the group it targets). Placing
    such a group at its admitters' nearest common ancestor would take it out of the mole's reach,
    but would give a mole with a foothold in two branches a turn there for each made-up group the
    two co-vouch. What takes it out of reach today: a group that names the group it joined through
    (`solnet join` does; `solnet accept GROUP_ID` for one that joined before) counts only its
    vouches, so no other member co-vouches it (`solnet accept` without an id names every admitter,
    a mole that co-vouched it too)."""
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


def most_levels(counts: Counter[Hashable], room: int, floor: int) -> dict[Hashable, int]:
    """Of each lineage counted in the first `room` items of a listing, the most `fair_level` could
    give it, however many items it has (each of the others counted as it is: more items of theirs,
    or one more lineage, only lower it)."""
    return {line: fair_level([room if k == line else c for k, c in counts.items()], room, floor)
            for line in counts}


def full_lineages(counts: Counter[Hashable], room: int, floor: int) -> set[Hashable]:
    """Of the lineages counted in the first `room` items of a listing, those whose items there
    already fill all a lineage could be given (`most_levels`): their items that come later in the
    listing can take no place from another lineage (which of them win its turns is another matter:
    `most_turns`)."""
    most = most_levels(counts, room, floor)
    return {line for line, n in counts.items() if n >= most[line]}


def most_turns(known: dict[Any, list[int]], groups: Collection[Any], parent: Parent, cap: int) -> dict[Any, int]:
    """Of each of `groups` (those of one lineage that may have items), the most of its own items the
    lineage's first `cap` turns (`_in_turns`) could hold, whatever its items not yet read. Known of
    each group: its first items, `known[g]` (indices in the items' order; as many or more may follow),
    and a group none of whose items is known has all of them after every known item (the rest of
    a listing whose first rows were read). A group whose bound is no more than what is known of it
    needs no more reading: its items further down win no turn, and without them the turns that
    are won stay as they are (an item taken away that wins no turn moves only those after it).

    Down the tree from `cap`: at each group, of its own items and of each group below it (with its
    subtree), an entry's r-th item comes after each other entry's first r - 1 (as many as are
    known) and after the r-th of each entry whose first item is earlier (if known to have one); an
    entry whose r-th item would come after the group's cap takes fewer, and that is its subtree's
    cap. (More items than known, of any entry, only move the others' later.)"""
    known = {g: known[g] for g in groups if g in known}  # (not another lineage's: its turns are not these)
    above, deepest_first = _tree(list(groups), parent)
    below: dict[Any, list[Any]] = defaultdict(list)
    for g, up in above.items():
        below[up].append(g)
    size: dict[Any, int] = {}
    first: dict[Any, int | None] = {}
    for g in deepest_first:
        own = known.get(g, [])
        size[g] = len(own) + sum(size[c] for c in below[g])
        firsts = [i for i in (own[:1] + [first[c] for c in below[g]]) if i is not None]
        first[g] = min(firsts) if firsts else None
    out: dict[Any, int] = {}
    caps: dict[Any, int] = {}

    caps.update(_shares_of_entries([(h, size[h], first[h]) for h in below[None]], cap))
    for g in reversed(deepest_first):  # (a group before those below it)
        own = known.get(g, [])
        got = _shares_of_entries([((g,), len(own), own[0] if own else None),
                     *((c, size[c], first[c]) for c in below[g])], caps[g])
        out[g] = got.pop((g,))
        caps.update(got)
    return {g: out[g] for g in groups}


def _shares_of_entries(entries: list[tuple[Any, int, int | None]], room: int) -> dict[Any, int]:
    """Of each of `entries` (name, items known, index of its first item or None: not known), the most
    of its items among the first `room` of their turns, as `most_turns` says."""
    if room <= 0:
        return {name: 0 for name, _, _ in entries}
    if len(entries) == 1:  # (no other entry's turns come before its own: all of the room; a group
        # with none below it, most of a referral network's, is asked this once a listing)
        return {entries[0][0]: room}
    sizes = sorted(n for _, n, _ in entries)
    by_first = sorted((f, n) for _, n, f in entries if f is not None)
    firsts = [f for f, _ in by_first]
    # reach[k]: of every entry, its first k items (as many as are known), for k while it is below room
    reach, k = [0], 0
    while reach[-1] < room and k < room:
        k += 1
        reach.append(reach[-1] + len(sizes) - bisect_left(sizes, k))
    # ahead[t][i]: of the first i entries by their first items, those known to have a t-th item
    ahead = [list(accumulate((n >= t for _, n in by_first), initial=0)) for t in range(len(reach) + 1)]
    out: dict[Any, int] = {}
    for name, n, first in entries:
        i = len(firsts) if first is None else bisect_left(firsts, first)
        r = 0  # its (r + 1)-th item: after r of its own, each other entry's first r, and the (r + 1)-th
        # of each entry whose first item is earlier
        while r < len(reach) and r + 1 + reach[r] - min(n, r) + ahead[r + 1][i] <= room:
            r += 1
        out[name] = r
    return out


def _in_turns(items: list[int], groups: list[Any], parent: Parent | None, cap: int) -> list[int]:
    """The first `cap` of `items` (indices, in order, of one lineage) in the order of their turns
    down the admission tree. Built from the deepest groups up, without recursion, each group's turns
    cut to `cap` (a chain of made-up groups, each admitting the next, may be thousands deep: its
    whole order, built at each group of the chain, would cost the chain's length times its items)."""
    own: dict[Any, list[int]] = defaultdict(list)
    for i in items:
        own[groups[i]].append(i)
    above, deepest_first = _tree(list(own), parent)
    below: dict[Any, list[Any]] = defaultdict(list)
    for g, up in above.items():
        if up is not None:
            below[up].append(g)
    turns: dict[Any, list[int]] = {}
    for g in deepest_first:
        turns[g] = _interleave([own.get(g, []), *(turns.pop(c) for c in below[g])], cap)
    return _interleave([t for g, t in turns.items() if above[g] is None], cap)


def _tree(keys: list[Any], parent: Parent | None) -> tuple[dict[Any, Any], list[Any]]:
    """The admission tree of `keys` and of the groups above them, up to the lineage's head: the
    group above each (None: a head), and the groups from the deepest up. Without recursion."""
    above: dict[Any, Any] = {}
    depth: dict[Any, int] = {}
    todo = list(keys)
    while todo:  # each group present and those above it, up to the lineage's head
        g = todo.pop()
        if g in above:
            continue
        up = parent(g) if parent is not None else None
        above[g] = up
        if up is not None and up not in above:
            todo.append(up)
    if None in above:  # items of no group (a read model's region summaries): one head
        depth[None] = 0
    for g in above:  # (the walk up ends at a head: admitters are of the wave before)
        chain, k = [], g
        while k is not None and k not in depth:
            chain.append(k)
            k = above[k]
        base = -1 if k is None else depth[k]
        for n, key in enumerate(reversed(chain), start=1):
            depth[key] = base + n
    return above, sorted(above, key=lambda k: -depth[k])


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
