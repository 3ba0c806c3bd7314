"""`solnet export --since` carries what its maker stored from then on, and an import says how current
its maker was. A bundle since a time chose events by their authors' stamps: an offline phone's alert,
stamped before the bundle's start, that reached the maker after it was left out, and the home that
imported the bundle counted as caught up all the same. A bundle made by a node that had heard from no
other node for days said nothing of it: its importer took it as news of the whole network."""
from __future__ import annotations

from pathlib import Path

from node.home import Home
from stored_earlier import stored_earlier

RAID = "Vans at the bridge"


def _cardiff(cli, network) -> Path:
    """A third group, Cardiff, joined with Calais's invite (no node runs anywhere)."""
    home = network.b.parent / "C"
    group = cli.run_json(home, "init", "--group", "Cardiff", "--region", "cardiff")["group_id"]
    cli.run(network.a, "invite", group, "--out", network.b.parent / "cardiff.invite")
    cli.run(home, "join", network.b.parent / "cardiff.invite")
    return home


def _caught_up(home: Path) -> int:
    from node.heard_before import caught_up_by_bundle

    store = Home(home).log().store
    try:
        return caught_up_by_bundle(store)
    finally:
        store.close()


def _export_since(cli, home: Path, file: Path, since_ms: int) -> int:
    """`solnet export FILE --since` to the millisecond (the option takes minutes)."""
    from node import bundle

    made = Home(home)
    log = made.log()
    try:
        with open(file, "wb") as out:
            return bundle.export_bundle(log, made.keys(cli.PASSPHRASE).device, out, since_ts=since_ms)
    finally:
        log.store.close()


def test_an_alert_stamped_before_a_since_bundles_start_that_reached_its_maker_later_is_in_it(
        cli, network, tmp_path) -> None:
    cardiff = _cardiff(cli, network)
    # Bristol's alert, signed with no node running: it stays in Bristol's home (an offline phone)
    cli.run(network.b, "publish", "alert", "--region", "bristol", "--type", "raid", "--text", RAID, "--offline")
    cli.run(network.a, "export", tmp_path / "whole.bundle")
    cli.run(cardiff, "import", tmp_path / "whole.bundle")  # Cardiff is level with Calais: no alert yet
    level = _caught_up(cardiff)
    assert level > 0 and RAID not in cli.run(cardiff, "view", "alerts").stdout
    cli.run(network.b, "export", tmp_path / "bristol.bundle")
    cli.run(network.a, "import", tmp_path / "bristol.bundle")  # the alert reaches Calais, after `level`
    assert _export_since(cli, network.a, tmp_path / "since.bundle", level) >= 1
    said = cli.run(cardiff, "import", tmp_path / "since.bundle").stdout
    assert " 0 pending, 0 rejected" in said, said
    assert RAID in cli.run(cardiff, "view", "alerts").stdout


def test_a_since_bundle_from_a_maker_whose_clock_may_be_behind_reaches_back_further(cli, network, tmp_path) -> None:
    """Its start is by its maker's clock: one behind this home's by a few minutes (a node takes stamps
    up to 10 minutes ahead of its own clock) left out what came in those minutes, yet counted."""
    stored_earlier(network.a)
    cli.run(network.a, "export", tmp_path / "whole.bundle")
    cli.run(network.b, "import", tmp_path / "whole.bundle")
    level = _caught_up(network.b)
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", RAID, "--offline")
    # (a moment before this home last heard, after the network was made: part of the log)
    assert _export_since(cli, network.a, tmp_path / "moment.bundle", level - 1) == 1
    said = cli.run(network.b, "import", tmp_path / "moment.bundle").stdout
    assert "This bundle does not bring this home up to date: it holds what its maker stored from " in said, said
    assert "alerts posted in between may be missing here. Ask for a bundle made with a `--since` at least 10 " \
           "min before " in said, said
    assert RAID in cli.run(network.b, "view", "alerts").stdout
    assert _caught_up(network.b) == level, "a start less than 10 minutes before this home last heard may leave a gap"
    cli.run(network.a, "export", tmp_path / "whole-again.bundle", "--since", "1h")  # (before every event: whole)
    cli.run(network.b, "import", tmp_path / "whole-again.bundle")
    assert _caught_up(network.b) > level


