"""An event page says why an event has no effect ("No effect: ..."): the reason came from the log in
English and was shown as such on French pages (marked lang="en"). The log's reasons carry the key
of their words (solnet_errors.Said), and the page says them in its own language."""
from __future__ import annotations

from markupsafe import escape

from node.dashboard import forms
from node.dashboard.i18n import Translator, fallback_time
from node.render import iso
from solnet_errors import Said
from page_text import PASSPHRASE, visible_text
from test_http import get


def _notice(page: str) -> str:
    """The no-effect notice as read (every run of spaces, the narrow no-break one too, as one space)."""
    return " ".join(visible_text(page.split('class="notice no-effect">')[1].split("</p>")[0]).split())


async def test_why_an_event_has_no_effect_is_said_in_french_on_french_pages(sample, start_node) -> None:
    calais, bristol = sample.nodes
    need = sample.ids["need"]
    ours, theirs = calais.home.log(), bristol.home.log()
    try:  # Bristol changes Calais's need (publishing would refuse it: signed all the same, it counts for nothing)
        theirs.ingest(list(ours.store.iter_wire()))
        update = theirs.append(bristol.home.keys(PASSPHRASE).device, "need.update",
                               {"need": bytes.fromhex(need), "quantity": 3}, offline=True)
        ours.ingest(list(theirs.store.iter_wire()))
    finally:
        ours.store.close()
        theirs.store.close()
    node = await start_node(calais)
    await node.log_in()
    _, page_fr, _ = await get(node.client, f"/event/{update.id.hex()}?lang=fr")
    said = _notice(page_fr)
    assert said.startswith("Sans effet : Il porte sur un élément publié par Calais") and "seul Calais" in said, said
    assert "only Calais" not in said and 'lang="en"' not in page_fr.split('class="notice no-effect"')[1].split("</p>")[0]
    _, page_en, _ = await get(node.client, f"/event/{update.id.hex()}?lang=en")
    assert _notice(page_en).startswith("No effect: It is about something Calais posted"), _notice(page_en)


async def test_a_time_the_no_effect_names_is_said_as_every_time_of_the_page(sample, start_node) -> None:
    """The time a no-effect reason names (a listing's withdrawal before the update) was text in the
    server's zone ("2026-12-07 18:00 UTC"), beside the page's other times, each a <time> its script
    shows in the reader's zone: a coordinator in another zone read it an hour or more off."""
    calais = sample.nodes[0]
    need = bytes.fromhex(sample.ids["need"])
    log = calais.home.log()
    try:  # withdrawn by one device; a change its group signed offline after counts for nothing
        device = calais.home.keys(PASSPHRASE).device
        withdrawal = log.append(device, "need.update", {"need": need, "status": "withdrawn"})
        late = log.append(device, "need.update", {"need": need, "quantity": 3}, offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    for lang in ("fr", "en"):
        _, page, _ = await get(node.client, f"/event/{late.id.hex()}?lang={lang}")
        notice = page.split('class="notice no-effect">')[1].split("</p>")[0]
        assert f'<time datetime="{iso(withdrawal.header.timestamp)}">' in notice, notice
        assert "UTC" not in visible_text(notice).replace(fallback_time(withdrawal.header.timestamp), ""), notice


def test_a_name_the_no_effect_names_stays_text_beside_its_time() -> None:
    """The reason is made into markup (its time a <time>): a group's name in it stays text."""
    said = Said("x", "no_effect.not_owner", owner="<b>Calais</b>", field="need")
    assert "&lt;b&gt;Calais&lt;/b&gt;" in forms.said_on_page(said, Translator("fr"))
    started = Said("x", "no_effect.report_too_early", starts_at=1_800_000_000_000, field="action")
    assert f'<time datetime="{iso(1_800_000_000_000)}">' in forms.said_on_page(started, Translator("fr"))


def test_an_event_page_says_what_happened_not_what_its_author_should_do() -> None:
    """The page said why a stored event has no effect with the publish form's words, advice to the
    one filling it in: any reader of another group's decline read "That one is your own group's ...
    Withdraw your own instead", of a reply "Tick Bristol too". An event page says what happened."""
    for lang in ("en", "fr"):
        t = Translator(lang)
        for said in (Said("x", "no_effect.decline_own", what="fulfilment", field="fulfilment"),
                     Said("x", "no_effect.reply_not_to_owner", owner="Bristol", field="need"),
                     Said("x", "no_effect.draw_other_goods", offer="tents", need="food", field="offer")):
            on_page = str(forms.said_on_page(said, t)).replace("\u2068", "").replace("\u2069", "")  # (names set apart)
            assert t.has(f"event.{said.key}")
            words = t(f"event.{said.key}", **{name: "\x00" for name in said.values})  # (its own words, values apart)
            assert all(str(escape(part)) in on_page for part in words.split("\x00")), on_page
            assert on_page != forms.refusal_words(said, t)  # (the form's words stay the form's)
    assert "your own" not in str(forms.said_on_page(Said("x", "no_effect.decline_own", what="pledge"), Translator("en")))
    assert "Tick" not in str(forms.said_on_page(Said("x", "no_effect.reply_not_to_owner", owner="B"), Translator("en")))


def test_who_may_change_it_is_said_of_the_event_to_any_reader() -> None:
    """The page said why another group's update, decline, close or figure has no effect with the
    publish form's words: "Only Calais ... may change it", "other groups pledge", "a new danger needs
    a new alert", as if the reader had tried it. The page says what the event did and why it counts
    for nothing, in both languages."""
    cases = {"no_effect.not_owner": "need", "no_effect.raised_not_owner": "raised",
             "no_effect.decline_not_owner_need": "need", "no_effect.decline_not_owner_fundraiser": "fundraiser",
             "no_effect.close_not_allowed": "request", "no_effect.cleared_before": "alert"}
    told = {"en": ("other groups pledge", "a new danger needs", "takes its own", "hand it back with a close"),
            "fr": ("les autres groupes font", "un nouveau danger demande", "reprend sa propre", "la rendre par une clôture")}
    for lang in ("en", "fr"):
        t = Translator(lang)
        for key, field in cases.items():
            said = Said("x", key, owner="Calais", field=field)
            on_page = " ".join(str(forms.said_on_page(said, t)).replace("\u2068", "").replace("\u2069", "").split())
            assert t.has(f"event.{key}"), (lang, key)
            assert on_page != " ".join(forms.refusal_words(said, t).replace("\u2068", "").replace("\u2069", "").split())
            assert not any(advice in on_page for advice in told[lang]), (lang, on_page)
            if "owner" in t(f"error.{key}", owner="{owner}"):  # (who may do it, as the form says: named here too)
                assert "Calais" in on_page, (lang, on_page)
    en = Translator("en")
    assert forms.said_on_page(Said("x", "no_effect.not_owner", owner="Calais", field="need"), en).startswith("It ")


def test_a_report_or_share_by_another_group_is_not_said_to_change_anything() -> None:
    """not_owner is also why another group's report on an action, or its share of a support
    request, counts for nothing (events.effects._VERBS): its words said "It changes something
    Calais posted ... may change it" (fr "Il modifie ..."), which a report or a share does not."""
    for lang, changes in (("en", "change"), ("fr", "modifi")):
        t = Translator(lang)
        for said_of in ("event", "error"):
            said = Said("x", "no_effect.not_owner", owner="Calais", field="action", verb="report on", kind="action")
            words = forms.refusal_words(said, t, said_of=said_of)
            assert changes not in words.lower() and "Calais" in words, (lang, said_of, words)
