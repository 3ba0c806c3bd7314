"""An action that started and runs on (a rota, a camp: `ends_at` to come) is listed as under way,
with its end: dated by its start alone, it read as long over in `view actions` and as the region's
"next action", and `solnet publish` warned that no list of actions to come shows it, though they did."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

ACTION = ("publish", "action", "--title", "Night patrols", "--region", "calais", "--type", "other")


def _at(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT18:00")


def test_an_action_under_way_is_listed_with_its_end_and_published_without_a_false_warning(network, cli) -> None:
    going = cli.run(network.a, *ACTION, "--starts-at", _at(-10), "--ends-at", _at(30))
    assert "warning" not in going.stderr, going.stderr
    event_id = going.stdout.split()[-1]
    start, end = (f"{_at(d).replace('T', ' ')} UTC" for d in (-10, 30))
    [line] = [x for x in cli.run(network.a, "view", "actions").stdout.splitlines() if event_id[:12] in x]
    assert line.startswith(f"{start}  calais ") and f" Calais: Night patrols (other) until {end}  " in line, line
    region = cli.run(network.a, "view", "regions", "--region", "calais").stdout
    # (its group first: a member's "Calais: march" passed for Calais's)
    assert f"  next action: under way since {start}, until {end} Calais: Night patrols (other)" in region, region

    # started before the lists look back (30 days): shown nowhere, and said so
    long_ago = cli.run(network.a, *ACTION, "--starts-at", _at(-40), "--ends-at", _at(30))
    assert "starts in the past" in long_ago.stderr, long_ago.stderr
    over = cli.run(network.a, *ACTION, "--starts-at", _at(-10), "--ends-at", _at(-9))
    assert "starts in the past" in over.stderr, over.stderr
