"""Trust graphs built in memory (events.trust values, no signatures): an honest network, and the
chain an infiltrating member group can add to it so that each torn device strands a group that,
lifted, tears the next one (bench/trust_flood.py times it; tests/events/test_trust_repass.py
counts the work it costs).

The chain of `links` links: M and W are member groups admitted by a founder, M certifies the
devices d0..dK with their consent, W also certifies d0 (torn: two groups could hold it). For each
link i: d_i admits X_i, X_i admits Y_i, Y_i names X_i as the group it joined through, M vouches
for Y_i too (no effect: Y_i named X_i), X_i revokes Y_i, and Y_i certifies d_{i+1} with its
consent. While d_i is a device, X_i is a member and its revocation holds Y_i off; once d_i is torn,
X_i is gone, Y_i (stranded) is lifted and admitted by M, and d_{i+1} has two groups: torn.
"""
from __future__ import annotations

import random

from events.trust import ACCEPT_ROLE, DEVICE_ROLE, GROUP_ROLE, Revocation, Vouch


class Keys:
    """Deterministic 32-byte keys and event ids."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._ids = 0

    def key(self) -> bytes:
        return self._rng.randbytes(32)

    def id(self) -> bytes:
        self._ids += 1
        return self._ids.to_bytes(32, "big")


def honest_network(groups: int, devices: int, seed: int = 1) -> tuple[list[bytes], list[Vouch], Keys]:
    """Three founders; `groups` groups, each admitted by a random earlier one that it names, each
    with `devices` consenting devices."""
    keys = Keys(seed)
    founders = [keys.key() for _ in range(3)]
    vouches, admitters = [], list(founders)
    for i in range(groups):
        g, admitter = keys.key(), keys._rng.choice(admitters)
        vouches += [Vouch(admitter, i + 1, g, GROUP_ROLE, None, "g", False, keys.id()),
                    Vouch(g, 1, admitter, ACCEPT_ROLE, None, None, False, keys.id())]
        vouches += [Vouch(g, j + 2, keys.key(), DEVICE_ROLE, keys.key(), "pi", True, keys.id()) for j in range(devices)]
        admitters.append(g)
    return founders, vouches, keys


def infiltrator_chain(founder: bytes, links: int, keys: Keys) -> tuple[list[Vouch], list[Revocation], list[bytes]]:
    """The chain's vouches and revocations (see the module docstring), and its devices d0..dK."""
    m, w = keys.key(), keys.key()
    vouches = [Vouch(founder, 1000, m, GROUP_ROLE, None, "m", False, keys.id()),
               Vouch(founder, 1001, w, GROUP_ROLE, None, "w", False, keys.id())]
    revokes = []
    m_seq = iter(range(1, 3 * links + 10))
    devices = [keys.key() for _ in range(links + 1)]
    for d in devices:
        vouches.append(Vouch(m, next(m_seq), d, DEVICE_ROLE, keys.key(), "pi", True, keys.id()))
    vouches.append(Vouch(w, 1, devices[0], DEVICE_ROLE, keys.key(), "pi", True, keys.id()))
    for i in range(links):
        x, y = keys.key(), keys.key()
        vouches += [Vouch(devices[i], 1, x, GROUP_ROLE, None, "x", False, keys.id()),
                    Vouch(x, 1, y, GROUP_ROLE, None, "y", False, keys.id()),
                    Vouch(y, 1, x, ACCEPT_ROLE, None, None, False, keys.id()),
                    Vouch(m, next(m_seq), y, GROUP_ROLE, None, "y", False, keys.id()),
                    Vouch(y, 2, devices[i + 1], DEVICE_ROLE, keys.key(), "pi", True, keys.id())]
        revokes.append(Revocation(y, x, 1, 10, "x", 2, keys.id()))
    return vouches, revokes, devices
