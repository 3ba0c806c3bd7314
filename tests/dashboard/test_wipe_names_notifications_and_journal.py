"""What the panic wipe cannot reach is said where it matters, in the reader's language: the alerts
a browser notified stay in the device's notification centre with their region and words (the page
cannot clear it), and the node's log stays in the system journal (with how to clear it). The
notification panel says it before notifications are turned on; the wipe page before the wipe, and
the page after it."""
from __future__ import annotations

from html import unescape

from page_text import csrf_of
from test_http import get, post

SAID = {
    "en": {"notify": "stays in this device's notification centre", "wipe": "It cannot reach these",
           "notifications": "stay in the notification centre of this device", "journal": "system journal"},
    "fr": {"notify": "reste dans le centre de notifications de cet appareil", "wipe": "Il ne peut pas atteindre",
           "notifications": "restent dans le centre de notifications de cet appareil", "journal": "journal du système"},
}


async def test_the_panel_and_both_wipe_pages_say_what_the_wipe_cannot_reach(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said in SAID.items():
        _, overview, _ = await get(node.client, f"/?lang={lang}")
        panel = unescape(overview).split('id="notify-help">', 1)[1].split("</p>", 1)[0]
        assert said["notify"] in panel, panel
        _, form, _ = await get(node.client, f"/admin/wipe?lang={lang}")
        for words in (said["wipe"], said["notifications"], said["journal"], "journalctl --rotate",
                      "journalctl --vacuum-time=1s"):
            assert words in unescape(form), (lang, words)
    status, wiped, _ = await post(node.client, "/admin/wipe?lang=fr", {"confirm": "EFFACER", "csrf": csrf_of(form)})
    assert status == 200, wiped[:300]
    report = unescape(wiped).split('<ul class="report">', 1)[1].split("</ul>", 1)[0]
    for words in (SAID["fr"]["notifications"], SAID["fr"]["journal"], "journalctl --vacuum-time=1s"):
        assert words in report, words
