"""Why an event counts for nothing (`no_effect` of GET /api/v1/events/{id}) was English text only:
an API client could not say it in its own language, where a publish refusal carries the key of its
words (`error.key`, `error.values`). The event now carries `no_effect_key` and `no_effect_values`,
the key of the same words the dashboard's event page says it in (the catalogs' event.<key> or
error.<key>, in English and French), and a time they name as every time of the event is: ISO."""
from __future__ import annotations

from node.dashboard.i18n import catalog
from test_refusal_times_in_request_zone import ms_of, publish


def _words_of(key: str, lang: str) -> str:
    words = catalog(lang)
    return words.get(f"event.{key}") or words[f"error.{key}"]


async def test_a_late_edit_says_why_it_counts_for_nothing_by_a_key(api):
    need = await publish(api, "need", {"category": "food", "quantity": "3", "region": "calais"})
    withdrawn = await publish(api, "need.update", {"need": need["id"], "status": "withdrawn"})
    # signed as a device that had not heard of the withdrawal signs it (publishing would refuse it)
    late = await api.node.db(lambda: api.node.log.append(api.node.keys.device, "need.update", {
        "need": bytes.fromhex(need["id"]), "quantity": 4}, offline=True))
    status, event = await api.request("GET", f"/api/v1/events/{late.id.hex()}")
    assert status == 200 and "already been withdrawn" in event["no_effect"], event
    assert event["no_effect_key"] == "no_effect.withdrawn_before", event
    assert ms_of(event["no_effect_values"]["time"]) == ms_of(withdrawn["timestamp"]), event
    for lang in ("en", "fr"):
        assert "{time}" in _words_of(event["no_effect_key"], lang), lang


async def test_an_event_with_its_effect_has_no_key(api):
    need = await publish(api, "need", {"category": "food", "quantity": "3", "region": "calais"})
    status, event = await api.request("GET", f"/api/v1/events/{need['id']}")
    assert status == 200 and (event["no_effect"], event["no_effect_key"], event["no_effect_values"]) == (None, None, None)
