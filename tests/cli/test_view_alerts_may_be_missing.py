"""`solnet view alerts` says when the list may not be all there is: no node runs on the home (a
coordinator's laptop shut for two days listed a calm it had not heard the end of), or the running node
has no link to any other node. It listed the alerts it held and nothing else, where the dashboard
says the same in a banner; `status` said it only to whoever thought of asking."""
from __future__ import annotations

from node.demo.localnet import wait_until
from stored_earlier import stored_earlier
from test_unknown_alert_region import WAIT_S, start

NO_NODE = "no node runs on this home: alerts posted"
CUT_OFF = "this node has heard from no other node since"


def said(cli, home) -> str:
    return cli.run(home, "view", "alerts").stderr


def test_view_alerts_says_when_alerts_may_be_missing(cli, network) -> None:
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    never = said(cli, network.b)  # joined, never synced, no node
    assert NO_NODE in never and "(it has never synced)" in never and "`solnet run`" in never, never
    # the founder alone: no link to anyone (cut off at once, not after 2 minutes: node/cut_off.py)
    a, a_out, _ = start(cli, network.a, env={"SOLNET_CUT_OFF_AFTER_S": "0"})
    b = None
    try:
        port = next(line for line in a_out if "peers connect to" in line).split(":")[-1].split(".")[0]
        assert wait_until(lambda: CUT_OFF in said(cli, network.a), WAIT_S), said(cli, network.a)
        assert NO_NODE not in said(cli, network.a)
        b, b_out, _ = start(cli, network.b, "--peer", f"127.0.0.1:{port}")
        assert wait_until(lambda: "Vans at the camp" in cli.run(network.b, "view", "alerts").stdout, WAIT_S)
        assert wait_until(lambda: said(cli, network.a) == "" and said(cli, network.b) == "", WAIT_S), \
            (said(cli, network.a), said(cli, network.b))
    finally:
        for node in (b, a):
            if node is not None:
                node.terminate()
                node.wait(timeout=WAIT_S)
    stopped = said(cli, network.b)  # it synced, then stopped: since when it may lack alerts
    assert NO_NODE in stopped and "since it last synced (" in stopped, stopped


def test_a_home_that_imports_bundles_is_behind_only_since_its_newest_bundle_was_made(cli, network, tmp_path) -> None:
    """A sneakernet home (no node, bundles carried in): it was told "it has never synced" at every
    `view alerts`, however fresh the bundle it had just imported."""
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    bundle = tmp_path / "calais.bundle"
    cli.run(network.a, "export", str(bundle))
    cli.run(network.b, "import", str(bundle))
    after = said(cli, network.b)
    assert NO_NODE in after and "since it last synced (" in after and "never synced" not in after, after


def test_a_bundle_of_part_of_the_log_or_from_a_clock_ahead_does_not_say_a_home_caught_up(
        cli, network, tmp_path, monkeypatch) -> None:
    """A bundle made with --since leaves out what came before: a home that missed an alert in between
    was told it lacked only what came after the bundle was made. A maker's clock a year ahead set
    "last synced" a year ahead, for good; then "now", whenever it had been made: its times cannot be
    placed on this clock."""
    from node import bundle
    from node.heard_before import caught_up_by_bundle
    from node.home import Home
    from node.log import now_ms

    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    stored_earlier(network.a)  # (stored times are kept to the minute: else this one decides)
    since = now_ms() + 1  # the alert is before it: the bundle leaves it out
    # (signed by the group key, whose chain this home holds from the invite: nothing waits for the alert)
    cli.run(network.a, "publish", "group.profile", "--name", "Calais", "--region", "calais", "--description",
            "Port and camps", "--as", "group")
    home = Home(network.a)
    part = tmp_path / "part.bundle"
    with open(part, "wb") as out:
        assert bundle.export_bundle(home.log(), home.keys(cli.PASSPHRASE).device, out, since_ts=since) >= 1
    assert " 0 pending, 0 rejected" in cli.run(network.b, "import", str(part)).stdout
    assert "(it has never synced)" in said(cli, network.b), said(cli, network.b)
    real = bundle.now_ms
    monkeypatch.setattr(bundle, "now_ms", lambda: real() + 365 * 24 * 3600 * 1000)  # the maker's clock
    ahead = tmp_path / "ahead.bundle"
    with open(ahead, "wb") as out:
        bundle.export_bundle(home.log(), home.keys(cli.PASSPHRASE).device, out)
    monkeypatch.undo()
    cli.run(network.b, "import", str(ahead))
    # (taken as made "now", it said this home caught up now, however long it had been carried)
    assert caught_up_by_bundle(Home(network.b).log().store) == 0
    assert "(it has never synced)" in said(cli, network.b), said(cli, network.b)


