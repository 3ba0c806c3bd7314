"""Real `solnet run` nodes: an action shared with chosen groups only (docs/design.md section 6.6),
and an alert that reaches an `--on-alert` script on another node (section 9.4).

Sealed: Calais shares a direct action with Bristol only; Cardiff relays it (Calais - Bristol -
Cardiff is a line, and it dials Bristol). Bristol reads it in its CLI, API and dashboard; Cardiff's
CLI, API, dashboard, every file of its home (database, WAL, config, logs) never show it, and no
node holds its text in the clear anywhere on disk. A control (an open action) is seen everywhere, so
the checks can see.
"""
from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path

from disk_scan import files_under, scan, text_needle
from local_cluster import Cluster, api, cli, cli_json, dashboard_pages, holds, log_text
from node.demo import localnet

def test_an_action_for_chosen_groups_reaches_only_them(cluster: Cluster) -> None:
    nodes = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    calais, bristol, cardiff = nodes
    localnet.line(nodes)
    cluster.start_all(nodes)
    secret = f"Blockade at the Coquelles gate {secrets.token_hex(6)}"
    place = f"Rue {secrets.token_hex(6)}"
    control = f"Open info night {secrets.token_hex(6)}"
    # Everyone must know Bristol's device before Calais can seal for it: wait for the membership events.
    bristol_group = cli_json(bristol, "status")["group_id"]
    cluster.wait(lambda: any(g["id"] == bristol_group and g["active_devices"] for g in cli_json(calais, "view", "groups")),
                 60, "Calais knows Bristol's device")
    sealed = api(calais, "/api/v1/events", {"kind": "action", "to": ["Bristol"], "fields": {
        "title": secret, "region": "calais", "type": "direct_action", "starts_at": "2031-06-01T05:00", "place": place}})
    sealed_id = bytes.fromhex(sealed["event"]["id"])
    assert sealed["event"]["kind"] == "sealed" and sealed["event"]["inner"]["title"] == secret
    open_id = bytes.fromhex(cli_json(calais, "publish", "action", "--title", control, "--region", "calais",
                                     "--type", "info_night", "--starts-at", "2031-06-02T18:00")["id"])
    cluster.wait(lambda: all(holds(n, sealed_id) and holds(n, open_id) for n in nodes), 60,
                 "both actions reached every node")

    # Bristol reads it everywhere, marked as shared.
    [item] = [a for a in cli_json(bristol, "view", "actions") if a.get("shared_with")]
    assert item["title"] == secret and item["place"] == place
    shown = cli(bristol, "show", sealed_id.hex()).stdout
    assert secret in shown and "shared with" in shown
    api_actions = api(bristol, "/api/v1/actions?region=calais")["items"]
    assert any(a["title"] == secret and a["shared_with"] for a in api_actions)
    bristol_pages = dashboard_pages(bristol, ["/", f"/event/{sealed_id.hex()}"])
    assert secret in bristol_pages and "Shared only with" in bristol_pages

    # Cardiff, which relayed it, shows nothing of it anywhere.
    said = [cli(cardiff, *args).stdout for args in (("ls",), ("ls", "--json"), ("show", sealed_id.hex()),
                                                      ("show", sealed_id.hex(), "--json"), ("view", "actions"),
                                                      ("view", "actions", "--json"))]
    said.append(json.dumps(api(cardiff, "/api/v1/events?limit=500")))
    said.append(json.dumps(api(cardiff, f"/api/v1/events/{sealed_id.hex()}?private=true")))
    said.append(json.dumps(api(cardiff, "/api/v1/actions")))
    said.append(dashboard_pages(cardiff, ["/", f"/event/{sealed_id.hex()}", "/?region=calais"]))
    everything = "\n".join(said)
    assert control in everything, "the checks see replicated open content"
    assert secret not in everything and place not in everything and "direct_action" not in said[5]
    assert "for chosen groups only" in said[0]

    # On disk, on every node, running and stopped: never the text in the clear (nor in any log).
    needles = [text_needle("sealed title", secret), text_needle("sealed place", place)]
    control_needle = text_needle("open control", control)
    for node in nodes:
        files = files_under([node.home.path])
        assert {"solnet.db", "solnet.db-wal", "node.log"} <= {p.name for p in files}
        assert scan(files, [control_needle]), f"the scan cannot see {node.name}'s data"
        assert scan(files, needles) == [], node.name
    for node in nodes:
        assert localnet.stop(node) == 0, log_text(node)
    assert scan([p for n in nodes for p in files_under([n.home.path])], needles) == []


