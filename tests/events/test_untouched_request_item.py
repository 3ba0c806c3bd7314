"""A support request nobody took or closed is built at once (readmodels.support_requests' short
way: most requests on a page), the others by the whole walk through their status rows. Both make
the same item: the short way is a second copy of the item's shape, kept for its speed (an A/B of
4,000 requests: 20.8 against 29.7 ms of CPU), and must not drift from it."""
from __future__ import annotations

from test_projections import NOW, Author, apply_all

from events.projections import SUPPORT, SUPPORT_STATUS
from events.readmodels import support_requests


def test_an_untouched_request_is_built_as_the_whole_walk_builds_one() -> None:
    calais, bristol = Author(), Author()
    untouched = calais.event("support.request", {"region": "calais", "type": "housing", "people": "2",
                                                 "urgency": "high"}, ts=NOW - 3_600_000)
    taken = calais.event("support.request", {"region": "calais", "type": "housing", "people": "3-5",
                                             "urgency": "high"}, ts=NOW - 7_200_000)
    claim = bristol.event("support.claim", {"request": taken.id}, ts=NOW - 60_000)
    back = bristol.event("support.close", {"request": taken.id, "outcome": "referred"}, ts=NOW - 30_000)
    tables = apply_all([(calais, untouched), (calais, taken), (bristol, claim), (bristol, back)])
    short, walked = support_requests(tables.table(SUPPORT), tables.table(SUPPORT_STATUS), NOW)
    assert (short["id"], walked["id"]) == (untouched.id, taken.id)
    assert list(short) == list(walked)  # the same fields, in the same order
    # What the walk made of a request handed back is what the short way says of one never taken
    # (but for what tells the two requests apart, and the hand-back)
    apart = {"id", "seq", "people", "ts", "age_hours", "handed_back"}
    assert {k: v for k, v in short.items() if k not in apart} == {k: v for k, v in walked.items() if k not in apart}
    assert short["handed_back"] == [] and [h["group"] for h in walked["handed_back"]] == [bristol.group]
