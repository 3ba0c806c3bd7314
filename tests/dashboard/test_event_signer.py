"""An event page names who signed the event: a device of the group, or the group key itself (its
vouches, accepts and profiles), which is no device."""
from __future__ import annotations

from page_text import visible_text


async def test_an_event_of_the_group_key_says_it_is_signed_with_the_group_key(sample, start_node) -> None:
    node = sample.nodes[0]
    group = bytes.fromhex(node.home.config().group_id)
    running = await start_node(node)
    await running.log_in()
    [row] = await running.node.db(lambda: running.node.log.store.events_page(author=group, kind="group.profile", limit=1))
    for lang, group_key, device in (("en", "Signed with the group key", "Signed by device"),
                                    ("fr", "Signé avec la clé du groupe", "Signé par l’appareil")):
        async with running.client.get(f"/event/{row[1].hex()}?lang={lang}") as reply:
            text = visible_text(await reply.text())
        assert group_key in text and device not in text, text
        async with running.client.get(f"/event/{sample.ids['action']}?lang={lang}") as reply:
            text = visible_text(await reply.text())
        assert device in text and group_key not in text, text
    await running.stop()