def test_a_bundle_since_a_time_this_home_had_heard_to_moves_its_last_sync_on(cli, network, tmp_path) -> None:
    """A home kept by bundles, the later ones made with `export --since 1h`: each leaves out only what
    the home already had from the one before, yet `view alerts` kept saying alerts were missing since
    the first whole bundle. A --since bundle that begins after this home last heard still says
    nothing (what came in between may be missing)."""
    from node import bundle
    from node.heard_before import caught_up_by_bundle
    from node.home import Home

    def caught_up() -> int:
        return caught_up_by_bundle(Home(network.b).log().store)

    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    cli.run(network.a, "export", str(tmp_path / "whole.bundle"))
    cli.run(network.b, "import", str(tmp_path / "whole.bundle"))
    whole = caught_up()
    assert whole > 0
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the bridge")
    cli.run(network.a, "export", str(tmp_path / "recent.bundle"), "--since", "1h")
    cli.run(network.b, "import", str(tmp_path / "recent.bundle"))
    assert caught_up() > whole, "a bundle since before this home last heard brings it level"
    recent = caught_up()
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the school")
    stored_earlier(network.a)  # (else a home made in this minute exports its whole log)
    home = Home(network.a)
    with open(tmp_path / "late.bundle", "wb") as out:  # since a moment after this home last heard
        bundle.export_bundle(home.log(), home.keys(cli.PASSPHRASE).device, out, since_ts=recent + 1)
    cli.run(network.b, "import", str(tmp_path / "late.bundle"))
    assert caught_up() == recent, "a bundle since after this home last heard leaves a gap: it says nothing"


def test_a_bundle_since_before_the_oldest_event_its_maker_holds_is_whole(cli, network, tmp_path) -> None:
    """`export --since 7d` on a network younger than a week holds every event its maker has, as a
    whole bundle does, yet a home that imported it was told it "has never synced"."""
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    week = tmp_path / "week.bundle"
    cli.run(network.a, "export", str(week), "--since", "7d")
    cli.run(network.b, "import", str(week))
    after = said(cli, network.b)
    assert NO_NODE in after and "since it last synced (" in after and "never synced" not in after, after


def test_a_link_that_ended_before_a_round_completed_does_not_let_a_since_bundle_say_a_home_caught_up(
        cli, network, tmp_path) -> None:
    """A home whose node linked to a peer that sent nothing (a stalled or hostile peer, a laptop shut
    before the first round ended) had 'heard' until the link ended: a `--since` bundle that began
    before then was taken as bringing it level, and `view alerts` said it lacked nothing from before,
    though it had never synced and the bundle left an alert out."""
    import json

    from node import bundle
    from node.heard_before import caught_up_by_bundle
    from node.home import Home
    from node.log import now_ms

    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    stored_earlier(network.a)  # (stored times are kept to the minute: else this one decides)
    since = now_ms() + 1  # the alert is before it: the bundle leaves it out
    cli.run(network.b, "peers", "add", "127.0.0.1:9")
    store = Home(network.b).log().store
    (address, _, _), = store.peer_rows()
    with store.write():  # as a node saves a link that ended before its first round did
        store.save_peer_state(address, json.dumps({"address": address, "source": "config",
                                                   "connected": False, "last_sync": None,
                                                   "cut_off_since": now_ms() + 2}))
    cli.run(network.a, "publish", "group.profile", "--name", "Calais", "--region", "calais", "--description",
            "Port and camps", "--as", "group")
    home = Home(network.a)
    with open(tmp_path / "part.bundle", "wb") as out:
        assert bundle.export_bundle(home.log(), home.keys(cli.PASSPHRASE).device, out, since_ts=since) >= 1
    assert " 0 pending, 0 rejected" in cli.run(network.b, "import", str(tmp_path / "part.bundle")).stdout
    assert caught_up_by_bundle(Home(network.b).log().store) == 0
    assert "(it has never synced)" in said(cli, network.b), said(cli, network.b)


def test_a_bundle_made_by_a_blocked_device_does_not_say_a_home_caught_up(cli, network, tmp_path) -> None:
    """A coordinator blocked a mole's device (`solnet peers block`): its node may not sync here, yet a
    bundle it signed, whole by its header though it may leave alerts out, moved 'last synced' on."""
    from node.heard_before import caught_up_by_bundle
    from node.home import Home

    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the camp")
    cli.run(network.a, "export", str(tmp_path / "whole.bundle"))
    mole = bytes(Home(network.a).keys(cli.PASSPHRASE).device.public).hex()
    cli.run(network.b, "peers", "block", mole)
    cli.run(network.b, "import", str(tmp_path / "whole.bundle"))
    assert "Vans at the camp" in cli.run(network.b, "view", "alerts").stdout  # its events, each checked, are in
    assert caught_up_by_bundle(Home(network.b).log().store) == 0
    assert "(it has never synced)" in said(cli, network.b), said(cli, network.b)
