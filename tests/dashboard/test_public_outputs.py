"""Public outputs (node/public_site.py) on a real node and as `solnet export-site` writes them: public
alerts (only those marked public) on a page without any script and in Atom; the public actions and
fundraisers of the groups that opt in, in Atom and iCalendar (per region and for all); never an event
for chosen groups, nor a group that did not opt in. Every feed is read back by an independent parser
(feedparser, xml.etree for Atom; vobject for iCalendar), not the library that wrote it."""
from __future__ import annotations

import asyncio
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import aiohttp
import feedparser
import vobject

from node import publishing
from node.demo import localnet
from node.dashboard import AccessOptions
from page_text import PASSPHRASE

ATOM = "{http://www.w3.org/2005/Atom}"


def publish_public_sample(root: Path) -> tuple[list, dict[str, str]]:
    nodes = localnet.create_network(root, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    calais, bristol = nodes
    ids: dict[str, str] = {}
    for node, opt_in in ((calais, "yes"), (bristol, None)):
        log, keys = node.home.log(), node.home.keys(PASSPHRASE)
        try:
            profile = {"name": node.name, "region": node.region, **({"public_feeds": opt_in} if opt_in else {})}
            publishing.publish(log, keys, "group.profile", profile)
            prefix = node.name.lower()
            ids[f"{prefix}_action"] = publishing.publish(log, keys, "action", {
                "title": f"{node.name} rally & march <b>", "region": node.region, "type": "protest",
                "starts_at": "2031-06-01T18:00", "place": "Place d'Armes", "description": "Bring banners; “all welcome”"}).id.hex()
            ids[f"{prefix}_fund"] = publishing.publish(log, keys, "fundraiser", {
                "title": f"{node.name} winter tents", "goal": "2000", "currency": "EUR", "region": node.region,
                "how_to_give": "IBAN FR76 1234"}).id.hex()
            ids[f"{prefix}_public_alert"] = publishing.publish(log, keys, "alert", {
                "region": node.region, "type": "raid", "text": f"{node.name}: police at the camp", "public": "yes"},
                expires_in="6h").id.hex()
            ids[f"{prefix}_private_alert"] = publishing.publish(log, keys, "alert", {
                "region": node.region, "type": "eviction", "text": f"{node.name}: members only"}, expires_in="6h").id.hex()
            ids[f"{prefix}_sealed"] = publishing.publish(log, keys, "action", {
                "title": f"{node.name} secret blockade", "region": node.region, "type": "direct_action",
                "starts_at": "2031-06-02T05:00"}, to=[node.name]).id.hex()
        finally:
            log.store.close()
    for a, b in ((calais, bristol), (bristol, calais)):  # both nodes hold everything
        src, dst = a.home.log(), b.home.log()
        dst.ingest(list(src.store.iter_wire()))
        src.store.close()
        dst.store.close()
    return nodes, ids


def page_fetcher(running, http: aiohttp.ClientSession):
    """fetch(path, lang) of a running node: the page's text, once it answered 200."""
    async def fetch(path: str, lang: str = "en") -> str:
        async with http.get(running.url + path, headers={"Accept-Language": lang}) as reply:
            assert reply.status == 200
            return (await reply.read()).decode()
    return fetch


def check_atom(body: bytes, titles: set[str], absent: set[str]) -> None:
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.version == "atom10"
    got = {e.title for e in parsed.entries}
    assert titles <= got and not (absent & got), (got, titles, absent)
    root = ET.fromstring(body)  # and plain XML: one id and updated per feed and entry
    assert root.tag == f"{ATOM}feed" and root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}id").text.startswith("urn:solnet:") and entry.find(f"{ATOM}updated") is not None


def check_ics(body: bytes, summaries: set[str]) -> list:
    calendar = vobject.readOne(body.decode("utf-8"))
    events = list(getattr(calendar, "vevent_list", []))
    assert {e.summary.value for e in events} == summaries
    for e in events:
        assert e.uid.value.endswith("@solnet") and e.dtstart.value.tzinfo is not None
        assert e.dtend.value > e.dtstart.value
    return events


