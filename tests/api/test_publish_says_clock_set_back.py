"""A publish handed to a running node whose clock was set back under this device's own newest events,
which a peer holds (a Pi after a power cut: node/net/node.py `own_stamped_ahead`), is told so where it
was typed: the raid alert just published is stamped that much too early, and its end put off by as
much only up to 48 hours from its stamp (three days back: stored by every peer as expired). Until
2026-12-08 only `solnet status` said it, and the alert went out without a word. The real processes' case:
tests/integration/test_clock_set_back_after_power_cut.py."""
from __future__ import annotations

from node.clock import now_ms
from node.net import admin_requests
from node.words import node_fact_warnings

THREE_DAYS_MS = 3 * 86_400_000
ALERT = {"region": "calais", "type": "raid", "text": "Police at the camp"}


async def _published(api) -> dict:
    answer = await admin_requests.serve(api.node, {"op": "publish", "kind": "alert", "texts": ALERT, "offline": True},
                                        lambda _said: None, lambda: False)
    assert "ok" in answer, answer
    return answer["ok"]


async def test_a_publish_through_a_node_whose_clock_was_set_back_says_so(api):
    node = api.node
    node._own_ahead, node._own_ahead_held = (1, now_ms() + THREE_DAYS_MS), True  # as the last round read them
    said = node_fact_warnings(await _published(api))  # what `solnet publish` prints on stderr
    assert any(w.startswith("this machine's clock is likely behind, by about 71 h 5") for w in said), said
    node._own_ahead_held = False  # a clock set right since (they wait at peers): the publish itself lets them in
    assert not any("clock" in w for w in node_fact_warnings(await _published(api)))


async def test_the_clock_set_back_is_still_said_once_the_node_published_with_it(api):
    """Until 2026-12-08 the warning went with the first event published with the clock set back:
    that event, stamped by it, became the newest, and nothing of this device's was 'stamped ahead'
    any more, while the clock was still three days behind. A peer holds events of this device
    stamped further ahead than a rightly stamped successor lets in (node/stamped_ahead.py): it took
    them on its own clock, wherever they are in the chain."""
    from node import own_unsent

    node = api.node
    device = bytes(node.keys.device.public)
    store = node.log.store
    before_cut = await node.db(lambda: node.log.append(node.keys.device, "alert", ALERT, now=now_ms() + THREE_DAYS_MS,
                                                       offline=True))
    await node._read_own_stamped_ahead()  # no peer holds it: signed while this clock ran ahead, it waits at peers
    assert node.own_stamped_ahead() is not None and not node.own_stamped_ahead()["held"], node.own_stamped_ahead()
    await node.db(own_unsent.note, store, device, before_cut.header.seq)  # a round found a peer holding it
    await node._read_own_stamped_ahead()
    assert (node.own_stamped_ahead() or {}).get("held"), node.own_stamped_ahead()
    await _published(api)  # stamped by the clock set back
    head = (await node.db(store.head, device))[0]
    await node.db(own_unsent.note, store, device, head)  # and the next round found the peer holding that too
    await node._read_own_stamped_ahead()
    told = node.own_stamped_ahead()
    assert told is not None and told["held"] and told["behind_ms"] > THREE_DAYS_MS - 60_000, told
    said = node_fact_warnings(await _published(api))
    assert any(w.startswith("this machine's clock is likely behind, by about 71 h 5") for w in said), said
    # (nor calls them this device's newest: the newest is stamped by the clock set back)
    assert not any("newest" in w for w in said if "clock is likely behind" in w), said
