"""`export --since` of a home upgraded to schema 20 (which counts every event held then as stored at
the upgrade), or whose record of when it stored its events a panic wipe emptied, wrote the whole log
and said only "Exported 9 events": a courier asked for the last two days carried all of it without
knowing why (a bigger stick, a longer copy, more to lose at a border). It now says so. And import's
`--json` fields, which scripts read, were named nowhere: the README's row of the two commands names
each field of both."""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _upgraded_an_hour_ago(home: Path) -> None:
    """As the upgrade to schema 20 left it an hour ago: every event held counts as stored then."""
    with closing(sqlite3.connect(home / "solnet.db")) as db, db:
        db.execute("DELETE FROM arrived")
        db.execute("INSERT INTO arrived(at, n) SELECT CAST(strftime('%s','now') AS INTEGER) * 1000 - 3600000, "
                   "max(n) FROM events")


def test_a_since_bundle_that_holds_the_whole_log_says_why(cli, network, tmp_path) -> None:
    _upgraded_an_hour_ago(network.a)
    said = cli.run(network.a, "export", tmp_path / "two-days.bundle", "--since", "2d").stdout
    assert "the whole log" in said and "only since" in said and "--since 2d is before that" in said, said
    assert cli.run_json(network.a, "export", tmp_path / "again.bundle", "--since", "2d")["whole"] is True
    # since after the upgrade: what came after it alone, and nothing said of the whole log
    said = cli.run(network.a, "export", tmp_path / "half-hour.bundle", "--since", "30m").stdout
    assert "whole log" not in said, said
    assert cli.run_json(network.a, "export", tmp_path / "half.bundle", "--since", "30m")["whole"] is False


def test_the_readme_names_every_field_of_export_and_import_json(cli, network, tmp_path) -> None:
    exported = cli.run_json(network.a, "export", tmp_path / "all.bundle")
    imported = cli.run_json(network.b, "import", tmp_path / "all.bundle")
    row = next(line for line in README.read_text().splitlines() if line.startswith("| `export FILE"))
    named = set(re.findall(r"`([a-z_]+)`", row))
    assert set(exported) - named == set(), "export --json fields the README does not name"
    assert set(imported) - named == set(), "import --json fields the README does not name"
    assert {"id", "reason", "message"} <= named  # (each of `rejections`)


def test_a_whole_since_bundle_after_a_clock_set_back_names_when_this_home_began_to_note(cli, network,
                                                                                       tmp_path) -> None:
    """A Pi's clock set back three hours after a power cut, an hour after its upgrade: the transaction
    it stored then reads earlier than the upgrade's. A bundle since two hours ago holds the whole log
    (what the upgrade counted as stored then, an hour ago, came first), and said this home had noted
    when it stored its events "only since" three hours ago, "--since 2h is before that": both false.
    It names the upgrade's time, that of the row the first events count in."""
    from node.clock import now_ms
    from node.words import local_time

    now = now_ms()
    upgraded, set_back = now - 3_600_000, now - 3 * 3_600_000
    with closing(sqlite3.connect(network.a / "solnet.db")) as db, db:
        (last,), = db.execute("SELECT max(n) FROM events").fetchall()
        db.execute("DELETE FROM arrived")
        db.executemany("INSERT INTO arrived(at, n) VALUES (?, ?)", [(upgraded, last - 1), (set_back, last)])
    said = cli.run(network.a, "export", tmp_path / "two-hours.bundle", "--since", "2h").stdout
    assert "the whole log" in said and "--since 2h is before that" in said, said
    assert local_time(upgraded) in said and local_time(set_back) not in said, said
