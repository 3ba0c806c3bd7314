"""What a node shows of its peers, with real `solnet run` processes: links a peer dialled in are
shown like those this node dialled, named by the peer's group, in `solnet peers`, `status`, the
HTTP API and the dashboard; the lag is the current one both ways (0 once a backlog is synced, not
the backlog the round started with), and a peer gone quiet shows since when it is cut off."""
from __future__ import annotations

from local_cluster import PASSPHRASE, Cluster, api, cli, cli_json, dashboard_pages, event_ids, log_text
from node import publishing
from node.demo import localnet
from node.demo.localnet import LocalNode

BACKLOG = 300


def publish_backlog(node: LocalNode, count: int) -> None:
    """`count` actions signed by `node` before it runs (in-process: a CLI call each would take minutes)."""
    log = node.home.log()
    keys = node.home.keys(PASSPHRASE)
    try:
        for i in range(count):
            publishing.publish(log, keys, "action", {"title": f"Backlog {i}", "region": "calais", "type": "protest",
                                                     "starts_at": "2031-06-01T18:00"})
    finally:
        log.store.close()


def entry(peers: list[dict], **match: object) -> dict:
    found = [p for p in peers if all(p.get(k) == v for k, v in match.items())]
    return found[0] if len(found) == 1 else {}


