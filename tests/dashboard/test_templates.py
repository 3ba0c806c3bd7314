"""Templates escape every text that comes from events, whatever it holds (pure rendering)."""
from __future__ import annotations

import re

import pytest

from node.dashboard.app import ENV, render_page
from node.dashboard.i18n import Translator

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="alert(1)">"\'&'
ESCAPED = "&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=x onerror=&#34;alert(1)&#34;&gt;&#34;&#39;&amp;"
ID = bytes(range(32))


def context(lang: str = "en", **extra) -> dict:
    return {"t": Translator(lang), "lang": lang, "role": "admin", "local": True, "logged_in": False, "is_admin": True,
            "csrf": "token", "node_name": HOSTILE, "path": "/", "lang_links": {"en": "/?lang=en", "fr": "/?lang=fr"},
            "since": 0, "flash": None, "title": HOSTILE, **extra}


def overview(lang: str = "en") -> dict:
    item = {"id": ID, "group": ID, "region": "calais", "group_name": HOSTILE}
    action = {**item, "title": HOSTILE, "type": "protest", "place": HOSTILE, "starts_at": 1_900_000_000_000}
    return context(
        lang,
        now=1_800_000_000_000,  # (pages.overview gives the moment the page was drawn)
        alerts=[{**item, "type": "raid", "location": HOSTILE, "text": HOSTILE, "latest": HOSTILE, "expires": 1_900_000_000_000,
                 "posted_at": 1_800_000_000_000, "updated_at": 1_800_000_001_000, "mine": True, "updates": []}],
        desk=[{"region": "calais", "group_names": [HOSTILE], "alerts": 1, "last_heard": 1_800_000_000_000,
               "needs": [{"category": "tents", "unit": "items", "missing": 3, "quantity": 5, "urgency": "high"}],
               "offers": [{"category": "firewood", "unit": "m3", "available": 2}],
               "capacity": [{"type": "housing", "capacity": 3, "from": None}],
               "requests": {"high": 1, "medium": 0, "low": 0, "open": 1, "taken": 0},
               "next_action": action, "funds": [{"currency": "EUR", "raised": 100, "goal": 1000, "pledged": 50,
                                                 "progress": 10}]}],
        timeline={"items": [action], "more": False}, later={"items": [action], "more": True},
        happened={"items": [{**action, "people": 12, "mine": True,
                             "reports": [{"outcome": HOSTILE, "photos": ["https://e.org/1.jpg"]}]}], "more": False},
        fundraisers={"items": [{**item, "title": HOSTILE, "raised": 100, "goal": 1000, "pledged": 0, "progress": 10,
                                "currency": "EUR"}], "more": 0},
        needs={"items": [{**item, "category": "tents", "unit": "items", "quantity": 3, "remaining": 3, "fulfilled": 0,
                          "notes": HOSTILE, "mine": True,
                          "matches": [{"id": ID, "group_name": HOSTILE, "region": "dover", "remaining": 2,
                                       "unit": "items"}]}], "more": 0},
        offers={"items": [], "more": 0}, fulfilled={"items": [], "more": 0},
        support={"items": [{**item, "type": "housing", "people": "2", "urgency": "high", "status": "open", "age_hours": 30,
                            "taken": [{"group": ID, "group_name": HOSTILE, "since": 1_800_000_000_000}],
                            "can_go": [], "may_take": True, "may_close": True}], "more": 0},
        capacity={"items": [{**item, "type": "housing", "capacity": 2, "available_now": True, "notes": HOSTILE}],
                  "more": False},
        history={"items": [], "more": False},
        resources={"items": [{**item, "title": HOSTILE, "summary": HOSTILE, "languages": ["ar"], "topic": "legal"}],
                   "more": False},
        names={ID: HOSTILE}, regions=["calais"], region=None, fragment="/fragment/overview",
        health={"peers": [{"label": "peer~abc", "name": HOSTILE, "connected": True, "direction": "inbound",
                           "behind": 3, "ahead": 0, "banned": False}], "connected": 1, "known": 1,
                "last_sync": None, "lag": None, "events_per_s": 0.0, "events": 10},
    )


