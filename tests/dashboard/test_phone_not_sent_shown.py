"""A revoked device's overview says what `solnet status` says of what it signed (node/own_unsent.py):
the events no peer is known to hold, which may have reached the network all the same, and those
its revocation took out, which every node refuses. The dashboard said only that the device was
revoked: its admin, who may have no shell, never heard that needs and alerts it signed went
nowhere. In the dashboard's own words (no commands), in English and French."""
from __future__ import annotations

import re

from node.status import node_status
from own_device_revoked import revoked_own_device
from page_text import visible_text
from test_http import get


async def test_a_revoked_devices_overview_names_its_events_that_will_not_reach_the_network(sample, start_node) -> None:
    node = await revoked_own_device(sample, start_node, "phone replaced", from_seq=2)
    running = node.node
    said = await running.db(node_status, sample.nodes[0].home, running.log)  # what `solnet status` says
    head = said["taken_out_own"]["to_seq"]  # (the sample's device signed a few)
    assert said["taken_out_own"] == {"from_seq": 2, "to_seq": head, "kept_here": True}, said["taken_out_own"]
    assert said["unsent_own"] == {"from_seq": 1, "to_seq": 1}, said["unsent_own"]
    many = "" if head == 2 else f"the {head - 1} events"
    for lang, shown in (
            ("en", ["No peer is known to hold the event this device signed at seq 1, and no node links with this "
                    "device any more", "look for it on a device of your group that still counts before publishing it "
                    "again", "Every node refuses " + (many and f"{many} this device signed from seq 2 to {head}"),
                    "Publish again what still matters of"]),
            ("fr", ["Aucun pair n’est connu pour détenir l’événement que cet appareil a signé au numéro 1",
                    "Tous les nœuds refusent", "depuis un appareil de votre groupe qui compte encore"])):
        page = (await get(node.client, f"/?lang={lang}"))[1]
        text = visible_text(page)
        for words in shown:
            assert words in text, (lang, words, text)
        ours = [visible_text(m) for m in re.findall(r'<p [^>]*id="(?:not-known-sent|taken-out-own)".*?</p>', page, re.S)]
        assert len(ours) == 2 and not any("solnet" in said or "`" in said for said in ours), (lang, ours)
