"""The desk adds up lighter items than the lists show (events.readmodels `sums`: a need's or an
offer's figures, a request's status and urgency, not who covered what nor who reads a private
part): the same needs, offers and requests, in the same order, each with the very values the whole
item has, and so the same region summaries. Hypothesis writes histories of several groups (needs
of every urgency, lapsed or not, adjusted, withdrawn, fulfilled from offers, declined; requests
taken, handed back, closed, with a private part read by some groups or by none this node can tell;
groups that left or were revoked; redactions) into a real store; each region's desk parts are read
both ways, in full and cut to a few rows, the urgent pass's too, each way alone and all in one read
transaction with one reader (a page: Held.built shares the items it builds)."""
from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import readmodels
from node import views
from test_order_independence import (_DECLINE, _POST, _REFER, DEVICES, GROUPS, NOW, certified_world, ingest_in,
                                     play_declines)

# A need of any urgency, lapsed or not, in either region (the shared steps post needs of Calais,
# without urgency): what the urgent pass and the lapsed listings choose from.
_NEED = st.tuples(st.just("need"), st.sampled_from(sorted(DEVICES)), st.sampled_from([None, "low", "high"]),
                  st.sampled_from(["calais", "dover"]), st.booleans())
_POSTED = st.tuples(st.just("post"), st.sampled_from(sorted(DEVICES)), st.sampled_from(["offer", "support.request"]))
# What refers to them: adjusted or withdrawn, fulfilled (from an offer or not), taken, handed back, closed
_REPLY = st.tuples(st.just("refer"), st.sampled_from(sorted(DEVICES)),
                   st.sampled_from(["need.update", "offer.update", "need.fulfil", "support.claim", "support.close"]),
                   st.integers(0, 4), st.integers(0, 3))
# A group revoked by the founder, or leaving (revoking itself): its items are gone from the desk.
_GONE = st.tuples(st.just("revoke"), st.sampled_from(["F", "self"]), st.sampled_from(GROUPS[1:]), st.integers(1, 6))
# A request with a private part: who reads it decides whether a claim takes it (the test's `readers`)
_PRIVATE = st.tuples(st.just("private"), st.sampled_from(sorted(DEVICES)), st.sampled_from(["low", "high"]),
                     st.sampled_from(["calais", "dover"]))
STEPS = st.one_of(_NEED, _NEED, _POSTED, _POSTED, _POST, _PRIVATE, _PRIVATE, _REPLY, _REPLY, _REPLY, _REFER, _DECLINE,
                  st.tuples(st.just("redact"), st.sampled_from(sorted(DEVICES)), st.integers(0, 5)))


def _play(world, steps: list[tuple]) -> None:
    for step in steps:
        if step[0] == "need":
            _, dev, urgency, region, lapsed = step
            fields = {"category": "tents", "quantity": 1 + len(world.events) % 7, "region": region,
                      "until": NOW + (-3_600_000 if lapsed else 86_400_000), **({"urgency": urgency} if urgency else {})}
            world.events.append(world.authors[dev].sign("need", fields, ts=NOW - 50_000 + len(world.events)))
        elif step[0] == "private":
            _, dev, urgency, region = step
            fields = {"region": region, "type": "legal", "people": "1", "urgency": urgency, "sealed": b"case"}
            world.events.append(world.authors[dev].sign("support.request", fields, ts=NOW - 50_000 + len(world.events)))
        elif step[0] == "revoke":
            _, by, group, from_seq = step
            by = group if by == "self" else by
            play_declines(world, [("revoke", by, group, from_seq)])
        else:
            play_declines(world, [step])


def _same(sums: list[dict], whole: list[dict]) -> None:
    """`sums` are `whole` (the same items in the same order), each with the whole item's values."""
    assert [i["id"] for i in sums] == [i["id"] for i in whole]
    for light, full in zip(sums, whole):
        assert light == {k: full.get(k) for k in light}, (light, full)


