"""axe-core finds no accessibility violation on any dashboard page (chromium, a real node).

axe-core 4.14.1 (vendored: tests/browser/vendor/axe-core) runs every rule tagged WCAG 2.0 and 2.1,
levels A and AA, and its best practices, none turned off, on every page in the states that matter:
the overview with data and a live alert, the overview warning a group that named no admitter, event
pages, the publish index, every publish form, forms after a failed submit, groups, the panic wipe,
an error page, the login page and the public read-only pages; in English and in French; on a laptop
(1280 px) and a phone (390 px). A test per group of
pages and language, each well within the suite's time limit.
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from before_accepts import joined_before_accepts
from chromium import PASSPHRASE, api_publish, log_in, login_link, url
from local_cluster import cli, cli_json

from node.dashboard.pages import PUBLISHABLE
from node.demo import localnet

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"  # axe-core 4.14.1
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
WIDTHS = (1280, 390)
RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})
  .then(r => ({version: axe.version, rules: r.violations.length + r.passes.length + r.incomplete.length,
               violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))}))"""


def network_with_data(cluster):
    """One node (public pages on) holding some of everything, an alert live, French text in one
    action; a peer that dialled in (Bristol, whose name looks like Calais's) and a configured one
    never reached, for the health list."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(calais, sync_interval=3600, extra_args=["--public-dashboard"])
    cluster.start(bristol, sync_interval=3600)
    cli(calais, "peers", "add", "127.0.0.1:9")  # nothing listens there
    own = calais.home.config().group_id
    ids = {}
    api_publish(calais, "group.profile", {"name": "Calais Solidarité", "region": "calais", "languages": "fr",
                                          "description": "Distribution et accueil", "contact": "contact@example.org"},
                **{"as": "group"})
    ids["action"] = api_publish(calais, "action", {
        "title": "Cours de français", "region": "calais", "type": "class", "starts_at": "2031-03-02T10:00",
        "languages": "fr", "description": "Au local", "link": "https://example.org/cours"})["id"]
    api_publish(calais, "action", {"title": "Vigil", "region": "dunkirk", "type": "protest",
                                   "starts_at": "2031-03-05T18:00", "place": "Quai 3"})
    ids["alert"] = api_publish(calais, "alert", {"region": "calais", "type": "raid", "location": "Zone 7",
                                                 "text": "CRS 12:40"}, expires_in="6h")["id"]
    ids["fundraiser"] = api_publish(calais, "fundraiser", {"title": "Kit 2031", "goal": "1500", "currency": "EUR",
                                                           "region": "calais", "how_to_give": "Au stand"})["id"]
    api_publish(calais, "fundraiser.update", {"fundraiser": ids["fundraiser"], "raised": "600"})
    ids["need"] = api_publish(calais, "need", {"category": "tents", "quantity": "20", "region": "calais",
                                               "notes": "3 places"})["id"]
    api_publish(calais, "need.fulfil", {"need": ids["need"], "quantity": "5"})
    done = api_publish(calais, "need", {"category": "water", "quantity": "10", "region": "calais"})["id"]
    api_publish(calais, "need.fulfil", {"need": done, "quantity": "10"})
    api_publish(calais, "offer", {"category": "blankets", "quantity": "40", "region": "calais"})
    ids["support"] = api_publish(calais, "support.request", {"region": "calais", "type": "legal", "people": "2",
                                                             "urgency": "high"}, private="Details", to=[own])["id"]
    api_publish(calais, "support.claim", {"request": ids["support"]})
    ids["sealed"] = api_publish(calais, "action", {"title": "Blocage", "region": "calais", "type": "direct_action",
                                                   "starts_at": "2031-03-03T05:00"}, to=[own])["id"]
    eviction = api_publish(calais, "alert", {"region": "calais", "type": "eviction", "text": "Expulsion annoncée",
                                             "public": "yes", "location": "Rue Mollien"}, expires_in="6h")["id"]
    api_publish(calais, "alert.update", {"alert": eviction, "status": "update", "text": "Deux fourgons"})
    # The public alert page: an update under a live alert, and an all clear (public_site.py `cleared`)
    raid = api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Police au camp", "public": "yes"},
                       expires_in="6h")["id"]
    api_publish(calais, "alert.update", {"alert": raid, "status": "all_clear", "text": "Partis"})
    # Bristol names itself like Calais (no accent): the groups page's notes and the overview's warning show.
    api_publish(bristol, "group.profile", {"name": "Calais Solidarite", "region": "bristol"}, **{"as": "group"})
    cluster.wait(lambda: len([p for p in cli_json(calais, "peers") if p.get("name") or p.get("failures")]) == 2,
                 20, "Calais showing Bristol's inbound link and its failed dials to the other peer")
    cluster.wait(lambda: cli_json(calais, "status")["named_like_us"], 20, "Calais warned of a name like its own")
    return calais, ids


def pages_of(cluster, browser, *, admin: bool):
    """The node with its data, and a page with axe in it, logged in as the admin or not."""
    calais, ids = network_with_data(cluster)
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256, "the vendored axe-core was changed"
    browser.add_init_script(path=str(AXE))  # in every page, before its own script (and not subject to its CSP)
    page = browser.new_page()
    if admin:
        log_in(page, calais)
    return calais, ids, page


def check(page, state: str, found: list[str]) -> None:
    """Run axe on the page as it is, at each width; add every violation to `found`."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        result = page.evaluate(RUN, TAGS)
        assert result["version"] == "4.14.1" and result["rules"] > 20, result
        for v in result["violations"]:
            found.append(f"{state} @{width}px: {v['id']} ({v['impact']}) {v['help']} — {v['nodes']}")


