"""The "synced" lines of node/net/synced_lines.py: a burst per peer group, then one every so often
with the totals of the rounds counted meanwhile. Pure, on given times."""
from __future__ import annotations

from node.net.synced_lines import LinkLines, RepeatLines, SyncedLines

MOLE, HONEST = b"m" * 32, b"h" * 32


def test_a_group_opening_rounds_twice_a_second_is_said_in_a_burst_then_in_totals():
    lines = SyncedLines(burst=10, every_s=30)
    said = [line for i in range(120) if (line := lines.round_done(MOLE, f"peer~{i % 8}", 0, 1, 0.1, i * 500))]
    said += lines.due(60_000)
    # A minute of rounds twice a second: 120 lines before; the burst and two lines of totals now.
    assert len(said) == 10 + 2, said
    assert said[0] == "peer~0: synced, received 0, sent 1 in 0.1 s"
    assert said[-1].startswith("peer~7: synced, received 0, sent ") and " rounds with its group's devices" in said[-1]
    assert sum(int(line.split("sent ")[1].split(" ")[0]) for line in said) == 120, "every round counted"
    assert lines.due(60_000) == []


def test_another_groups_lines_are_said_at_once_whatever_a_mole_does():
    lines = SyncedLines(burst=10, every_s=30)
    for i in range(100):
        lines.round_done(MOLE, "peer~mole", 0, 1, 0.1, i)
    assert lines.round_done(HONEST, "peer~bristol", 3, 0, 0.2, 100) == "peer~bristol: synced, received 3, sent 0 in 0.2 s"


def test_an_honest_peer_syncing_every_30_s_is_said_at_every_round():
    lines = SyncedLines(burst=10, every_s=30)
    assert all(lines.round_done(HONEST, "peer~bristol", 1, 1, 0.1, i * 30_000) for i in range(100))


def test_a_groups_links_opening_and_closing_in_a_loop_are_said_in_a_burst_then_in_totals():
    lines = LinkLines(burst=10, every_s=30)
    said = []
    for i in range(60):  # 60 links of eight devices in a minute, each opened and closed
        said += [line for line in (lines.connected(MOLE, f"peer~{i % 8}", False, i * 1000),
                                   lines.disconnected(MOLE, f"peer~{i % 8}", i * 1000 + 500)) if line]
    assert lines.connected(HONEST, "peer~bristol", True, 59_000) == "peer~bristol connected (outbound)"
    said += lines.due(90_000)
    # A minute of it: 120 lines before; the burst, and a line of totals at most every 30 s now
    assert said[:2] == ["peer~0 connected (inbound)", "peer~0 disconnected"]
    assert 10 < len(said) <= 10 + 3, said
    totals = said[10:]
    assert all(" link(s) with its group's devices connected and " in line for line in totals), totals
    assert totals[-1].endswith("(a group linking this often is said at most once every 30 s)")
    connected = sum(int(line.split(": ")[1].split(" ")[0]) for line in totals)
    disconnected = sum(int(line.split("connected and ")[1].split(" ")[0]) for line in totals)
    assert (connected, disconnected) == (60 - 5, 60 - 5), "every link counted"
    assert lines.due(90_000) == []


def test_links_asking_again_are_said_in_a_burst_then_counted():
    lines = RepeatLines(burst=10, every_s=30)
    said = [line for i in range(100) if (line := lines.asked_again(MOLE, f"peer~{i % 8}", f"peer~{i % 8} asks", i * 10))]
    said += lines.due(30_000)
    assert said[:10] == [f"peer~{i % 8} asks" for i in range(10)]
    assert said[10:] == ["peer~3: 90 links with its group's devices asked for events this node sent them within the "
                         "hour, over the last 30 s (sent again at the group's slower pace of repeats, those past its "
                         "budget not at all; a group asking this often is said at most once every 30 s)"]


def test_what_was_counted_is_said_whatever_the_budget_as_the_node_stops():
    lines = SyncedLines(burst=1, every_s=30)
    assert lines.round_done(MOLE, "peer~0", 1, 0, 0.1, 0)  # the burst
    for i in range(1, 4):
        lines.round_done(MOLE, f"peer~{i}", 1, 0, 0.1, i)
    assert lines.round_done(HONEST, "peer~bristol", 2, 0, 0.1, 5)
    assert lines.due(10) == []  # the budget allows none yet
    [said] = lines.flush(10)
    assert said.startswith("peer~3: synced, received 3, sent 0 in 3 rounds"), said
    assert lines.flush(10) == [] and lines.due(60_000) == []  # said once
