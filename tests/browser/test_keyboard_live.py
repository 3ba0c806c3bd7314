"""The overview with a keyboard and a screen reader while events arrive (chromium, a real node).

A person tabs through the whole overview while the node stores new events (published through its API
during the walk): the live refresh patches the page in place, so the focus never falls to <body>,
the element focused before a patch is the same element after it, every control on the page is
reached, and none of them is replaced. A new alert is said once through the persistent #alert-news
(the ones already there never); #live is no live region; losing live updates is said by #live-news.
"""
from __future__ import annotations

from chromium import api_publish, log_in, url

# WCAG 1.4.11 in the page: the contrast of the focused control's ring with what is around it (the
# first background behind the element), and of a field's border with its inside and its outside.
CONTRAST = """
  window.rgb = text => (text.match(/[0-9.]+/g) || []).map(Number);
  window.luminance = ([r, g, b]) => {
    const f = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  window.ratio = (a, b) => {
    const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  window.behind = el => {  // the background colour an element's surroundings show
    for (let n = el.parentElement; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor, v = rgb(c);
      if (v.length === 3 || (v.length === 4 && v[3] > 0)) { return c; }
    }
    return "rgb(255, 255, 255)";
  };
  window.ring = el => {
    const s = getComputedStyle(el);
    return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), ratio: ratio(s.outlineColor, behind(el))};
  };
"""
STEP = """() => {
  const el = document.activeElement;
  el.reached = true;  // an expando: it survives only if the patch keeps this very node
  const all = window.tabbables();
  return {body: el === document.body, inLive: document.getElementById("live").contains(el),
          last: el === all[all.length - 1], what: el.outerHTML.slice(0, 100), ring: window.ring(el)};
}"""
WATCH = """() => {""" + CONTRAST + """
  window.lost = [];
  document.addEventListener("focusout", e => {
    if (e.relatedTarget === null) { window.lost.push("focus left " + e.target.outerHTML.slice(0, 80)); }
  }, true);
  const live = document.getElementById("live");
  new MutationObserver(() => {
    window.patches = (window.patches || 0) + 1;
    if (document.activeElement === document.body || document.activeElement === null) { window.lost.push("patch"); }
  }).observe(live, {subtree: true, childList: true, characterData: true, attributes: true});
  window.said = [];
  const news = document.getElementById("alert-news");
  new MutationObserver(() => window.said.push(news.textContent)).observe(news, {childList: true, characterData: true,
                                                                                 subtree: true});
  window.tabbables = () => Array.from(document.querySelectorAll(
      "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"))
    .filter(el => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0);
  window.initial = window.tabbables();
  return window.initial.length;
}"""
MAX_PRESSES = 300

# Published while the focus is inside the overview, one at a time: each adds to a section the walk
# may be in or has passed (an action sooner than the others goes first in its list).
DURING = [
    ("action", {"title": "Vigil at the pier", "region": "calais", "type": "protest",
                "starts_at": "2031-01-02T18:00"}, {}),
    ("alert", {"region": "calais", "type": "eviction", "location": "Loon-Plage", "text": "Eviction at dawn"},
     {"expires_in": "3h"}),
    ("need", {"category": "water", "quantity": "200", "region": "calais"}, {}),
    ("offer", {"category": "bikes", "quantity": "3", "region": "dunkirk"}, {}),
    ("action", {"title": "Bike workshop", "region": "dunkirk", "type": "class", "starts_at": "2031-03-04T10:00"}, {}),
]


def publish_before(node) -> dict:
    """Some of every section, with one alert already live; the need's id."""
    for i in range(6):
        api_publish(node, "action", {"title": f"Cours {i}", "region": "calais", "type": "class",
                                     "starts_at": f"2031-0{i + 4}-01T10:00"})
    api_publish(node, "alert", {"region": "calais", "type": "raid", "location": "Zone 7", "text": "CRS 12:40"},
                expires_in="6h")
    api_publish(node, "fundraiser", {"title": "Kit 2031", "goal": "1500", "currency": "EUR", "region": "calais"})
    need = api_publish(node, "need", {"category": "tents", "quantity": "20", "region": "calais"})
    api_publish(node, "offer", {"category": "blankets", "quantity": "40", "region": "calais"})
    api_publish(node, "support.request", {"region": "calais", "type": "legal", "people": "2", "urgency": "high"})
    return need