def visit(page, address: str, state: str, found: list[str]) -> None:
    reply = page.goto(address)
    assert reply is not None and reply.status in (200, 400, 401, 403, 404), (address, reply and reply.status)
    check(page, state, found)


def failed_submit(page, address: str, fills: dict[str, str], state: str, found: list[str]) -> None:
    """Open the form at `address`, type `fills` (selector: text) and send it; the answer is the form
    again, with its problems, and axe checks that."""
    page.goto(address)
    for selector, text in fills.items():
        page.fill(selector, text)
    page.click("main form button[type=submit]")
    page.locator("#error-summary").wait_for()
    check(page, state, found)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_axe_overview_events_groups_wipe_and_errors(cluster, browser, lang) -> None:
    calais, ids, page = pages_of(cluster, browser, admin=True)
    found: list[str] = []
    visit(page, url(calais, f"/?lang={lang}"), "overview", found)
    assert page.locator("#peers-list li").count() == 2 and "Calais Solidarite (" in page.locator("#peers-list").inner_text()
    assert page.locator("#name-like-ours").count() == 1  # checked by axe too
    page.locator("#live-status[data-state='live']").wait_for()
    check(page, "overview, live", found)
    for kind, event_id in ids.items():
        visit(page, url(calais, f"/event/{event_id}"), f"event page ({kind})", found)
    page.locator("details.technical summary").click()
    check(page, "event page, technical details open", found)
    visit(page, url(calais, "/groups"), "groups", found)
    assert page.locator(".look-alike").count() == 2
    visit(page, url(calais, "/event/" + "ab" * 32), "error page (no such event)", found)
    visit(page, url(calais, "/admin/wipe"), "panic wipe", found)
    failed_submit(page, url(calais, "/admin/wipe"), {"#f-confirm": "no"}, "panic wipe, not confirmed", found)
    assert not found, f"{len(found)} axe violations ({lang}):\n" + "\n".join(found)


def test_axe_overview_telling_a_group_to_name_the_group_it_joined_through(cluster, browser) -> None:
    """Dover joined before `join` named the group that invited it: the admin's overview warns and says
    to run `solnet accept` (as `solnet status` does), in English and in French, and axe finds nothing."""
    [calais] = cluster.network([("Calais", "calais")])
    [port] = localnet.free_ports(1)
    dover = joined_before_accepts(cluster.root, calais, PASSPHRASE, port)
    cluster.adopt([dover])
    cluster.start(dover, sync_interval=3600)
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256, "the vendored axe-core was changed"
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, dover)
    found: list[str] = []
    for lang, said in (("en", "This group names no group it joined through"),
                       ("fr", "Ce groupe ne nomme aucun groupe par lequel il est entré")):
        visit(page, url(dover, f"/?lang={lang}"), f"overview, admitter not named ({lang})", found)
        warning = page.locator("#admitters-unnamed").inner_text()
        assert warning.startswith(said) and "solnet accept" in warning and "Calais (" in warning, warning
    assert not found, f"{len(found)} axe violations:\n" + "\n".join(found)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_axe_publish_index_every_form_and_failed_submits(cluster, browser, lang) -> None:
    calais, ids, page = pages_of(cluster, browser, admin=True)
    found: list[str] = []
    visit(page, url(calais, f"/publish?lang={lang}"), "publish index", found)
    for kind in PUBLISHABLE:
        visit(page, url(calais, f"/publish/{kind}"), f"publish form ({kind})", found)
    failed_submit(page, url(calais, "/publish/action"), {"#f-link": "not a link"},
                  "action form after a failed submit (required fields, a bad link)", found)
    failed_submit(page, url(calais, "/publish/support.request"), {"#f-private": "Details"},
                  "support request form after a failed submit (no recipient)", found)
    failed_submit(page, url(calais, f"/publish/need.fulfil?need={ids['action']}"), {"#f-quantity": "2"},
                  "need.fulfil form after a failed submit (a reference to an action)", found)
    page.goto(url(calais, "/publish/offer"))  # for chosen groups, but none ticked
    page.check("#f-audience-chosen")
    page.fill("#f-quantity", "2")
    page.click("main form button[type=submit]")
    page.locator("#error-summary").wait_for()
    check(page, "offer form after a failed submit (no group chosen)", found)
    assert not found, f"{len(found)} axe violations ({lang}):\n" + "\n".join(found)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_axe_login_and_public_read_only_pages(cluster, browser, lang) -> None:
    calais, ids, page = pages_of(cluster, browser, admin=False)  # the public pages of --public-dashboard
    found: list[str] = []
    visit(page, url(calais, f"/login?lang={lang}"), "login", found)
    visit(page, f"{login_link(calais)}&lang={lang}", "a login link opened (its button not pressed)", found)
    failed_submit(page, url(calais, "/login"), {"#f-passphrase": "not the passphrase"},
                  "login after a wrong passphrase", found)
    visit(page, url(calais, "/"), "public visitor at the overview (sent to the public page)", found)
    assert page.get_by_role("link", name=re.compile("Publi")).count() == 0  # read-only: no publish link
    visit(page, url(calais, f"/event/{ids['support']}"), "public visitor at an event page (the login page)", found)
    visit(page, url(calais, "/publish"), "public visitor at an admin page", found)
    visit(page, url(calais, f"/public/?lang={lang}"), "public page without script", found)
    visit(page, url(calais, f"/public/alerts?lang={lang}"), "public alert page", found)
    assert not found, f"{len(found)} axe violations ({lang}):\n" + "\n".join(found)
