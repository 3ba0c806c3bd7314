"""A group's name is shown on one line wherever names are shown (references.group_names: the
dashboard, its alert announcements and desktop notifications, the `--on-alert` hook's and the API's
`group_name`, the public feeds). A profile's name is a text field, which may hold line breaks and
runs of spaces: a member group called "Calais", blank lines, then the rest of its name, read
"posted by Calais" in a notification or a chat's preview that shows a first line alone, and no
other group's name looked like it (the look-alike check compares the letters)."""
from __future__ import annotations

from pathlib import Path

from crypto.keys import SigningKey
from crypto.short_ids import short_id
from node import references
from node_fixtures import Author, Net, wires


def test_a_name_with_line_breaks_is_shown_on_one_line_with_its_breaks_marked(net: Net, tmp_path: Path) -> None:
    mole = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(mole.key.public), "role": "group"})
    mole.sign("group.profile", {"name": "Calais\n\n\n\n\n\n(a group of Dunkirk)" + " " * 30 + "x", "region": "dunkirk"})
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made + mole.made))
    shown = references.group_names(log.store)
    name = shown[bytes(mole.key.public)]
    assert "\n" not in name and "  " not in name, repr(name)
    assert name.startswith("Calais ⏎ ") and "⏎ (a group of Dunkirk) x" in name, repr(name)
    assert shown[bytes(net.group.key.public)].startswith("Calais")
    assert references.profile_names(log.store)[bytes(mole.key.public)].startswith("Calais\n"), "as typed, to be named"


def test_a_revoked_groups_name_is_shown_on_one_line_too(net: Net, tmp_path: Path) -> None:
    """A group revoked from its start leaves the log with its profile; its name is read from its
    events kept aside (references.kept_aside_name), and shown on one line as a member's is."""
    mole = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(mole.key.public), "role": "group"})
    mole.sign("group.profile", {"name": "Calais\n\n\n\n(of Dunkirk)", "region": "dunkirk"})
    net.group.sign("member.revoke", {"subject": bytes(mole.key.public), "from_seq": 1})
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made + mole.made))
    name = references.kept_aside_name(log.store, bytes(mole.key.public))
    assert name is not None and "\n" not in name and name.startswith("Calais ⏎ "), repr(name)


def test_a_run_of_blank_lines_is_one_mark(net: Net, tmp_path: Path) -> None:
    """Blank lines (empty, or of spaces or invisible characters only) are left out: a name of 80
    characters, "Calais" and 60 line breaks before the rest, was shown with 60 marks, 120 characters
    of "⏎ ⏎ ⏎" that cut "of Dunkirk" off a notification and that a screen reader said one by one."""
    mole = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(mole.key.public), "role": "group"})
    mole.sign("group.profile", {"name": "Calais" + "\n" * 30 + " \u200b\u2028" * 10 + "\nof Dunkirk", "region": "dunkirk"})
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made + mole.made))
    # (with its short id: a zero-width space after "Calais" makes it look like the founders' Calais)
    assert references.group_names(log.store)[bytes(mole.key.public)] == f"Calais ⏎ of Dunkirk ({short_id(mole.key.public)})"


def test_blank_looking_characters_are_shown_as_one_space_and_the_name_with_its_id(net: Net, tmp_path: Path) -> None:
    """Braille blanks and Hangul fillers are no space to Python, and zero-width characters show as
    nothing: "Calais" and a run of them before "(really Mole)" was shown "Calais" and blanks, the
    rest cut off where a line is cut. They are one space, or nothing, in the shown name, and the
    name looks like Calais's, so both carry their short ids."""
    mole = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(mole.key.public), "role": "group"})
    mole.sign("group.profile", {"name": "Calais" + "\u2800\u3164\uffa0" * 15 + "\u200b" * 10 + "really Mole",
                                "region": "dunkirk"})
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made + mole.made))
    shown = references.group_names(log.store)
    mole_id, calais_id = bytes(mole.key.public), bytes(net.group.key.public)
    assert shown[mole_id] == f"Calais really Mole ({short_id(mole_id)})", repr(shown[mole_id])
    assert shown[calais_id] == f"Calais ({short_id(calais_id)})"


def test_a_name_that_shows_as_nothing_is_shown_with_the_groups_short_id(net: Net, tmp_path: Path) -> None:
    """A profile's name made of braille blanks, Hangul fillers or zero-width spaces alone is valid
    text, yet shows as a blank: "posted by ⠀⠀⠀", two such groups one blank to a reader, and no
    look-alike ever found (there is no letter to compare). Shown with its short id, as a name that
    reads like an unnamed group's is, each is told apart."""
    blanks = ("\u2800\u2800\u2800", "\u3164", "\u200b\u200b")
    log, groups = net.log_with_groups(tmp_path / "a.db", list(blanks), "dunkirk")
    shown = references.group_names(log.store)
    for group in groups:
        key = bytes(group.key.public)
        assert key in shown and short_id(key) in shown[key], repr(shown.get(key))
    assert shown[bytes(net.group.key.public)] == "Calais"  # a name with letters: as it is
