"""An action.update that moves an action's start into the past (a year typed wrong: 2025 for
2026) took the action out of every list, with no word: `solnet publish action` warned of a start
in the past, its update did not. Now the API's answer (as `solnet publish`) says so, naming the
redact that puts the action back as it was; the dashboard says it in its languages."""
from __future__ import annotations

from node.dashboard.i18n import Translator
from node.past_action import past_action_warning

ACTION = {"kind": "action", "fields": {"title": "Welcome cafe", "region": "calais", "starts_at": "2030-06-01T11:00Z",
                                        "ends_at": "2030-06-01T14:00Z", "type": "outreach"}}


async def test_a_move_into_the_past_is_published_with_a_warning(api):
    status, body = await api.request("POST", "/api/v1/events", json=ACTION)
    assert status == 201 and body["warnings"] == [], body
    action = body["event"]["id"]
    moved = {"kind": "action.update", "fields": {"action": action, "starts_at": "2020-06-03T11:00Z"}}
    status, body = await api.request("POST", "/api/v1/events", json=moved)
    assert status == 201, body
    [warning] = body["warnings"]
    assert warning.startswith("this update moves the action into the past (2020-06-03 "), warning
    assert f"solnet redact {body['event']['id']}" in warning and "back as it was" in warning, warning
    assert not any(a["id"] == action for a in (await api.get("/api/v1/actions"))["items"])  # what it warns of
    again = {"kind": "action.update", "fields": {"action": action, "starts_at": "2030-06-03T11:00Z"}}
    status, body = await api.request("POST", "/api/v1/events", json=again)  # to come: nothing to say
    assert status == 201 and body["warnings"] == [], body
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "action.update", "fields": {"action": action, "status": "cancelled"}})  # no start: nothing
    assert status == 201 and body["warnings"] == [], body


def test_the_cli_and_the_dashboard_words() -> None:
    said = past_action_warning("action.update", {"action": "ab", "starts_at": "2020-06-03T11:00"}, "cd" * 32,
                               1_900_000_000_000, "Europe/London")
    assert said is not None and said.startswith("this update moves the action into the past (2020-06-03"), said
    assert past_action_warning("action.update", {"starts_at": "2031-01-01T11:00"}, "cd", 1_900_000_000_000) is None
    for lang in ("en", "fr"):
        t = Translator(lang)
        assert t.has("publish.moved_past") and "{withdraw}" not in t("publish.moved_past", time="x", withdraw="y")


def test_the_dashboard_says_it_next_to_the_result() -> None:
    from node.dashboard.app import Dashboard

    event = {"kind": "action.update", "id": bytes(32), "raw": {"action": bytes(32), "starts_at": 1_591_182_000_000}}
    for lang, words in (("en", "This update moves the action into the past ("), ("fr", "Cette mise à jour déplace")):
        said = str(Dashboard._published_in_the_past({"t": Translator(lang)}, event))
        # (the dashboard's own way to withdraw it, not a shell command: node/dashboard/withdraw.py)
        assert said.startswith(words) and '<time datetime="2020-06-03T' in said
        assert f'href="/event/{"00" * 32}/withdraw"' in said and "solnet" not in said
    assert Dashboard._published_in_the_past({"t": Translator("en")}, {**event, "raw": {"status": "cancelled"}}) is None
