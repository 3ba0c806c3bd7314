"""An action moved to another place and then cancelled said "CANCELLED by its group (was at Place
d'Armes)" in `view actions` and `show`, and never where it had gone: a member who saw the move went
to the park to check whether it was on, and read nothing of the park. Its line names the new place
too, as a move alone does ("MOVED to Parc Richelieu")."""
from __future__ import annotations

from node.render import action_state

HOUR = 3_600_000


def item(**changed) -> dict:
    first = {"starts_at": 100 * HOUR, "place": "Place d'Armes"}
    return {"starts_at": 100 * HOUR, "place": "Parc Richelieu", "moved_from": first, "status": "on", "note": None,
            **changed}


def test_a_cancelled_action_that_had_moved_names_where_it_went():
    said = action_state(item(status="cancelled", note="prefecture ban"))
    assert said == "  CANCELLED by its group (was at Place d'Armes; moved to Parc Richelieu): prefecture ban", said


def test_a_move_alone_and_a_cancel_alone_read_as_before():
    assert action_state(item()) == "  MOVED to Parc Richelieu (was at Place d'Armes)"
    assert action_state(item(status="cancelled", moved_from=None, place="Place d'Armes")) == "  CANCELLED by its group"
    # moved in time only: its line shows the new start already
    assert action_state(item(status="cancelled", place="Place d'Armes", starts_at=101 * HOUR)).startswith(
        "  CANCELLED by its group (was ")
