"""What could cover each open need (`matches`, events.readmodels): offers of the same goods and unit
with some left, the need's own region first, then the largest (then by id). Each need looked through
every offer: `solnet view needs` took 22 s at 8,000 needs and as many offers, and `view regions`
(which keeps none of it) spent two thirds of its time there. The offers are now sorted once and
found by goods."""
from __future__ import annotations

import copy
import random

from events.readmodels import MATCHES_PER_NEED, suggest_offers


def _items(rnd: random.Random, n: int) -> list[dict]:
    return [{"id": rnd.randbytes(4), "side": rnd.choice(("need", "offer")), "category": rnd.choice("abc"),
             "unit": rnd.choice(("items", "kg")), "region": rnd.choice(("calais", "dunkirk", "lille")),
             "remaining": rnd.randint(0, 5), "status": rnd.choice(("open", "open", "lapsed")), "group": b"g"}
            for _ in range(n)]


def _by_the_rule(items: list[dict]) -> dict[bytes, list[bytes]]:
    """Each open need's matches, as the rule says them, the plain way."""
    offers = [o for o in items if o["side"] == "offer" and o["remaining"] > 0 and o["status"] == "open"]
    found = {}
    for need in (i for i in items if i["side"] == "need" and i["status"] == "open"):
        fits = sorted((o for o in offers if (o["category"], o["unit"]) == (need["category"], need["unit"])),
                      key=lambda o: (o["region"] != need["region"], -o["remaining"], o["id"]))
        found[need["id"]] = [o["id"] for o in fits[:MATCHES_PER_NEED]] if need["remaining"] else []
    return found


def test_matches_follow_the_rule_in_any_mix() -> None:
    rnd = random.Random(7)
    for _ in range(300):
        items = _items(rnd, rnd.randint(0, 60))
        got = copy.deepcopy(items)
        suggest_offers(got)
        assert {i["id"]: [m["id"] for m in i["matches"]] for i in got if "matches" in i} == _by_the_rule(items)
        assert all("matches" not in i for i in got if i["side"] == "offer" or i["status"] != "open")


class Counted(dict):
    """An item that counts how often its goods are read."""
    reads = 0

    def __getitem__(self, key):
        if key == "category":
            Counted.reads += 1
        return super().__getitem__(key)


def test_each_offer_is_looked_at_a_bounded_number_of_times_not_once_per_need() -> None:
    rnd = random.Random(8)
    items = [Counted(i, status="open", remaining=rnd.randint(1, 40)) for i in _items(rnd, 1_000)]
    Counted.reads = 0
    suggest_offers(items)
    assert Counted.reads <= 3 * len(items), Counted.reads  # each need against each offer: ~250,000
    assert all(len(i["matches"]) == MATCHES_PER_NEED for i in items if i["side"] == "need")
