"""A coordinator without a shell shares the group's support request with more groups from the dashboard
(support.share: a group that joined since, one that offers the housing it needs). The dashboard had no
form for it: the request's page, and its "no group it was sent to can still read it" warning, said to run
`solnet publish support.share` in a terminal, and a family's request stayed with groups that could not
take it."""
from __future__ import annotations

import re

from page_text import PRIVATE, csrf_of, visible_text
from test_http import get, post
from test_support_buttons import _item, _move, other_group_logged_in


async def test_the_requesting_group_shares_its_request_from_its_page_and_the_group_can_take_it(
        sample, start_node) -> None:
    calais, bristol = sample.nodes
    request = sample.ids["support"]  # Calais's request, sealed to Calais's own devices only
    _move(bristol, calais)  # Calais knows Bristol's device, to seal to it
    node = await start_node(calais)
    await node.log_in()

    _, page, _ = await get(node.client, f"/event/{request}")
    share = f"/publish/support.share?request={request}"
    assert f'href="{share}"' in page, visible_text(page)
    _, page, _ = await get(node.client, "/")
    assert share in _item(page, request), "the desk's row offers it too"

    _, form, _ = await get(node.client, share)
    shown = " ".join(visible_text(form).split())  # (a name set apart, <bdi>, reads on a line of its own)
    assert "Groups to share it with" in shown and "Bristol (bristol)" in shown, shown
    assert 'name="private"' not in form, "nothing is typed: the request's own details are sealed again"
    assert "Calais (calais)" not in shown, "the requesting group reads its own request already"
    bristol_id = bristol.home.config().group_id
    assert f'value="{bristol_id}"' in form

    status, page, _ = await post(node.client, share, {"request": request, "csrf": csrf_of(form)})
    assert status == 400
    assert re.search(r'<a href="#f-to-0">Groups to share it with: Tick at least one group to share the request '
                     r'with.</a>', page), visible_text(page)
    status, page, _ = await post(node.client, f"{share}&lang=fr", {"request": request, "csrf": csrf_of(form)})
    assert status == 400 and "Cochez au moins un groupe avec qui partager la demande." in page

    status, _, answer = await post(node.client, share, {"request": request, "to": bristol_id,
                                                        "csrf": csrf_of(form)})
    assert status == 303, visible_text(_)
    _, page, _ = await get(node.client, answer.headers["Location"])
    assert PRIVATE in page, "the share holds the request's own details"
    said = " ".join(visible_text(page).split())
    # with whom it was shared (the page is in French: the form before was sent with ?lang=fr)
    assert re.search(r"Lisibles par ces groupes seulement\s*:\s*Calais\s*,\s*Bristol\s*\.", said), said
    _, page, _ = await get(node.client, f"/event/{request}?lang=en")
    said = " ".join(visible_text(page).split())
    assert "Its private details are shared with its own group and with Bristol." in said, said
    _, page, _ = await get(node.client, f"/event/{request}?lang=fr")
    said = " ".join(visible_text(page).split())
    assert "Ses détails privés sont partagés avec son propre groupe et avec Bristol." in said, said
    await get(node.client, f"/event/{request}?lang=en")  # (the language chosen stays: back to English)
    _, form, _ = await get(node.client, share)  # Bristol reads it now: named, not offered again
    assert f'value="{bristol_id}"' not in form, visible_text(form)
    said = " ".join(visible_text(form).split())
    assert "Groups that read it already: Bristol (bristol)." in said, said
    status, page, _ = await post(node.client, share, {"request": request, "csrf": csrf_of(form)})
    assert status == 400 and "Tick at least one group" not in page, visible_text(page)
    said = "Every other group this node knows reads this request already"
    assert visible_text(page).count(said) == 3, visible_text(page)  # the summary, the field's error, the words
    status, page, _ = await post(node.client, share, {"request": request, "to": bristol_id, "csrf": csrf_of(form)})
    assert status == 400 and visible_text(page).count(said) == 3, visible_text(page)  # a form opened before: no share
    await node.stop()

    _move(calais, bristol)
    running = await start_node(bristol)
    await running.log_in()
    _, page, _ = await get(running.client, "/")
    assert "Take this request" in _item(page, request), "Bristol reads the request now, and may take it"


async def test_another_groups_request_offers_no_share(sample, start_node) -> None:
    node = await other_group_logged_in(sample, start_node)
    _, page, _ = await get(node.client, f"/event/{sample.ids['support']}")
    assert "/publish/support.share" not in page, "only the requesting group's share counts"


async def test_with_no_other_group_to_tick_the_error_summary_links_to_what_is_on_the_page(sample, start_node) -> None:
    """Calais's node knows no other group's device yet: the share form lists none to tick (not its own)
    and says to sync first. Sent as it is, its error summary linked to the first box, "#f-to-0", which
    the page no longer had (its own group's box was left out): the link went nowhere, for a keyboard or
    a screen reader. It leads to the words that say what to do."""
    calais, _ = sample.nodes
    request = sample.ids["support"]
    node = await start_node(calais)
    await node.log_in()
    share = f"/publish/support.share?request={request}"
    _, form, _ = await get(node.client, share)
    assert 'name="to"' not in form, visible_text(form)
    status, page, _ = await post(node.client, share, {"request": request, "csrf": csrf_of(form)})
    assert status == 400
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    said = "No group can receive private details yet: sync with the network first."
    at = page.find("Tick at least one group")
    assert at < 0, page[at - 300:at + 100]
    assert visible_text(page).count(said) == 3, visible_text(page)  # the summary, the field's error, the words
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets, summary
    for target in targets:
        assert f'id="{target}"' in page, (target, visible_text(page))
