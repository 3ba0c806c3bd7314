"""A claim of a support request by a group its private part was not sent to (a modified client, a
hand-signed event: publishing refuses it) takes nothing on a node that reads the part, such as the
requesting group's own: the request says who claimed it and that it was not sent to them, and stays
"waiting for a group" on the desk. Nodes that cannot read the part count the claim, as before; a
request without a private part may be taken by any member. The same in every order of arrival. On
real SQLite files, the private part sealed and opened with real keys."""
from __future__ import annotations

from pathlib import Path

from events.format import Event
from node import publishing
from node.audience import Opener
from node.dashboard.pages import overview
from node.render import view_line
from node_fixtures import Author, Net, wires
from test_audiences import _three

REQUEST = {"region": "calais", "type": "legal", "people": "2", "urgency": "high"}


def _events(net: Net, tmp_path: Path):
    """Calais seals two requests' details to Bristol and makes a third without any; Bristol takes
    the second; Cardiff's device signs claims of all three by hand."""
    (calais, bristol, cardiff), (calais_keys, bristol_keys, cardiff_keys), _ = _three(net, tmp_path)
    sealed = [publishing.publish(calais, calais_keys, "support.request", REQUEST, private="Family of four, Rue X",
                                 to=["Bristol"]) for _ in range(2)]
    public = publishing.publish(calais, calais_keys, "support.request", REQUEST)
    bristol.ingest(list(calais.store.iter_wire()))
    publishing.publish(bristol, bristol_keys, "support.claim", {"request": sealed[1].id.hex()})
    rogue = Author(cardiff_keys.device, net.genesis.network_id)
    claims = [rogue.sign("support.claim", {"request": r.id}) for r in (*sealed, public)]
    everything: list[Event] = [*calais.store.iter_wire(), *bristol.store.iter_wire(), *wires(claims)]
    for log in (calais, bristol, cardiff):
        log.store.close()
    return everything, (calais_keys, cardiff_keys), (sealed, public), (bristol_keys.group, cardiff_keys.group)


def _shown(log, keys) -> dict:
    """The support requests and the desk's count of them, as the admin's dashboard has them (its
    device's key reads the private parts); for the API and `solnet view` the same read models."""
    page = overview(log, "calais", 0, bytes(keys.group.public), peers=[], opener=Opener(keys.device_encryption))
    [desk] = page["desk"]
    return {"support": {r["id"]: r for r in page["support"]["items"]}, "desk": desk["requests"]}


def test_a_claim_by_a_group_the_details_were_not_sent_to_is_flagged_on_the_requesters_node(net: Net, tmp_path: Path):
    everything, (calais_keys, cardiff_keys), (sealed, public), (bristol, cardiff) = _events(net, tmp_path)
    seen = []
    for i, order in enumerate([everything, everything[::-1]]):  # claims before or after their requests
        log = net.new_log(tmp_path / f"requester{i}.db")
        for _ in range(3):  # what waited for an earlier seq
            log.ingest(order)
        seen.append(_shown(log, calais_keys))
        log.store.close()
    assert seen[0] == seen[1]  # a function of what the node holds, not of the order it came in
    support, desk = seen[0]["support"], seen[0]["desk"]
    unsent, held, open_ = support[sealed[0].id], support[sealed[1].id], support[public.id]
    cardiff_id, bristol_id = bytes(cardiff.public), bytes(bristol.public)
    # Cardiff cannot read who the people are: its claim does not take the request
    assert unsent["status"] == "open" and unsent["taken"] == [] and unsent["claimed_by"] == []
    assert [c["group"] for c in unsent.get("claimed_unsent", ())] == [cardiff_id]
    line = view_line("support", unsent, {})
    assert line.startswith("open") and "which this request was not sent to (it cannot read the details): " \
        "check with them" in line and "taken by" not in line, line
    # Bristol, a recipient, holds the second; Cardiff's claim beside it is flagged all the same
    assert held["status"] == "claimed" and held["claimed_by"] == [bristol_id]
    assert [c["group"] for c in held.get("claimed_unsent", ())] == [cardiff_id]
    # Public details: any member may take it
    assert open_["status"] == "claimed" and open_["claimed_by"] == [cardiff_id] and not open_.get("claimed_unsent")
    assert (desk["open"], desk["taken"], desk["waiting"]) == (3, 2, 1)

    # Cardiff's node cannot read the part, so cannot tell: it shows the claim as before
    log = net.new_log(tmp_path / "cardiff.db")
    log.ingest(everything)
    elsewhere = _shown(log, cardiff_keys)
    assert elsewhere["support"][sealed[0].id]["claimed_by"] == [cardiff_id]
    assert not elsewhere["support"][sealed[0].id].get("claimed_unsent")
    assert elsewhere["desk"]["waiting"] == 0
    log.store.close()
