"""Which group names a reader could take for one another (events/names.py): pure."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.names import MAX_LISTED, look_alikes, looks, mimics_unnamed, seen

TRUSTED = "Calais Coordination"


@pytest.mark.parametrize("copy", [
    "Calais Coordination",
    "calais coordination",           # case
    "CALAIS COORDINATION",
    "CaIais Coordination",           # a capital I for the l
    "Ca1ais Coordination",           # a digit one
    "Calais C0ordination",           # a zero for the O
    "C\u0430lais Coordination",      # a Cyrillic a
    "Calais Coordinati\u03bfn",      # a Greek omicron
    "Cala\u200bis Coordination",     # a zero-width space
    "Calais\u00a0Coordination",      # a no-break space
    "Calaïs Coordination",           # an accent
    "Calais-Coordination",           # punctuation for the space
    "CalaisCoordination",
    " Calais Coordination. ",
    "Calais Coordination (3fa2c1d0a1b2…)",  # a copy of how the real one is shown when named alike
])
def test_a_copy_a_reader_could_take_for_the_name_looks_like_it(copy: str) -> None:
    assert looks(copy) & looks(TRUSTED)
    assert look_alikes({"real": TRUSTED, "copy": copy}) == {"real": ["copy"], "copy": ["real"]}


@pytest.mark.parametrize("other", ["Calais Legal Support", "Calais", "Dunkirk Coordination", "Calais Coordination 2"])
def test_names_that_read_differently_do_not_look_alike(other: str) -> None:
    assert look_alikes({"real": TRUSTED, "other": other}) == {}


def test_rn_and_m_look_alike_as_unicode_says() -> None:
    assert look_alikes({1: "Calais Community", 2: "Calais Cornmunity"}) == {1: [2], 2: [1]}


def test_a_name_of_no_letters_or_digits_looks_like_nothing() -> None:
    assert looks("...") == frozenset() and looks("\u200b") == frozenset()
    assert look_alikes({1: "...", 2: "-", 3: "Bristol"}) == {}


def test_three_alike_each_list_the_other_two_in_the_mappings_order() -> None:
    names = {"a": "Calais", "b": "Bristol", "c": "CALAIS", "d": "Ca1ais"}
    assert look_alikes(names) == {"a": ["c", "d"], "c": ["a", "d"], "d": ["a", "c"]}


names_strategy = st.dictionaries(st.integers(0, 30), st.sampled_from(
    ["Calais", "CaIais", "Bristol", "Brist0l", "Cardiff", "cardiff", "Brighton", "...", "Dover", "D\u043ever"]),
    max_size=12)


@settings(max_examples=200, deadline=None)
@given(names_strategy, st.randoms(use_true_random=False))
def test_which_names_look_alike_does_not_depend_on_their_order_and_is_mutual(names: dict, rnd: random.Random) -> None:
    items = list(names.items())
    rnd.shuffle(items)
    one, other = look_alikes(names), look_alikes(dict(items))
    assert {k: set(v) for k, v in one.items()} == {k: set(v) for k, v in other.items()}
    assert all(key in one[o] for key, others in one.items() for o in others)


def test_a_thousand_groups_called_alike_are_all_marked_and_each_lists_a_bounded_few() -> None:
    names = {i: "Calais" if i % 2 else "CaIais" for i in range(1000)}
    alike = look_alikes(names)
    assert set(alike) == set(names)
    assert all(0 < len(others) <= MAX_LISTED and key not in others for key, others in alike.items())


@pytest.mark.parametrize("name", [
    "group 3fa2c1d0a1b2…",          # as a group without a profile is shown
    "Group 3FA2C1",
    "groupe 3fa2c1d0",               # in French
    "gr\u043eup 3fa2c1d0a1b2",       # a Cyrillic o
    "group 3fa2 c1d0",
    "3fa2c1d0a1b2…",                 # a short id alone
])
def test_a_name_that_reads_like_an_unnamed_groups_id_is_caught(name: str) -> None:
    assert mimics_unnamed(name)


@pytest.mark.parametrize("name", ["Calais", "group of friends", "Bristol group", "Group 12", "group abc", "Cafe bed"])
def test_ordinary_names_do_not_read_like_an_id(name: str) -> None:
    assert not mimics_unnamed(name)


@pytest.mark.parametrize("blank", ["\u2800", "\u3164", "\u115f", "\u1160", "\uffa0", "\u200b", "\u2060", "\u202e",
                                   "\U000e0020", "\u180e", "\u00ad"])
def test_a_name_padded_with_blank_looking_characters_looks_like_the_plain_name(blank: str) -> None:
    """A braille blank or a Hangul filler shows as a blank but is no space to Python (a filler is even
    a letter), and the zero-width ones show as nothing: "Calais" and a run of them before the rest of
    a name read "Calais" where a line is cut, and was not told apart from the real Calais."""
    padded = "Calais" + blank * 60 + "really Mole"
    assert looks(padded) & looks("Calais"), padded
    assert look_alikes({"real": "Calais", "mole": padded}) == {"real": ["mole"], "mole": ["real"]}
    assert seen(padded) in ("Calais really Mole", "Calaisreally Mole")
    assert looks("Cal" + blank * 3 + "ais") & looks("Calais")


def test_what_is_seen_keeps_the_joiners_of_a_script_and_an_emoji() -> None:
    persian = "گروه\u200cهمبستگی"  # a zero-width non-joiner, written between the two words
    assert seen(persian) == persian
    assert seen("Calais \u2764\ufe0f\u200d\U0001f525") == "Calais \u2764\ufe0f\u200d\U0001f525"
    assert seen("Calais" + "\u200d" * 40 + "x") == "Calaisx"
    assert seen("Calais") == "Calais"