async def test_public_pages_and_feeds_served_and_exported(tmp_path: Path, start_node, http) -> None:
    nodes, ids = publish_public_sample(tmp_path / "net")
    calais = nodes[0]
    running = await start_node(calais, AccessOptions(public=True))
    base = running.url

    async def fetch(path: str) -> tuple[int, str, bytes]:
        async with http.get(base + path) as reply:
            return reply.status, reply.content_type, await reply.read()

    status, ctype, page = await fetch("/public/alerts")
    html = page.decode()
    assert status == 200 and ctype == "text/html" and "<script" not in html
    assert "Calais: police at the camp" in html and "Bristol: police at the camp" in html
    assert "members only" not in html and "secret blockade" not in html
    status, ctype, page = await fetch("/public/")
    html = page.decode()
    assert "Calais rally &amp; march &lt;b&gt;" in html and "Bristol rally" not in html and "secret" not in html

    status, ctype, body = await fetch("/public/alerts.atom")
    assert status == 200 and ctype == "application/atom+xml"
    check_atom(body, {"Calais: RAID — calais", "Bristol: RAID — bristol"}, set())
    assert b"members only" not in body
    status, _, body = await fetch("/public/actions.atom")
    check_atom(body, {"Calais: Calais rally & march <b>"}, {"Bristol: Bristol rally & march <b>", "Calais: Calais secret blockade"})
    status, _, body = await fetch("/public/fundraisers.atom")
    check_atom(body, {"Calais: Calais winter tents"}, {"Bristol: Bristol winter tents"})
    for feed in ("alerts.atom", "actions.atom", "fundraisers.atom"):  # links never from the client's Host header
        async with http.get(f"{base}/public/{feed}", headers={"Host": "evil.example"}) as reply:
            poisoned = await reply.read()
        assert reply.status == 200 and b"evil.example" not in poisoned, feed
        [link] = ET.fromstring(poisoned).findall(f"{ATOM}link[@rel='self']")
        assert link.get("href") == f"/public/{feed}"
    status, ctype, body = await fetch("/public/calendar.ics")
    assert status == 200 and ctype == "text/calendar"
    [event] = check_ics(body, {"Calais: Calais rally & march <b>"})
    assert event.location.value == "Place d'Armes, calais" and "“all welcome”" in event.description.value
    status, _, body = await fetch("/public/calendar/calais.ics")
    check_ics(body, {"Calais: Calais rally & march <b>"})
    status, _, body = await fetch("/public/calendar/bristol.ics")
    check_ics(body, set())
    await running.stop()

    # The same as static files, for any web host.
    site = tmp_path / "site"
    subprocess.run([*localnet.solnet_command(), "--home", str(calais.home.path), "export-site", str(site),
                    "--base-url", "https://example.org/calais"], check=True, capture_output=True, timeout=60)
    names = {p.name for p in site.iterdir()}
    assert {"index.html", "alerts.html", "alerts.atom", "actions.atom", "fundraisers.atom", "calendar.ics",
            "calendar-calais.ics", "style.css"} <= names
    check_atom((site / "alerts.atom").read_bytes(), {"Calais: RAID — calais", "Bristol: RAID — bristol"}, set())
    check_ics((site / "calendar-calais.ics").read_bytes(), {"Calais: Calais rally & march <b>"})
    exported = (site / "index.html").read_text()
    assert "<script" not in exported and 'href="alerts.atom"' in exported and "secret" not in exported
    everything = b"".join(p.read_bytes() for p in site.iterdir())
    assert b"secret blockade" not in everything and b"members only" not in everything


async def test_public_pages_are_off_without_public_dashboard(tmp_path: Path, start_node, http) -> None:
    nodes, _ = publish_public_sample(tmp_path / "net")
    running = await start_node(nodes[0])
    for path in ("/public/", "/public/alerts", "/public/alerts.atom", "/public/calendar.ics"):
        async with http.get(running.url + path) as reply:
            assert reply.status == 404, path
            assert b"police at the camp" not in await reply.read()


