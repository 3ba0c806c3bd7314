"""A second device's step on an item that loses to a step of its group stamped ahead of its clock:
a laptop an hour ahead set a need to 30; the phone, on time, set it to 25 ten minutes later and was
told 'Published', while every node kept 30 (the laptop's step is the newer by its stamp). Publishing
now warns (the CLI, through the node and the API alike); its own device's steps, and a step that is
the newest, say nothing. On a real SQLite file."""
from __future__ import annotations

from pathlib import Path

from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from node import publishing
from node.log import now_ms
from node.views import view
from node_fixtures import Net, device_vouch, wires
from test_audiences import _group

HOUR = 3_600_000


def _bristol(net: Net, tmp_path: Path):
    bristol, laptop = _group(net, "Bristol")
    phone = NodeKeys(device=SigningKey.generate(), device_encryption=EncryptionKey.generate())
    bristol.sign("member.vouch", device_vouch(bristol.key, phone.device, bytes(phone.device_encryption.public)))
    log = net.new_log(tmp_path / "bristol.db")
    log.ingest(wires(net.group.made + bristol.made))
    return log, laptop, phone


def test_the_phone_is_told_its_step_loses_to_the_laptop_s_stamped_ahead(net: Net, tmp_path: Path) -> None:
    log, laptop, phone = _bristol(net, tmp_path)
    now = now_ms()
    need = publishing.publish(log, laptop, "need", {"category": "tents", "quantity": "40", "region": "bristol"},
                              now=now - HOUR)
    ahead = publishing.publish(log, laptop, "need.update", {"need": need.id.hex(), "quantity": "30"}, now=now + HOUR)
    late = publishing.publish(log, phone, "need.update", {"need": need.id.hex(), "quantity": "25"},
                              now=now + 10 * 60_000)
    [item] = view(log, "needs", now=now)
    assert item["quantity"] == 30  # what it warns of
    said = publishing.behind_a_step_stamped_ahead(log, late)
    assert said is not None and ahead.id.hex()[:12] in said and "every node reads its step as the newer" in said
    # the laptop's own next step, set right, is its newest (its seq): it counts, and says nothing
    mine = publishing.publish(log, laptop, "need.update", {"need": need.id.hex(), "quantity": "20"}, now=now)
    assert publishing.behind_a_step_stamped_ahead(log, mine) is None
    [item] = view(log, "needs", now=now)
    assert item["quantity"] == 20
    newest = publishing.publish(log, phone, "need.update", {"need": need.id.hex(), "quantity": "15"},
                                now=now + 2 * HOUR)
    assert publishing.behind_a_step_stamped_ahead(log, newest) is None


def test_pledges_add_up_and_are_not_warned_of(net: Net, tmp_path: Path) -> None:
    log, laptop, phone = _bristol(net, tmp_path)
    now = now_ms()
    fund = publishing.publish(log, net.founder, "fundraiser", {"title": "Legal fund", "goal": "50000",
                                                               "currency": "EUR", "region": "calais"}, now=now - HOUR)
    publishing.publish(log, laptop, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "100"}, now=now + HOUR)
    second = publishing.publish(log, phone, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "50"}, now=now)
    assert publishing.behind_a_step_stamped_ahead(log, second) is None
    [item] = view(log, "fundraisers", now=now)
    assert item["pledged"] == 15000 and item["pledges"] == 2  # (in cents): the second adds to the first
    # what is raised is the fundraiser's group's whole sum: its newest report replaces the last
    for raised in ("300", "250"):
        publishing.publish(log, net.founder, "fundraiser.update", {"fundraiser": fund.id.hex(), "raised": raised})
    [item] = view(log, "fundraisers", now=now)
    assert item["raised"] == 25000


def test_the_dashboard_says_it_after_publishing(net: Net, tmp_path: Path) -> None:
    """The dashboard's publish form said 'Published' alone: its page after a publish says it too,
    in its languages (node/published_steps.py, Dashboard._steps_said)."""
    from node.dashboard.app import Dashboard
    from node.dashboard.i18n import Translator
    from node.published_steps import published_facts

    log, laptop, phone = _bristol(net, tmp_path)
    now = now_ms()
    need = publishing.publish(log, laptop, "need", {"category": "tents", "quantity": "40", "region": "bristol"},
                              now=now - HOUR)
    ahead = publishing.publish(log, laptop, "need.update", {"need": need.id.hex(), "quantity": "30"}, now=now + HOUR)
    late = publishing.publish(log, phone, "need.update", {"need": need.id.hex(), "quantity": "25"}, now=now)
    facts = published_facts(log, late.id)
    assert facts["behind"] is not None and facts["twice"] is None
    for lang, words in (("en", "Another device of your group signed a step on this need stamped <time"),
                        ("fr", "Un autre appareil de votre groupe a signé une étape sur cet élément (besoin)")):
        [said] = Dashboard._steps_said({"t": Translator(lang)}, {"id": late.id}, facts)
        assert str(said).startswith(words) and ahead.id.hex()[:12] in said, said
    assert published_facts(log, ahead.id) == {"behind": None, "twice": None}
