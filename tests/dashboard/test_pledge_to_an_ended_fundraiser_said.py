"""A pledge to a fundraiser that ended is refused saying so, when it ended in the form's time zone
(the browser's), and what to do, in French and English: it fell back to "Vérifiez ce champ."."""
from __future__ import annotations

from page_text import csrf_of, visible_text
from test_fundraiser_decline_page import reply_from_bristol
from test_http import get, post


async def test_a_pledge_to_an_ended_fundraiser_says_when_it_ended_in_the_forms_zone(sample, start_node) -> None:
    # Bristol ran a fundraiser that ended on 2020-01-01 at 10:00 UTC; Calais holds it
    fund = reply_from_bristol(*sample.nodes, "fundraiser", {"title": "Bail fund", "goal": "500", "currency": "EUR",
                                                            "region": "calais", "ends_at": "2020-01-01T10:00+00:00"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, form, _ = await get(node.client, "/publish/fundraiser.update")
    sent = {"fundraiser": fund, "pledge": "5", "time_zone": "Asia/Tokyo", "csrf": csrf_of(form)}
    for lang, said in (("fr", "Cette collecte s’est terminée le 2020-01-01 19:00"),
                       ("en", "This fundraiser ended on 2020-01-01 19:00")):
        status, html, _ = await post(node.client, f"/publish/fundraiser.update?lang={lang}", sent)
        text = " ".join(visible_text(html).split())
        assert status == 400 and said in text and "Vérifiez ce champ." not in text, text
        assert ("Demandez à" if lang == "fr" else "Ask") in text, text  # what to do: ask the group
