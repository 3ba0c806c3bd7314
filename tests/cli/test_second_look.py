"""How often `publish` and `redact` look for a node on their home (cli.py signed_here_or_by_node):
again after opening the log and on a refusal as not caught up, when none was there (a `solnet run`
begun with the command may have been still loading); never again once one was there and did not
answer (its channel is off: it was waited for once, up to a minute)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

import cli
from events.errors import InvalidEvent
from node.chain_gate import NOT_CAUGHT_UP

REQUEST = {"op": "publish"}


def looks(monkeypatch: pytest.MonkeyPatch, states: list[str | None], answers: list[dict | None]) -> list[str | None]:
    """cli.ask_node played: each call sees the next state and gives the next answer; the states seen."""
    seen: list[str | None] = []

    def ask_node(home, request, looked=None):
        seen.append(states[len(seen)])
        if looked is not None:
            looked(seen[-1])
        return answers[len(seen) - 1]

    monkeypatch.setattr(cli, "ask_node", ask_node)
    return seen


def refused(log) -> dict:
    raise InvalidEvent(NOT_CAUGHT_UP, "this home was restored from a backup ... Start the node")


HOME = SimpleNamespace(log=lambda: "log")
DONE = {"ok": {"id": "ab" * 32, "seq": 8}}


def test_a_node_found_on_the_second_look_takes_the_event(monkeypatch) -> None:
    seen = looks(monkeypatch, [None, "starting"], [None, DONE])
    assert cli.signed_here_or_by_node(HOME, REQUEST, refused) == (DONE["ok"], True)
    assert seen == [None, "starting"]


def test_a_node_found_only_when_the_home_refuses_takes_the_event(monkeypatch) -> None:
    seen = looks(monkeypatch, [None, None, "starting"], [None, None, DONE])
    assert cli.signed_here_or_by_node(HOME, REQUEST, refused) == (DONE["ok"], True)
    assert len(seen) == 3


def test_with_no_node_the_refusal_stands(monkeypatch) -> None:
    seen = looks(monkeypatch, [None] * 5, [None] * 5)
    with pytest.raises(InvalidEvent, match="Start the node"):
        cli.signed_here_or_by_node(HOME, REQUEST, refused)
    assert len(seen) == 3
    assert cli.signed_here_or_by_node(HOME, REQUEST, lambda log: {"id": log}) == ({"id": "log"}, False)
    assert len(seen) == 5, "signed here: looked for a node twice, before and after opening the log"


def test_a_node_whose_channel_is_off_is_waited_for_once(monkeypatch) -> None:
    seen = looks(monkeypatch, ["running"] * 3, [None] * 3)
    with pytest.raises(InvalidEvent):
        cli.signed_here_or_by_node(HOME, REQUEST, refused)
    assert seen == ["running"]


def test_a_command_that_must_sign_by_itself_asks_no_node(monkeypatch) -> None:
    seen = looks(monkeypatch, [], [])
    assert cli.signed_here_or_by_node(HOME, None, lambda log: {"id": "x"}) == ({"id": "x"}, False)
    assert seen == []
