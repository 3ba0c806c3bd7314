"""The demo's sample data, checked without any node: every sample is valid input for its kind, its
references point back to earlier samples, and together they show every kind a group publishes."""
from __future__ import annotations

from events.kinds import KINDS
from events.sealed import SEALABLE
from node.demo.run import unclean_stops
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


def test_only_what_is_sealed_and_what_refers_to_it_or_to_other_groups_waits_for_the_network() -> None:
    by_key = {s.key: s for s in SAMPLES if s.key}
    waiting = [s for s in SAMPLES if needs_network(s)]
    assert waiting and {s.kind for s in waiting} >= {"support.request", "need.fulfil"}
    assert any(s.kind == "action" for s in waiting)  # an action for chosen groups
    for s in waiting:
        refs = [by_key[v.key] for v in s.fields.values() if isinstance(v, Ref)]
        assert s.private or s.to or any(r.group != s.group or needs_network(r) for r in refs), s
    assert all(not needs_network(s) for s in SAMPLES
               if s.kind in ("action", "fundraiser", "need", "alert") and not s.to)


def test_the_coordinators_desk_has_something_in_every_column() -> None:
    """Units and urgency, support offered, report-backs, an all clear and text right to left."""
    assert {s.fields.get("unit") for s in SAMPLES if s.kind in ("need", "offer")} >= {"m3", "pairs", "litres"}
    assert {s.fields["type"] for s in SAMPLES if s.kind == "support.offer"} >= {"housing", "activist_trauma_support"}
    assert any(s.fields.get("status") == "all_clear" for s in SAMPLES if s.kind == "alert.update")
    assert any(isinstance(s.fields["starts_at"], At) and s.fields["starts_at"].hours < 0
               for s in SAMPLES if s.kind == "action")
    assert {s.fields["languages"] for s in SAMPLES if s.kind == "resource"} >= {"ar", "fa"}


def test_a_node_stopped_while_starting_is_no_unclean_stop_and_others_are_said_in_words() -> None:
    # Ctrl-C at once: a node still starting ends by the stop signal itself, as asked.
    assert unclean_stops({"Calais": -15, "Brighton": 0}, stop_requested=True) == ""
    # Not asked to stop, or another failure: said in words, not as a Python dict.
    assert unclean_stops({"Calais": -15, "Brighton": 0}, stop_requested=False) == "Calais (exit code -15)"
    assert unclean_stops({"Bristol": 1, "Cardiff": -9}, stop_requested=True) == \
        "Bristol (exit code 1), Cardiff (exit code -9)"
