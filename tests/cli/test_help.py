"""`solnet publish --help` says where a kind's fields are listed, and `solnet publish KIND --help`
lists them: every field a person types, its type, which are required and the allowed values."""
from __future__ import annotations

import re

import pytest

from events.kinds import KINDS
from events.sealed import SEALABLE
from node.render import MONEY_FIELDS
from node.publishing import typed_fields


def test_publish_help_points_to_the_help_of_each_kind(cli):
    out = cli.run(None, "publish", "--help").stdout
    assert "solnet publish KIND --help" in " ".join(out.split())
    assert "DESIGN" not in out


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_publish_kind_help_lists_its_fields(cli, kind):
    out = cli.run(None, "publish", kind, "--help").stdout
    spec = KINDS[kind]
    assert out.startswith(f"solnet publish {kind}: {spec.summary}")
    listed = dict(re.findall(r"^  --([a-z-]+)\s+(.*)$", out, re.MULTILINE))
    for name in typed_fields(spec):
        field = spec.field(name)
        described = listed.pop(name.replace("_", "-"))
        # (an amount is typed 450.50 in the main unit: "int", its stored form, misled)
        assert described.startswith("amount" if name in MONEY_FIELDS else field.type), described
        assert ("required" in described.split()) == field.required
        for choice in field.choices:
            assert choice in described
    # What is left are publish's own options, never a field the kind does not have.
    assert "offline" in listed
    assert {"offline", "as", "json"} <= set(listed) <= {"offline", "private", "to", "expires-in", "as", "json",
                                                         "public-note", "new-region"}, sorted(listed)
    assert ("expires-in" in listed) == (spec.expiry != "forbidden")
    assert ("new-region" in listed) == (spec.field("region") is not None)
    # (a share carries its request's own details: it names groups only)
    assert ("private" in listed) == (spec.field("sealed") is not None and kind != "support.share")
    assert ("to" in listed) == ("private" in listed or kind in SEALABLE or kind == "support.share")  # for chosen groups: the whole event
