"""`solnet rebuild` replays the log into the read models: what people see must not change."""
from __future__ import annotations

from contextlib import closing

from node.store import Store

VIEWS = ("regions", "actions", "past-actions", "fundraisers", "needs", "support", "capacity", "alerts",
         "alert-history", "resources", "groups")


def projection(home) -> list[tuple]:
    with closing(Store(home / "solnet.db", readonly=True)) as store:
        return store.projection_dump()


def seen(home, cli, views=VIEWS) -> dict:
    """What people and scripts see: the read-model rows, the event list (JSON, and the text form
    whose group names come from the profile read model) and the read-model views."""
    return {"proj": projection(home), "ls": cli.run_json(home, "ls", "--limit", "1000"),
            "ls text": cli.run(home, "ls", "--limit", "1000").stdout,
            **{name: cli.run_json(home, "view", name) for name in views}}


def test_rebuild_keeps_what_the_publishing_node_shows(populated, cli):
    before = seen(populated.a, cli)
    tables = {row[0] for row in before["proj"]}
    assert {"profile", "action", "fundraiser", "fundraiser.update", "need", "offer", "need.fulfil",
            "support", "support.status", "alert"} <= tables
    redacted = bytes.fromhex(populated.published["typo_offer"])
    assert all(row[1] != redacted for row in before["proj"]), "a redacted event is not in the read models"
    assert "Calais" in before["ls text"]
    [fundraiser] = before["fundraisers"]
    assert (fundraiser["goal"], fundraiser["raised"]) == (200000, 15000)
    [need] = [n for n in before["needs"] if n["id"] == populated.published["need"]]
    assert (need["quantity"], need["fulfilled"], need["remaining"]) == (50, 20, 30)  # adjusted, then 15 + 5
    [request] = before["support"]
    assert (request["status"], request["outcome"]) == ("closed", "resolved")

    assert cli.run_json(populated.a, "rebuild")["projected_events"] > 0
    assert seen(populated.a, cli) == before


def test_rebuild_keeps_what_the_importing_node_shows(populated, cli, tmp_path):
    """B built its rows from a bundle, in the bundle's order; a rebuild from its log agrees, and B's
    rows about A's events are A's rows."""
    cli.run(populated.a, "export", tmp_path / "a.bundle")
    cli.run(populated.b, "import", tmp_path / "a.bundle")
    before = seen(populated.b, cli)
    cli.run(populated.b, "rebuild")
    assert seen(populated.b, cli) == before
    bristol = bytes.fromhex(populated.group_b)
    assert set(projection(populated.a)) == {row for row in before["proj"] if row[1] != bristol}


def test_rebuild_twice_after_more_events(populated, cli):
    cli.run(populated.a, "rebuild")
    need = cli.publish(populated.a, "need", "--category", "shoes", "--quantity", "25", "--region", "calais")
    cli.publish(populated.a, "need.fulfil", "--need", need, "--quantity", "5")
    cli.publish(populated.a, "group.profile", "--name", "Calais Solidarité", "--region", "calais")
    before = seen(populated.a, cli, views=("needs", "groups"))
    assert "Calais Solidarité" in before["ls text"]
    assert [n["remaining"] for n in before["needs"] if n["id"] == need] == [20]
    cli.run(populated.a, "rebuild")
    cli.run(populated.a, "rebuild")
    assert seen(populated.a, cli, views=("needs", "groups")) == before
