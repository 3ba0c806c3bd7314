"""What assistive technology reads off the dashboard's forms and pages (over HTTP, real node): after a
failed submit an error summary at the top with a link to each field at fault, "Error" in the title,
aria-invalid and aria-describedby on every field with an error (the expiry, the private details and
the recipients too), hints referenced, the recipients as a fieldset with a legend, required fields
marked in code and in words, and the language of event text known to be in one language. Refusals
that node.publishing adds (a reference to the wrong kind, an amount that is no number) reach the form.
"""
from __future__ import annotations

import re

from page_text import PASSPHRASE, csrf_of
from events.canonical import unpack
from node import publishing
from test_http import get, post


def tag(html: str, element_id: str) -> str:
    """The start tag of the element with `element_id`."""
    match = re.search(rf'<[a-z]+[^>]*\bid="{re.escape(element_id)}"[^>]*>', html)
    assert match, f"no element #{element_id}"
    return match.group(0)


def described_by(html: str, element_id: str) -> list[str]:
    match = re.search(r'aria-describedby="([^"]*)"', tag(html, element_id))
    return match.group(1).split() if match else []


async def test_a_failed_form_says_what_is_wrong_first_and_links_each_field(sample, start_node, http) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    _, form, _ = await get(http, node.url + "/publish/action")
    assert "<title>Publish: Action · " in form and "aria-invalid" not in form and "error-summary" not in form
    for name in ("title", "region", "starts_at", "type"):  # required: in code and in words
        assert re.search(r"\srequired\b", tag(form, f"f-{name}")), name
        assert re.search(rf'<label for="f-{name}">[^<]*<span class="req">\(required\)</span>', form), name
    assert not re.search(r"\srequired\b", tag(form, "f-place"))
    assert described_by(form, "f-starts_at") == ["h-starts_at"]  # the hint is read with the field
    assert described_by(form, "f-languages") == ["h-languages"] and 'id="h-languages"' in form

    fields = {"title": "Cours 7", "region": "calais", "type": "class", "starts_at": "1900-01-01T10:00",
              "csrf": csrf_of(form)}
    status, html, _ = await post(http, node.url + "/publish/action", fields)
    assert status == 400
    assert re.search(r"<title>Error: ", html)
    summary = html[html.index('id="error-summary"'):html.index("</div>", html.index('id="error-summary"'))]
    assert 'tabindex="-1"' in tag(html, "error-summary") and "data-focus" in tag(html, "error-summary")
    assert '<a href="#f-starts_at">Starts: Give a date from 1970 on' in summary
    assert html.index('id="error-summary"') < html.index('<form method="post" action="/publish/action"')
    assert 'aria-invalid="true"' in tag(html, "f-starts_at")
    assert described_by(html, "f-starts_at") == ["h-starts_at", "e-starts_at"]
    assert "millisecond" not in html


async def test_expiry_private_details_and_recipients_carry_their_errors(sample, start_node, http) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    _, form, _ = await get(http, node.url + "/publish/support.request")
    token = csrf_of(form)
    assert re.search(r'<fieldset class="recipients"[^>]*>\s*<legend>Who may read them</legend>', form)
    assert described_by(form, "f-private") == ["h-private"]
    request = {"region": "calais", "type": "legal", "people": "2", "urgency": "high", "csrf": token}
    status, html, _ = await post(http, node.url + "/publish/support.request", {**request, "private": "Case notes"})
    assert status == 400  # private details and no recipient
    assert 'aria-invalid="true"' in tag(html, "f-to-0") and described_by(html, "f-to-0") == ["e-to"]
    assert 'aria-describedby="e-to"' in html.split('class="recipients')[1].split(">")[0]  # on the fieldset too
    assert '<a href="#f-to-0">Who may read them: ' in html
    status, html, _ = await post(http, node.url + "/publish/support.request",
                                 {**request, "to": sample.nodes[0].home.config().group_id})
    assert status == 400  # recipients and no details
    assert 'aria-invalid="true"' in tag(html, "f-private")
    assert described_by(html, "f-private") == ["h-private", "e-private"]

    running = node.node
    before = await running.db(running.log.store.count)
    status, html, _ = await post(http, node.url + "/publish/support.request",  # too long for the sealed field
                                 {**request, "to": sample.nodes[0].home.config().group_id, "private": "x" * 60_000})
    assert status == 400 and 'aria-invalid="true"' in tag(html, "f-private")
    assert '<a href="#f-private">' in html and "too long to be encrypted (the limit is about 56 KiB)" in html
    assert await running.db(running.log.store.count) == before  # nothing signed

    _, form, _ = await get(http, node.url + "/publish/alert")
    assert re.search(r"\srequired\b", tag(form, "f-expires_in"))
    alert = {"region": "calais", "type": "raid", "text": "Vans", "csrf": csrf_of(form)}
    status, html, _ = await post(http, node.url + "/publish/alert", {**alert, "expires_in": "0m"})
    assert status == 400
    assert 'aria-invalid="true"' in tag(html, "f-expires_in") and described_by(html, "f-expires_in") == ["e-expires_in"]
    assert '<a href="#f-expires_in">Expires after: Write how long it lasts, at least 1 minute, like 90m, 6h or 2d.</a>' in html


