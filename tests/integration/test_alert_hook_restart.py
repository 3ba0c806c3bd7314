"""`solnet run --on-alert` on real node processes: an infiltrator's false raid alert that went to the
command is withdrawn from it when the node starts again, if its group was revoked while the node
was stopped (the feed starts from the alerts held: nothing else said it)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from node.demo import localnet
from local_cluster import Cluster, cli, log_text


def _chat(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_an_alert_withdrawn_while_the_node_was_stopped_is_withdrawn_from_the_command_at_start(
        cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    chat = tmp_path / "chat.jsonl"
    hook = tmp_path / "to-chat.py"
    hook.write_text(f"#!{sys.executable}\nimport sys\nopen({str(chat)!r}, 'a').write(sys.stdin.read())\n",
                    encoding="utf-8")
    hook.chmod(0o755)
    on_alert = ("--on-alert", str(hook))
    cluster.start(calais, extra_args=on_alert)
    cli(bristol, "sync", calais.address)  # Calais knows Bristol's device
    cli(bristol, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Raid at the station, run",
        "--expires-in", "2h", "--offline")
    cli(bristol, "sync", calais.address)
    cluster.wait(lambda: len(_chat(chat)) >= 1, 30, "the command getting Bristol's alert")
    [alert] = _chat(chat)
    assert alert["group_name"] == "Bristol" and alert["text"] == "Raid at the station, run"
    assert localnet.stop(calais, 20) == 0
    cli(calais, "revoke", bristol.home.config().group_id, "--reason", "false raid alerts", "--offline")
    cluster.start(calais, extra_args=on_alert)
    cluster.wait(lambda: len(_chat(chat)) >= 2, 30, "the command getting the withdrawal")
    withdrawn = _chat(chat)[1]
    assert (withdrawn["status"], withdrawn["alert"], withdrawn["group_name"]) == ("withdrawn", alert["id"], "Bristol")
    assert withdrawn["text"] == alert["text"] and withdrawn["expires"] == alert["expires"]
    said = log_text(calais)
    assert "1 alerts passed on before the node stopped were withdrawn since" in said, said
    assert "Raid at the station" not in said
