"""The dashboard over HTTP, against real nodes (node.net.Node and its web app, driven in-process by
pytest-aiohttp's client; real SQLite, real keystore): pages and headers, languages, publish forms
with CSRF and validation, private details, login (passphrase, one-time link, where it sends the
browser), public read-only
mode, the live event stream and the panic wipe. Nobody is the admin without logging in: the tests
that need one log in with a link (RunningNode.log_in); tests/dashboard/test_no_admin_without_login.py
tries every way around that."""
from __future__ import annotations

import asyncio
import html as html_lib
import json
import re

import aiohttp
from aiohttp.test_utils import TestClient

from before_accepts import joined_before_accepts
from page_text import PASSPHRASE, PRIVATE, csrf_of, visible_text
from crypto.keys import SigningKey
from crypto.short_ids import short_id
from events.canonical import pack
from events.format import sign_event
from node import membership, publishing, revoked_here, words
from node.clock import OwnEventsRefused, now_ms
from node.log import MAX_CLOCK_SKEW_MS
from node.key_elsewhere import KeyElsewhere
from node.status import node_status
from node.status_text import status_text
from node.dashboard import AccessOptions, i18n

PUBLIC = AccessOptions(public=True)


async def get(http: aiohttp.ClientSession | TestClient, url: str, **kw) -> tuple[int, str, aiohttp.ClientResponse]:
    async with http.get(url, allow_redirects=False, **kw) as r:
        return r.status, await r.text(), r


async def post(http: aiohttp.ClientSession | TestClient, url: str, data: dict, **kw) -> tuple[int, str, aiohttp.ClientResponse]:
    async with http.post(url, data=data, allow_redirects=False, **kw) as r:
        return r.status, await r.text(), r


