"""The groups a publish refusal names are said in the page's language and set apart: "that item is
shared with {groups} only" gave its groups joined in English ("Calais, Bristol and Cardiff") on a
French page ("… qu’avec Calais, Bristol and Cardiff"), and a group named in Arabic, followed by
digits or by the sentence's colon, was drawn across the words around it. The refusal carries its
groups as a list of names (the API's `values` too: a program joins them in its own words)."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from node import publishing
from node.dashboard import forms
from node.dashboard.i18n import Translator, catalog
from node.references import group_name
from node_fixtures import Author, Net, device_vouch, wires

ARABIC = "بريستول 2"


def _group(net: Net, name: str, region: str) -> NodeKeys:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    keys = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate(), group=group.key)
    group.sign("member.vouch", device_vouch(group.key, keys.device, bytes(keys.device_encryption.public)))
    group.sign("group.profile", {"name": name, "region": region})
    net.made_by_groups = [*getattr(net, "made_by_groups", []), *group.made]
    return keys


def test_the_groups_an_update_must_go_to_are_a_list_said_in_french(net: Net, tmp_path: Path) -> None:
    bristol, cardiff = _group(net, ARABIC, "bristol"), _group(net, "Cardiff", "cardiff")
    calais = net.new_log(tmp_path / "calais.db")
    calais.ingest(wires(net.group.made + net.made_by_groups))
    ids = [bytes(k.group.public).hex() for k in (bristol, cardiff)]
    action = publishing.publish(calais, net.founder, "action", {
        "title": "Blockade", "region": "calais", "type": "direct_action", "starts_at": "2031-06-01T05:00"}, to=ids)
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(calais, net.founder, "action.update", {"action": action.id.hex(), "place": "Rue Mollien"},
                           to=ids[1:])
    own = group_name(calais.store, bytes(net.founder.group.public))
    assert refused.value.key == "same_readers"
    assert refused.value.values["groups"] == [own, ARABIC, "Cardiff"], refused.value.values

    said = forms.refusal_words(refused.value, Translator("fr"))
    assert f"qu’avec {own}, \u2068{ARABIC}\u2069 et Cardiff\u202f:" in said, said
    assert " and " not in said
    said = forms.refusal_words(refused.value, Translator("en"))
    assert f"shared with {own}, \u2068{ARABIC}\u2069 and Cardiff only" in said, said


def test_a_list_of_names_is_documented_among_the_values() -> None:
    import json

    import node

    doc = json.loads((Path(node.__file__).parent / "openapi.json").read_text(encoding="utf-8"))
    values = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["values"]
    assert "array" in values["additionalProperties"]["type"] and values["additionalProperties"]["items"] == {
        "type": "string"}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_recipient_no_device_of_which_can_read_is_named_apart_by_its_key(lang: str, net: Net, tmp_path: Path,
                                                                           ) -> None:
    """A recipient no device of which can read (node/private.py) is named first in its words: an Arabic
    name ending in a digit drew that digit across the sentence. Its words are chosen by its key (they
    were read from its English text, and French pages had them only while that text did not change)."""
    group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    group.sign("group.profile", {"name": ARABIC, "region": "bristol"})  # no device has joined yet
    calais = net.new_log(tmp_path / "calais.db")
    calais.ingest(wires(net.group.made + group.made))
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(calais, net.founder, "support.request", {
            "region": "calais", "type": "housing", "urgency": "high", "people": "1"},
            private="two people, tonight", to=[bytes(group.key.public).hex()])
    assert (refused.value.key, refused.value.values) == ("recipient_not_joined", {"group": ARABIC})
    said = forms.refusal_words(refused.value, Translator(lang))
    assert said.startswith(f"\u2068{ARABIC}\u2069 ") and said != Translator(lang)("error.generic"), said


def test_a_reply_that_leaves_out_its_owner_has_one_set_of_words(net: Net, tmp_path: Path) -> None:
    """One rule (events.effects.reaches_owner: a pledge for chosen groups must reach the fundraiser's
    group) had two sets of words: publishing's own (error.reply_unseen_by_owner) and the log's
    (no_effect.reply_not_to_owner, what `show` and the API say of one signed all the same). Refused at
    publishing, it is now said with the log's: one key, one English, one French."""
    bristol, cardiff = _group(net, "Bristol", "bristol"), _group(net, "Cardiff", "cardiff")
    calais = net.new_log(tmp_path / "calais.db")
    calais.ingest(wires(net.group.made + net.made_by_groups))
    fund = publishing.publish(calais, net.founder, "fundraiser", {
        "title": "Rent", "region": "calais", "goal": "100", "currency": "EUR", "ends_at": "2031-06-01T05:00"})
    with pytest.raises(publishing.PublishError) as refused:
        publishing.publish(calais, bristol, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "10"},
                           to=[bytes(cardiff.group.public).hex()])
    own = group_name(calais.store, bytes(net.founder.group.public))
    assert (refused.value.field, refused.value.key, refused.value.values["owner"]) == (
        "to", "no_effect.reply_not_to_owner", own)
    assert f"leave out {own}, whose fundraiser it answers" in str(refused.value), refused.value
    assert forms.refusal_words(refused.value, Translator("fr")).startswith(f"Ceci laisse de côté {own}")
    assert "error.reply_unseen_by_owner" not in catalog("fr") and "error.reply_unseen_by_owner" not in catalog("en")
