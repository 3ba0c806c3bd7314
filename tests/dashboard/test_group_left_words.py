"""A group that left the network (`solnet revoke OWN_GROUP_ID`) hears what is true of it, on the
admin's overview in English and French and in `solnet status`: nothing it signs is published any
more, what it published before stays, it can export or wipe its home, or come back as a new group.
Not "make a new device of your group" (its group key is revoked: that device would not link either)
nor "ask the group that admitted yours" (it revoked itself). Its alerts no longer offer an update or
an all clear: publishing is refused."""
from __future__ import annotations

from page_text import PASSPHRASE, visible_text
from node import membership
from node.status import node_status
from node.status_text import status_text
from test_http import get

UPDATE_LINK = "/publish/alert.update?alert="


async def test_a_group_that_left_is_told_what_it_can_still_do_and_offered_no_action(sample, start_node) -> None:
    calais, _ = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    alert = sample.ids["alert"]
    for path in ("/", f"/event/{alert}"):  # Calais's own live alert: the admin may update or clear it
        assert UPDATE_LINK in (await get(node.client, path))[1], path
    running = node.node
    group = bytes(running.keys.group.public)
    await running.db(lambda: membership.revoke(running.log, calais.home.keys(PASSPHRASE), group,
                                               reason="group dissolved", offline=True))
    for lang, said in (
            ("en", ["This group left the network: it revoked its own key from seq",
                    "Nothing this node signs is published any more", "export it (solnet export) or wipe it",
                    "ask a member group to invite it", "and so is its group: no node links with it any more, nor "
                    "with any new device of this group"]),
            ("fr", ["Ce groupe a quitté le réseau\u202f: il a révoqué sa propre clé depuis le numéro",
                    "Plus rien de ce que ce nœud signe n’est publié", "exportez-le (solnet export) ou effacez-le",
                    "et son groupe aussi\u202f: plus aucun nœud ne s’y lie"])):
        _, page, _ = await get(node.client, f"/?lang={lang}")
        text = visible_text(page)
        for words in said:
            assert words in text, (lang, words, text)
        assert "--device-of" not in text and "admitted yours" not in text and "admis le vôtre" not in text, text
        assert UPDATE_LINK not in page, lang
        assert UPDATE_LINK not in (await get(node.client, f"/event/{alert}?lang={lang}"))[1], lang
    said = status_text(await running.db(node_status, calais.home, running.log))  # `solnet status`
    assert "WARNING: this group left the network: it revoked its own key from seq" in said, said
    assert "(`solnet export FILE`) or wipe it (`solnet wipe`)" in said and "ask a member group to invite it" in said
    assert "nor with any device of its group (see the group's warning)" in said, said
    assert "--device-of" not in said and "admitted yours" not in said, said


async def test_a_group_that_left_is_said_to_have_left_not_to_be_revoked(sample, start_node) -> None:
    """The groups page (English, French) and `solnet view groups` said "revoked … by Calais" of a
    group that revoked itself; they say it left the network, and who admitted each group."""
    from node.render import view_line
    from node.views import group_names, view

    calais, _ = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    group = bytes(running.keys.group.public)
    await running.db(lambda: membership.revoke(running.log, calais.home.keys(PASSPHRASE), group,
                                               reason="group dissolved", offline=True))
    for lang, left, when, admitted in (("en", "left the network", "Left the network", "Admitted by"),
                                       ("fr", "a quitté le réseau", "A quitté le réseau le", "Admis par")):
        _, page, _ = await get(node.client, f"/groups?lang={lang}")
        lines = visible_text(page).splitlines()
        at = lines.index("calais")  # Calais's heading: its name, its region, its state, then when it left
        # (the reason is the group's own words, an element of their own with their language)
        assert lines[at - 1:at + 3] == ["Calais", "calais", left, when] and lines[at + 4:at + 6] == ["—", "group dissolved"], \
            (lang, lines[at - 1:at + 6])
        assert lines[lines.index(admitted) + 1] == "Calais", (lang, lines)  # Bristol's card: Calais let it in
    items = await running.db(lambda: view(running.log, "groups"))
    names = await running.db(lambda: group_names(running.log))
    lines = "\n".join(view_line("groups", g, names) for g in items)
    [line] = [line for line in lines.splitlines() if line.startswith("Calais (calais)")]
    assert ", LEFT THE NETWORK from seq " in line and line.endswith(f"(group dissolved)  {group.hex()[:12]}…"), line
    assert "REVOKED" not in line and "by Calais" not in line, line
    assert "    admitted by Calais" in lines, lines