def test_a_since_bundle_of_an_older_solnet_does_not_say_a_home_caught_up(cli, network, tmp_path, monkeypatch) -> None:
    """One an older solnet made chose by the authors' stamps (its header says nothing of when its maker
    stored them): it may lack an alert that came late, so it never counts. The same bundle made by
    this solnet, reaching back more than 10 minutes before this home last heard, counts."""
    from node import bundle

    stored_earlier(network.a)
    cli.run(network.a, "export", tmp_path / "whole.bundle")
    cli.run(network.b, "import", tmp_path / "whole.bundle")
    level = _caught_up(network.b)
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", RAID, "--offline")
    monkeypatch.setattr(bundle, "STORED", "stamped")  # its header as an older solnet's importer reads it
    assert _export_since(cli, network.a, tmp_path / "old.bundle", level - 20 * 60_000) >= 1
    monkeypatch.undo()
    said = cli.run(network.b, "import", tmp_path / "old.bundle").stdout
    assert "it was made with `--since` by an older solnet, which leaves out what was stamped before its start" in said
    assert RAID in cli.run(network.b, "view", "alerts").stdout and _caught_up(network.b) == level
    assert _export_since(cli, network.a, tmp_path / "new.bundle", level - 20 * 60_000) >= 1
    assert "This bundle brings this home up to date as of" in cli.run(network.b, "import", tmp_path / "new.bundle").stdout
    assert _caught_up(network.b) > level


def test_an_import_says_when_the_bundles_maker_had_heard_from_no_other_node_for_a_while(
        cli, network, tmp_path) -> None:
    at_once = {"SOLNET_CUT_OFF_AFTER_S": "0"}  # (cut off as soon as nothing is heard: no test waits 2 minutes)
    cli.run(network.a, "export", tmp_path / "two.bundle")  # with only the two groups known: nothing to say
    assert "may be missing" not in cli.run(network.b, "import", tmp_path / "two.bundle", env=at_once).stdout
    cardiff = _cardiff(cli, network)
    cli.run(network.a, "export", tmp_path / "never.bundle")
    said = cli.run(cardiff, "import", tmp_path / "never.bundle", env=at_once).stdout
    bristol = f"group {network.group_b[:12]}…"  # (it has published no profile: named by its id)
    assert ("its node had never synced with another node nor imported a bundle that brought it level: "
            f"alerts {bristol} posted may be missing here") in said, said
    cli.run(network.b, "export", tmp_path / "bristol.bundle")
    cli.run(network.a, "import", tmp_path / "bristol.bundle")  # Calais is level with Bristol (named now), then hears no more
    cli.run(network.a, "export", tmp_path / "later.bundle")
    report = cli.run_json(cardiff, "import", tmp_path / "later.bundle", env=at_once)
    assert 0 < report["maker_level"] <= report["made"] and "its node had last been up to date with another node" in \
        report["maker_behind"] and "alerts Bristol posted since then may be missing here" in report["maker_behind"]
    # Within the 2 minutes the banner allows: nothing to say
    assert "may be missing" not in cli.run(cardiff, "import", tmp_path / "later.bundle").stdout


def test_a_bundle_made_beside_a_running_node_in_touch_with_its_peers_says_nothing_of_being_behind(
        cli, network, tmp_path) -> None:
    """Real nodes: Calais and Bristol linked; Calais exports while its node runs. Its bundle says its
    maker was level moments before (a complete round with Bristol): Cardiff is told nothing more."""
    from node.demo.localnet import wait_until
    from test_unknown_alert_region import WAIT_S, start
    from node.heard_before import last_level

    cardiff = _cardiff(cli, network)
    a, a_out, _ = start(cli, network.a)
    b = None
    try:
        port = next(line for line in a_out if "peers connect to" in line).split(":")[-1].split(".")[0]
        b, _, _ = start(cli, network.b, "--peer", f"127.0.0.1:{port}")

        def level_saved() -> bool:
            log = Home(network.a).log()
            try:
                return bool(last_level(log))
            finally:
                log.store.close()

        assert wait_until(level_saved, WAIT_S), "Calais's node saves its complete round with Bristol"
        cli.run(network.a, "export", tmp_path / "running.bundle")
    finally:
        for node in (b, a):
            if node is not None:
                node.terminate()
                node.wait(timeout=WAIT_S)
    report = cli.run_json(cardiff, "import", tmp_path / "running.bundle")
    assert 0 < report["maker_level"] <= report["made"] and report["maker_behind"] is None, report