def test_overview_escapes_every_text_from_events() -> None:
    html = render_page("overview.html", overview())
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert html.count(ESCAPED) >= 5  # title, place, alert text and location, group name, notes ...
    assert '<script src="/static/app.js" defer></script>' in html  # the one script: a file, not inline


def test_the_alerts_banner_names_the_groups_that_have_more_alerts_than_it_shows() -> None:
    html = render_page("overview.html", {**overview(), "alerts_crowded": [ID]})
    assert "More live alerts than shown here come from " + ESCAPED in html
    assert "<script>window.pwned" not in html
    assert "More live alerts" not in render_page("overview.html", {**overview(), "alerts_crowded": []})


def test_event_page_escapes_fields_and_private_text() -> None:
    event = {"id": ID, "kind": "action", "author": ID, "seq": 1, "ts": 1_800_000_000_000, "expires": None,
             "body": "present", "group": ID, "group_name": HOSTILE, "status": None, "raw": {}, "sealed": None,
             "fields": [{"name": "title", "show": "text", "value": HOSTILE},
                        {"name": "link", "show": "url", "value": 'https://x.example/"><script>x()</script>'},
                        {"name": "languages", "show": "list", "value": [HOSTILE]}], "title": HOSTILE}
    html = render_page("event.html", context(event=event, private_text=HOSTILE, private_status="readable",
                                             fragment="/f"))
    assert "<script>window.pwned" not in html and "<script>x()" not in html and "<img src=x" not in html
    assert 'href="https://x.example/&#34;&gt;&lt;script&gt;x()&lt;/script&gt;"' in html
    assert html.count(ESCAPED) >= 4


def test_every_template_autoescapes() -> None:
    names = [n for n in ENV.list_templates() if n.endswith(".html")]
    assert len(names) >= 10
    for name in names:
        template = ENV.get_template(name)
        assert template.environment.autoescape is True


def test_french_page_has_no_english_ui_text() -> None:
    html_fr = render_page("overview.html", overview("fr"))
    html_en = render_page("overview.html", overview("en"))
    assert "Next 7 days" in html_en and "Next 7 days" not in html_fr
    assert "Les 7 prochains jours" in html_fr and '<html lang="fr">' in html_fr
    assert "Network at a glance" in html_en and "Le réseau d’un coup d’œil" in html_fr


def test_the_wiped_page_says_what_a_failing_disk_kept_in_either_language() -> None:
    from node.wipe import WipeReport

    failed = WipeReport(files_destroyed=["admin-token.salt"], failed=["keystore (Input/output error)"])
    for lang, words in (("en", "destroy the card or drive itself"), ("fr", "détruisez la carte")):
        html = render_page("wiped.html", context(lang, report=failed))
        assert words in html and "keystore (Input/output error)" in html
        assert Translator(lang)("wiped.no_keystore") not in html  # it was there, and stays: not "there was none"
    done = render_page("wiped.html", context(report=WipeReport(files_destroyed=["keystore"])))
    assert Translator("en")("wiped.keystore") in done and "destroy the card" not in done
    kept = WipeReport(files_destroyed=["keystore"], passphrase_file="/etc/solnet/passphrase",
                      passphrase_file_not_deleted="Permission denied")
    for lang, words in (("en", "overwritten with random bytes"), ("fr", "écrasé par des octets aléatoires")):
        html = render_page("wiped.html", context(lang, report=kept))
        assert words in html and "sudo rm /etc/solnet/passphrase" in html and "Permission denied" in html
        assert "NOT be destroyed" not in html and Translator(lang)("wiped.passphrase_file_elsewhere") not in html


