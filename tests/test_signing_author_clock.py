"""The hand-signing author of the tests (signing_author.Author) stamps each event it takes from the
clock later than any stamp before it, of any author, and a stamp given by hand moves that clock on:
each author kept a clock of its own and a stamp given by hand moved nothing, so an event signed
"after" another could carry its millisecond or an earlier one (a rename stamped one millisecond
after a phone's profile beat the profile signed after it: session 60's first CI failure)."""
from __future__ import annotations

from crypto.keys import SigningKey
from node.log import now_ms
from signing_author import Author

NETWORK = b"n" * 32
HOUR_MS = 3_600_000


def test_a_stamp_taken_after_one_given_by_hand_is_later() -> None:
    phone, main = Author(SigningKey.generate(), NETWORK), Author(SigningKey.generate(), NETWORK)
    given = phone.sign(ts=now_ms() + 300).header.timestamp  # ("stamped after that one", as the tests give it)
    assert main.sign().header.timestamp > given  # another author's
    assert phone.sign().header.timestamp > given + 1  # its own, after the other's


def test_two_authors_never_take_one_millisecond() -> None:
    authors = [Author(SigningKey.generate(), NETWORK) for _ in range(2)]
    stamps = [authors[n % 2].sign().header.timestamp for n in range(40)]
    assert stamps == sorted(set(stamps))


def test_a_clock_set_ahead_on_purpose_moves_nothing() -> None:
    laptop, main = Author(SigningKey.generate(), NETWORK), Author(SigningKey.generate(), NETWORK)
    laptop.sign(ts=now_ms() + 2 * HOUR_MS)  # (a laptop an hour or two ahead: what the test is about)
    assert main.sign().header.timestamp < now_ms() + HOUR_MS