async def test_overview_for_the_admin(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    status, html, r = await get(node.client, "/")
    assert status == 200
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"] and "unsafe-inline" not in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    banner = html.index('class="alerts"')
    assert banner < html.index("Manif 42"), "the alerts banner comes first"
    assert "CRS 12:40" in html and "Kit 2031" in html and '<progress max="100" value="40"' in html
    assert "20 still needed" in html and "blankets: 40 items" in html
    assert "safeguarding of a minor" in html and PRIVATE not in html  # private details never on the overview
    assert '<time datetime="2031-06-01T' in html
    assert 'href="/publish"' in html and 'href="/admin/wipe"' in html
    status, calais_only, _ = await get(node.client, "/?region=bristol")
    assert "Manif 42" not in calais_only and "blankets: 40 items" in calais_only


async def test_french_everywhere_and_remembered(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    en, fr = i18n.catalog("en"), i18n.catalog("fr")
    french = "\n".join(fr.values())
    english_only = []  # the literal pieces of English strings that never occur in French ones
    for key, value in en.items():
        for piece in re.split(r"{\w+}", value):
            piece = piece.strip(" .,:;()·—–-")
            if value != fr[key] and re.search("[A-Za-z]{3}", piece) and not re.search(
                    rf"(?<![\w-]){re.escape(piece)}(?![\w-])", french):
                english_only.append(piece)
    assert len(english_only) > 150, "the comparison would prove little"
    pages = ["/", "/groups", "/publish", "/publish/action", "/publish/support.request", "/publish/alert",
             "/admin/wipe", "/login", f"/event/{sample.ids['fundraiser']}", f"/event/{sample.ids['support']}",
             f"/event/{sample.ids['need']}", f"/event/{sample.ids['alert']}"]
    for i, path in enumerate(pages):
        status, html, _ = await get(node.client, path + ("?lang=fr" if i == 0 else ""))
        assert status == 200, path
        assert '<html lang="fr"' in html, f"{path}: the language was not remembered"
        text = visible_text(html)
        for piece in english_only:
            assert not re.search(rf"(?<![\w-]){re.escape(piece)}(?![\w-])", text), \
                f"{path} shows English UI text {piece!r}"
    _, html, _ = await get(node.client, "/?lang=en")
    assert '<html lang="en"' in html
    async with aiohttp.ClientSession() as fresh:  # a new visitor: no cookie yet
        _, html, _ = await get(fresh, node.url + "/login", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
        assert '<html lang="fr"' in html and "Connexion" in html and "dashboard-link" in html


async def test_publish_form_checks_csrf_and_shows_errors_next_to_the_field(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    before = await running.db(running.log.store.count)
    _, form, _ = await get(node.client, "/publish/action")
    token = csrf_of(form)
    fields = {"title": "Cours 7", "region": "calais", "type": "class", "starts_at": "2031-07-01T10:00"}
    status, html, _ = await post(node.client, "/publish/action", fields)  # no token
    assert status == 403 and "did not come from this dashboard" in html
    status, _, _ = await post(node.client, "/publish/action", {**fields, "csrf": "0" * 64})
    assert status == 403
    status, _, _ = await post(node.client, "/publish/action", {**fields, "csrf": token},
                              headers={"Origin": "http://evil.example"})
    assert status == 403
    assert await running.db(running.log.store.count) == before, "a refused form stored nothing"

    status, html, _ = await post(node.client, "/publish/action", {**fields, "title": "", "csrf": token})
    assert status == 400
    assert re.search(r'id="f-title"[^>]*aria-invalid="true".*?<p class="field-error" id="e-title">Fill in this field.</p>',
                     html, re.S)
    assert 'value="calais"' in html, "what was typed is kept"
    status, html, _ = await post(node.client, "/publish/action?lang=fr",
                                 {**fields, "starts_at": "demain", "csrf": token})
    assert status == 400 and 'id="e-starts_at">Donnez une date et une heure' in html

    status, _, r = await post(node.client, "/publish/action", {**fields, "csrf": token})
    assert status == 303
    location = r.headers["Location"]
    assert re.fullmatch(r"/event/[0-9a-f]{64}\?published=1", location)
    _, html, _ = await get(node.client, location)
    assert "Cours 7" in html and "Publié" in html  # the language chosen above is remembered


async def test_a_full_disk_is_said_in_the_form_and_what_was_typed_is_kept(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    store = running.log.store
    await running.db(lambda: store.limit_pages(store.size_pages()))  # not one page more: the disk is full
    before = await running.db(running.log.store.count)
    _, form, _ = await get(node.client, "/publish/action")
    fields = {"title": "Cours 8", "region": "calais", "type": "class", "starts_at": "2031-07-01T10:00",
              "description": "x" * 3000, "csrf": csrf_of(form)}
    status, html, _ = await post(node.client, "/publish/action", fields)
    assert status == 507 and "disk is full" in html and 'value="Cours 8"' in html, html[-2000:]
    assert await running.db(running.log.store.count) == before
    await running.db(store.limit_pages, None)  # space freed
    status, _, _ = await post(node.client, "/publish/action", fields)
    assert status == 303 and await running.db(running.log.store.count) == before + 1


async def test_private_details_only_for_the_admin(sample, start_node) -> None:
    admin = await start_node(sample.nodes[0])
    await admin.log_in()
    _, html, _ = await get(admin.client, f"/event/{sample.ids['support']}")
    assert PRIVATE in html and "Decrypted in memory" in html
    await admin.stop()
    public = await start_node(sample.nodes[0], PUBLIC)
    status, html, _ = await get(public.client, f"/event/{sample.ids['support']}")
    assert status == 303 and PRIVATE not in html  # the login page: event pages are the admin's


async def test_private_details_padded_wrongly_are_said_to_be_damaged(sample, start_node, monkeypatch) -> None:
    """A request whose author's software padded its private part wrongly: the page shows the request
    and says the details cannot be read, and why; nothing of them, no error page."""
    from crypto import envelope
    node = sample.nodes[0]
    log = node.home.log()
    try:
        with monkeypatch.context() as patched:
            patched.setattr(envelope, "_framed", lambda plaintext: len(plaintext).to_bytes(4, "big") + plaintext)
            event = publishing.publish(log, node.home.keys(PASSPHRASE), "support.request", {
                "region": "calais", "type": "medical", "people": "1", "urgency": "low"},
                private="room 12, ask for Nadia", to=[node.home.config().group_id])
    finally:
        log.store.close()
    admin = await start_node(node)
    await admin.log_in()
    status, html, _ = await get(admin.client, f"/event/{event.id.hex()}")
    assert status == 200 and "room 12" not in html
    assert "what is inside is malformed" in visible_text(html) and "ask its group to publish" in visible_text(html)


async def test_remote_visitors_must_log_in_and_failures_are_throttled(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    status, _, r = await get(node.client, "/")
    assert status == 303 and r.headers["Location"].startswith("/login?next=")
    for path in ("/fragment/overview", "/fragment/alerts", "/live"):
        status, _, _ = await get(node.client, path)
        assert status == 401, path
    status, _, _ = await get(node.client, "/publish")
    assert status == 303
    _, html, _ = await get(node.client, "/login")
    token = csrf_of(html)
    status, _, _ = await post(node.client, "/login", {"passphrase": PASSPHRASE})  # no CSRF token
    assert status == 403
    status, _, r = await post(node.client, "/login", {"passphrase": PASSPHRASE, "csrf": token, "next": "//evil.example/"})
    assert status == 303 and r.headers["Location"] == "/"  # logged in; never sent off-site
    status, html, _ = await get(node.client, "/publish")
    assert status == 200
    _, html, _ = await get(node.client, "/")
    status, _, r = await post(node.client, "/logout", {"csrf": csrf_of(html)})
    assert status == 303
    status, _, _ = await get(node.client, "/publish")
    assert status == 303, "logged out"

    _, html, _ = await get(node.client, "/login")
    token = csrf_of(html)
    for _ in range(5):
        status, html, _ = await post(node.client, "/login", {"passphrase": "guess", "csrf": token})
        assert status == 401 and "Wrong passphrase" in html
    status, html, reply = await post(node.client, "/login", {"passphrase": PASSPHRASE, "csrf": token})
    assert status == 429 and "Too many failed attempts" in html  # even the right one waits now
    assert 0 < int(reply.headers["Retry-After"]) <= 61, reply.headers  # as the page says it, for a password manager or script


async def test_a_form_of_another_site_is_never_carried_into_the_login_page(sample, start_node) -> None:
    """A publish form sent while logged out comes back after logging in (tests/browser/
    test_typed_input_kept.py) only when the browser says it comes from this site's own page: another
    site's form posted here is sent to the login page as before, its fields dropped; what is carried
    is escaped."""
    node = await start_node(sample.nodes[0])
    form = {"region": "calais", "type": "raid", "text": '"><script>alert(1)</script>', "expires_in": "3h"}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {}):
        status, html, r = await post(node.client, "/publish/alert", form, headers=headers)
        assert status == 303 and r.headers["Location"].startswith("/login?next="), headers
    status, html, _ = await post(node.client, "/publish/alert", form, headers={"Sec-Fetch-Site": "same-origin"})
    assert status == 401 and 'name="carry.text" value="&#34;&gt;&lt;script&gt;' in html and "<script>alert" not in html
    assert 'name="carry.csrf"' not in html


async def test_login_sends_the_browser_only_to_a_path_of_this_site(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    _, html, _ = await get(node.client, "/login?next=%2F%09%2Fevil.example%2F")
    assert 'name="next" value="/"' in html, "a tab in next is dropped by browsers: /\t/evil.example/ is off-site"
    for next_ in ("/\t/evil.example/", "/\r\nSet-Cookie: a=b", "/\n", "//evil.example/", "/\\evil.example/",
                  "/publish/action"):
        _, html, _ = await get(node.client, "/login")
        status, _, r = await post(node.client, "/login", {"passphrase": PASSPHRASE, "csrf": csrf_of(html),
                                                               "next": next_})
        assert status == 303, f"{next_!r}: {status}"  # never an error inside aiohttp, never a dropped connection
        assert r.headers["Location"] == ("/publish/action" if next_ == "/publish/action" else "/"), repr(next_)
        status, _, _ = await get(node.client, "/publish")
        assert status == 200, "logged in"


async def test_public_pages_are_read_only_and_show_only_what_is_public(sample, start_node) -> None:
    """--public-dashboard serves the public pages (/public/...) to visitors who have not logged in,
    nothing else: the network's own pages (an alert not marked public, where a raid is; a support
    request for a minor; the member groups and peers) stay for the admin. They used to be served to
    every visitor, the police included, by a node turned on to serve its public alert page."""
    node = await start_node(sample.nodes[0], PUBLIC)
    status, _, r = await get(node.client, "/")
    assert status == 303 and r.headers["Location"] == "/public/"
    status, html, _ = await get(node.client, "/public/")
    assert status == 200 and "CRS 12:40" not in html and "Zone 7" not in html and "safeguarding" not in html
    assert 'href="/login"' in html  # the node's own coordinators, sent here from /, find the way in
    for path in (f"/event/{sample.ids['alert']}", f"/event/{sample.ids['support']}", "/groups"):
        status, html, r = await get(node.client, path)
        assert status == 303 and r.headers["Location"].startswith("/login?next="), path
        assert "CRS 12:40" not in html
    for path in ("/fragment/overview", "/fragment/alerts", f"/fragment/event/{sample.ids['alert']}", "/live"):
        status, html, _ = await get(node.client, path)
        assert status == 401 and "CRS 12:40" not in html, path
    for path in ("/publish", "/publish/action", "/admin/wipe"):
        status, _, _ = await get(node.client, path)
        assert status == 403, path
    _, html, _ = await get(node.client, "/login")
    status, _, _ = await post(node.client, "/publish/action", {"title": "x", "csrf": csrf_of(html)})
    assert status == 403
    await node.log_in()  # the admin sees the network's pages as before
    status, html, _ = await get(node.client, "/")
    assert status == 200 and "CRS 12:40" in html and "Manif 42" in html


async def test_groups_page_shows_a_revoked_group_with_its_reason(sample, start_node) -> None:
    calais, bristol = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    _, before, _ = await get(node.client, "/groups")
    assert "revoked" not in visible_text(before)  # Bristol is listed by id (its profile is on its own node)
    running = node.node
    subject = bytes.fromhex(bristol.home.config().group_id)
    await running.db(lambda: membership.revoke(running.log, calais.home.keys(PASSPHRASE), subject,
                                               reason="keys seized 14/03", offline=True))
    _, after, _ = await get(node.client, "/groups")
    text = visible_text(after)
    assert "revoked" in text and "keys seized 14/03" in text, text
    # Each group's heading says its name, region and standing as words apart (a screen reader heard
    # "Calais calaisactive"; the tags are spans, so only a space parts them)
    headings = [re.sub(r"<[^>]+>", "", h).split() for h in re.findall(r"<h2>(.*?)</h2>", after, re.S)]
    assert any(h[-1] == "revoked" for h in headings) and any(h[-1] == "active" for h in headings), headings
    # The revoker by its group's name, as `solnet view groups` and `status` say it
    calais_name = calais.home.config().group_name
    assert re.search(rf"Revoked\s+\S+ \S+ UTC\s+by\s+{calais_name}\s+—\s+keys seized 14/03", text), text


async def test_a_revoked_groups_devices_that_still_sign_are_not_shown_as_plain_active(sample, start_node) -> None:
    """A group revoked from a seq above 1 keeps the devices it certified before (design rule 8): the
    groups page listed them "— active" under the revoked group and `status` counted them among the
    network's devices, as if nothing had happened to them."""
    calais, bristol = sample.nodes
    theirs = bristol.home.log()
    wires, bristol_group = list(theirs.store.iter_wire()), bytes.fromhex(bristol.home.config().group_id)
    bristol_head = theirs.store.head(bristol_group)[0]
    theirs.store.close()
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    await running.db(running.log.ingest, wires)
    await running.db(lambda: membership.revoke(running.log, calais.home.keys(PASSPHRASE), bristol_group,
                                               from_seq=bristol_head + 1, reason="left", offline=True))
    device = bristol.home.config().device_id[:12]
    for lang, said in (("en", "of a revoked group: certified before its revocation point (seq "
                              f"{bristol_head + 1}), it can still sign"),
                       ("fr", "d’un groupe révoqué\u202f: certifié avant son point de révocation (numéro "
                              f"{bristol_head + 1}), il peut encore signer")):
        _, page, _ = await get(node.client, f"/groups?lang={lang}")
        text = visible_text(page)
        assert re.search(rf"{device}…\s+—\s+{re.escape(said)}", text), text
    out = await running.db(node_status, calais.home, running.log)
    assert (out["devices"], out["devices_of_revoked_groups"]) == (1, 1), out  # Calais's own; Bristol's
    assert ("members: 1 group, 1 device, and 1 device of a revoked group (certified before its revocation point: "
            "it can still sign)") in status_text(out), status_text(out)


async def test_a_support_request_made_within_the_hour_is_less_than_an_hour_old(sample, start_node) -> None:
    """The overview said "0 hours old" ("depuis 0 heures") of a request made minutes ago."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said, not_said in (("en", "less than an hour old", "0 hours old"),
                                 ("fr", "depuis moins d’une heure", "depuis 0 heure")):
        _, page, _ = await get(node.client, f"/?lang={lang}")
        text = visible_text(page)
        assert said in text and not_said not in text, text


async def test_groups_page_says_a_forked_device_forked_not_revoked_by_itself(sample, start_node) -> None:
    """A home restored from a backup signed again at a seq the network held: the groups page said
    "revoked from seq N by <the device's own id>… — fork", as if the device had revoked itself."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    device = running.keys.device
    chain = await running.db(running.log.store.ids_of, bytes(device.public))
    seq, prev = chain[-1][0], (chain[-2][1] if len(chain) > 1 else None)
    twin = sign_event(device, network=running.log.network_id, seq=seq, prev=prev, timestamp=now_ms(), kind="need",
                      body=pack({"category": "food", "quantity": 1, "region": "calais"}))
    await running.db(running.log.ingest, [twin.encode()])
    short = bytes(device.public).hex()[:12]
    for lang, said in (("en", f"forked at seq {seq}: its key signed two different events there"),
                       ("fr", f"fourché au numéro {seq}\u202f: sa clé y a signé deux événements différents")):
        _, page, _ = await get(node.client, f"/groups?lang={lang}")
        text = visible_text(page)
        this = "this node" if lang == "en" else "ce nœud"  # the forked device is this node's own
        assert re.search(rf"{short}…\s+\({this}\)\s+—\s+{re.escape(said)}", text), text
        assert f"by {short}" not in text and f"par {short}" not in text, text
        # How many of the group's devices are revoked, as `solnet view groups` says it
        assert ("Devices (1; revoked: 1)" if lang == "en" else "Appareils (1\u202f; révoqués\u202f: 1)") in text, text


async def test_the_overview_warns_the_admin_when_this_nodes_own_device_is_revoked(sample, start_node) -> None:
    """The node's own device key revoked (the laptop holding a copy was seized): the admin's
    overview says that no node links with it any more and what to do; a visitor sees nothing."""
    calais, _ = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    _, before, _ = await get(node.client, "/")
    assert "no node links with" not in visible_text(before)
    running = node.node
    device = bytes(running.keys.device.public)
    await running.db(lambda: membership.revoke(running.log, calais.home.keys(PASSPHRASE), device,
                                               reason="laptop seized", offline=True))
    _, after, _ = await get(node.client, "/")
    text = visible_text(after)
    assert re.search(r"This device is revoked from seq \d+: no node links with it any more", text), text
    assert "(laptop seized)" in text and "solnet init --device-of" in text
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "Cet appareil est révoqué depuis le numéro" in visible_text(french)
    async with aiohttp.ClientSession() as visitor:  # not logged in: no word of it
        _, public, _ = await get(visitor, node.url + "/")
    assert "no node links with" not in visible_text(public)


async def test_the_overview_says_a_device_refused_as_frozen_by_its_fork_was_not_revoked(sample, start_node) -> None:
    """A peer refused this device as frozen by its own fork (a restore that had not caught up): the
    overview said "refused this device as revoked" and to ask the coordinators whether it was."""
    calais, bristol = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    config = bristol.home.config()  # what node/revoked_here.py keeps of a peer's frozen:7 refusal
    kept = {"by": config.device_id, "group": config.group_id, "name": "Bristol", "at": now_ms(), "forked_at": 7,
            "device": bytes(running.keys.device.public).hex()}

    def keep() -> None:
        with running.log.store.write():
            running.log.store.set_meta(revoked_here.META_KEY, json.dumps(kept).encode())
    await running.db(keep)
    assert await running.db(revoked_here.load, running.log.store) == kept
    texts = {}
    for lang, said, not_said in (
            ("en", "A peer of Bristol refused this device on", "as revoked"),
            ("fr", "Un pair de Bristol a refusé cet appareil le", "comme révoqué")):
        _, page, _ = await get(node.client, f"/?lang={lang}")
        texts[lang] = text = visible_text(page)
        assert said in text and not_said not in text, text
    en, fr = texts["en"], texts["fr"]
    assert "two different events at seq 7" in en and "from seq 7 are gone" in en and "Nobody revoked it" in en, en
    assert "deux événements différents au numéro 7" in fr and "gelé\u202f:" in fr, fr

async def _refusal_kept_here(sample, start_node):
    """Calais's node, served and logged in; its running node; Bristol's config; and a coroutine that
    keeps a refusal of Calais's device as node/revoked_here.py does."""
    calais, bristol = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    running = node.node

    async def keep(kept: dict) -> None:
        def write() -> None:
            with running.log.store.write():
                running.log.store.set_meta(revoked_here.META_KEY, json.dumps(kept).encode())
        await running.db(write)
    return node, running, bristol.home.config(), keep


async def test_the_overview_says_a_fork_past_this_homes_head_is_the_key_signing_elsewhere(sample, start_node) -> None:
    """A peer refused this device as frozen at a seq this home never reached (a thief's copy signing
    on past it): the overview said a restore of this home had forked it."""
    node, running, config, keep = await _refusal_kept_here(sample, start_node)
    await keep({"by": config.device_id, "group": config.group_id, "name": "Bristol", "at": now_ms(), "forked_at": 999,
                "device": bytes(running.keys.device.public).hex(), "elsewhere": True})
    for lang, said, not_said in (
            ("en", "a seq this home never reached: another copy of this device's key signs elsewhere",
             "a restore that had not caught up"),
            ("fr", "un numéro que ce dossier n’a jamais atteint\u202f: une autre copie de la clé de cet appareil signe",
             "une restauration qui n’avait pas rattrapé")):
        _, page, _ = await get(node.client, f"/?lang={lang}")
        text = visible_text(page)
        assert said in text and not_said not in text, text


async def test_the_overview_says_one_peers_group_fork_claim_as_its_word_and_several_groups_as_likely(
        sample, start_node) -> None:
    """One member's node (an infiltrator's modified client) refusing this device as `group_frozen:5`
    made the overview say it was the group key's fork, like the device's own, in words that made
    every group dialling it ask for its own removal. Said as one peer's word; several groups' as likely."""
    node, running, config, keep = await _refusal_kept_here(sample, start_node)
    one = {"by": config.device_id, "group": config.group_id, "name": "Bristol", "at": now_ms(), "forked_at": 5,
           "forked_key": "group", "device": bytes(running.keys.device.public).hex(), "held": 5}
    several = {**one, "also": [{"by": "07" * 32, "group": "08" * 32, "name": "Dover"}]}
    for kept, said in (
            (one, {"en": ("That is one peer's word", "revoke your group"),
                   "fr": ("C’est la parole d’un seul pair", "révoquer votre groupe")}),
            (several, {"en": ("Peers of Bristol, Dover refused this device", "one peer"),
                       "fr": ("Des pairs de Bristol, Dover ont refusé", "un seul pair")})):
        await keep(kept)
        for lang, (words, not_said) in said.items():
            _, page, _ = await get(node.client, f"/?lang={lang}")
            text = visible_text(page)
            assert words in text and not_said not in text and "its key signed" not in text, text


async def test_the_overview_says_when_this_machines_clock_looks_behind(sample, start_node) -> None:
    """Events of two groups refused as stamped two hours after this machine's clock (a Pi that runs
    late after a power cut): the overview says so, how far, and what it costs; the status too."""
    calais, bristol = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    _, before, _ = await get(node.client, "/")
    assert "clock looks" not in visible_text(before) and running.live_facts()["clock_behind_ms"] is None
    later = now_ms() + 2 * 3_600_000 - 30_000  # 1 h 59 min 30 s: said as 1 h 59 min, whatever the test's pace
    ahead = [sign_event(key, network=running.log.network_id, seq=900 + i, prev=bytes(32), timestamp=later, kind="need",
                        body=pack({"category": "tents", "quantity": i + 1, "region": "calais"})).encode()
             for i, key in enumerate((running.keys.device, bristol.home.keys(PASSPHRASE).group))]
    outcomes = await running.db(running.log.ingest, ahead)
    assert [o.reason for o in outcomes] == ["future_timestamp"] * 2
    behind = running.live_facts()["clock_behind_ms"]
    assert 2 * 3_600_000 - 60_000 < behind <= 2 * 3_600_000 - 30_000, behind
    _, after, _ = await get(node.client, "/")
    assert re.search(r"This machine's clock looks at least 1 h 5\d min behind its peers'", visible_text(after))
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "L’horloge de cette machine semble en retard d’au moins 1 h 5" in visible_text(french)
    # a group's clock can lie (an infiltrator's two groups): compared before it is set
    assert "compare it with a time you trust (a phone's" in visible_text(after)
    assert "comparez-la à une heure sûre (celle d’un téléphone" in visible_text(french)
    out = {"group_id": "aa" * 32, "group_name": "Calais", "region": "calais", "device_id": "bb" * 32,
           "network_id": "cc" * 32, "network_name": "test", "events": 1, "authors": 1, "pending": 0, "forks": 0,
           "groups": 1, "devices": 1, "revoked": [], "node": {"running": True, "clock_behind_ms": behind}}
    assert "  WARNING: this machine's clock looks 1 h 5" in status_text(out), status_text(out)


async def test_the_overview_says_when_peers_do_not_take_this_nodes_events(sample, start_node) -> None:
    """Two peers that did not take what complete rounds gave them (a clock ahead: they refuse events
    stamped after their clocks, and say nothing back): the overview says so, in English and French."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    _, before, _ = await get(node.client, "/")
    assert "did not take" not in visible_text(before)
    for peer in (bytes([1]) * 32, bytes([2]) * 32):  # keys of no member: their word is nobody's
        running.links.own_refused.round_done(peer, (7, 7), now_ms() - 1)
        running.links.own_refused.round_done(peer, (7, 8), now_ms())
    _, strangers, _ = await get(node.client, "/")
    assert "did not take" not in visible_text(strangers)
    running.links.own_refused = OwnEventsRefused()  # the words: every peer's word counts (not the graph's)
    for peer in (bytes([1]) * 32, bytes([2]) * 32):  # each: two complete rounds gave it seq 7, still lacking
        running.links.own_refused.round_done(peer, (7, 7), now_ms() - 1)
        running.links.own_refused.round_done(peer, (7, 8), now_ms())
    _, after, _ = await get(node.client, "/")
    assert "Peers of 2 groups did not take this node's events from seq 7" in visible_text(after)
    assert "clock may be ahead" in visible_text(after)
    assert "Compare it with a time you trust (a phone's, or a time server's) before changing it" in visible_text(after)
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "Des pairs de 2 groupes n’ont pas pris les événements de ce nœud à partir du numéro 7" in visible_text(french)


async def test_the_overview_says_that_events_stamped_ahead_wait_at_peers_once_the_clock_is_right(sample,
                                                                                                  start_node) -> None:
    """This device's newest events were stamped while its clock ran ahead (set right since): the
    overview says how many wait at peers, until when, and to publish anything, in English and French,
    instead of the clock may be ahead (peers that did not take them say nothing more)."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    running.links.own_refused = OwnEventsRefused()  # the words: every peer's word counts (not the graph's)
    for peer in (bytes([1]) * 32, bytes([2]) * 32):  # as above: two peers did not take seq 7
        running.links.own_refused.round_done(peer, (7, 7), now_ms() - 1)
        running.links.own_refused.round_done(peer, (7, 8), now_ms())
    running._own_ahead = (2, now_ms() + 3_600_000)  # as a complete round reads it (store.stamped_after)
    _, after, _ = await get(node.client, "/")
    text = visible_text(after)
    assert "2 events of this device wait at peers until" in text and "publish anything" in text, text
    assert "clock may be ahead" not in text, text
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "2 événements de cet appareil attendent chez les pairs jusqu’à" in visible_text(french)
    running._own_ahead = (2, now_ms() + 5 * 3_600_000)  # too far ahead for a rightly stamped event to let in
    _, far, _ = await get(node.client, "/?lang=en")
    text = visible_text(far)
    assert "only up to 3 hours ahead" in text and "publish anything" not in text, text
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "que jusqu’à 3 heures d’avance" in visible_text(french)
    running._own_ahead = (1, now_ms() + MAX_CLOCK_SKEW_MS - 1000)  # past: peers take it by now
    _, past, _ = await get(node.client, "/?lang=en")
    assert "wait at peers" not in visible_text(past) and "clock may be ahead" in visible_text(past)


async def test_the_overview_tells_the_admin_that_another_node_signs_with_this_devices_key(sample, start_node) -> None:
    """A peer brought this device's event that this node did not make (a copy of the home running
    elsewhere): the admin's overview says so and what to do, in English and French; a visitor
    logged out sees nothing of it."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    _, before, _ = await get(node.client, "/")
    assert "signs with this device's key" not in visible_text(before)
    device = bytes(running.keys.device.public)
    running.links.key_elsewhere = KeyElsewhere(device, now_ms() - 3_600_000)
    made = sign_event(running.keys.device, network=running.log.network_id, seq=40, prev=bytes(32),
                      timestamp=now_ms(), kind="action", body=pack({"title": "x"}))
    running.links.key_elsewhere.stored([made.encode()])
    _, after, _ = await get(node.client, "/")
    text = visible_text(after)
    assert "Another node signs with this device's key: a peer brought this device's event seq 40" in text, text
    assert "stop it now" in text
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "Un autre nœud signe avec la clé de cet appareil" in visible_text(french)
    running.links.key_elsewhere = KeyElsewhere(device, now_ms(), own_head=39)  # made before it started
    earlier = sign_event(running.keys.device, network=running.log.network_id, seq=40, prev=bytes(32),
                         timestamp=now_ms() - 3_600_000, kind="action", body=pack({"title": "x"}))
    running.links.key_elsewhere.stored([earlier.encode()])
    _, stopped, _ = await get(node.client, "/?lang=en")
    assert "it was signed elsewhere while this node was stopped" in visible_text(stopped)
    await node.client.post("/logout", data={"csrf": csrf_of(stopped)})
    _, visitor, _ = await get(node.client, "/")
    assert "signs with this device's key" not in visible_text(visitor) and "signed elsewhere" not in visible_text(visitor)


async def test_every_page_of_the_admin_reads_the_alerts_and_no_other_page_does(sample, start_node) -> None:
    """A page without the overview's banner (a form) says an alert that comes while it is open
    (static/app.js, tests/browser/test_alert_on_every_page.py): it reads /fragment/alerts, the live
    alerts with where each was stored, not the whole overview. The login page, a public visitor's
    and the overview (its banner is live already) have no such watch."""
    node = await start_node(sample.nodes[0], PUBLIC)
    for path in ("/login", "/public/"):
        status, html, _ = await get(node.client, path)
        assert status == 200 and 'id="alert-notice"' not in html and "/fragment/alerts" not in html, path
    await node.log_in()
    for path in ("/groups", "/publish/need", f"/event/{sample.ids['alert']}"):
        _, html, _ = await get(node.client, path)
        assert 'data-fragment="/fragment/alerts"' in html and 'id="alert-notice" class="alert-notice" hidden' in html, path
    _, overview, _ = await get(node.client, "/")
    assert "/fragment/alerts" not in overview
    status, fragment, _ = await get(node.client, "/fragment/alerts")
    assert status == 200 and "<html" not in fragment
    stored = await node.node.db(node.node.log.store.event_n, bytes.fromhex(sample.ids["alert"]))
    assert re.search(f'data-key="{sample.ids["alert"]}"[^>]* data-n="{stored}"[^>]*CRS 12:40', fragment), fragment


async def test_live_stream_says_when_new_events_are_stored(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    since = running.last_stored_n
    keys = sample.nodes[0].home.keys(PASSPHRASE)
    async with node.client.get(f"/live?since={since}") as stream:
        assert stream.status == 200 and stream.headers["Content-Type"] == "text/event-stream; charset=utf-8"
        assert (await asyncio.wait_for(stream.content.readline(), 10)).startswith(b"retry:")
        await running.db(publishing.publish, running.log, keys, "action",
                         {"title": "Direct 9", "region": "calais", "type": "outreach", "starts_at": "2031-08-01T10:00"})

        async def next_change() -> bytes:
            while True:
                line = await stream.content.readline()
                if line.startswith(b"event: change"):
                    return await stream.content.readline()
        data = await asyncio.wait_for(next_change(), 10)
        assert int(data.decode().removeprefix("data:").strip()) > since
    _, fragment, _ = await get(node.client, "/fragment/overview")
    assert "Direct 9" in fragment and "<html" not in fragment


async def test_a_live_stream_says_its_planned_end(sample, start_node, monkeypatch) -> None:
    """A stream that ends after its lifetime says so ("event: end"): the page opens a new one without
    a word. Its end looked like a failure, and every page said "Live updates interrupted" each 5 minutes."""
    from node.dashboard import app as dashboard_app
    monkeypatch.setattr(dashboard_app, "STREAM_LIFETIME_S", 0.3)
    monkeypatch.setattr(dashboard_app, "KEEPALIVE_S", 0.1)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get(f"/live?since={node.node.last_stored_n}") as stream:
        assert stream.status == 200
        body = await asyncio.wait_for(stream.content.read(), 10)  # (all of it: the node closes it)
    assert body.endswith(b"event: end\ndata: lifetime\n\n"), body[-80:]


async def test_public_visitors_cannot_take_the_admins_live_stream(sample, start_node) -> None:
    """With --public-dashboard, a visitor who has not logged in gets no live stream at all (it says
    when the network's events change); the admin still gets one."""
    node = await start_node(sample.nodes[0], PUBLIC)
    async with aiohttp.ClientSession() as visitor:
        async with visitor.get(node.client.make_url("/live")) as refused:
            assert refused.status == 401
    await node.log_in()
    async with node.client.get("/live") as admin:
        assert admin.status == 200
        assert (await asyncio.wait_for(admin.content.readline(), 10)).startswith(b"retry:")


async def test_wipe_asks_for_confirmation_then_destroys_the_keys(sample, start_node) -> None:
    home = sample.nodes[0].home
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, html, _ = await get(node.client, "/admin/wipe")
    token = csrf_of(html)
    status, html, _ = await post(node.client, "/admin/wipe", {"csrf": token, "confirm": "yes"})
    assert status == 400 and "Nothing was wiped" in html
    assert home.keystore_path.exists() and not node.wiped
    status, html, _ = await post(node.client, "/admin/wipe", {"csrf": token, "confirm": "wipe"})
    assert status == 200
    assert "The keystore was overwritten and deleted." in html and "Private parts dropped: 1." in html
    assert not home.keystore_path.exists()
    await asyncio.wait_for(_until(lambda: bool(node.wiped)), 5)


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.05)


async def test_a_group_named_like_this_one_is_told_apart_on_every_page_and_in_the_api(sample, start_node) -> None:
    """A member lets in a group that calls itself like this node's ("CaIais", a capital I): the
    groups page says so beside both, the admin's overview warns that a group may be passing as
    theirs, the recipients offered for a support request carry their ids, and the API names
    both with their ids."""
    calais = sample.nodes[0]
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    impostor = SigningKey.generate()
    keys = calais.home.keys(PASSPHRASE)

    def admit() -> None:
        running.log.append(keys.group, "member.vouch", {"subject": bytes(impostor.public), "role": "group"}, offline=True)
        running.log.append(impostor, "group.profile", {"name": "CaIais", "region": "calais"}, offline=True)
    await running.db(admit)
    real_id = bytes.fromhex(calais.home.config().group_id)
    real, copy = f"Calais ({short_id(real_id)})", f"CaIais ({short_id(bytes(impostor.public))})"

    _, html, _ = await get(node.client, "/groups")
    text = visible_text(html)
    assert text.count("A name like another's.") == 2 and real in text and copy in text, text
    _, overview, _ = await get(node.client, "/")  # the admin hears that a group may be passing as theirs
    said = status_text(await running.db(node_status, calais.home, running.log))  # and `solnet status`
    assert f"WARNING: another group's name looks like this group's: {copy} (let in by {real})." in said, said
    warning = re.search(r'<p [^>]*id="name-like-ours">(.*?)</p>', overview, re.S)
    assert warning and html_lib.unescape(re.sub(r"<[^>]+>", "", warning.group(1))).startswith(
        f"Another group's name looks like this group's: {copy} (let in by {real}).")
    _, form, _ = await get(node.client, "/publish/support.request")
    # (the look-alike has no device that could read a private part: not offered as a recipient)
    assert real in visible_text(form) and copy not in visible_text(form)

    headers = {"Authorization": f"Bearer {running.home.admin_token(running.keys)}"}
    async with node.client.get("/api/v1/groups", headers=headers) as r:
        groups = {g["id"]: g for g in (await r.json())["items"]}
    assert groups[real_id.hex()]["name"] == real and groups[real_id.hex()]["looks_like"] == [bytes(impostor.public).hex()]
    async with node.client.get("/api/v1/events?kind=group.profile", headers=headers) as r:
        named = {e["group"]: e["group_name"] for e in (await r.json())["events"]}
    assert named[bytes(impostor.public).hex()] == copy and named[real_id.hex()] == real


def _warning(html: str, element_id: str) -> str | None:
    found = re.search(rf'<p [^>]*id="{element_id}">(.*?)</p>', html, re.S)
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else None


async def test_a_group_that_named_no_admitter_is_told_to_run_accept_on_the_overview(sample, start_node, tmp_path) -> None:
    """A group that joined before `join` named its admitter (no accept) can be taken over by a member
    nearer the founders: `solnet status` warns and says to run `solnet accept`; the admin's overview
    says the same, in English and in French, naming the group(s) that vouched with the id the
    command takes, until the group names its admitter. The public overview does not say it."""
    calais, bristol = sample.nodes
    dover = joined_before_accepts(tmp_path, calais, PASSPHRASE)
    node = await start_node(dover)
    running = node.node
    calais_id = bytes(calais.keys.group.public)
    said = status_text(await running.db(node_status, dover.home, running.log))
    assert f"`solnet accept` on your group's main node: it names {short_id(calais_id)}," in said, said
    _, public, _ = await get(node.client, "/")
    assert 'id="admitters-unnamed"' not in public
    await node.log_in()
    _, overview, _ = await get(node.client, "/")
    assert _warning(overview, "admitters-unnamed") == (  # (its spaces made plain, the narrow no-break ones too)
        "This group names no group it joined through, so a member nearer the founders could vouch for it and then "
        "revoke it. Run solnet accept on your group's main node: it names Calais "
        f"({short_id(calais_id)}), the one group that vouched for yours.")

    # Bristol vouches for Dover too: which of the two invited it is for its coordinators to say.
    inviter = bristol.home.log()
    try:
        token, _ = membership.invite(inviter, bristol.keys, bytes(dover.keys.group.public), [],
                                     bytes(bristol.keys.group.public))
    finally:
        inviter.store.close()
    await running.db(running.log.ingest, token.events)
    bristol_id = bytes(bristol.keys.group.public)
    _, overview, _ = await get(node.client, "/?lang=fr")
    listed = ", ".join(f"{name} ({short_id(g)})" for name, g in sorted(
        (("Calais", calais_id), ("Bristol", bristol_id)), key=lambda p: p[1]))
    assert _warning(overview, "admitters-unnamed") == (  # (its spaces made plain, the narrow no-break ones too)
        "Ce groupe ne nomme aucun groupe par lequel il est entré : un membre plus proche des fondateurs pourrait "
        "donc l’admettre à son tour, puis le révoquer. Lancez solnet accept ID_DU_GROUPE sur le nœud principal "
        f"de votre groupe, avec le groupe qui a invité le vôtre ; ceux-ci l’ont admis : {listed}.")

    await running.db(membership.accept_admitters, running.log, dover.keys, [calais_id])
    _, overview, _ = await get(node.client, "/")
    assert 'id="admitters-unnamed"' not in overview
    assert "solnet accept" not in status_text(await running.db(node_status, dover.home, running.log))


async def test_an_event_with_a_time_past_the_year_9999_is_shown_and_breaks_nothing(sample, start_node) -> None:
    """The event format takes times up to 2**53 ms; a member's action starting in the year 10000
    (or 142,000) made every page, the API's listings and the CLI fail on every node it reached.
    Such a time is shown as the last second of 9999, and this node refuses to publish one."""
    calais = sample.nodes[0]
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    keys = calais.home.keys(PASSPHRASE)
    far = 2**53 - 1
    fields = {"title": "Far away", "region": "calais", "type": "protest", "starts_at": far, "ends_at": far}

    def publish_far() -> bytes:  # signed as any member could: the format allows it
        return running.log.append(keys.device, "action", fields, offline=True).id
    far_id = await running.db(publish_far)
    for path in ("/", f"/event/{far_id.hex()}", "/?region=calais"):
        status, html, _ = await get(node.client, path)
        assert status == 200, path
    assert "9999-12-31" in html
    headers = {"Authorization": f"Bearer {running.home.admin_token(running.keys)}"}
    for path in ("/api/v1/events?limit=5", "/api/v1/actions", f"/api/v1/events/{far_id.hex()}"):
        async with node.client.get(path, headers=headers) as r:
            assert r.status == 200, (path, await r.text())
    async with node.client.get(f"/api/v1/events/{far_id.hex()}", headers=headers) as r:
        shown = await r.json()
        assert shown["starts_at"] == "9999-12-31T23:59:59Z", shown
    for starts_at in ("9999-12-31T23:59-14:00", "10000-01-01T00:00"):  # 10000-01-01 UTC; not ISO at all
        async with node.client.post("/api/v1/events", headers=headers, json={
                "kind": "action", "fields": {"title": "x", "region": "calais", "type": "protest",
                                             "starts_at": starts_at}}) as r:
            answer = await r.json()
            assert r.status == 422 and answer["error"]["field"] == "starts_at", answer
    async with node.client.post("/api/v1/events", headers=headers, json={
            "kind": "need", "fields": {"category": "tents", "region": "calais", "quantity": "1"},
            "expires_in": "99999999d"}) as r:
        assert r.status == 422 and (await r.json())["error"]["field"] == "expires_in"


async def test_the_panic_wipe_destroys_the_keys_while_the_database_is_stuck(sample, start_node, monkeypatch) -> None:
    """The database thread held up (an SD card that hangs on a write, a long ingest queued first):
    the panic wipe still destroys the keystore at once and answers within its bound, saying what of
    the database it could not reach. It used to run wholly on that thread, behind everything queued
    there: the keys stayed on disk, and the page hung, for as long as the database did."""
    import threading

    from node.dashboard import app as dashboard_app
    monkeypatch.setattr(dashboard_app, "WIPE_DB_WAIT_S", 1.0, raising=False)
    home = sample.nodes[0].home
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, html, _ = await get(node.client, "/admin/wipe")
    release = threading.Event()
    stuck = asyncio.ensure_future(node.node.db(release.wait, 60))  # the database thread, held
    try:
        status, html, _ = await asyncio.wait_for(
            post(node.client, "/admin/wipe", {"csrf": csrf_of(html), "confirm": "wipe"}), 20)
        assert status == 200 and "The keystore was overwritten and deleted." in html
        assert not home.keystore_path.exists() and not home.config_path.exists()
        assert "did not answer" in visible_text(html)  # what is left, said
        assert not stuck.done()
    finally:
        release.set()
        await asyncio.wait_for(stuck, 10)


async def test_an_alerts_notification_says_which_group_posted_it(sample, start_node) -> None:
    """The browser notification and the screen reader's announcement of a new alert (both read
    data-label-announce, static/app.js) name the group that posted it, as the overview does: any
    member group may post an alert, an infiltrator's too, and a notification is read on its own. The
    group comes before the words the alert's poster chose (its place and text): a notification shows
    its first lines alone, and an infiltrator's alert that wrote "(posted by Calais)" and 1,000
    characters more into its text had its real poster cut off."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, html, _ = await get(node.client, "/")
    said = re.search(rf'data-key="{sample.ids["alert"]}"[^>]*data-label-announce="([^"]*)"', html)
    assert said is not None, html
    words = html_lib.unescape(said.group(1))
    assert re.match(r"[a-z_]+, [a-z0-9-]+ \(posted by Calais\)[,:] ", words), words  # type, region, poster, then its words


async def test_an_action_dated_in_the_past_is_published_with_the_warning_solnet_publish_gives(sample, start_node) -> None:
    """A year typed wrong around New Year: `solnet publish action` warns, and so does the dashboard,
    in the same words, next to the form's result."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, form, _ = await get(node.client, "/publish/action")
    fields = {"title": "Cours 9", "region": "calais", "type": "class", "csrf": csrf_of(form)}
    status, _, r = await post(node.client, "/publish/action", {**fields, "starts_at": "2020-01-01T18:00"})
    assert status == 303
    _, html, _ = await get(node.client, r.headers["Location"])
    event_id = r.headers["Location"].split("/")[2].split("?")[0]
    raw = re.search(r'<p class="cut-off" id="flash-warning" role="alert">(.*?)</p>', html, re.S)[1]
    assert '(<time datetime="2020-01-01T' in raw or '(<time datetime="2020-01-02T' in raw, raw  # in the reader's zone
    said = html_lib.unescape(re.sub(r"<[^>]+>", "", raw))
    when = re.search(r"starts in the past \((.*?)\)", said)[1]
    assert when.startswith("2020-01-01 ") or when.startswith("2020-01-02 "), said
    # The command's words, but for the command: the dashboard's way to take it back (node/dashboard/withdraw.py)
    cli_words = words.past_action(when, event_id).replace(f"redact this one (`solnet redact {event_id}`)",
                                                          "withdraw this one (Withdraw its content)")
    assert said == cli_words[0].upper() + cli_words[1:] + ".", said
    assert f'(<a href="/event/{event_id}/withdraw">Withdraw its content</a>)' in raw, raw
    assert html.index(">Published") < html.index('id="flash-warning"'), \
        "next to the form's result"

    status, _, r = await post(node.client, "/publish/action", {**fields, "starts_at": "2031-07-01T10:00"})
    _, html, _ = await get(node.client, r.headers["Location"])
    assert re.search(r"<p class=\"flash\"[^>]* role=\"status\"[^>]*>Published", html) and "flash-warning" not in html


async def test_an_old_request_and_fundraiser_keep_their_state_and_buttons_on_their_pages(sample, start_node) -> None:
    """A page found its event's state among the newest rows of the region only: once more newer
    requests had come in, the one that had waited longest lost "open", where it could go and its
    close button on its own page, and an old fundraiser its "raised of" line."""
    from node.dashboard.pages import CANDIDATES

    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node

    def newer() -> None:
        for i in range(CANDIDATES + 1):
            publishing.publish(running.log, running.keys, "support.request", {
                "region": "calais", "type": "housing", "people": "2", "urgency": "low"})
            publishing.publish(running.log, running.keys, "fundraiser", {
                "title": f"Kit {i}", "goal": "100", "currency": "EUR", "region": "calais"})

    await running.db(newer)
    _, page, _ = await get(node.client, f"/event/{sample.ids['support']}")
    assert 'href="/publish/support.close?request=' in page, visible_text(page)
    _, page, _ = await get(node.client, f"/event/{sample.ids['fundraiser']}")
    assert re.search(r"600(\.00)?\s*EUR", visible_text(page)) and "1,500" in visible_text(page), visible_text(page)


async def test_a_flood_of_new_regions_lists_the_groups_home_regions_and_says_how_many_more(sample, start_node) -> None:
    """One member publishing a need in each of thousands of new regions made the overview build a
    summary of each (4 s, the database held meanwhile: a raid alert waited 13 s) and list them all."""
    from node.views import MAX_REGIONS_SHOWN

    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node

    def flood() -> None:
        for i in range(MAX_REGIONS_SHOWN + 20):
            publishing.publish(running.log, running.keys, "need", {
                "category": "tents", "quantity": "1", "region": f"aaa-{i:04d}"})

    await running.db(flood)
    _, page, _ = await get(node.client, "/")
    listed = re.findall(r'class="region-link" href="/\?region=([\w-]+)"', page)
    assert len(listed) == MAX_REGIONS_SHOWN and "calais" in listed, listed  # where Calais is based: first
    assert re.search(r"2\d more regions are not listed: type one to see it", visible_text(page)), visible_text(page)
    assert len(re.findall(r'<th scope="row"><a class="region-name"', page)) <= MAX_REGIONS_SHOWN
    _, one, _ = await get(node.client, "/?region=aaa-0119")  # one left out is still there, asked for
    assert "aaa-0119" in visible_text(one)


async def test_a_fundraiser_updates_page_gives_its_amount_in_the_fundraisers_currency(sample, start_node) -> None:
    """A fundraiser.update names its fundraiser, not a currency: its page said "Raised so far 600"."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    [update] = await running.db(lambda: running.log.store.events_page(kind="fundraiser.update", limit=1))
    _, page, _ = await get(node.client, f"/event/{update.id.hex()}")
    assert re.search(r"600(\.00)?\s*EUR", visible_text(page)), visible_text(page)


async def test_the_overview_says_a_clock_set_back_under_events_a_peer_holds(sample, start_node) -> None:
    """This device's newest events stamped three days after this clock, which a peer holds (a Pi
    set back by a power cut; tests/integration/test_clock_set_back_after_power_cut.py makes it with
    real processes): the overview says this clock is likely behind, not "they wait at peers, this
    clock is right now: publish anything" (an alert published on that word had ended on arrival)."""
    calais, _ = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    running._own_ahead, running._own_ahead_held = (2, now_ms() + 3 * 86_400_000), True  # as the last round read them
    _, page, _ = await get(node.client, "/")
    text = visible_text(page)
    assert "This machine's clock is likely behind, by about 7" in text and "This clock is right now" not in text, text
    _, french, _ = await get(node.client, "/?lang=fr")
    assert "L’horloge de cette machine est sans doute en retard, d’environ 7" in visible_text(french)
    running._own_ahead_held = False  # a clock set right since: they wait at peers, as before
    _, page, _ = await get(node.client, "/?lang=en")
    assert "wait at peers until" in visible_text(page) and "likely behind" not in visible_text(page)
