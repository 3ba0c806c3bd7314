"""The overview as a screen reader gets it (chromium's accessibility tree, a real node): each link that
acts on an item says which one ("Cover this need: tents, calais, ..."), so a list of the page's links
tells them apart, and parts of an item that the eye tells apart by their place (a tag, a line, a
badge) are not run together ("...rue des Huttes. posted by Calais", "1 high 1 low")."""
from __future__ import annotations

import re

from chromium import api_publish, log_in, url


def _said(snapshot: str) -> str:
    """An accessibility tree's text with the space chromium puts before a hidden word (a box of its
    own) taken out: 'raid , calais' as it is read, 'raid, calais'."""
    return re.sub(r" +([,:\u202f])", r"\1", snapshot.replace("\u202f:", ":"))


def _links(page) -> list[str]:
    """The accessible name of every link of the page's main part, as a screen reader's list of links has them."""
    snapshot = _said(page.locator("main").aria_snapshot())
    return [m.group(1) for m in re.finditer(r"- link \"((?:[^\"\\]|\\.)*)\"", snapshot.replace("'", ""))]


def test_acting_links_say_what_they_act_on_and_parts_of_an_item_are_apart(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    api_publish(calais, "need", {"category": "tents", "quantity": "20", "region": "calais"})
    api_publish(calais, "need", {"category": "water", "quantity": "400", "unit": "litres", "region": "calais"})
    api_publish(calais, "offer", {"category": "bikes", "quantity": "3", "region": "calais"})
    alert = api_publish(calais, "alert", {"region": "calais", "type": "raid", "location": "Canal",
                                          "text": "CRS au canal"}, expires_in="6h")["id"]
    api_publish(calais, "alert.update", {"alert": alert, "status": "update", "text": "Deux fourgons restent"})
    api_publish(calais, "support.request", {"region": "calais", "type": "housing", "people": "2", "urgency": "high"})
    api_publish(calais, "support.request", {"region": "calais", "type": "legal", "people": "1", "urgency": "low"})
    page = browser.new_page()
    log_in(page, calais)

    links = _links(page)
    acting = [name for name in links if re.match(r"(Cover this need|Adjust or withdraw|Close this request|"
                                                  r"Post an update|All clear)\b", name)]
    assert len(acting) == 9, links  # 2 needs x 2, 1 offer, 2 requests, the alert's 2
    assert len(set(acting)) == len(acting), acting  # no two alike
    # (its time as the page's times are shown, in the reader's zone: UTC here)
    assert any(re.fullmatch(r"Cover this need: tents, calais, \w{3}, \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", n) for n in acting), acting
    assert any(n.startswith("Adjust or withdraw: water, calais, ") for n in acting), acting
    assert any(n.startswith("Adjust or withdraw: bikes, calais, ") for n in acting), acting
    assert any(n.startswith("Close this request: housing, calais, ") for n in acting), acting
    assert any(n.startswith("Post an update: raid, calais, Canal, ") for n in acting), acting
    assert any(n.startswith("All clear: raid, calais, Canal, ") for n in acting), acting

    said = page.locator("main").aria_snapshot()  # as chromium names it: no space before the colon
    assert 'link "Post an update: raid, calais, Canal, ' in said and "Post an update :" not in said, said

    alerts = _said(page.locator("#alerts").aria_snapshot())
    assert re.search(r"raid, calais", alerts, re.I), alerts
    assert re.search(r"Deux fourgons restent, posted by Calais", alerts), alerts
    requests = _said(page.locator("#desk-calais td").nth(3).aria_snapshot())
    assert "1 high, 1 low" in requests, requests
    needs = _said(page.locator("#needs-list").aria_snapshot())
    assert re.search(r"calais, 400 still needed", needs), needs
    region = _said(page.locator("#desk-calais th").aria_snapshot())
    assert "calais, 1 alert, Calais" in region, region

    page.goto(url(calais, "/?lang=fr"))
    acting = [name for name in _links(page) if name.startswith(("Couvrir ce besoin", "Publier une mise à jour"))]
    assert any(re.fullmatch(r"Couvrir ce besoin: tentes, calais, .+ UTC", n) for n in acting), acting
    assert any(n.startswith("Publier une mise à jour: descente de police, calais, Canal, ") for n in acting), acting
    said = page.locator("main").aria_snapshot()  # (chromium gives U+202F as a space: one, not two)
    assert re.search(r'link "Publier une mise à jour[\u202f ]: descente de police, calais, Canal, ', said), said

    # Without the page's style (a stylesheet that did not load from a slow node) its words are seen once:
    # a hidden box saying them again beside them showed "Publier une mise à jourPublier une mise à jour : ..."
    page.evaluate("document.querySelectorAll('link[rel=stylesheet], style').forEach(s => s.remove())")
    seen = page.locator("main a[href*='status=update']").first.inner_text()
    assert seen == "Publier une mise à jour", seen


def _langs(page) -> dict[str, str]:
    """Each text of the page in an element with a lang of its own: text -> lang."""
    return page.evaluate("""() => Object.fromEntries(Array.from(document.querySelectorAll('main [lang], main[lang]'))
        .map(e => [e.textContent.trim(), e.getAttribute('lang')]))""")


def test_text_is_tagged_with_the_language_its_group_writes_not_those_spoken_at_an_action(cluster, browser) -> None:
    calais, brighton = cluster.network([("Calais", "calais"), ("Brighton", "brighton")])
    calais.peers.append(brighton.port)
    cluster.start_all([calais, brighton])
    # (fresh homes: nothing of their keys can be elsewhere, so neither waits for a first sync to publish)
    def publish_now(node, kind, fields, **extra):
        return api_publish(node, kind, fields, offline=True, **extra)
    # Calais writes French only (its profile says so); Brighton writes English and French
    publish_now(calais, "group.profile", {"name": "Calais", "region": "calais", "languages": "fr"})
    publish_now(brighton, "group.profile", {"name": "Brighton", "region": "brighton", "languages": "en, fr"})
    publish_now(calais, "action", {"title": "Distribution de repas", "region": "calais", "type": "distribution",
                                   "starts_at": "2031-06-01T18:00", "languages": "fr, ar, ps"})
    publish_now(calais, "alert", {"region": "calais", "type": "raid", "location": "Quai", "text": "Contrôle au quai"},
                expires_in="6h")
    publish_now(calais, "need", {"category": "tents", "quantity": "20", "region": "calais", "notes": "Tentes 2 places"})
    request = publish_now(calais, "support.request", {"region": "calais", "type": "housing", "people": "2",
                                                      "urgency": "high"},
                          private="Famille de quatre, arrivée vendredi", to=[calais.home.config().group_id])["id"]
    # spoken there in Arabic, written in English: the title is not Arabic
    publish_now(brighton, "action", {"title": "Arabic info night", "region": "brighton", "type": "info_night",
                                     "starts_at": "2031-06-02T18:00", "languages": "ar"})
    publish_now(brighton, "resource", {"title": "حقوقك", "languages": "ar", "summary": "حقوقك عند الحدود",
                                       "link": "https://example.org/ar.pdf"})
    page = browser.new_page()
    log_in(page, calais)
    page.locator("#later-list").get_by_text("Arabic info night").wait_for()  # synced from Brighton

    langs = _langs(page)
    for text in ("Distribution de repas", "Contrôle au quai", "Tentes 2 places"):
        assert langs.get(text) == "fr", (text, langs)
    assert "Arabic info night" not in langs, langs
    assert langs.get("حقوقك") == "ar" and langs.get("حقوقك عند الحدود") == "ar", langs

    page.goto(url(calais, f"/event/{request}"))
    assert page.locator(".private-text").get_attribute("lang") == "fr"
