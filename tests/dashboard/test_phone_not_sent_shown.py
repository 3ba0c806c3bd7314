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
    assert said["taken_out_own"] == {"from_seq": 2, "to_seq": head, "kept_here": True, "forked": False}, said["taken_out_own"]
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


async def test_events_dropped_after_90_days_and_those_a_fork_holds_back_have_their_own_words(sample, start_node,
                                                                                            monkeypatch) -> None:
    """The other branches of the overview's words on what a revocation took out: those no longer
    kept here (dropped 90 days on), and those a fork of this device's key holds back (kept here:
    they count again if the group pins this branch; never said as dropped)."""
    from node.dashboard import pages

    node = await revoked_own_device(sample, start_node, "phone replaced", from_seq=2)
    cases = [({"kept_here": False, "forked": False}, "en", ["Every node refuses the 3 events this device signed from "
                                                            "seq 2 to 4", "They are no longer kept here either",
                                                            "kept 90 days, then dropped"]),
             ({"kept_here": False, "forked": False}, "fr", ["Ils ne sont plus conservés ici non plus"]),
             ({"kept_here": True, "forked": True}, "en", ["Every node holds back the 3 events this device signed "
                                                          "from seq 2 to 4", "this device's key forked there",
                                                          "They are kept here and count again if your group pins"]),
             ({"kept_here": True, "forked": True}, "fr", ["Tous les nœuds retiennent les 3 événements"])]
    for lost, lang, shown in cases:
        monkeypatch.setattr(pages, "not_sent", lambda log, device, lost=lost: {
            "unsent_own": None, "taken_out_own": {"from_seq": 2, "to_seq": 4, **lost}})
        page = (await get(node.client, f"/?lang={lang}"))[1]
        said = [visible_text(m) for m in re.findall(r'<p [^>]*id="taken-out-own".*?</p>', page, re.S)]
        assert len(said) == 1, (lang, said)
        for words in shown:
            assert words in said[0], (lang, words, said)
        assert lost["forked"] != ("dropped" in said[0] or "supprimé" in said[0]), said
