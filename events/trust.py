"""The trust graph: which keys are members of the network, and from which seq a key is revoked.

Pure and order-independent: it is recomputed from the set of vouches and revocations, so nodes
that received trust events in different orders agree. Rules (docs/design.md section 5):
  - the genesis founders are groups;
  - a group key vouches its devices (role "device"); a member (group key or device) admits a
    new group (role "group"), but only with events before its own revocation point;
  - a key may be revoked by itself, a device by its group key, a group by the group that admitted
    it; revocation takes effect from `from_seq` (the lowest one wins); a group revoked from seq n
    loses the devices it vouched at or after n, so a group revoked from seq 1 loses all of them.
"""
from __future__ import annotations

from dataclasses import dataclass

from events.errors import NOT_A_MEMBER, NOT_ALLOWED, REVOKED, InvalidEvent

GROUP_ROLE, DEVICE_ROLE = "group", "device"


@dataclass(frozen=True, slots=True)
class Vouch:
    voucher: bytes
    voucher_seq: int
    subject: bytes
    role: str
    encryption_key: bytes | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A certified key: its role, the group it speaks for, and its revocation point (None: not revoked)."""

    key: bytes
    role: str
    group: bytes
    revoked_from: int | None
    encryption_key: bytes | None = None
    admitted_by: bytes | None = None  # for groups: the group that admitted it (None for founders)

    def may_sign(self, seq: int) -> bool:
        return self.revoked_from is None or seq < self.revoked_from


@dataclass(frozen=True, slots=True)
class Revocation:
    """The revocation in effect for a key: by whom, from which seq, when (the author's claimed
    time, ms) and why. When several valid ones name a key, the lowest `from_seq` wins, then the
    earliest, so every node shows the same one whatever order they arrived in."""

    subject: bytes
    by: bytes
    from_seq: int
    at: int | None = None
    reason: str | None = None


class TrustGraph:
    def __init__(self, founders: list[bytes]) -> None:
        self.founders = tuple(founders)
        self._vouches: list[Vouch] = []
        self._revokes: list[Revocation] = []
        self.members: dict[bytes, Member] = {}
        self.revocations: dict[bytes, Revocation] = {}  # subject -> the revocation in effect
        self.recompute()

    def add_vouch(self, vouch: Vouch) -> None:
        self._vouches.append(vouch)
        self.recompute()

    def add_revoke(self, author: bytes, subject: bytes, from_seq: int, *, at: int | None = None,
                   reason: str | None = None) -> None:
        self._revokes.append(Revocation(subject, author, from_seq, at, reason))
        self.recompute()

    def recompute(self) -> None:
        # Deterministic whatever the arrival order: vouches are considered in (voucher, seq)
        # order, and who may revoke whom follows from the vouch structure alone, not from current
        # certification, so the answer cannot depend on the order revocations were applied in.
        vouches = sorted(self._vouches, key=lambda v: (v.voucher, v.voucher_seq, v.subject))
        founders = set(self.founders)
        device_group: dict[bytes, bytes] = {}
        for v in vouches:
            if v.role == DEVICE_ROLE and v.subject not in founders:
                device_group.setdefault(v.subject, v.voucher)
        admitted_by: dict[bytes, set[bytes]] = {}
        for v in vouches:
            if v.role == GROUP_ROLE and v.subject not in founders and v.subject not in device_group:
                admitted_by.setdefault(v.subject, set()).add(device_group.get(v.voucher, v.voucher))
        self._device_group, self._admitted_by = device_group, admitted_by
        revocations: dict[bytes, Revocation] = {}
        for r in self._revokes:
            if self.may_revoke(r.by, r.subject):
                best = revocations.get(r.subject)
                if best is None or _revocation_order(r) < _revocation_order(best):
                    revocations[r.subject] = r
        self.revocations = revocations
        revoked_from = {subject: r.from_seq for subject, r in revocations.items()}

        members: dict[bytes, Member] = {
            f: Member(f, GROUP_ROLE, f, revoked_from.get(f)) for f in self.founders
        }
        changed = True
        while changed:  # fixpoint: a newly certified key can certify others
            changed = False
            for v in vouches:
                voucher = members.get(v.voucher)
                if voucher is None or not voucher.may_sign(v.voucher_seq) or v.subject in members:
                    continue
                if v.role == DEVICE_ROLE and voucher.role == GROUP_ROLE and device_group.get(v.subject) == v.voucher:
                    members[v.subject] = Member(v.subject, DEVICE_ROLE, voucher.key, revoked_from.get(v.subject))
                    changed = True
                elif v.role == GROUP_ROLE and v.subject in admitted_by:
                    members[v.subject] = Member(v.subject, GROUP_ROLE, v.subject, revoked_from.get(v.subject), None,
                                                min(admitted_by[v.subject]))
                    changed = True
        # A group may re-vouch its device to change its encryption key: the latest valid vouch wins.
        for v in vouches:
            m = members.get(v.subject)
            if m is not None and m.role == DEVICE_ROLE and v.role == DEVICE_ROLE and v.voucher == m.group \
                    and members[v.voucher].may_sign(v.voucher_seq) and v.encryption_key is not None:
                members[v.subject] = Member(m.key, m.role, m.group, m.revoked_from, v.encryption_key)
        self.members = members

    def revocation(self, key: bytes) -> Revocation | None:
        return self.revocations.get(key)

    def may_revoke(self, author: bytes, subject: bytes) -> bool:
        """A key may revoke itself; a group its devices; a group (or its device) the groups it admitted."""
        return (
            author == subject
            or self._device_group.get(subject) == author
            or self._device_group.get(author, author) in self._admitted_by.get(subject, ())
        )

    def member(self, key: bytes) -> Member | None:
        return self.members.get(key)

    def group_of(self, key: bytes) -> bytes | None:
        m = self.members.get(key)
        return m.group if m else None

    def check_author(self, key: bytes, seq: int) -> Member:
        """Return the author's Member if it may sign at `seq`; raise InvalidEvent otherwise."""
        m = self.members.get(key)
        if m is None:
            raise InvalidEvent(NOT_A_MEMBER, f"author {key.hex()[:16]} is not certified by this network's trust graph")
        if not m.may_sign(seq):
            raise InvalidEvent(REVOKED, f"author {key.hex()[:16]} is revoked from seq {m.revoked_from} (event has seq {seq})")
        return m

    def check_vouch(self, author: Member, subject: bytes, role: str) -> None:
        """Refuse a vouch its author may not make (a device cannot certify devices; no re-rolling a key)."""
        if role == DEVICE_ROLE and author.role != GROUP_ROLE:
            raise InvalidEvent(NOT_ALLOWED, "only a group key can vouch for a device key")
        existing = self.members.get(subject)
        if existing is None:
            return
        if role == GROUP_ROLE:
            raise InvalidEvent(NOT_ALLOWED, f"key {subject.hex()[:16]} is already a member ({existing.role} key)")
        if existing.role != DEVICE_ROLE or existing.group != author.key:
            raise InvalidEvent(NOT_ALLOWED, f"key {subject.hex()[:16]} is already a key of another group")

    def devices_of(self, group: bytes) -> list[Member]:
        return [m for m in self.members.values() if m.role == DEVICE_ROLE and m.group == group]

    def uncertified_or_limited(self) -> dict[bytes, int]:
        """For every key that was ever vouched or founded: the first seq it may no longer sign.
        Keys vouched but no longer certified map to 1 (all their events go)."""
        limits: dict[bytes, int] = {}
        for key in {v.subject for v in self._vouches} | set(self.founders):
            m = self.members.get(key)
            if m is None:
                limits[key] = 1
            elif m.revoked_from is not None:
                limits[key] = m.revoked_from
        return limits


def _revocation_order(r: Revocation) -> tuple:
    return (r.from_seq, r.at if r.at is not None else 0, r.by, r.reason or "")