HOOK = """\
import json, sys, time
alert = json.loads(sys.stdin.read())
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps({"at": time.time(), "alert": alert, "args": sys.argv[2:]}) + "\\n")
"""


def test_an_alert_reaches_an_on_alert_script_on_another_node(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = nodes = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line(nodes)
    script, out = tmp_path / "hook.py", tmp_path / "alerts.jsonl"
    script.write_text(HOOK, encoding="utf-8")
    # The words of CMD are split once, at start, with quotes as a shell reads them; no shell runs.
    command = f"{sys.executable} {script} {out} 'two words'"
    cluster.start(bristol, extra_args=["--on-alert", command, "--alert-region", "calais"])
    cluster.start(calais)
    cluster.wait(lambda: "on each new alert of calais" in log_text(bristol), 20, "the hook is set up")
    cluster.wait(lambda: "connected (outbound)" in log_text(calais), 20, "the nodes are linked")

    def delivered() -> list[dict]:
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []

    # Not for the chosen region: never run for it. Published with the CLI, which waits for Calais's
    # first complete round with Bristol (restore without forking, node/chain_gate.py): the API
    # refuses (422) until then, and "connected" is logged before that round ends.
    cli_json(calais, "publish", "alert", "--region", "bristol", "--type", "raid", "--text", "not for this hook")
    trap = tmp_path / "injected"
    text = f"Police at the canal camp $(touch {trap}) `touch {trap}`; bring blankets"
    published_at = time.time()
    event = api(calais, "/api/v1/events", {"kind": "alert", "expires_in": "2h", "fields": {
        "region": "calais", "type": "raid", "location": "Loon-Plage", "text": text}})["event"]
    cluster.wait(lambda: len(delivered()) >= 1, 30, "the alert reached the hook")
    [got] = delivered()
    # How soon is for bench/alert_spread.py to measure (a wall-clock bound here would fail on a busy
    # machine, not on slow code); printed for whoever reads the test's output.
    print(f"the hook ran {got['at'] - published_at:.2f} s after publishing")
    alert = got["alert"]
    assert alert["id"] == event["id"] and alert["text"] == text and alert["region"] == "calais"
    assert alert["location"] == "Loon-Plage" and alert["type"] == "raid" and alert["public"] is False
    assert got["args"] == ["two words"] and not trap.exists()
    assert "not for this hook" not in out.read_text(encoding="utf-8")
    assert text not in log_text(bristol)  # the node's log names alerts by id, never by content


def test_a_false_alert_of_a_group_then_revoked_is_withdrawn_through_the_hook(cluster: Cluster, tmp_path: Path) -> None:
    """An infiltrating group posts a false raid alert; it reaches Calais's Signal hook. Calais revokes
    the group: the alert leaves every view, and the hook runs once more for it, with `status`
    `withdrawn` and the alert's own fields (its group's name too), so the chat hears it no longer
    stands. Nothing told the chat before."""
    calais, bristol = nodes = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line(nodes)
    script, out = tmp_path / "hook.py", tmp_path / "alerts.jsonl"
    script.write_text(HOOK, encoding="utf-8")
    cluster.start(calais, extra_args=["--on-alert", f"{sys.executable} {script} {out}"])
    cluster.start(bristol)
    cluster.wait(lambda: "on each new alert of every region" in log_text(calais), 20, "the hook is set up")

    def delivered() -> list[dict]:
        return [json.loads(line)["alert"] for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []

    false = cli_json(bristol, "publish", "alert", "--region", "calais", "--type", "raid", "--location", "Gare",
                     "--text", "Police at the station, everyone to the beach")
    cluster.wait(lambda: len(delivered()) == 1, 30, "Bristol's alert reached Calais's hook")
    cli(calais, "revoke", bristol.home.config().group_id, "--reason", "posted false raid alerts")
    cluster.wait(lambda: len(delivered()) == 2, 30, "the withdrawal reached the hook")
    alert, gone = delivered()
    assert alert["id"] == false["id"] and alert["kind"] == "alert" and alert["group_name"] == "Bristol"
    assert (gone["kind"], gone["status"], gone["alert"], gone["id"]) == ("alert.update", "withdrawn", false["id"],
                                                                        false["id"])
    assert {k: gone[k] for k in ("text", "location", "region", "type", "group", "group_name", "expires")} == \
        {k: alert[k] for k in ("text", "location", "region", "type", "group", "group_name", "expires")}
    assert false["id"] not in json.dumps(cli_json(calais, "view", "alerts"))  # and out of every view