def test_photo_links_name_the_action_they_show() -> None:
    """'photo 1', 'photo 2' under every action read the same in a screen reader's list of links."""
    photos = ["https://e.org/1.jpg", "https://e.org/2.jpg"]
    data = overview()
    data["happened"]["items"][0].update(title="Manif 42", reports=[{"outcome": "ok", "photos": photos}])
    html = render_page("overview.html", data)
    assert ">photo 1 of 2 of Manif 42</a>" in html and ">photo 2 of 2 of Manif 42</a>" in html
    event = {"id": ID, "kind": "action", "author": ID, "seq": 1, "ts": 1_800_000_000_000, "expires": None,
             "body": "present", "group": ID, "group_name": "Calais", "raw": {}, "sealed": None, "fields": [],
             "title": "Manif 42", "status": {"people": None, "reports": [{"outcome": "ok", "photos": photos}]}}
    html = render_page("event.html", context("fr", event=event, title="Manif 42", fragment="/f"))
    assert ">photo 1 sur 2 de Manif 42</a>" in html and ">photo 2 sur 2 de Manif 42</a>" in html


def test_a_request_whose_taker_is_gone_and_pledges_of_gone_groups_are_said_in_either_language() -> None:
    """A group that took a request and left no longer takes it: the request says so, for its group
    to look for another; pledges of groups that are gone are said apart from what is pledged."""
    page = overview()
    [request] = page["support"]["items"]
    request.update(taken=[], taker_gone=[{"group": ID, "group_name": "Cardiff", "since": 1_800_000_000_000,
                                          "group_gone": "left"}])
    [fund] = page["fundraisers"]["items"]
    fund.update(pledged=50_00, pledged_gone=200_00)
    event = {"id": ID, "kind": "support.request", "author": ID, "seq": 1, "ts": 1_800_000_000_000, "expires": None,
             "body": "present", "group": ID, "group_name": "Calais", "raw": {}, "sealed": None, "fields": [],
             "title": "housing",
             "status": {**request, "taker_gone": [{**request["taker_gone"][0], "group_gone": "revoked"}]}}
    said = {"en": ("had taken it but has left the network: it is waiting for another group", "not counting"),
            "fr": ("l’avait prise en charge mais a quitté le réseau", "sans compter")}
    for lang, (taker, pledges) in said.items():
        html = " ".join(render_page("overview.html", {**page, "t": Translator(lang), "lang": lang}).split())
        assert "<bdi>Cardiff</bdi> <span class=\"tag warn\">" + taker in html and pledges in html, lang
        assert "taken by" not in html and "prise en charge par" not in html
    html = render_page("event.html", context(event=event, private_text=None, private_status=None, fragment="/f"))
    assert "had taken it but was revoked: it is waiting for another group" in html


def test_a_gone_taker_beside_one_that_still_holds_the_request_sends_nobody_looking() -> None:
    """Cardiff and Bristol both took a request and Cardiff left: Bristol still holds it, so the page
    says so, not that the request waits for another group (two groups acting on one urgent case)."""
    page = overview()
    [request] = page["support"]["items"]
    request.update(taken=[{"group": ID, "group_name": "Bristol", "since": 1_800_000_000_000}],
                   taker_gone=[{"group": ID, "group_name": "Cardiff", "since": 1_800_000_000_000, "group_gone": "left"}])
    said = {"en": "had taken it but has left the network; another group that took it still holds it",
            "fr": "l’avait prise en charge mais a quitté le réseau\u202f; un autre groupe qui l’a prise en charge la tient"}
    for lang, words in said.items():
        html = " ".join(render_page("overview.html", {**page, "t": Translator(lang), "lang": lang}).split())
        assert " ".join(words.split()) in html, lang  # (the page's spaces joined: U+202F is one)
        assert "waiting for another group" not in html and "attend un autre groupe" not in html, lang


