"""The withdraw page promises that the withdrawal's reason "stays, which every group can read", but
the withdrawn event's page (/event/ID?withdrawn=1, and the same page later) said only that its author
withdrew it. It now says the reason (escaped, isolated as all typed text), with a link to the
withdrawal, in English and French; and says so when no reason was given."""
from __future__ import annotations

from page_text import visible_text
from test_http import get
from test_withdraw_takes_related import withdraw

HOSTILE = "<b>wrong date</b> تاريخ خاطئ " + "x" * 150


async def test_a_withdrawn_events_page_says_its_public_reason(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    action = sample.ids["action"]
    assert (await withdraw(node, action, reason=HOSTILE))[0] == 303
    _, page, _ = await get(node.client, f"/event/{action}?withdrawn=1&lang=en")
    said = page.split('class="notice withdrawal-reason"')[1].split("</p>")[0]
    assert "&lt;b&gt;wrong date&lt;/b&gt;" in said and "<b>" not in said
    assert '<bdi dir="auto"' in said and "x" * 150 in said
    text = " ".join(visible_text(said).split())
    assert "Its author’s reason, which every group can read:" in text and "the withdrawal" in text
    redaction = said.split('href="/event/')[1].split('"')[0]
    _, shown, _ = await get(node.client, f"/event/{redaction}?lang=en")
    assert 'class="event kind-redact"' in shown and f'href="/event/{action}"' in shown  # the withdrawal itself
    _, page_fr, _ = await get(node.client, f"/event/{action}?lang=fr")
    assert "La raison de l’auteur, que chaque groupe peut lire" in visible_text(page_fr)

    need = sample.ids["need"]
    assert (await withdraw(node, need))[0] == 303
    _, page, _ = await get(node.client, f"/event/{need}?lang=en")
    assert "Its author gave no reason." in visible_text(page.split('class="notice withdrawal-reason"')[1].split("</p>")[0])


async def test_a_withdrawal_older_than_those_read_is_said_not_looked_up(sample, start_node, monkeypatch) -> None:
    """Past its author's newest WITHDRAWALS_READ redactions (here 1) a withdrawal is not read: its
    event's page said nothing, as if no reason had been given; it now says the reason was not looked up."""
    monkeypatch.setattr("node.related.WITHDRAWALS_READ", 1)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    action, need = sample.ids["action"], sample.ids["need"]
    assert (await withdraw(node, action, reason="wrong date"))[0] == 303
    assert (await withdraw(node, need))[0] == 303  # the newest: the action's withdrawal is past the one read
    _, page, _ = await get(node.client, f"/event/{action}?lang=en")
    said = " ".join(visible_text(page.split('class="notice withdrawal-reason"')[1].split("</p>")[0]).split())
    assert "Its reason was not looked up: its withdrawal is older than its author’s newest 1 withdrawals." in said
    assert "wrong date" not in said
    _, page_fr, _ = await get(node.client, f"/event/{action}?lang=fr")
    assert "Sa raison n’a pas été cherchée" in visible_text(page_fr)
    _, page, _ = await get(node.client, f"/event/{need}?lang=en")  # the newest is read, as before
    assert "Its author gave no reason." in visible_text(page.split('class="notice withdrawal-reason"')[1].split("</p>")[0])