def test_inbound_links_are_shown_by_group_with_the_current_lag_and_cut_off_since(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    publish_backlog(calais, BACKLOG)
    bristol.peers.append(calais.port)  # Bristol dials Calais; Calais only listens
    cluster.start_all([bristol, calais])
    cluster.wait(lambda: event_ids(calais) <= event_ids(bristol), 60, "Bristol catching up with Calais's backlog")

    # Calais: Bristol dialled in. Shown, by its group's name, with the lag both ways now: nothing.
    def inbound() -> dict:
        return entry(cli_json(calais, "peers"), source="inbound")

    cluster.wait(lambda: inbound().get("behind") == 0 and inbound().get("ahead") == 0, 15,
                 "Calais's `peers` listing Bristol's inbound link, in sync")
    seen = inbound()
    assert seen["name"] == "Bristol" and seen["direction"] == "inbound" and seen["connected"] is True, seen
    assert seen["address"] is None and seen["group"] == bristol.home.config().group_id, seen
    # Bristol completed rounds on the link it dialled: Calais says it synced, and when.
    assert seen["last_sync"] is not None, seen
    human = cli(calais, "peers").stdout
    assert "No peers yet" not in human and "Bristol" in human and "they dialled in" in human, human
    assert "last sync never" not in human, human
    assert "0 events behind, 0 events they lack" in human, human
    status = cli(calais, "status").stdout
    assert "1 of 1 peer connected" in status, status
    api_status = api(calais, "/api/v1/status")
    assert api_status["node"]["links"] == 1, api_status["node"]
    assert entry(api_status["peers"], source="inbound")["name"] == "Bristol", api_status["peers"]
    assert entry(api(calais, "/api/v1/peers")["peers"], source="inbound")["direction"] == "inbound"
    page = dashboard_pages(calais, ["/"])
    assert "1 connected of 1" in page and "Bristol" in page and "they dialled in" in page, page
    assert "they dialled in) · 0 events behind · 0 events they lack · last sync" in page, page

    # Bristol dialled Calais: it caught up the whole backlog, so it shows 0 behind, not BACKLOG.
    def outbound() -> dict:
        return entry(cli_json(bristol, "peers"), address=f"http://{calais.address}")

    cluster.wait(lambda: outbound().get("behind") == 0, 15, "Bristol's `peers` showing Calais in sync")
    shown = outbound()
    assert shown["name"] == "Calais" and shown["direction"] == "outbound" and shown["lag"] == 0, shown
    assert shown["ahead"] == 0 and shown["cut_off_since"] is None, shown
    page = dashboard_pages(bristol, ["/"])
    assert "Calais" in page and "we dialled" in page and "0 events behind" in page, page

    # Calais stops: Bristol shows it cut off since then (no frozen lag), and so is Bristol itself.
    assert localnet.stop(calais) == 0
    cluster.wait(lambda: outbound().get("cut_off_since") is not None, 15, "Bristol showing Calais cut off")
    gone = outbound()
    assert gone["connected"] is False and gone["behind"] is None and gone["lag"] is None, gone
    assert "cut off since" in cli(bristol, "peers").stdout
    # Bristol itself counts as cut off only after 2 minutes without a link (node/cut_off.py), in its
    # status as on its dashboard's banner: a peer redialling is no cut
    assert "0 of 1 peer connected" in cli(bristol, "status").stdout
    assert api(bristol, "/api/v1/status")["node"]["cut_off_since"] is None
    page = dashboard_pages(bristol, ["/"])
    assert "cut off since" in page, page
    # Logs name peers by label, never by address.
    assert f":{calais.port}" not in log_text(bristol).replace(f"127.0.0.1:{bristol.port}", "")


def test_a_peer_that_dialled_in_keeps_its_label_once_gone_and_drops_out_once_revoked(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)  # Bristol dials Calais; Calais only listens
    cluster.start_all([bristol, calais])

    def inbound() -> dict:
        return entry(cli_json(calais, "peers"), source="inbound")

    cluster.wait(lambda: inbound().get("connected") is True, 30, "Calais listing Bristol's inbound link")
    label = inbound()["label"]
    assert label and label.startswith("peer~"), inbound()
    assert localnet.stop(bristol) == 0
    cluster.wait(lambda: inbound().get("cut_off_since") is not None, 15, "Calais showing Bristol cut off")
    assert inbound()["label"] == label, inbound()  # not "?" on the dashboard, nor nothing in `peers`
    page = dashboard_pages(calais, ["/"])
    assert f"({label})" in page and "(?)" not in page, page

    # Calais revokes Bristol (its vouch let it in): no node will link with it, it is no peer cut off.
    cli(calais, "revoke", bristol.home.config().group_id, "--reason", "infiltrated")
    cluster.wait(lambda: not inbound(), 15, "Calais leaving the revoked Bristol out of its peers")
    assert "Bristol" not in cli(calais, "peers").stdout
    page = dashboard_pages(calais, ["/"])
    assert "0 connected of 0" in page and label not in page, page  # the node itself is cut off now


def test_a_linked_peer_revoked_meanwhile_is_dropped_with_the_reason_in_words(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start_all([bristol, calais])
    cluster.wait(lambda: entry(cli_json(calais, "peers"), source="inbound").get("connected") is True, 30,
                 "Calais listing Bristol's inbound link")
    # From past its chain's start: its device stays known, and is refused as of a revoked group
    cli(calais, "revoke", bristol.home.config().group_id, "--from-seq", "3", "--reason", "infiltrator")
    cluster.wait(lambda: "is no longer a member" in log_text(calais), 30, "Calais dropping the revoked device's link")
    dropped = [line for line in log_text(calais).splitlines() if "is no longer a member" in line]
    assert all("(that device's group is revoked)" in line for line in dropped), dropped  # not "(revoked)", a code


def test_a_restarted_node_still_names_a_peer_that_is_down_and_says_when_it_last_synced(cluster: Cluster) -> None:
    """A node back after a day offline whose peer is down: `solnet peers` named that peer "(group not
    known yet)", "never connected; last sync never", as if its address had never answered: what the
    node knew of it (its device, so its group, its last sync, since when it is cut off) was written
    over by the fresh peer book of the new run."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start_all([bristol, calais])

    def calais_seen_by_bristol() -> dict:
        return entry(cli_json(bristol, "peers"), address=f"http://127.0.0.1:{calais.port}")

    cluster.wait(lambda: calais_seen_by_bristol().get("connected") and calais_seen_by_bristol().get("last_sync"),
                 30, "Bristol linked with Calais and synced")
    assert localnet.stop(calais) == 0 and localnet.stop(bristol) == 0
    before = calais_seen_by_bristol()
    assert before["name"] == "Calais" and before["last_sync"] and before["cut_off_since"], before

    cluster.start(bristol)  # Calais stays down
    cluster.wait(lambda: calais_seen_by_bristol().get("failures", 0) >= 1, 30, "Bristol's dial of Calais, down, failing")
    after = calais_seen_by_bristol()
    assert after["name"] == "Calais" and after["device"] == before["device"], after
    assert after["last_sync"] == before["last_sync"] and after["cut_off_since"], after
    line = next(l for l in cli(bristol, "peers").stdout.splitlines() if f":{calais.port}" in l)
    assert line.startswith("Calais") and "never" not in line and "cut off since" in line, line
