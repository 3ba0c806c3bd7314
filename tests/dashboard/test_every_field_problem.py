"""A refused publish form marks every field that is wrong at once: a raid alert sent with neither
region nor text said only 'Region: Fill in this field.', and once the region was filled in, sent
back again for the text; an action with a date typed in part and its region left empty, the same
in two rounds. Each field's own words, in the page's language, and the summary links to each."""
from __future__ import annotations

import re

from page_text import csrf_of, refused_form


async def _errors(node, kind: str, fields: dict[str, str], lang: str = "en") -> dict[str, str]:
    html = await refused_form(node, kind, fields, lang)
    return dict(re.findall(r'<p class="field-error" id="e-([\w.]+)">([^<]*)</p>', html))


async def test_every_wrong_field_of_a_refused_form_is_marked_at_once(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    errors = await _errors(node, "alert", {"type": "raid", "expires_in": "6h"})
    assert set(errors) == {"region", "text"}, errors
    assert all(e.startswith("Fill in this field") for e in errors.values()), errors

    errors = await _errors(node, "action", {"title": "Rassemblement", "type": "protest", "starts_at": "2031-06-0"},
                           lang="fr")
    assert set(errors) == {"starts_at", "region"}, errors
    assert errors["starts_at"].startswith("Donnez une date et une heure"), errors
    assert errors["region"].startswith("Remplissez ce champ"), errors


def _summary_links(html: str) -> list[str]:
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'<a href="#([\w.-]+)">', summary)


async def test_a_problem_between_fields_is_said_with_the_others_at_once(sample, start_node) -> None:
    """An action's end before its start was said only once every other field was right: the region
    filled in, sent again, and only then 'The end is before the start.'"""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    errors = await _errors(node, "action", {"title": "March", "type": "protest", "starts_at": "2031-06-01T14:00",
                                            "ends_at": "2031-06-01T12:00"})
    assert set(errors) == {"region", "ends_at"}, errors
    assert errors["ends_at"] == "The end is before the start.", errors
    # a support offer's 'until' before its start, beside a capacity that is not a number
    errors = await _errors(node, "support.offer", {"region": "calais", "type": "housing", "capacity": "three",
                                                   "starts_at": "2031-06-02T10:00", "until": "2031-06-01T10:00"})
    assert set(errors) == {"capacity", "until"}, errors


async def test_the_inputs_beside_the_fields_are_said_with_the_fields(sample, start_node) -> None:
    """A public case note without its tick, or the audience 'chosen groups' with none ticked, hid the
    fields' own problems until they were mended (or the other way round)."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    errors = await _errors(node, "support.close", {"request": "", "note": "moved to the shelter"})
    assert {"request", "outcome", "note"} <= set(errors), errors
    assert errors["note"].startswith("This note is public"), errors

    errors = await _errors(node, "need", {"category": "tents", "quantity": "", "audience": "chosen"})
    assert {"to", "quantity", "region"} <= set(errors), errors
    assert errors["to"].startswith("Tick at least one group"), errors


async def test_the_summary_links_to_every_problem(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get("/publish/action") as r:
        token = csrf_of(await r.text())
    fields = {"title": "March", "type": "protest", "starts_at": "2031-06-01T14:00", "ends_at": "2031-06-01T12:00"}
    async with node.client.post("/publish/action", data={"csrf": token, **fields}) as r:
        links = _summary_links(await r.text())
    assert set(links) == {"f-region", "f-ends_at"}, links


async def test_the_french_summary_puts_a_narrow_no_break_space_before_its_colons(sample, start_node) -> None:
    """'Région: Remplissez ce champ.' is not French: 'Région\u202f: Remplissez ce champ.', the title's
    'Erreur\u202f:' too (never a plain space either: a line could break before the colon)."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get("/publish/alert?lang=fr") as r:
        token = csrf_of(await r.text())
    async with node.client.post("/publish/alert?lang=fr", data={"csrf": token, "type": "raid", "expires_in": "6h"}) as r:
        html = await r.text()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    items = re.findall(r'<a href="#[\w.-]+">([^<]*)</a>', summary)
    assert len(items) == 2 and all(re.match(r"^[^:\s]+\u202f: \S", i) for i in items), items
    title = re.search(r"<title>([^<]*)</title>", html)[1]
    assert title.startswith("Erreur\u202f: "), title