async def test_a_public_alert_shows_its_update_and_then_its_all_clear(tmp_path: Path, start_node, http) -> None:
    """People without a node (a camp, an old phone) saw a public alert's first text only: its group's
    update never reached the page or the feed, and at the all clear the alert just vanished ("No
    public alert right now"), which reads as a page that failed, not as the police having left.
    The update shows under the alert; the all clear stays a day, on the page and as an entry of
    its own in the feed. An all clear of an alert not marked public shows nowhere."""
    nodes, ids = publish_public_sample(tmp_path / "net")
    calais = nodes[0]
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        publishing.publish(log, keys, "alert.update", {"alert": ids["calais_public_alert"], "status": "update",
                                                       "text": "Vans moving to the beach"})
        publishing.publish(log, keys, "alert.update", {"alert": ids["calais_private_alert"], "status": "all_clear",
                                                       "text": "Members: eviction over"})
    finally:
        log.store.close()
    running = await start_node(calais, AccessOptions(public=True))

    async def fetch(path: str) -> str:
        async with http.get(running.url + path) as reply:
            assert reply.status == 200
            return (await reply.read()).decode()

    html = await fetch("/public/alerts")
    assert "Calais: police at the camp" in html and "Update " in html and "Vans moving to the beach" in html, html
    assert "Vans moving to the beach" in await fetch("/public/alerts.atom")

    log = calais.home.log()
    try:
        publishing.publish(log, keys, "alert.update", {"alert": ids["calais_public_alert"], "status": "all_clear",
                                                       "text": "Police gone"})
    finally:
        log.store.close()
    # Stored by another process: the node notices it, and its public pages (worked out once for
    # all visitors, node/dashboard/public_cache.py) follow within seconds.
    deadline = asyncio.get_running_loop().time() + 15
    while "ALL CLEAR " not in (html := await fetch("/public/alerts")):
        assert asyncio.get_running_loop().time() < deadline, f"the all clear not on the page within 15 s:\n{html}"
        await asyncio.sleep(0.1)
    assert "ALL CLEAR " in html and "Police gone" in html and "The alert posted " in html, html
    assert "Calais: police at the camp" in html  # which alert ended
    assert "eviction over" not in html and "members only" not in html  # not marked public: nowhere
    atom = (await fetch("/public/alerts.atom")).encode()
    check_atom(atom, {"ALL CLEAR — Calais: RAID — calais", "Bristol: RAID — bristol"}, {"Calais: RAID — calais"})
    assert b"eviction over" not in atom and b"All clear " in atom
    async with http.get(running.url + "/public/alerts", headers={"Accept-Language": "fr"}) as reply:
        assert "FIN D’ALERTE" in (await reply.read()).decode()
    await running.stop()


async def test_a_public_alert_whose_sender_is_revoked_is_said_withdrawn(tmp_path: Path, start_node, http) -> None:
    """An infiltrator's false raid alert, marked public, was read on the public page and in feed
    readers; its group revoked, it left the page without a word, as a page that failed would, and
    the feed readers kept it as it was. It is said withdrawn now, on the page (en, fr) and in the
    feed, where its own entry is replaced."""
    nodes, ids = publish_public_sample(tmp_path / "net")
    calais, bristol = nodes
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        publishing.publish(log, keys, "member.revoke", {"subject": bristol.home.config().group_id, "from_seq": "1",
                                                        "reason": "false raid alerts"}, signer="group")
    finally:
        log.store.close()
    running = await start_node(calais, AccessOptions(public=True))
    fetch = page_fetcher(running, http)

    html = await fetch("/public/alerts")
    withdrawn = html[html.index(f'id="withdrawn-{ids["bristol_public_alert"]}"'):]
    assert "WITHDRAWN " in withdrawn and "do not act on it" in withdrawn, html
    assert "Bristol: police at the camp" in withdrawn.split("</li>")[0], html
    assert f'id="alert-{ids["bristol_public_alert"]}"' not in html  # no longer a live alert
    assert "Calais: police at the camp" in html and "members only" not in html  # others as they were
    assert "RETIRÉE " in await fetch("/public/alerts", "fr")
    atom = (await fetch("/public/alerts.atom")).encode()
    check_atom(atom, {"WITHDRAWN — Bristol: RAID — bristol", "Calais: RAID — calais"}, {"Bristol: RAID — bristol"})
    entries = feedparser.parse(atom).entries
    [entry] = [e for e in entries if e.title == "WITHDRAWN — Bristol: RAID — bristol"]
    assert entry.id.endswith(ids["bristol_public_alert"]) and "its sender was revoked" in entry.summary
    await running.stop()