async def test_a_reference_to_the_wrong_kind_and_an_amount_that_is_no_number_are_refused_in_the_form(
        sample, start_node, http) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    running = node.node
    before = await running.db(running.log.store.count)
    _, form, _ = await get(http, node.url + "/publish/need.fulfil")
    status, html, _ = await post(http, node.url + "/publish/need.fulfil",
                                 {"need": sample.ids["action"], "quantity": "2", "csrf": csrf_of(form)})
    assert status == 400 and 'aria-invalid="true"' in tag(html, "f-need")
    assert "This id is of another kind of event" in html
    _, form, _ = await get(http, node.url + "/publish/fundraiser")
    status, html, _ = await post(http, node.url + "/publish/fundraiser", {
        "title": "Kit", "goal": "Infinity", "currency": "EUR", "region": "calais", "csrf": csrf_of(form)})
    assert status == 400 and 'aria-invalid="true"' in tag(html, "f-goal")  # was a crash (500)
    assert await running.db(running.log.store.count) == before


async def test_login_and_wipe_failures_are_summarised_too(sample, start_node, http) -> None:
    node = await start_node(sample.nodes[0])
    _, form, _ = await get(http, node.url + "/login")
    status, html, _ = await post(http, node.url + "/login", {"passphrase": "wrong", "csrf": csrf_of(form)})
    assert status == 401 and '<a href="#f-passphrase">Passphrase: Wrong passphrase. It is the one that unlocks this node' in html
    assert 'aria-invalid="true"' in tag(html, "f-passphrase") and re.search(r"<title>Error: ", html)
    await node.log_in(http)
    _, form, _ = await get(http, node.url + "/admin/wipe")
    status, html, _ = await post(http, node.url + "/admin/wipe", {"confirm": "no", "csrf": csrf_of(form)})
    assert status == 400 and '<a href="#f-confirm">' in html and 'aria-invalid="true"' in tag(html, "f-confirm")
    assert not node.wiped
    assert re.search(r'name="everything" value="yes">', html)  # not ticked: it was not
    # "Also delete the whole event log" ticked, the word mistyped: the tick is kept (retyped, the
    # word wiped the keys only, and the event log stayed on the machine)
    status, html, _ = await post(http, node.url + "/admin/wipe", {"confirm": "WPIE", "everything": "yes",
                                                                  "csrf": csrf_of(form)})
    assert status == 400 and 'name="everything" value="yes" checked>' in html
    assert not node.wiped


async def test_event_text_carries_the_one_language_its_group_writes(sample, start_node, http) -> None:
    """An action's `languages` are those spoken there, not its text's: they mark nothing. The group's
    profile naming one language marks every text of the group (README, "Event text is marked")."""
    home = sample.nodes[0].home
    log, keys = home.log(), home.keys(PASSPHRASE)
    try:
        spoken = publishing.publish(log, keys, "action", {
            "title": "Cours de français", "region": "calais", "type": "class", "starts_at": "2031-03-02T10:00",
            "languages": "ar", "description": "Au local"}).id.hex()
    finally:
        log.store.close()
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    _, html, _ = await get(http, node.url + "/")
    assert f'<a href="/event/{spoken}" dir="auto">Cours de français</a>' in html  # not lang="ar"
    await node.stop()

    log = home.log()
    try:
        publishing.publish(log, keys, "group.profile", {"name": "Calais", "region": "calais", "languages": "fr"})
    finally:
        log.store.close()
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    _, html, _ = await get(http, node.url + "/")
    assert f'<a href="/event/{spoken}" dir="auto" lang="fr">Cours de français</a>' in html
    _, html, _ = await get(http, node.url + f"/event/{spoken}")
    assert '<h1 dir="auto" lang="fr">Cours de français</h1>' in html
    assert '<span class="text" dir="auto" lang="fr">Au local</span>' in html
    assert '<span class="text" dir="auto" lang="fr">calais</span>' not in html  # a region is no French text


async def test_an_amount_with_a_decimal_comma_is_published_as_typed_in_french(sample, start_node, http) -> None:
    """The French form's hint says 12,50: that is twelve euros fifty, never 1250 (a signed goal cannot
    be corrected once it has spread); an amount it cannot read for sure is refused in the form."""
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    running = node.node
    since = await running.db(running.log.store.last_n)
    _, form, _ = await get(http, node.url + "/publish/fundraiser?lang=fr")
    assert "12,50" in form
    status, html, _ = await post(http, node.url + "/publish/fundraiser?lang=fr", {
        "title": "Tentes", "goal": "1.500", "currency": "EUR", "region": "calais", "csrf": csrf_of(form)})
    assert status == 400 and 'aria-invalid="true"' in tag(html, "f-goal")
    assert "Donnez un montant comme 1500 ou 12,50." in html
    status, _, _ = await post(http, node.url + "/publish/fundraiser?lang=fr", {
        "title": "Tentes", "goal": "12,50", "currency": "EUR", "region": "calais", "csrf": csrf_of(form)})
    assert status in (200, 303)
    rows = await running.db(running.log.store.kinds_after, ("fundraiser",), since, 10)
    assert [unpack(row[-1])["goal"] for row in rows] == [1250]


async def test_a_required_choice_is_not_made_for_the_person(sample, start_node, http) -> None:
    """A support request's urgency, a close's outcome: the form chose the first one ("low", "resolved")
    for whoever did not pick one: it asks now, and the server says so. (An alert's type stays "raid"
    unless changed: it is typed in a hurry, and is a raid far more often than not.)"""
    node = await start_node(sample.nodes[0])
    await node.log_in(http)
    _, form, _ = await get(http, node.url + "/publish/support.request")
    assert re.search(r'<select id="f-urgency"[^>]*>\s*<option value="" selected>Choose…</option>', form), form
    status, html, _ = await post(http, node.url + "/publish/support.request", {
        "region": "calais", "type": "housing", "people": "2", "urgency": "", "csrf": csrf_of(form)})
    assert status == 400 and 'aria-invalid="true"' in tag(html, "f-urgency")
    _, form, _ = await get(http, node.url + "/publish/alert")
    assert re.search(r'<select id="f-type"[^>]*>\s*<option value="raid"', form), form
