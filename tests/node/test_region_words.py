"""`solnet view regions` says whose places a region's support capacity is: "claimed" is the word for
taking a support request (support.claim), so "all claimed by Brighton" read as "all 3 places are
taken"; the places are offered by that group."""
from __future__ import annotations

from node.render import region_text

BRIGHTON, LEWES = b"\x01" * 32, b"\x02" * 32


def _region(by_group: list[dict]) -> dict:
    return {"region": "brighton", "group_names": ["Brighton"], "last_heard": None, "needs": [], "offers": [],
            "capacity": [{"type": "accompaniment", "capacity": sum(b["capacity"] for b in by_group),
                          "offers": len(by_group), "shared": 0, "from": None, "by_group": by_group}],
            "requests": {"open": 0, "taken": 0, "waiting": 0, "high": 0, "medium": 0, "low": 0},
            "next_action": None, "funds": []}


def test_a_regions_places_are_said_offered_by_their_group_not_claimed():
    text = region_text(_region([{"group": BRIGHTON, "capacity": 3}]), {BRIGHTON: "Brighton"})
    assert "can take: accompaniment 3 places (all offered by Brighton)" in text, text
    assert "claimed" not in text, text
    text = region_text(_region([{"group": BRIGHTON, "capacity": 3}, {"group": LEWES, "capacity": 1}]),
                       {BRIGHTON: "Brighton", LEWES: "Lewes"})
    assert "accompaniment 4 places (offered by Brighton 3, Lewes 1)" in text, text
