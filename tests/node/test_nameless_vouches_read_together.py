"""A bare name given to `--to` (node.audience) is refused while a group that a vouch named this week
has no profile here (a member may have taken its name): the vouches of every such group were read
one by one, a statement each, so a mole that let in a thousand nameless groups made each `--to NAME`
a thousand reads. Now they are read together: the reads of events do not grow with the nameless
groups, and the refusal still names them."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.audience import AudienceError, resolve_groups
from node.log import EventLog
from node_fixtures import Author, founded, wires


def _home(path: Path, nameless: int) -> EventLog:
    """A network of its own where Calais let in `nameless` groups without a profile, and one that
    calls itself "Bristol"."""
    net = founded()
    made = []
    for name in [None] * nameless + ["Bristol"]:
        group = Author(SigningKey.generate(), net.genesis.network_id)
        net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
        if name is not None:
            group.sign("group.profile", {"name": name, "region": "bristol"})
        made += group.made
    log = net.new_log(path)
    assert {o.status for o in log.ingest(wires(net.group.made + made))} == {"accepted"}
    return log


def _refused_reads(log: EventLog) -> tuple[int, str]:
    """The reads of events of `--to Bristol`'s refusal, and its words."""
    ran: list[str] = []
    log.store._db.set_trace_callback(ran.append)
    try:
        with pytest.raises(AudienceError) as refused:
            resolve_groups(log, ["Bristol"])
    finally:
        log.store._db.set_trace_callback(None)
    return sum(" FROM events " in statement for statement in ran), str(refused.value)


def test_the_vouches_of_nameless_groups_are_read_together(tmp_path: Path) -> None:
    few, few_said = _refused_reads(_home(tmp_path / "few.db", 2))
    many, many_said = _refused_reads(_home(tmp_path / "many.db", 40))
    assert "2 groups of this network have no profile here yet" in few_said, few_said
    assert "40 groups of this network have no profile here yet" in many_said, many_said
    assert many == few, (few, many)