def test_a_bundle_whose_makers_clock_is_far_ahead_does_not_say_a_home_caught_up(
        cli, network, tmp_path, monkeypatch) -> None:
    """A maker's clock a day ahead of this one (a laptop set to the wrong day, or a member who lies)
    made a bundle that reads as made tomorrow: taken as made "now", it said this home caught up this
    very moment, however long it was carried, and `view alerts` said nothing of the alerts posted
    since it was made. Its times cannot be placed on this clock: it brings its events, never a claim."""
    from node import bundle
    from node.log import now_ms

    day = 24 * 3_600_000
    monkeypatch.setattr(bundle, "now_ms", lambda: now_ms() + day)  # Calais's clock, a day ahead
    assert _export_since(cli, network.a, tmp_path / "ahead.bundle", 0) >= 1
    monkeypatch.undo()
    before = _caught_up(network.b)
    report = cli.run_json(network.b, "import", tmp_path / "ahead.bundle")
    assert report["signature_ok"] and report["pending"] == 0, report
    assert _caught_up(network.b) == before, "a bundle made 'tomorrow' says nothing of when this home was level"
    assert report["gap"] and "clock was at least 23 h" in report["gap"] and "ahead of this machine's" in report["gap"]
    said = cli.run(network.b, "import", tmp_path / "ahead.bundle").stdout
    assert "This bundle does not bring this home up to date: its maker's clock was at least 23 h" in said, said


def test_a_since_bundle_whose_events_wait_for_earlier_ones_says_it_leaves_a_gap(cli, network, tmp_path) -> None:
    """Bristol missed Calais's first alert; a bundle since after it carries the second, which waits
    here for the first (its author's earlier seq). Import said "1 pending" and no more: the one case
    where a `--since` bundle surely leaves a gap was the one it said nothing of, nor what to ask for."""
    from node.log import now_ms

    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "First raid", "--offline")
    stored_earlier(network.a)
    start = now_ms() + 1  # (after the first alert was stored: its command has ended)
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", RAID, "--offline")
    assert _export_since(cli, network.a, tmp_path / "since.bundle", start) == 1
    report = cli.run_json(network.b, "import", tmp_path / "since.bundle")
    assert report["pending"] == 1 and report["signature_ok"], report
    assert report["gap"] and "1 event of it waits here for earlier events of its author" in report["gap"], report
    said = cli.run(network.b, "import", tmp_path / "since.bundle").stdout
    assert "This bundle does not bring this home up to date: it holds what its maker stored from " in said, said
    assert "Ask for a bundle made without `--since`" in said, said


def test_a_since_bundle_that_leaves_a_gap_says_it_once(cli, network, tmp_path) -> None:
    """Events of it wait here, and its maker had never been up to date with another node: import
    printed the gap and the maker's being behind, each ending "alerts ... may be missing here". The
    gap alone is said (it says what to ask for); --json keeps both."""
    from node.log import now_ms

    _cardiff(cli, network)  # (a third group, known here by the whole bundle: the maker's being behind names it)
    cli.run(network.a, "export", tmp_path / "whole.bundle")
    cli.run(network.b, "import", tmp_path / "whole.bundle")
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "First raid", "--offline")
    stored_earlier(network.a)
    start = now_ms() + 1
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", RAID, "--offline")
    assert _export_since(cli, network.a, tmp_path / "since.bundle", start) == 1
    at_once = {"SOLNET_CUT_OFF_AFTER_S": "0"}
    report = cli.run_json(network.b, "import", tmp_path / "since.bundle", env=at_once)
    assert report["gap"] and report["maker_behind"], report
    said = cli.run(network.b, "import", tmp_path / "since.bundle", env=at_once).stdout
    assert "This bundle does not bring this home up to date" in said and "made this bundle" not in said, said
    assert said.count("may be missing here") == 1, said


def test_the_maker_of_a_bundle_is_set_apart_where_its_name_is_written_right_to_left(cli, network, tmp_path) -> None:
    """`made by كاليه · Calais laptop`: a group name in Arabic letters drew the line right to left
    ("made by" read after it). It is set apart (U+2068 ... U+2069), as `solnet view` sets names."""
    cli.publish(network.a, "group.profile", "--name", "كاليه", "--region", "calais")
    cli.run(network.a, "export", tmp_path / "a.bundle")
    said = cli.run(network.b, "import", tmp_path / "a.bundle").stdout
    assert "made by \u2068كاليه\u2069 (device " in said, said


def test_a_since_bundle_of_a_blocked_maker_says_nothing_of_what_to_ask_for(cli, network, tmp_path) -> None:
    """A bundle of a group this home blocks says nothing of what this home lacks (as its docstring
    said), yet one made with `--since` told this home to ask that group for another bundle."""
    from node.log import now_ms

    cli.run(network.b, "peers", "block", network.group_a)
    stored_earlier(network.a)  # (stored times are kept to the minute: else this one decides)
    start = now_ms()  # (after this home was last up to date with Calais: the network's bundles)
    cli.run(network.a, "publish", "alert", "--region", "calais", "--type", "raid", "--text", RAID, "--offline")
    assert _export_since(cli, network.a, tmp_path / "since.bundle", start) == 1
    report = cli.run_json(network.b, "import", tmp_path / "since.bundle")
    assert report["signature_ok"] and report["accepted"] == 1 and report["gap"] is None, report