def _shared_in_one_moment(log, reader_of, region: str, limit: int | None, whole_needs: list[dict],
                          whole_support: list[dict]) -> None:
    """In one read transaction, one reader for all (a page: Held.built keeps the items it builds), the
    desk's sums read after the lists (the overview: a sum is then the whole item built already) and
    before them (the lists then build whole items of rows summed already): the same sums, and every
    list the very one it is alone. A light item in a list, or a whole one missing from a sum, shows here."""
    for desk_first in (False, True):
        with log.store.reading():
            page = reader_of()
            sums = None
            if desk_first:
                sums = (views.needs(page, region, NOW, limit, sums=True),
                        views.support_requests_of(page, region, NOW, limit, sums=True))
            assert [i for i in views.needs(page, region, NOW, limit) if i["region"] == region] == whole_needs
            assert views.support_requests_of(page, region, NOW, limit) == whole_support
            sums = sums or (views.needs(page, region, NOW, limit, sums=True),
                            views.support_requests_of(page, region, NOW, limit, sums=True))
            _same(sums[0], whole_needs)
            _same(sums[1], whole_support)
            if limit is not None:  # the urgent pass, after all of them
                _same(views._needs_alone(page, region, NOW, limit, sums=True, urgent=True),
                      views._needs_alone(reader_of(), region, NOW, limit, urgent=True))
                assert (views._needs_alone(page, region, NOW, limit, urgent=True)
                        == views._needs_alone(reader_of(), region, NOW, limit, urgent=True))


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_desk_sums_the_items_the_lists_show(data, tmp_path_factory) -> None:
    world = certified_world()
    steps = data.draw(st.lists(STEPS, min_size=10, max_size=45), label="steps")
    at = data.draw(st.integers(0, len(steps)), label="gone after")  # (one group at most: the others' items stay)
    _play(world, steps[:at] + data.draw(st.lists(_GONE, max_size=1), label="gone") + steps[at:])
    log = ingest_in(tmp_path_factory.mktemp("sums") / "db.sqlite", world, world.events, [])
    # Who reads each private part, as a device that reads it tells (Held.readers): of some requests
    # it cannot tell (None), of the others its group and the groups drawn (a claim by another
    # group takes nothing: claimed_unsent)
    sent = {world.pub(g) for g in data.draw(st.sets(st.sampled_from(GROUPS), max_size=2), label="sealed to")}

    def reader_of() -> views.Held:
        return replace(views.reader_of(log), readers=lambda row: frozenset({row.data["group"], *sent})
                       if row.key[-1] % 4 else None)
    try:
        for region in ("calais", "dover"):
            for limit in (None, 3):
                # (outside a read transaction each reader builds its own items: Held.built keeps none)
                whole_needs = [i for i in views.needs(reader_of(), region, NOW, limit) if i["region"] == region]
                sum_needs = views.needs(reader_of(), region, NOW, limit, sums=True)
                _same(sum_needs, whole_needs)
                whole_support = views.support_requests_of(reader_of(), region, NOW, limit)
                sum_support = views.support_requests_of(reader_of(), region, NOW, limit, sums=True)
                _same(sum_support, whole_support)
                if limit is not None:  # the urgent pass's reads
                    _same(views._needs_alone(reader_of(), region, NOW, limit, sums=True, urgent=True),
                          views._needs_alone(reader_of(), region, NOW, limit, urgent=True))
                    _same(views.support_requests_of(reader_of(), region, NOW, limit, sums=True, urgent=True),
                          views.support_requests_of(reader_of(), region, NOW, limit, urgent=True))
                _shared_in_one_moment(log, reader_of, region, limit, whole_needs, whole_support)
                summary = {"capacity": [], "actions": [], "funds": [], "alerts": [], "last_heard": None}
                assert (readmodels.region_summary(region, needs=sum_needs, support=sum_support, **summary)
                        == readmodels.region_summary(region, needs=whole_needs, support=whole_support, **summary))
    finally:
        log.store.close()
