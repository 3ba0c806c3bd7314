"""A defect met while the node's local channel publishes for a command (node/net/admin_requests.py)
is logged by its class and where it was raised, never with its message or a traceback's: a
KeyError or ValueError quotes the value it met (a case's private details, a place sealed for chosen
groups), and the node's log is its service's journal, which a wipe does not reach. It was logged
with `log.exception`, the message and all."""
from __future__ import annotations

import asyncio
import logging

SECRET = "Ahmed K., born 2001, sleeps at the Rue des Garennes squat"
PLACE = "behind the Leclerc car park"


async def test_a_failing_request_with_private_details_leaves_no_value_in_the_log(api, caplog, monkeypatch) -> None:
    from node.net import admin_requests

    async def broken_publish(kind: str, texts: dict, **options: object) -> None:  # a defect deep in publishing
        lookup: dict[str, str] = {}
        try:
            lookup[texts["location"]]
        except KeyError:
            raise ValueError(f"cannot seal {options['private']!r}")

    monkeypatch.setattr(api.node, "publish", broken_publish)
    request = {"op": "publish", "kind": "action", "offline": True, "private": SECRET,
               "texts": {"title": "Welcome picnic", "location": PLACE}, "to": ["brighton"]}

    async def say(message: dict) -> None:
        pass

    with caplog.at_level(logging.DEBUG):
        answer = await asyncio.wait_for(admin_requests.serve(api.node, request, say, lambda: False), timeout=10)
    assert answer["error"]["exit_code"] == 1 and "log says why" in answer["error"]["message"], answer
    assert SECRET not in str(answer) and PLACE not in str(answer)
    [line] = [r for r in caplog.records if r.name.endswith("admin_requests")]
    written = logging.Formatter("%(levelname)s %(message)s").format(line)  # as the node's log writes it, traceback too
    assert "ValueError" in written and "broken_publish" in written and "KeyError" in written, written
    for value in (SECRET, PLACE, "Ahmed", "Leclerc"):
        assert value not in written, written
    assert line.exc_info is None and line.exc_text is None