def test_a_claim_by_a_group_the_request_was_not_sent_to_says_so_in_either_language() -> None:
    """On the requesting group's node, a group that claimed a request whose private part was not
    sent to it (it cannot read who the people are) is not shown as taking it: the page says to
    check with them, on the overview and on the request's own page."""
    page = overview()
    [request] = page["support"]["items"]
    request.update(taken=[], claimed_unsent=[{"group": ID, "group_name": "Cardiff", "since": 1_800_000_000_000}])
    event = {"id": ID, "kind": "support.request", "author": ID, "seq": 1, "ts": 1_800_000_000_000, "expires": None,
             "body": "present", "group": ID, "group_name": "Calais", "raw": {}, "sealed": None, "fields": [],
             "title": "housing", "status": request}
    said = {"en": ("claimed by <bdi>Cardiff</bdi>", "this request was not sent to that group (it cannot read the "
                   "details): check with them", "taken by"),
            "fr": ("prise en charge annoncée par <bdi>Cardiff</bdi>", "cette demande n’a pas été envoyée à ce groupe "
                   "(il ne peut pas en lire les détails)\u202f: vérifiez avec lui", "prise en charge par")}
    for lang, (who, why, taken) in said.items():
        for name, ctx in (("overview.html", {**page, "t": Translator(lang), "lang": lang}),
                          ("event.html", context(lang, event=event, private_text=None, private_status=None,
                                                 fragment="/f"))):
            html = " ".join(render_page(name, ctx).split())
            assert who in html and " ".join(why.split()) in html and taken not in html, (lang, name)


def test_what_tells_two_events_apart_is_said_outside_the_events_own_language() -> None:
    """An Arabic alert or title read alike to another: ", posted <date>, <short id>" was inside the
    element with lang="ar", so a screen reader read the dashboard's English with an Arabic voice."""
    page = overview("fr")
    told = {"posted": 1_800_000_000_000, "twin": True}
    page["alerts"] = [{**page["alerts"][0], "text": "شرطة عند الجسر", **told}]
    page["timeline"] = {"items": [{**page["timeline"]["items"][0], "title": "درس لغة", **told}], "more": False}
    html = render_page("overview.html", {**page, "group_languages": {ID: ["ar"]}})
    for text in ("شرطة عند الجسر", "درس لغة"):
        tagged = re.search(rf'<(\w+)[^>]* lang="ar"[^>]*>{text}</\1>(.*?)</a>', html)
        assert tagged is not None, re.findall(rf'.{{120}}{text}.{{160}}', html)
        assert tagged[2].startswith(f", {Translator('fr')('common.posted')} <time"), tagged[2]  # then, in French
        assert f"{ID.hex()[:8]}" in tagged[2]


def test_the_links_made_in_python_write_what_their_macros_wrote_and_escape_every_value() -> None:
    """node/dashboard/markup.py makes the overview's most repeated links (they were Jinja macros,
    a quarter of the page's rendering): the same markup, every value from an event escaped."""
    from node.dashboard import markup
    render = ENV.from_string(
        '{% import "macros.html" as m with context %}'
        '{{ m.event_link(item, item.title, "ar", "x") }}|{{ m.event_link(plain, plain.title) }}|'
        '{{ m.act_link("/publish/need.fulfil?need=ab", t("needs.cover"), "need", item) }}|{{ m.when(None) }}|'
        '{{ m.told_apart(item) }}|{{ m.lang_attr(hostile) }}')
    twin = {"id": ID, "title": HOSTILE, "posted": 1_800_000_000_000, "twin": True, "category": "tents",
            "quantity": 3, "region": "calais"}
    html = render.render(t=Translator("en"), item=twin, plain={"id": "ab<", "title": HOSTILE}, lang="fr",
                         hostile=HOSTILE)
    event, plain, act, when, told, lang = html.split("|")
    time = '<time datetime="2027-01-15T08:00:00Z">2027-01-15 08:00 UTC</time>'
    assert told == f', posted {time}, <span class="mono">{ID.hex()[:12]}…</span>'
    assert event == f'<a class="x" href="/event/{ID.hex()}"><bdi lang="ar">{ESCAPED}</bdi>{told}</a>'
    assert plain == f'<a href="/event/ab&lt;" dir="auto">{ESCAPED}</a>'
    # named as one phrase by its aria-label, its words seen once (twice without the page's style, as they were)
    assert act == '<a href="/publish/need.fulfil?need=ab" aria-label="needs.cover: tents, calais">needs.cover</a>', act
    assert "<script" not in act and when == "–"
    assert lang == f' lang="{ESCAPED}"'
    assert markup.time_tag(1_800_000_000_000) == time


