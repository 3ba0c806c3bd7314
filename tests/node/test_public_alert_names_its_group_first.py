"""A public alert's entry in the Atom feed and on /public/alerts names the group that posted it
before its poster's own words: a member's alert placed "Calais: raid at the bridge" read, in a feed
reader's title column, as the alert of Calais (its group's name came after, in another field)."""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from node import publishing
from node.dashboard.app import STATIC_LINKS, render_public
from node.log import now_ms
from node.public_site import alerts_atom, public_data
from node_fixtures import Net, wires
from test_audiences import _group

ATOM = "{http://www.w3.org/2005/Atom}"
POSING = "Calais: raid at the bridge, everyone move to the car park"


def test_the_feed_and_the_page_name_the_posting_group_before_its_words(net: Net, tmp_path: Path) -> None:
    mole, keys = _group(net, "Dover")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + mole.made))
    alert = publishing.publish(log, keys, "alert", {"region": "calais", "type": "raid", "location": POSING,
                                                    "text": POSING, "public": "yes"}, expires_in="6h")
    other = publishing.publish(log, keys, "alert", {"region": "calais", "type": "eviction", "location": POSING,
                                                    "text": POSING, "public": "yes"}, expires_in="6h")
    publishing.publish(log, keys, "alert.update", {"alert": other.id.hex(), "status": "all_clear", "text": POSING})
    data = public_data(log, now_ms())

    entries = ElementTree.fromstring(alerts_atom(data)).findall(f"{ATOM}entry")
    titles = {e.findtext(f"{ATOM}id").rsplit(":", 1)[1]: e.findtext(f"{ATOM}title") for e in entries}
    texts = {e.findtext(f"{ATOM}id").rsplit(":", 1)[1]: e.findtext(f"{ATOM}content") for e in entries}
    assert titles[alert.id.hex()].startswith("Dover: RAID — calais, Calais: raid"), titles
    assert texts[alert.id.hex()].startswith(f"Posted by Dover: {POSING}")
    [cleared] = [k for k in titles if k != alert.id.hex()]
    assert titles[cleared].startswith("ALL CLEAR — Dover: EVICTION — calais, Calais"), titles
    assert texts[cleared].startswith("All clear ") and ", by Dover: Calais" in texts[cleared]

    page = render_public(data, "en", STATIC_LINKS)
    for item_id in (f'id="alert-{alert.id.hex()}"', f'id="cleared-{other.id.hex()}"'):
        item = page.split(item_id, 1)[1].split("</li>", 1)[0]
        assert item.index("posted by <bdi>Dover</bdi>") < item.index("Calais: raid"), item