def test_tabbing_through_the_overview_while_events_arrive_keeps_the_focus(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    need = publish_before(calais)
    page = browser.new_page()
    log_in(page, calais)
    page.locator("#live-status[data-state='live']").wait_for()
    assert page.locator("#live-news").get_attribute("role") == "status"  # says the changes (test_live_status_news.py)
    assert page.locator("#live-status").inner_text() == "Live updates on"
    assert page.locator("#live").get_attribute("aria-live") is None
    assert page.locator("#live [role=alert], #live [aria-live]").count() == 0
    controls = page.evaluate(WATCH)
    assert controls >= 20, controls

    todo = [*DURING, ("need.fulfil", {"need": need["id"], "quantity": "5"}, {})]
    published, presses, in_live = [], 0, 0
    while True:
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= MAX_PRESSES, "the walk never reached the last control"
        step = page.evaluate(STEP)
        assert not step["body"], f"the focus fell to <body> after {presses} presses"
        ring = step["ring"]
        assert ring["style"] != "none" and ring["width"] >= 2 and ring["ratio"] >= 3, (step["what"], ring)
        in_live += step["inLive"]
        if step["inLive"] and todo and in_live % 2 == 0:  # an event arrives while a control in #live has the focus
            patches = page.evaluate("() => { window.before = document.activeElement; return window.patches || 0; }")
            kind, fields, extra = todo.pop(0)
            published.append(api_publish(calais, kind, fields, **extra))
            page.wait_for_function("n => (window.patches || 0) > n", arg=patches)
            same = page.evaluate("() => document.activeElement === window.before")
            assert same, f"the focus moved off {step['what']}"
        if step["last"]:
            break
    assert not todo, f"the walk ended before {len(todo)} events were published: too few controls in #live"
    assert page.evaluate("() => window.lost") == []
    missed = page.evaluate("() => window.initial.filter(el => !el.reached).map(el => el.outerHTML.slice(0, 100))")
    assert missed == [], ("controls never reached", missed)
    replaced = page.evaluate("() => window.initial.filter(el => !el.isConnected).length")
    assert replaced == 0, f"{replaced} controls were replaced instead of patched"
    for text in ("Vigil at the pier", "Eviction at dawn", "Bike workshop", "water: 200 items"):
        page.locator("#live").get_by_text(text, exact=True).wait_for()  # the last patches may still be on their way
        assert page.locator("#live").get_by_text(text, exact=True).count() == 1, text

    page.locator("#alert-news", has_text="Eviction at dawn").wait_for(state="attached")
    said = page.evaluate("() => window.said")
    assert len(said) == 1 and said[0].startswith("New alert:") and "Eviction at dawn" in said[0], said
    assert "CRS 12:40" not in said[0]  # the alert already on the page is not news

    cluster.kill(calais)  # live updates stop: the page says so, through its status region
    page.locator("#live-status[data-state='retry']").wait_for()
    assert page.locator("#live-status").inner_text() == "Live updates interrupted: reconnecting…"
    assert page.locator("#live-news").inner_text() == "Live updates interrupted: reconnecting…"
    assert page.evaluate("() => window.lost") == []


FIELD = """() => {""" + CONTRAST + """
  const el = document.activeElement, s = getComputedStyle(el);
  const border = el.matches("input[type=text], input[type=number], input[type=url], input[type=datetime-local], "
                            + "select, textarea")
    ? {inside: ratio(s.borderTopColor, s.backgroundColor), outside: ratio(s.borderTopColor, behind(el))} : null;
  const all = Array.from(document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea"))
    .filter(c => c.tabIndex >= 0 && !c.disabled && c.getClientRects().length > 0);
  return {what: el.outerHTML.slice(0, 80), body: el === document.body, ring: ring(el), border: border,
          last: el === all[all.length - 1]};
}"""


def test_a_form_shows_its_fields_and_the_focus_at_3_to_1_at_least(cluster, browser) -> None:
    """Every control of a publish form, reached with the keyboard: its focus ring, and a field's border
    (the one thing that shows where the field is), against white and against the page."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/publish/support.request"))
    seen, fields = [], 0
    for _ in range(60):
        page.keyboard.press("Tab")
        got = page.evaluate(FIELD)
        assert not got["body"], seen
        seen.append(got["what"])
        assert got["ring"]["style"] != "none" and got["ring"]["ratio"] >= 3, got
        if got["border"] is not None:
            fields += 1
            assert got["border"]["inside"] >= 3 and got["border"]["outside"] >= 3, got
        if got["last"]:
            break
    assert fields >= 5 and "<button" in seen[-1], seen  # region, type, people, urgency, private details
