"""A closed support request said "taken by London since 09:17; ...; closed 09:17" in `view support`
and `show`, as if London still held it: a closed one says who took it "from" when, an open one
"since"."""
from __future__ import annotations

from node.render import request_steps_text

LONDON = bytes(32 * [7])


def _item(status: str) -> dict:
    return {"status": status, "taken": [{"group": LONDON, "group_name": "London", "since": 1_800_000_000_000}],
            "closed_at": 1_800_000_600_000 if status == "closed" else None, "outcome": "resolved"}


def test_a_closed_request_was_taken_from_then_an_open_one_since() -> None:
    closed, taken = request_steps_text(_item("closed")), request_steps_text(_item("claimed"))
    assert closed.startswith("taken by London from ") and "since" not in closed and "; closed " in closed, closed
    assert taken.startswith("taken by London since "), taken
