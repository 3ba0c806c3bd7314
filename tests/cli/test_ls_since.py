"""`solnet ls --since`: what changed since yesterday, as a coordinator asks it at a terminal. The API
had `since` (GET /api/v1/events?since=...), the command did not: a coordinator could only list the
newest N events and look for where yesterday began. `solnet export --since` reads it the same way: it
took a date and time only, and refused `--since 2d` ("'2d' is not a date and time") while `ls --since
2d` listed those very events, what a courier is asked to carry."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from node.home import Home
from node.log import now_ms

DAY_MS = 86_400_000


def _stamped(home, passphrase: str, stamps: dict[str, int]) -> dict[str, str]:
    """A need of A's device made at each stamp (ms); label -> id."""
    h = Home(home)
    log = h.log()
    try:
        keys = h.keys(passphrase)
        return {label: log.append(keys.device, "need", {"category": "tents", "quantity": 2, "region": "calais"},
                                  now=at, offline=True).id.hex() for label, at in stamps.items()}
    finally:
        log.store.close()


def test_ls_since_a_span_or_a_time_lists_only_what_was_made_since(network, cli) -> None:
    now = now_ms()
    ids = _stamped(network.a, cli.PASSPHRASE, {"two_days_ago": now - 2 * DAY_MS, "now": now})
    listed = {e["id"] for e in cli.run_json(network.a, "ls", "--since", "1d")}
    assert ids["now"] in listed and ids["two_days_ago"] not in listed, listed
    assert {e["id"] for e in cli.run_json(network.a, "ls")} >= set(ids.values())  # without it: everything

    three_days_ago = datetime.fromtimestamp((now - 3 * DAY_MS) / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M")
    both = {e["id"] for e in cli.run_json(network.a, "ls", "--kind", "need", "--since", three_days_ago)}
    assert both == set(ids.values()), both
    lines = cli.run(network.a, "ls", "--since", "36h").stdout.splitlines()
    assert any(ids["now"][:12] in line for line in lines) and not any(ids["two_days_ago"][:12] in line for line in lines)

    nothing = cli.run(network.a, "ls", "--kind", "need", "--since", "2100-01-01T00:00").stdout
    assert nothing == "No need events made since 2100-01-01 00:00 UTC.\n", nothing


def test_ls_since_in_other_words_is_refused_with_the_forms_it_takes(network, cli) -> None:
    refused = cli.run(network.a, "ls", "--since", "yesterday", ok=False)
    assert refused.returncode == 2 and refused.stdout == "", refused
    assert "'yesterday' is neither a span back from now (90m, 6h, 1d) nor a date and time" in refused.stderr


def test_ls_says_on_stderr_when_more_events_match_than_it_lists(network, cli) -> None:
    """100 needs "since yesterday" read as all of them: the cut is said, with how to see the rest."""
    now = now_ms()
    ids = _stamped(network.a, cli.PASSPHRASE, {f"n{i}": now - (3 - i) * 60_000 for i in range(3)})
    cut = cli.run(network.a, "ls", "--kind", "need", "--since", "1d", "--limit", "2")
    assert [line.split()[6] for line in cut.stdout.splitlines()] == [ids["n2"][:12] + "…", ids["n1"][:12] + "…"]
    assert "only the newest 2 events shown (back to " in cut.stderr and "give a larger --limit" in cut.stderr, cut.stderr
    as_json = cli.run(network.a, "ls", "--kind", "need", "--limit", "2", "--json")
    assert len(json.loads(as_json.stdout)) == 2 and "only the newest 2 events shown" in as_json.stderr

    whole = cli.run(network.a, "ls", "--kind", "need", "--limit", "3")  # exactly as many as match: nothing cut
    assert len(whole.stdout.splitlines()) == 3 and whole.stderr == "", whole.stderr


def test_export_since_a_span_carries_what_ls_since_lists(network, cli, tmp_path) -> None:
    now = now_ms()
    ids = _stamped(network.a, cli.PASSPHRASE, {"three_days_ago": now - 3 * DAY_MS, "yesterday": now - DAY_MS})
    listed = {e["id"] for e in cli.run_json(network.a, "ls", "--since", "2d")}
    assert ids["yesterday"] in listed and ids["three_days_ago"] not in listed, listed

    # What this home stored in the last two days, whatever its stamps: the need stamped three days ago
    # came just now (as a phone's posted offline does), and a home that lacks it gets it
    done = cli.run_json(network.a, "export", tmp_path / "two-days.bundle", "--since", "2d")
    assert done["events"] == len(listed) + 1, (done, listed)
    taken = cli.run(network.b, "import", tmp_path / "two-days.bundle")
    shown = {e["id"] for e in cli.run_json(network.b, "ls", "--kind", "need")}
    assert {ids["three_days_ago"], ids["yesterday"]} <= shown, (taken.stdout, taken.stderr, shown)

    help_text = cli.run(None, "export", "--help").stdout
    assert "(90m, 6h, 1d)" in " ".join(help_text.split()), help_text


def test_export_since_in_other_words_is_refused_with_the_forms_it_takes(network, cli, tmp_path) -> None:
    refused = cli.run(network.a, "export", tmp_path / "x.bundle", "--since", "yesterday", ok=False)
    assert refused.returncode == 2, refused
    assert "'yesterday' is neither a span back from now (90m, 6h, 1d) nor a date and time" in refused.stderr
    assert not (tmp_path / "x.bundle").exists()


def test_a_span_longer_than_any_log_is_every_event_not_a_traceback(network, cli, tmp_path) -> None:
    """A span back past 1970 (a typo of digits: 99999999999999999999d) made `since` a negative
    number past what SQLite and msgpack hold: `export` and `ls` died with OverflowError."""
    every = {e["id"] for e in cli.run_json(network.a, "ls")}
    for span in ("99999999999999999999d", "20000d"):
        listed = cli.run(network.a, "ls", "--since", span, "--json", ok=False)
        assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed
        assert {e["id"] for e in json.loads(listed.stdout)} == every
        done = cli.run(network.a, "export", tmp_path / "all.bundle", "--since", span, "--json", ok=False)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done
    refused = cli.run(network.a, "ls", "--since", "9" * 5000 + "d", ok=False)  # (int() refuses 4300 digits)
    assert refused.returncode == 2 and "too many digits" in refused.stderr and "Traceback" not in refused.stderr, refused
