"""The demo's sample data, checked without any node: every sample is valid input for its kind, its
references point back to earlier samples, and together they show every kind a group publishes."""
from __future__ import annotations

from events.kinds import KINDS
from events.sealed import SEALABLE
from node.demo.samples import ACTIVITY, GROUPS, SAMPLES, At, Ref, needs_network
from node.publishing import kind_by_name, parse_fields

GROUP_NAMES = {name for name, _ in GROUPS}
NOT_PUBLISHED_BY_HAND = {"member.vouch", "member.revoke", "node.announce", "redact"}  # membership, plumbing
SEALED_BY_RECIPIENTS = "sealed"  # what an action, need ... named to chosen groups becomes


def as_typed(value: str | At | Ref) -> str:
    if isinstance(value, At):
        return "2031-06-01T18:00+00:00" if value.hours < 60 else "2031-07-01T18:00+00:00"
    if isinstance(value, Ref):
        return "ab" * 32  # a full id is taken as is, without a lookup
    return value


def test_every_sample_is_valid_input_for_its_kind() -> None:
    for sample in SAMPLES:
        texts = {name: as_typed(value) for name, value in sample.fields.items()}
        parse_fields(None, kind_by_name(sample.kind), texts)  # raises PublishError naming the field


def test_references_point_to_earlier_samples_and_groups_exist() -> None:
    seen: set[str] = set()
    for sample in SAMPLES:
        assert sample.group in GROUP_NAMES and set(sample.to) <= GROUP_NAMES
        for value in sample.fields.values():
            if isinstance(value, Ref):
                assert value.key in seen, f"{sample.kind} of {sample.group} refers to {value.key} before it exists"
        if sample.key:
            assert sample.key not in seen, f"two samples are called {sample.key}"
            seen.add(sample.key)


def test_samples_cover_every_kind_groups_publish_and_both_languages() -> None:
    assert {s.kind for s in SAMPLES} == set(KINDS) - NOT_PUBLISHED_BY_HAND - {SEALED_BY_RECIPIENTS}
    assert any(s.to and s.kind in SEALABLE for s in SAMPLES)  # published as a sealed event
    assert {s.group for s in SAMPLES if s.kind == "group.profile"} == GROUP_NAMES
    assert any(s.private and s.to for s in SAMPLES if s.kind == "support.request")
    assert any("é" in str(v) for s in SAMPLES for v in s.fields.values())  # French, with its accents
    assert set(ACTIVITY.actions) == set(ACTIVITY.alerts) == GROUP_NAMES


def test_only_what_is_sealed_and_what_refers_to_it_waits_for_the_network() -> None:
    waiting = [s for s in SAMPLES if needs_network(s)]
    assert waiting and all(s.kind.startswith("support.") or s.to for s in waiting)
    assert any(s.kind == "action" for s in waiting)  # an action for chosen groups
    assert all(not needs_network(s) for s in SAMPLES
               if s.kind in ("action", "fundraiser", "need", "alert") and not s.to)