@pytest.mark.parametrize("section, listed, closed", [("timeline", "timeline-list", "</ol>"),
                                                      ("happened", "happened-list", "</ul>"),
                                                      ("resources", "resources-list", "</ul>")])
def test_actions_and_resources_name_their_group_before_their_title(section: str, listed: str, closed: str) -> None:
    """A member group titled its march "Calais: march to the port": "This week" and "What happened"
    (with its report-back) showed that title first and the poster's own name last in a line below,
    where "Later" and the fundraisers name the group first; a resource named no group at all ("Calais
    legal line: call 06..."). Each line now begins with its group."""
    data = overview()
    trap = {**data[section]["items"][0], "title": "Calais: march to the port"}
    data.update({section: {"items": [trap], "more": False}, "names": {ID: "Cardiff"}})
    html = " ".join(render_page("overview.html", data).split())
    shown = html[html.index(f'id="{listed}"'):html.index(closed, html.index(f'id="{listed}"'))]
    main = re.search(r'<div class="item-main">(.*?)</div>', shown).group(1)
    assert re.sub(r"<[^>]+>", "", main).startswith("Cardiff: Calais: march to the port"), main
    assert shown.count("Cardiff") == 1, shown  # named once, first


@pytest.mark.parametrize("kind", ["action", "support.request", "support.share"])
def test_the_who_may_read_this_picker_sets_each_group_name_apart(kind) -> None:
    """The "who may read this" boxes (an audience, a request's private readers, a share's) named each
    group without <bdi>: a right-to-left name took the direction of what followed it on its label
    ("(bristol) — your group"), as the names listed beside them (`read_already`) did not."""
    from node.dashboard import forms
    groups = [{"id": ID, "name": "بب", "region": "bristol", "yours": False},
              {"id": bytes(32), "name": None, "region": None, "yours": False}]
    html = render_page("publish_form.html", context(
        kind=kind, inputs=forms.inputs(kind), values={}, errors={}, general_error=None,
        private=forms.has_private_part(kind), groups=groups, read_already=[], audience=forms.takes_audience(kind),
        share=forms.shares_request(kind), case_notes=forms.takes_case_notes(kind), chosen_to=[], expiry=False,
        expiry_choices=[], offer_offline=False, offer_new_region=False, named_refs={}, public_update=False,
        regions=[], node_zone="UTC"))
    assert 'name="to"' in html
    assert "<bdi>بب</bdi> (bristol)" in html, html
    assert "بب" not in html.replace("<bdi>بب</bdi>", "")
    assert re.search(r"<bdi>[^<]*<span class=\"mono\">0{12}…</span></bdi>", html), html  # a group without a profile


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("section, listed", [("timeline", "timeline-list"), ("later", "later-list")])
def test_an_actions_group_gone_is_said_after_its_title_in_this_week_as_in_later(lang: str, section: str,
                                                                                listed: str) -> None:
    """"Its group has left the network" followed the type and the place on "This week"'s meta line
    ("Protest · Rue Mollien · its group has left the network": "its" read as the place's), where
    "Later" says it beside the group and the title it is about. Both say it there."""
    data = overview(lang)
    gone = {**data[section]["items"][0], "title": "Vigil", "place": "Rue Mollien", "group_gone": "left"}
    data.update({section: {"items": [gone], "more": False}, "names": {ID: "Cardiff"}})
    html = " ".join(render_page("overview.html", data).split())
    shown = html[html.index(f'id="{listed}"'):html.index("</ol>", html.index(f'id="{listed}"'))]
    main = re.sub(r"<[^>]+>", "", re.search(r'<div class="item-main">(.*?)</div>', shown).group(1))
    tag = Translator(lang).choice("group_left")
    assert main.endswith(f"Vigil · {tag}"), main
    assert shown.count(tag) == 1, shown
