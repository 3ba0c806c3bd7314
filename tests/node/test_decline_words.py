"""Declining one pledge declines every pledge of that group to that fundraiser (and need.decline every
fulfilment of that group to that need), earlier and later: the CLI's help (the kind's summary and its
`decline` field's help) and the event's one-line text said "a pledge" ("declines the pledge X")."""
from __future__ import annotations

from events.kinds import KINDS
from node.render import summary

FUND, ONE = b"\x01" * 32, b"\x02" * 32


def test_the_decline_kinds_say_they_decline_every_pledge_or_fulfilment_of_that_group():
    for kind, what, of in (("fundraiser.decline", "pledge", "fundraiser"), ("need.decline", "fulfilment", "need")):
        spec = KINDS[kind]
        assert f"declines every {what} of a group to it, earlier and later" in spec.summary, spec.summary
        [decline] = [f for f in spec.fields if f.name == "decline"]
        assert f"every {what} of that group to this {of}, earlier and later" in decline.help, decline.help
        line = summary(kind, {of: FUND, "decline": ONE})
        assert line.startswith(f"declines every {what}, earlier and later, of the group that made {what} "), line
