"""A support request whose private part was sealed only to groups that are gone since (Bristol left,
Cardiff was revoked) says so on the requesting group's node: no group it was sent to can still read
it, each named with how it is gone, and how to share it with a group that can (support.share: the
command in `solnet view support`, the form's button on the dashboard). It
showed as an ordinary request "waiting for a group", and a minor's case could sit unread forever.
Said on the overview and the request's own page (English and French), in the API's item and in
`solnet view support`; the same whether the revocations come before or after the request. On real
SQLite files, the private part sealed and opened with real keys. Its own group's offer is not among
the places it could go (it was, first)."""
from __future__ import annotations

import re
from pathlib import Path

from node import publishing
from node.audience import Opener
from node.dashboard.app import render_page
from node.dashboard.i18n import Translator
from node.dashboard.pages import event, overview
from node.log import now_ms
from node.render import view_line
from node_fixtures import Net, wires
from test_audiences import _three

REQUEST = {"region": "calais", "type": "safeguarding_minor", "people": "1", "urgency": "high"}
CONTEXT = {"role": "admin", "local": True, "logged_in": False, "is_admin": True, "csrf": "token", "node_name": "n",
           "path": "/", "lang_links": {}, "since": 0, "flash": None, "title": "t", "fragment": "/f",
           "health": {"peers": [], "connected": 0, "known": 0, "last_sync": None, "lag": None, "events_per_s": 0.0,
                      "events": 0}}


def _text(html: str) -> str:
    """The page's words, spaces of every kind as one (a French colon's narrow space too)."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_a_request_none_of_whose_readers_remain_says_so_and_what_to_do(net: Net, tmp_path: Path) -> None:
    (calais, bristol, cardiff), (calais_keys, _, _), (bristol_group, cardiff_group) = _three(net, tmp_path)
    request = publishing.publish(calais, calais_keys, "support.request", REQUEST, private="Boy, 15, alone, Rue X",
                                 to=["Bristol", "Cardiff"])
    publishing.publish(calais, calais_keys, "support.offer", {"region": "calais", "type": "safeguarding_minor",
                                                              "capacity": "3"})
    posted = list(calais.store.iter_wire())
    left = bristol_group.sign("member.revoke", {"subject": bytes(bristol_group.key.public),
                                                "from_seq": bristol_group.seq + 2, "reason": "dissolved"})
    revoked = net.group.sign("member.revoke", {"subject": bytes(cardiff_group.key.public), "from_seq": 99,
                                               "reason": "infiltrated"})
    gone = wires([left, revoked])
    for log in (calais, bristol, cardiff):
        log.store.close()
    own, opener = bytes(calais_keys.group.public), Opener(calais_keys.device_encryption)
    wanted = sorted([(bytes(bristol_group.key.public), "left"), (bytes(cardiff_group.key.public), "revoked")])
    for i, order in enumerate([posted + gone, gone + posted]):
        log = net.new_log(tmp_path / f"calais{i}.db")
        for _ in range(2):  # what waited for an earlier seq
            log.ingest(order)
        page = overview(log, "calais", 0, own, peers=[], opener=opener)
        [item] = page["support"]["items"]
        assert item["status"] == "open"
        assert [(g["group"], g["group_gone"]) for g in item["readers_gone"]] == wanted
        assert item["can_go"] == []  # not Calais's own offer (it asks others), nor those of the groups gone
        line = " ".join(view_line("support", item, {}).split())
        assert "NO GROUP IT WAS SENT TO CAN STILL READ IT:" in line and "(has left the network)" in line \
            and "(was revoked)" in line and f"solnet publish support.share --request {request.id.hex()}" in line, line
        shown = event(log, request.id, now_ms(), own, opener)
        assert shown is not None and [g["group"] for g in shown["status"]["readers_gone"]] == [g for g, _ in wanted]
        said = {"en": ("No group it was sent to can still read it:", "Bristol (has left the network)",
                       "Cardiff (was revoked)", "Nobody can act on it: share it with a group that can"),
                "fr": ("Aucun groupe à qui elle a été envoyée ne peut encore la lire :",
                       "Bristol (a quitté le réseau)", "Cardiff (a été révoqué)",
                       "partagez-la avec un groupe qui le peut")}
        for lang, words in said.items():
            t = {"t": Translator(lang), "lang": lang, **CONTEXT}
            for name, ctx in (("overview.html", {**page, **t}),
                              ("event.html", {**t, "event": shown, "private_text": None, "private_status": None})):
                page_html = render_page(name, ctx)
                html = _text(page_html)
                for w in words:
                    assert w in html, (lang, name, w)
                # what to do is a button of the page (the dashboard's coordinator may have no shell)
                assert f'href="/publish/support.share?request={request.id.hex()}"' in page_html, (lang, name)
        log.store.close()