def thiefs_public_alert(tmp_path: Path) -> tuple[object, object, list[bytes], object]:
    """The public sample's network, and a thief's false public raid alert in Calais signed with
    Bristol's device key from a copy of its home: (Calais's node, the alert, every event that copy
    holds, as a peer brings them, and Bristol's own event at that seq, which makes the fork)."""
    import shutil

    from node.home import Home

    nodes, _ = publish_public_sample(tmp_path / "net")
    calais, bristol = nodes
    stolen = Home(tmp_path / "stolen")
    shutil.copytree(bristol.home.path, stolen.path)

    def sign(home: Home, kind: str, fields: dict, **more) -> tuple[object, list[bytes]]:
        log = home.log()
        try:
            return publishing.publish(log, home.keys(PASSPHRASE), kind, fields, **more), list(log.store.iter_wire())
        finally:
            log.store.close()

    false, thief_wires = sign(stolen, "alert", {"region": "calais", "type": "raid", "public": "yes",
                                                "text": "Raid at the station, run to the beach"}, expires_in="6h",
                              offline=True)  # (a thief's copy signs whatever it is told: --offline)
    twin, _ = sign(bristol.home, "need", {"category": "water", "quantity": "40", "region": "bristol"})
    assert (twin.author, twin.seq) == (false.author, false.seq)
    return calais, false, thief_wires, twin


async def test_a_public_alert_taken_out_by_a_fork_is_said_withdrawn(tmp_path: Path, start_node, http) -> None:
    """A thief with a copy of Bristol's home signs a false public raid alert with its device key; it
    reaches Calais and its public page. Then Bristol's own event at that seq arrives: a fork, which
    takes the alert out of the log. It vanished from the page and the feed without a word (only a
    revocation was said); it is said withdrawn now, with why (en, fr), its own Atom entry replaced."""
    calais, false, thief_wires, twin = thiefs_public_alert(tmp_path)
    log = calais.home.log()
    try:
        log.ingest(thief_wires)
        outcome = log.ingest([twin.encode()])
        assert outcome[0].reason == "fork", outcome
    finally:
        log.store.close()
    running = await start_node(calais, AccessOptions(public=True))
    fetch = page_fetcher(running, http)

    html = await fetch("/public/alerts")
    withdrawn = html[html.index(f'id="withdrawn-{false.id.hex()}"'):].split("</li>")[0]
    assert "WITHDRAWN " in withdrawn and "used on two devices" in withdrawn and "do not act on it" in withdrawn, html
    assert "Raid at the station, run to the beach" in withdrawn and f'id="alert-{false.id.hex()}"' not in html
    assert "Calais: police at the camp" in html
    assert "deux appareils" in await fetch("/public/alerts", "fr")
    atom = (await fetch("/public/alerts.atom")).encode()
    check_atom(atom, {"WITHDRAWN — Bristol: RAID — calais", "Calais: RAID — calais"}, set())
    [entry] = [e for e in feedparser.parse(atom).entries if e.title == "WITHDRAWN — Bristol: RAID — calais"]
    assert entry.id.endswith(false.id.hex()) and "used on two devices" in entry.summary
    await running.stop()


async def test_a_fork_found_while_the_node_runs_reaches_the_public_page_at_once(tmp_path: Path, start_node, http,
                                                                                monkeypatch) -> None:
    """The public pages are read again when the newest row changes (node/dashboard/public_cache.py);
    a fork stores no row: the thief's false raid alert, taken out by the owner's event at its seq,
    stayed on the page as a live alert until the cache's age ran out (30 s). It follows the trust
    graph's version too now (a fork changes it). The age is made an hour here: only a change read
    as one brings the page up to date."""
    from node.dashboard import public_cache

    monkeypatch.setattr(public_cache, "MAX_AGE_S", 3600.0)
    calais, false, thief_wires, twin = thiefs_public_alert(tmp_path)
    running = await start_node(calais, AccessOptions(public=True))
    await running.node.db(running.node.log.ingest, thief_wires)  # as if a peer had brought them
    fetch = page_fetcher(running, http)
    async with asyncio.timeout(15):  # (stored: a new row, read again within 2 s)
        while f'id="alert-{false.id.hex()}"' not in await fetch("/public/alerts"):
            await asyncio.sleep(0.1)
    outcome = await running.node.db(running.node.log.ingest, [twin.encode()])
    assert outcome[0].reason == "fork", outcome
    try:
        async with asyncio.timeout(10):
            while f'id="withdrawn-{false.id.hex()}"' not in (html := await fetch("/public/alerts")):
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError("the forked alert still live on the public page 10 s after the fork") from None
    assert f'id="alert-{false.id.hex()}"' not in html
    await running.stop()
