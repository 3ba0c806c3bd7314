"""How long a command waits for a running node's first sync with a peer: while that sync stores
events, and QUIET_S after the last it stored, never past LONGEST_S. Pure: the caller reads the
clock and the store.

Why. A node signs nothing after its start until its first complete round with a peer (node/
chain_gate.py: restore without forking), and a command typed meanwhile (`solnet publish alert`)
waits for that round. A fixed 30 s suited a fast machine. A Raspberry Pi Zero 2 W stores some 800
events a second (measured on the Pi stand-in, bench/pi_cgroup.py: 40,000 events in 52 s), so its
node restarted after a power cut or a day offline, 40,000 events behind, finished that round after
the 30 s: a raid alert typed as it started was refused ("try again once it has") while the round
was storing the very events it waited for. Waiting while the store grows costs a peer that never
answers nothing more than before (QUIET_S with nothing stored, then the same refusal).
"""
from __future__ import annotations

QUIET_S = 30.0  # with nothing stored for this long, the wait ends (the refusal says what to do)
LONGEST_S = 600.0  # however much is still coming (a node months behind: --offline, or try again)
LOOK_S = 2.0  # how often the store's count is read while waiting (one small query)
SAY_S = 20.0  # the command hears the wait goes on at least this often: its answer's timeout is 60 s


class FirstSyncWait:
    """One command's wait, from `started` (monotonic seconds) with `stored` events in the store."""

    def __init__(self, stored: int, started: float) -> None:
        self.stored_at_start = self.stored = stored
        self._last_growth = started
        self._ceiling = started + LONGEST_S
        self._next_look = started + LOOK_S
        self._said = started

    def due(self, now: float) -> bool:
        """Is it time to read the store's count again (then `looked`)?"""
        return now >= self._next_look

    def looked(self, stored: int, now: float) -> bool:
        """The store holds `stored` events at `now`; True when the command should hear that the
        sync goes on (events were stored, and it last heard SAY_S ago or more)."""
        self._next_look = now + LOOK_S
        if stored <= self.stored:
            return False
        self.stored, self._last_growth = stored, now
        if now - self._said < SAY_S:
            return False
        self._said = now
        return True

    def over(self, now: float) -> bool:
        """Is the wait over (QUIET_S with nothing stored, or LONGEST_S in all)?"""
        return now >= min(self._last_growth + QUIET_S, self._ceiling)

    @property
    def gained(self) -> int:
        """Events stored since the wait began."""
        return self.stored - self.stored_at_start
