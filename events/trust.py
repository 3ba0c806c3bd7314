"""The trust graph: which keys are members of the network, in which role, and from which seq a key
may no longer sign.

Pure, and a function of the SET of trust events: it is recomputed from all vouches, revocations
and fork points, never from the order they arrived in, so every node that holds the same events
holds the same graph. A trust event whose effect is refused is not an error: it stays in the log
with "no effect" and a reason (`effect`), and never blocks its author's later events.

The rules (docs/design.md section 5 says them for people):

Who is a member, in waves outward from the founders.
  - Wave 0: the founding group keys of the genesis. Founders are groups and stay groups.
  - A group key certifies its devices (vouch with role "device"); a device belongs to the group of
    the wave it is reached in. A device vouch that carries the device's own consent (a signature by
    the device key over the group key and its encryption key) is the device's choice: such a key
    can only ever be a device of a group it consented to. A key that consented to two groups or
    more is nobody's device: a consent carries no seq, so whoever holds a copy of a device key (a
    seized phone, revoked by its group) could consent to an accomplice group nearer the founders,
    which then held the device and its past alerts; now the key is out, as a fork puts it out. Only
    groups that could hold the device tear it: consents in vouches their authors may sign, those
    authors member groups reached from the founders without passing through the device (see
    `_newly_torn`; the consents of others are claims all the same). A vouch without consent (made
    before consent existed) counts only while the key is claimed by no other member group (a device
    vouch) and by no member (an admission) that may sign its claim, and while no member group may
    sign a vouch carrying its consent (`_newly_uncontested`, `_newly_consenting`: decided pass by
    pass, each key let out of its contest asked again against the last graph; a revoked device's
    claims contest nothing).
  - Any member (a group key or one of its devices) admits a new group (vouch with role "group").
    The groups reached in wave w admit the groups of wave w + 1. A group's admitters are every group
    of the NEAREST wave that validly vouched for it: a vouch for a group that groups nearer the
    founders had already admitted has no effect, so a member cannot make itself an admitter of a
    newcomer by vouching for it first ("front-running").
  - A group may name the groups it joined through: a vouch with role "accept", signed by its own
    group key, whose subject is the admitting group (`solnet join` signs one for the group whose
    node made the invite). A group that named any counts as admitters only groups it named: a
    member nearer the founders than the newcomer's admitter can no longer vouch for it and so
    become its only admitter (and revoke it). A group's opening accept (seq 1, the first event its
    key signs, as `solnet join` signs it; not at a seq where the key forked: `_opens_chain`) is a
    claim, counted over every received one of a reachable group, valid or not, like consents: a
    front-runner that vouched for a newcomer and revoked it before it joined cannot void it. Any
    other (a late accept: `solnet accept` of a group that joined before 2026-12-04) is signed by
    its author, a member group, and counts where it may sign it, like any vouch, or past
    revocations of it each by a group strictly nearer the founders than the group the accept
    names: those are the front-runners the nearest-wave rule made sole admitters, which the accept
    is there to stop. Past a revocation by a co-admitter of the named group's wave (or one farther
    out), by the group itself, or a fork, only the opening accept protects: a group admitted by two
    groups of one wave and revoked by one of them would otherwise sign, past its revocation point,
    an accept naming the other, and the revocation would read "not allowed" (until 2026-12-06 every
    accept was a claim, and it did; for a while on 2026-12-06 a late accept counted only where its
    group could sign, and a group that did what `solnet status` told it lost to a nearer
    front-runner). Asked pass by pass (`_newly_accepting`) from the graph of opening accepts, and
    refused for good (the passes start again) if it does not count so in the graph it made. A group
    that named none (joined before 2026-12-04) keeps the rule above alone, and so does one none of
    whose named groups can admit it (each revoked from before its vouch, or never vouching):
    otherwise its admitter's revocation would leave it out for good, unable to sign another accept.
  - A vouch counts only if its author may sign at the vouch's seq (see below).

Who may revoke whom, and from when.
  - A key may revoke itself from a seq after the revocation's own; a group key its devices; an
    admitter group (its key or any of its devices) the groups it admitted. Founders can only revoke
    themselves. Authority flows outward only, so two keys can never revoke each other.
  - A revocation counts only if its author may sign at the revocation's seq: nothing a key signs
    from its own revocation point on has any effect, so a stolen key cannot undo or block the
    revocation that cut it off.
  - A key's revocation point is the lowest `from_seq` of the revocations of it that count; among
    equal ones the one shown is the earliest (then by author, then by event id). Revocation wins
    over admission: a group that any of its admitters revoked is revoked, whoever else admitted it.
  - A key that signed two different events at one seq (a fork) is treated as revoked from that
    seq: nothing it signs from there counts, as a peer, as a recipient of private details, as a
    voucher or as a revoker of itself or of the groups it admitted. A group key's revocations of
    its own devices are the exception: those it signed at or after the fork point, in either
    branch, still count (while it may revoke at that seq, that is below any revocation of it by
    others or by itself before the fork). A fork proves the key is in two hands, and nothing says
    which is the owner's: cutting off the group's own devices is safe either way, while letting
    the fork void them would let whoever copied a group key undo the owner's revocation of a stolen
    device by signing one more event (`Member.may_revoke`). Revoking another group is not safe
    either way: it takes that group's events out of the log, so a thief holding a seized phone,
    revoked by its group, could sign at a seq below that revocation (a fork) a revocation of every
    group its group admitted.
  - What a key signed before its revocation point keeps its effect: a group revoked from seq n
    keeps the devices it certified and the groups it admitted before n (revoking from seq 1, the
    default for a group, takes everything).
  - A group key revoking its device from seq n may pin the device's chain below n: the id of its
    event at n - 1, as the group's node holds it (`Member.pinned`; the counting revocation of the
    lowest n that has one). A fork below n is then no fork: whoever holds a copy of the device key
    (a seized phone) signed the events off the pinned chain, and they are refused, while the
    device's past (its alerts, the groups it admitted) stays. The log resolves it (node/log.py
    `_resolve_pinned_forks`, and `_refind_forks` once the pin stops counting): a graph only knows
    fork points, a chain is the store's.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace

# (the consent's message and check live in events/consent.py; named here too, where callers look for them)
from events.consent import CONSENT_LABEL, consent_is_valid, consent_message, device_consent  # noqa: F401
from events.errors import NOT_A_MEMBER, REVOKED, InvalidEvent
from events.trust_repass import Place, place, repass
from solnet_errors import Said

GROUP_ROLE, DEVICE_ROLE, ACCEPT_ROLE = "group", "device", "accept"
# Each pass after a lift or a tear computed in full, as until 2026-12-05: the reference the tests
# compare the re-passes (events/trust_repass.py) with.
_REPASS_IN_FULL = False


@dataclass(frozen=True, slots=True)
class Vouch:
    voucher: bytes
    voucher_seq: int
    subject: bytes
    role: str
    encryption_key: bytes | None = None
    name: str | None = None
    consent: bool = False  # carries the subject device's valid consent (checked when the event is read)
    id: bytes = b""        # the vouch event's id
    complete: bool = True  # every earlier event of its author's chain is known (else it cannot count yet)


@dataclass(frozen=True, slots=True)
class Member:
    """A certified key: its role, the group it speaks for, and the first seq it may no longer sign
    (`revoked_from`; None: it may sign any seq)."""

    key: bytes
    role: str
    group: bytes
    revoked_from: int | None
    encryption_key: bytes | None = None
    admitted_by: bytes | None = None  # for groups: the first of `admitters` (None for founders)
    admitters: tuple[bytes, ...] = ()
    wave: int = 0

    revokes_until: int | None = None  # the first seq whose revocations no longer count (a fork aside)
    # A device's chain below a seq, as its group key vouched for it when revoking it: (from_seq, the
    # id of its event at from_seq - 1). Events below from_seq off that chain are forgeries, not a fork.
    pinned: tuple[int, bytes] | None = None

    def may_sign(self, seq: int) -> bool:
        return self.revoked_from is None or seq < self.revoked_from

    def may_revoke(self, seq: int) -> bool:
        """Whether a revocation this key signed at `seq` can count: a fork does not end it."""
        return self.revokes_until is None or seq < self.revokes_until


@dataclass(frozen=True, slots=True)
class Revocation:
    """A revocation of `subject` signed by `by` at its own `seq`, from `from_seq` on; `at` is the
    author's claimed time (ms). For a fork, `fork` is True and `by` is the key itself."""

    subject: bytes
    by: bytes
    from_seq: int
    at: int | None = None
    reason: str | None = None
    seq: int = 0
    id: bytes = b""
    fork: bool = False
    complete: bool = True  # see Vouch.complete
    pin: bytes | None = None  # the id of the subject's event at from_seq - 1, as its revoker holds it


# Why a trust event has no effect (shown by `solnet show`; stable words, not codes), with the key of a
# page's words for it (the dashboard's catalogs, error.<key>: an event's page says it in its language).
NO_EFFECT_FOUNDER = Said("the subject is a founding group", "no_effect.trust_founder")
NO_EFFECT_NEARER = Said("the group was already admitted by groups nearer the founders", "no_effect.trust_nearer")
NO_EFFECT_NOT_ACCEPTED = Said("the group names the groups it joined through, and not this one",
                              "no_effect.trust_not_accepted")
NO_EFFECT_ACCEPT_NOT_OWN = Said("only a group's own key names the groups it joined through",
                                "no_effect.trust_accept_not_own")
NO_EFFECT_ACCEPT_LATE = Said("signed past its group's revocation point, not one a group nearer the founders than the "
                             "group it names set (a front-runner's): past a co-admitter's revocation, the group's own "
                             "or a fork, only the accept a group signs first, when it joins, counts",
                             "no_effect.trust_accept_late")
NO_EFFECT_IS_DEVICE = Said("the key is a device key (it consented to being a device of a group)",
                           "no_effect.trust_is_device")
NO_EFFECT_IS_GROUP = Said("the key is a group key", "no_effect.trust_is_group")
NO_EFFECT_OTHER_GROUP = Said("the key is a device of another group", "no_effect.trust_other_group")
NO_EFFECT_CONTESTED = Said("the key is claimed by more than one group or admission without the device's consent",
                           "no_effect.trust_contested")
NO_EFFECT_NO_CONSENT = Said("the device consented to another group", "no_effect.trust_no_consent")
NO_EFFECT_TORN = Said("the device consented to more than one group (its key is in more than one hand): it is no "
                      "group's device", "no_effect.trust_torn")
NO_EFFECT_DEVICE_VOUCHES_DEVICE = Said("only a group key can certify a device", "no_effect.trust_device_vouches_device")
NO_EFFECT_VOUCHER_OUTSIDE = Said("its author was not certified at that seq, or was revoked before it",
                                 "no_effect.trust_voucher_outside")
NO_EFFECT_SUPERSEDED = Said("an earlier vouch of the group for this device is in effect", "no_effect.trust_superseded")
NO_EFFECT_NOT_ALLOWED = Said("not allowed: a key may revoke itself, a group key its devices, "
                             "and an admitting group the groups it admitted", "no_effect.trust_not_allowed")
NO_EFFECT_UNKNOWN = Said("the subject is not a member of this network", "no_effect.trust_unknown")
NO_EFFECT_SELF_TOO_LOW = Said("a key revoking itself must do so from a seq after the revocation's own",
                              "no_effect.trust_self_too_low")
NO_EFFECT_PAST_FORK = Said("signed from its author's fork point on: there only a group key's revocations of its own "
                           "devices count", "no_effect.trust_past_fork")
NO_EFFECT_LOWER_WINS = Said("another revocation of the same key, from a lower seq or earlier, is in effect",
                            "no_effect.trust_lower_wins")


class TrustGraph:
    def __init__(self, founders: Iterable[bytes], vouches: Iterable[Vouch] = (), revokes: Iterable[Revocation] = (),
                 forks: dict[bytes, int] | None = None) -> None:
        self.founders = tuple(dict.fromkeys(founders))
        self._vouches: list[Vouch] = list(vouches)
        self._revokes: list[Revocation] = list(revokes)
        self._forks: dict[bytes, int] = dict(forks or {})
        self.members: dict[bytes, Member]
        self.reachable: frozenset[bytes]  # keys reached from the founders by vouches, valid or not
        self.revocations: dict[bytes, Revocation]  # subject -> the revocation (or fork) in effect
        self.effects: dict[bytes, Said | None]     # trust event id -> None (took effect) or why not
        self._lineages: dict[bytes, frozenset[bytes]] = {}  # see `lineages`: for this graph only
        self.recompute()

    # --- input ----------------------------------------------------------------------------------
    def add_vouch(self, vouch: Vouch) -> None:
        self._vouches.append(vouch)
        self.recompute()

    def add_revoke(self, author: bytes, subject: bytes, from_seq: int, *, seq: int, id: bytes, at: int | None = None,
                   reason: str | None = None, pin: bytes | None = None) -> None:
        self._revokes.append(Revocation(subject, author, from_seq, at, reason, seq, id, pin=pin))
        self.recompute()

    def set_fork(self, author: bytes, seq: int) -> None:
        """`author` signed two different events at `seq` (or below it): it may not sign from there."""
        if seq < self._forks.get(author, seq + 1):
            self._forks[author] = seq
            self.recompute()

    def fork_point(self, key: bytes) -> int | None:
        """The lowest seq at which `key` is known to have signed two different events (None: none)."""
        return self._forks.get(key)

    @property
    def forks(self) -> dict[bytes, int]:
        return dict(self._forks)

    def same_state(self, other: TrustGraph) -> bool:
        """True if both graphs certify the same keys in the same way (what the log depends on)."""
        if other is self:
            return True
        return self.members == other.members and self._forks == other._forks

    # --- the rules ------------------------------------------------------------------------------
    def recompute(self) -> None:
        """Derive members, revocation points and effects from the set of trust events (see the
        module docstring). Every loop runs over sorted input, so the result is the same whatever
        order the events were added in."""
        vouches = sorted(self._vouches, key=lambda v: (v.voucher_seq, v.voucher, v.subject, v.id, v.role))
        founders = set(self.founders)
        by_voucher: dict[bytes, list[Vouch]] = defaultdict(list)
        for v in vouches:
            if v.role != ACCEPT_ROLE:  # an accept points back at an admitter: it reaches no one
                by_voucher[v.voucher].append(v)
        # Who claims which key, counted over every received vouch of every key reachable from the
        # founders, valid or not: monotone in the set of events, so these claims never depend on
        # what the rest of the computation decides (which would let two answers stand).
        reachable = _reached(founders, by_voucher)
        claims = [v for v in vouches if v.voucher in reachable]
        # A group's opening accept (what `solnet join` signs first) is a claim: it counts whatever its
        # author's standing. Any other accept counts only once its author may sign it, pass by pass
        # (`_newly_accepting`), and only if it still may in the last graph (below).
        opening: dict[bytes, set[bytes]] = defaultdict(set)  # group -> the groups it named at its join
        late_accepts: dict[bytes, list[Vouch]] = defaultdict(list)
        for v in claims:
            if v.role == ACCEPT_ROLE:
                if _opens_chain(v, self._forks):
                    opening[v.voucher].add(v.subject)
                else:
                    late_accepts[v.voucher].append(v)
        consents: dict[bytes, set[bytes]] = defaultdict(set)  # device -> the groups it consented to
        consent_vouches: dict[bytes, list[Vouch]] = defaultdict(list)
        for v in claims:
            if v.role == DEVICE_ROLE and v.consent:
                consents[v.subject].add(v.voucher)
                consent_vouches[v.subject].append(v)
        consented: set[bytes] = set(consents)
        # The devices that may be torn, with the consent vouches that count for it (those of keys
        # reached without passing through the device); whether it is, each pass decides below.
        tearing: dict[bytes, list[Vouch]] = {}
        for d, counted in _tearing_claimants(consents, founders, by_voucher).items():
            if len(counted) > 1:
                tearing[d] = [v for v in consent_vouches[d] if v.voucher in counted]
        admitted_claims: set[bytes] = {v.subject for v in claims if v.role == GROUP_ROLE}
        legacy_vouchers: dict[bytes, set[bytes]] = defaultdict(set)
        for v in claims:
            if v.role == DEVICE_ROLE and not v.consent:
                legacy_vouchers[v.subject].add(v.voucher)
        # A consent makes a vouch without it void, but only once a member group may sign the vouch
        # carrying it, pass by pass (`_newly_consenting`), and never a consent to keys reached only
        # through the device itself (as for tears). Until 2026-12-06 a thief holding a seized phone of
        # 0.1, revoked by its group, made a key consent to it (one it admitted past the revocation, or
        # a second seized phone), and the phone's past and the groups it admitted left every node.
        pending_consents: dict[bytes, list[Vouch]] = {}
        legacy_consents = {d: consents[d] for d in legacy_vouchers if d in consents}
        for d, counted in _tearing_claimants(legacy_consents, founders, by_voucher, least=1).items():
            consented.discard(d)
            if counted:
                pending_consents[d] = [v for v in consent_vouches[d] if v.voucher in counted]
        # The keys vouched for as a device without consent that more than one key, or an admission,
        # claims: each pass asks whether those claims still contest them once only the ones a member
        # group (a member, for an admission) may sign are counted (`_newly_uncontested`).
        claimed: dict[bytes, list[Vouch]] = {d: [] for d in sorted(legacy_vouchers) if d not in consented and (
            len(legacy_vouchers[d]) > 1 or d in admitted_claims)}
        for v in claims:
            if v.subject in claimed and (v.role == GROUP_ROLE or (v.role == DEVICE_ROLE and not v.consent)):
                claimed[v.subject].append(v)
        base_consented = frozenset(consented)
        revokes_of: dict[bytes, list[Revocation]] = defaultdict(list)
        revoked_by: dict[bytes, list[bytes]] = defaultdict(list)
        for r in self._revokes:
            if r.complete:
                revokes_of[r.subject].append(r)
                revoked_by[r.by].append(r.subject)
        by_subject: dict[bytes, list[Vouch]] = defaultdict(list)  # in the order of `vouches`
        for v in vouches:
            if v.role != ACCEPT_ROLE:
                by_subject[v.subject].append(v)

        members: dict[bytes, Member] = {}
        revocations: dict[bytes, Revocation] = {}
        effects: dict[bytes, Said | None] = {}

        def may_revoke(key: bytes, seq: int) -> bool:
            m = members.get(key)
            return m is not None and m.may_revoke(seq)

        def counting(member: Member, settled: Callable[[bytes], Member | None],
                     skip: Callable[[Revocation], bool] | None = None) -> tuple[list[Revocation], int | None]:
            """The revocations of `member` that count and the lowest seq they revoke from (forks
            aside), those of others that `skip` names left out (`_newly_accepting` asks so). A
            self-revocation counts only below the fork point: in the other hand's branch it could
            void the revocations the owner signs after the fork."""
            fork_at = self._forks.get(member.key)
            valid = [r for r in revokes_of.get(member.key, ())
                     if r.by != member.key and _may_revoke_member(r.by, member, settled) and may_revoke(r.by, r.seq)
                     and self._counts_past_fork(r, member) and (skip is None or not skip(r))]
            limit = min((r.from_seq for r in valid), default=None)
            for r in sorted((r for r in revokes_of.get(member.key, ()) if r.by == member.key),
                            key=_revocation_order_by_seq):
                if r.from_seq <= r.seq:
                    continue  # a key revoking itself from its own revocation on: it would erase itself
                if (limit is None or r.seq < limit) and (fork_at is None or r.seq < fork_at):
                    valid.append(r)
                    limit = r.from_seq if limit is None else min(limit, r.from_seq)
            return valid, limit

        def settle(member: Member, settled: Callable[[bytes], Member | None]) -> Member:
            """Fix `member`'s revocation point from the revocations that count (its revokers'
            own points are settled already: authority only flows outward; `settled` looks up the
            keys placed before it)."""
            fork_at = self._forks.get(member.key)
            revocations.pop(member.key, None)  # a re-pass settles a key again
            valid, limit = counting(member, settled)
            best = min(valid, key=_revocation_order, default=None)
            if fork_at is not None and (best is None or fork_at < best.from_seq):
                revocations[member.key] = Revocation(member.key, member.key, fork_at, reason="fork", fork=True)
            elif best is not None:
                revocations[member.key] = best
            revoked_from = limit if fork_at is None else min(fork_at, limit if limit is not None else fork_at)
            # Not one its author signed at or past its own fork point: whoever copied a group key
            # could pin, in its branch, the branch it forged of the device.
            pins = [r for r in valid if r.pin is not None and r.from_seq > 1 and member.role == DEVICE_ROLE
                    and r.by == member.group and (self._forks.get(r.by) is None or r.seq < self._forks[r.by])]
            pin = min(pins, key=_revocation_order, default=None)
            pinned = None if pin is None else (pin.from_seq, pin.pin)
            if (revoked_from, limit, pinned) == (member.revoked_from, member.revokes_until, member.pinned):
                return member  # (most keys: nothing revokes them; `replace` is most of a pass's cost)
            return replace(member, revoked_from=revoked_from, revokes_until=limit, pinned=pinned)

        def accept_signed(v: Vouch, author: Member) -> bool:
            """Whether the late accept `v` of the member group `author` counts in the graph as it
            stands: where its author may sign, or past revocations (of others) each by a group
            strictly nearer the founders than the group `v` names. Those are the front-runners the
            nearest-wave rule made sole admitters of a group that joined before accepts existed,
            which the accept is there to stop; a co-admitter of the named group's wave (or one
            farther) is not voided so: a group revoked by one of its two admitters would name the
            other and be back."""
            if author.may_sign(v.voucher_seq):
                return True
            named = members.get(v.subject)
            if named is None or named.role != GROUP_ROLE:
                return False

            def nearer(r: Revocation) -> bool:
                by = members.get(r.by)
                return by is not None and by.wave < named.wave

            limit = counting(author, members.get, nearer)[1]
            fork_at = self._forks.get(author.key)
            return all(point is None or v.voucher_seq < point for point in (limit, fork_at))

        # A group that named admitters none of which can admit it (revoked from before their vouch, or
        # never vouching) would be out for good, unable to sign another accept: the restriction is
        # lifted for it and the graph computed again, the nearest wave deciding as for a group that
        # named none. A device that two groups of the graph could hold (each a member group that may
        # sign its consent vouch) is torn, and the graph computed again (see `_newly_torn`). Lifts
        # and tears only grow, so this ends; each pass is over sorted input, so the result is still
        # a function of the set of events. After the first, a pass is not computed in full: it is
        # brought from the last by revisiting the keys a lift or tear changes (events/trust_repass.py;
        # an infiltrator's chain of tears took a full pass per lift and per tear). Both ask the same
        # rules (`_holds_device`, `_admits`, `_device_member`, `_group_member`, `_may_revoke_member`):
        # the full pass from each voucher outward, the re-pass from each key's vouchers.

        def full_pass() -> None:
            members.clear()
            revocations.clear()
            new_groups = sorted(founders)
            for f in new_groups:
                members[f] = Member(f, GROUP_ROLE, f, None)
            while new_groups:
                for g in new_groups:
                    members[g] = settle(members[g], members.get)
                held: dict[bytes, list[tuple[Member, Vouch]]] = defaultdict(list)
                for g in new_groups:
                    group = members[g]
                    for v in by_voucher.get(g, ()):
                        if v.subject not in members and _holds_device(v, group, rules):
                            held[v.subject].append((group, v))
                new_keys = list(new_groups)
                # in the order of their groups, then of their keys (as the graph lists them)
                devices = (m for m in map(_device_member, held, held.values()) if m is not None)
                for device in sorted(devices, key=lambda m: (m.group, m.key)):
                    members[device.key] = settle(device, members.get)
                    new_keys.append(device.key)
                admitted: dict[bytes, list[Member]] = defaultdict(list)
                for k in new_keys:
                    by = members[k]
                    for v in by_voucher.get(k, ()):
                        if v.subject not in members and _admits(v, by, rules):
                            admitted[v.subject].append(by)
                new_groups = []
                for g in sorted(admitted):
                    if (group := _group_member(g, admitted[g])) is not None:
                        members[g] = group
                        new_groups.append(g)

        def final(key: bytes, at: Place) -> Member | None:
            m = members.get(key)
            return m if m is not None and place(m) < at else None

        def reach(key: bytes, at: Place) -> Member | None:
            """`key`'s state, as the full pass above would make it, if it is reached at `at` or before."""
            if key in founders:
                return members[key]  # founders are members whatever the tears and lifts
            vouches = by_subject.get(key, ())
            if not _may_be_group(key, rules):  # a device, if anything
                device = _device_member(key, [(g, v) for v in vouches if (g := final(v.voucher, at)) is not None
                                              and _holds_device(v, g, rules)])
                return None if device is None else settle(device, members.get)  # its revoker: its group, settled
            group = _group_member(key, [m for v in vouches if (m := final(v.voucher, at)) is not None
                                        and _admits(v, m, rules)])
            if group is None or place(group) > at:
                return None  # (admitters of its wave may be devices not settled yet)
            return settle(group, lambda by: final(by, place(group)))

        def soonest(key: bytes, at: Place | None) -> Place | None:
            group = key not in founders and _may_be_group(key, rules)
            places = []
            for v in by_subject.get(key, ()):
                m = members.get(v.voucher)
                if m is None:
                    continue
                if group and v.role == GROUP_ROLE:
                    places.append((m.wave + 1, 0))
                elif not group and v.role == DEVICE_ROLE and m.role == GROUP_ROLE:
                    places.append((m.wave, 1))
            return min((p for p in places if at is None or p > at), default=None)

        def readers(key: bytes) -> list[bytes]:
            return [*(v.subject for v in by_voucher.get(key, ())), *revoked_by.get(key, ())]

        def forget(key: bytes) -> None:
            del members[key]
            revocations.pop(key, None)

        # A key vouched for without consent is let out of its contest pass by pass, as the graph makes
        # its claimants members (`_newly_uncontested`); a key let out stays out for the passes that
        # follow, but a claimant may become a member only in a later pass (below a lifted group, a
        # key let out, a tear). So once no more change, each key let out is asked again against the
        # graph they made: one that a counted claim contests there is contested for good, and the
        # passes start over (contested for good only grows, so this ends; at worst every such key
        # is contested, as until 2026-12-06). Until then a mole group that vouched for a group
        # without its consent held it as a device for good, and revoked it from seq 1 (its past and
        # every group it admitted gone).
        for_good: set[bytes] = set()
        late_readers: dict[bytes, set[bytes]] = defaultdict(set)  # key -> the authors of late accepts it bears on
        for a, vs in late_accepts.items():
            for k in (a, *(v.subject for v in vs), *(r.by for r in revokes_of.get(a, ()))):
                late_readers[k].add(a)
        late_refused: set[Vouch] = set()  # late accepts whose author may not sign them in a graph they made
        while True:
            torn: set[bytes] = set()
            accepted: dict[bytes, set[bytes]] = defaultdict(set, {g: set(n) for g, n in opening.items()})
            late = {a: [v for v in vs if v not in late_refused] for a, vs in late_accepts.items()}
            counted_late: list[Vouch] = []
            consented = set(base_consented)
            admitted_somewhere = set(admitted_claims)
            legacy_claims: dict[bytes, set[bytes]] = defaultdict(set, {d: set(c) for d, c in legacy_vouchers.items()})
            contested = {d: vouches for d, vouches in claimed.items() if d not in for_good}
            pending = dict(pending_consents)
            freed: dict[bytes, bytes] = {}  # key let out of its contest -> the group holding it
            rules = _Claims(founders, consented, torn, admitted_somewhere, legacy_claims, accepted, set())
            lifted = rules.lifted
            full_pass()
            changed: set[bytes] | None = None  # the keys the last pass changed (None: it was a full pass)
            while True:
                if changed is None:
                    stranded = {s for s in accepted if s not in lifted and s not in members and s in admitted_somewhere}
                    newly_torn = _newly_torn(tearing, torn, members)
                    asked, asked_consents, asked_late = contested, pending, late
                else:
                    # What a pass left as it was changes neither: a group out of it was out of the one
                    # before (and lifted then), a device two groups of it could hold had them in the
                    # one before (and was torn then). So only the keys it changed are asked.
                    stranded = {s for s in changed if s in accepted and s not in lifted and s not in members
                                and s in admitted_somewhere}
                    consenting = {v.subject for c in changed for v in by_voucher.get(c, ()) if v.subject in tearing}
                    newly_torn = _newly_torn({d: tearing[d] for d in consenting}, torn, members)
                    # (likewise: a contest, or a consent, changes only with the state of a key that claims)
                    claimed_now = {v.subject for c in changed for v in by_voucher.get(c, ())}
                    asked = {d: contested[d] for d in sorted(claimed_now & contested.keys())}
                    asked_consents = {d: pending[d] for d in sorted(claimed_now & pending.keys())}
                    # (a late accept's standing changes only with the state of its author, of the
                    # group it names, or of a revoker of its author)
                    asked_late = {a: late[a] for a in sorted({a for c in changed for a in late_readers.get(c, ())})}
                newly_consenting = _newly_consenting(asked_consents, members)
                uncontested = {d: holder for d, holder in _newly_uncontested(asked, members).items()
                               if d not in newly_consenting}
                newly_accepting = _newly_accepting(asked_late, members, accept_signed)
                if not stranded and not newly_torn and not uncontested and not newly_consenting and not newly_accepting:
                    break
                for a, signed in newly_accepting.items():
                    late[a] = [v for v in late[a] if v not in signed]
                    accepted[a].update(v.subject for v in signed)
                    counted_late.extend(signed)
                lifted |= stranded
                torn |= newly_torn
                for d in newly_consenting:  # (its consent rules it from now: not its contest)
                    del pending[d]
                    consented.add(d)
                    contested.pop(d, None)
                for d, holder in uncontested.items():
                    del contested[d]
                    freed[d] = holder
                    legacy_claims[d] = {holder}
                    admitted_somewhere.discard(d)
                if _REPASS_IN_FULL:
                    full_pass()
                else:
                    changed = repass(stranded | newly_torn | set(uncontested) | newly_consenting | set(newly_accepting),
                                     members, reach=reach, soonest=soonest, readers=readers, forget=forget)
            regained = {d for d, holder in freed.items() if d not in consented
                        and _contested_beyond(claimed[d], holder, members)}
            # A late accept counted in one pass, whose author may no longer sign it in the graph the
            # passes made (its other admitters' revocations count there), is refused for good and the
            # passes start over (refusals only grow, so this ends): a late accept that counts is one
            # its author may sign in the graph it is part of.
            unsigned = {v for v in counted_late if not _newly_accepting({v.voucher: [v]}, members, accept_signed)}
            if not regained and not unsigned:
                break
            for_good |= regained
            late_refused |= unsigned
        if changed is not None:  # in the order a full pass puts them in
            ordered_members = sorted(members.values(), key=lambda m: (*place(m), m.group, m.key))
            members = {m.key: m for m in ordered_members}
            revocations = {k: revocations[k] for k in members if k in revocations}
        # A key that is (still) vouched but now unreachable stays out; report its events' effects.
        counting_late = frozenset(counted_late)
        for v in vouches:
            if v.id and v.complete:
                effects[v.id] = self._vouch_effect(v, members, founders, consented, torn, accepted,
                                                   opening.keys(), counting_late)
        for r in self._revokes:
            if r.id and r.complete:
                effects[r.id] = self._revoke_effect(r, members, revocations)
        self.members, self.revocations, self.effects = members, revocations, effects
        self._lineages = {}
        self.reachable = frozenset(reachable)

    @staticmethod
    def _vouch_effect(v: Vouch, members: dict[bytes, Member], founders: set[bytes], consented: set[bytes],
                      torn: set[bytes], accepted: dict[bytes, set[bytes]], opened: Collection[bytes],
                      counted_late: Collection[Vouch]) -> Said | None:
        if v.role == ACCEPT_ROLE:
            author = members.get(v.voucher)
            if author is not None and author.role != GROUP_ROLE:
                return NO_EFFECT_ACCEPT_NOT_OWN
            if v.voucher_seq == 1 and v.voucher in opened:  # an opening accept: a claim (reachable author)
                return None
            if v in counted_late:
                return None
            return NO_EFFECT_ACCEPT_LATE if author is not None else NO_EFFECT_VOUCHER_OUTSIDE
        voucher = members.get(v.voucher)
        if voucher is None or not voucher.may_sign(v.voucher_seq):
            return NO_EFFECT_VOUCHER_OUTSIDE
        if v.subject in founders:
            return NO_EFFECT_FOUNDER
        subject = members.get(v.subject)
        if v.role == GROUP_ROLE:
            is_device = v.subject in consented or subject is None or subject.role == DEVICE_ROLE
            if not is_device and voucher.group in subject.admitters:  # each one wave nearer the founders
                return None
            if v.subject not in consented and v.subject in accepted and voucher.group not in accepted[v.subject]:
                return NO_EFFECT_NOT_ACCEPTED
            # valid and complete, a vouch of a key no one claims as a device would have admitted it
            return NO_EFFECT_IS_DEVICE if is_device else NO_EFFECT_NEARER
        if voucher.role != GROUP_ROLE:
            return NO_EFFECT_DEVICE_VOUCHES_DEVICE
        if subject is None:  # its group, a member, could sign it: only the claim rules can have refused it
            if v.subject in torn:
                return NO_EFFECT_TORN
            return NO_EFFECT_NO_CONSENT if v.subject in consented else NO_EFFECT_CONTESTED
        if subject.role == GROUP_ROLE:
            return NO_EFFECT_IS_GROUP
        if subject.group != v.voucher:
            return NO_EFFECT_OTHER_GROUP
        if v.subject in consented and not v.consent:
            return NO_EFFECT_NO_CONSENT
        if v.encryption_key != subject.encryption_key:
            return NO_EFFECT_SUPERSEDED
        return None

    def _revoke_effect(self, r: Revocation, members: dict[bytes, Member],
                       revocations: dict[bytes, Revocation]) -> Said | None:
        author = members.get(r.by)
        if author is None or not author.may_revoke(r.seq):
            return NO_EFFECT_VOUCHER_OUTSIDE
        if r.by == r.subject and not author.may_sign(r.seq):
            return NO_EFFECT_VOUCHER_OUTSIDE  # a forked key revoking itself past its fork point
        if r.subject not in members:
            return NO_EFFECT_UNKNOWN
        if not self._authorised(r.by, r.subject, members):
            return NO_EFFECT_NOT_ALLOWED
        if r.by != r.subject and not self._counts_past_fork(r, members[r.subject]):
            return NO_EFFECT_PAST_FORK
        if r.by == r.subject and r.from_seq <= r.seq:
            return NO_EFFECT_SELF_TOO_LOW
        in_effect = revocations.get(r.subject)
        if in_effect is not None and not in_effect.fork and (in_effect.by, in_effect.seq, in_effect.id) == (r.by, r.seq, r.id):
            return None
        return NO_EFFECT_LOWER_WINS

    def _counts_past_fork(self, r: Revocation, subject: Member) -> bool:
        """Whether `r` may count as far as its author's fork goes: one signed below the fork point
        (or by a key without a fork) does; from the fork point on, only a group key's revocation of
        its own device does (see the module docstring)."""
        fork_at = self._forks.get(r.by)
        return fork_at is None or r.seq < fork_at or (subject.role == DEVICE_ROLE and subject.group == r.by)

    @staticmethod
    def _authorised(author: bytes, subject: bytes, members: dict[bytes, Member]) -> bool:
        if author == subject:
            return True
        s = members.get(subject)
        return s is not None and author in members and _may_revoke_member(author, s, members.get)

    # --- questions ------------------------------------------------------------------------------
    def revocation(self, key: bytes) -> Revocation | None:
        return self.revocations.get(key)

    def may_revoke(self, author: bytes, subject: bytes) -> bool:
        """A key may revoke itself; a group key its devices; an admitting group (its key or its
        devices) the groups it admitted."""
        return self._authorised(author, subject, self.members)

    def member(self, key: bytes) -> Member | None:
        return self.members.get(key)

    def certified_with_consent(self, key: bytes) -> bool:
        """Whether `key` is a device certified by a counting vouch of its group that carries its
        consent. False for a device solnet 0.1 certified (without consent) and never again since:
        a thief holding it once seized, and a copy of another group's key, can void that vouch
        with the phone's consent in a forked vouch (design 5.4), taking its past out; a vouch with
        its consent cannot be voided so (`_newly_torn` counts no forked vouch)."""
        m = self.members.get(key)
        return m is not None and m.role == DEVICE_ROLE and any(
            v.subject == key and v.consent and v.role == DEVICE_ROLE and v.voucher == m.group
            and v.id in self.effects and self.effects[v.id] is None for v in self._vouches)

    def signs_now(self, key: bytes) -> bool:
        """Whether `key` is a device that is a member now: certified, neither revoked nor frozen, nor its group."""
        m = self.members.get(key)
        return m is not None and m.role == DEVICE_ROLE and self.speaks_for_group(key)

    def speaks_for_group(self, key: bytes) -> bool:
        """Whether what `key` (a device or a group key) says speaks for its group now: a member no
        revocation or fork limits, of a group not revoked. Not a key revoked from a later seq either:
        below a pin, the holder of a seized phone signs events off the pinned chain."""
        m = self.members.get(key)
        if m is None or m.revoked_from is not None:
            return False
        group = self.members.get(m.group)
        return group is not None and group.revoked_from is None

    def reaches(self, key: bytes) -> bool:
        """Whether any chain of vouches (valid or not) leads from a founder to `key`. A trust event
        signed by a key it does not reach changes nothing but its own effect: every rule reads
        only the vouches of reached keys (claims, admissions, certifications) and the revocations
        signed by members, so such an event starts to count only once a vouch reaches its author,
        and that vouch, itself a trust event, makes the graph be computed again."""
        return key in self.reachable

    def admissions_of(self, subject: bytes) -> set[bytes]:
        """The groups whose members validly vouched for group `subject` (whether or not that counts)."""
        return {voucher.group for v, voucher in self._valid_admissions() if v.subject == subject}

    def vouches_for(self, subject: bytes) -> list[Vouch]:
        """Every vouch naming `subject`, valid or not, as added (the caller weighs them)."""
        return [v for v in self._vouches if v.subject == subject]

    def vouch_ids_for(self, subjects: set[bytes]) -> dict[bytes, list[bytes]]:
        """The ids of every vouch naming each of `subjects`, valid or not, in one pass (`vouches_for`
        for many subjects: a mole's thousand nameless groups would be a thousand passes)."""
        found: dict[bytes, list[bytes]] = {}
        for v in self._vouches:
            if v.subject in subjects:
                found.setdefault(v.subject, []).append(v.id)
        return found

    def still_admitted_by(self, key: bytes) -> list[tuple[bytes, int, bytes | None]]:
        """The groups that `key` validly vouched for (a past act that stays when `key` is revoked
        from a later seq) and that are members now, not revoked, with `key`'s group among their
        admitters: (group, seq, device), by seq. A revoked informer's device keeps a puppet group it
        admitted in the network unless someone names it.

        For a group key, also those one of its devices admitted, where that device is still
        certified at `key`'s revocation point (the devices it certified before stay members, and
        their admissions with them): `device` names it, and `seq` is then the seq at which `key`
        certified it (revoking `key` from that seq or lower takes the device, and what it admitted,
        away). `device` is None for `key`'s own vouch, `seq` that vouch's."""
        out: dict[bytes, tuple[int, bytes | None]] = {}
        member = self.members.get(key)
        certified = self._certified_at(key) if member is not None and member.role == GROUP_ROLE else {}
        for v, voucher in self._valid_admissions():
            admitted = self.members.get(v.subject)
            if (admitted is None or admitted.role != GROUP_ROLE or admitted.revoked_from is not None
                    or voucher.group not in admitted.admitters):
                continue
            if v.voucher == key:
                found: tuple[int, bytes | None] = (v.voucher_seq, None)
            elif voucher.role == DEVICE_ROLE and voucher.group == key and v.voucher in certified:
                found = (certified[v.voucher], v.voucher)
            else:
                continue
            out[v.subject] = min(out.get(v.subject, found), found, key=lambda f: f[0])
        return sorted(((g, seq, device) for g, (seq, device) in out.items()), key=lambda item: (item[1], item[0]))

    def _certified_at(self, group: bytes) -> dict[bytes, int]:
        """The devices of `group`, each with the lowest seq at which the group key's vouch that
        certifies it counts (the group may still sign that seq)."""
        owner = self.members[group]
        devices = {m.key for m in self.devices_of(group)}
        seqs: dict[bytes, int] = {}
        for v in self._vouches:
            if v.role == DEVICE_ROLE and v.complete and v.voucher == group and v.subject in devices \
                    and owner.may_sign(v.voucher_seq):
                seqs[v.subject] = min(seqs.get(v.subject, v.voucher_seq), v.voucher_seq)
        return seqs

    def _valid_admissions(self) -> Iterator[tuple[Vouch, Member]]:
        """Every complete group vouch signed by a member at a seq it may sign, with that member."""
        for v in self._vouches:
            voucher = self.members.get(v.voucher)
            if v.role == GROUP_ROLE and v.complete and voucher is not None and voucher.may_sign(v.voucher_seq):
                yield v, voucher

    def admitted_only_by_named_if(self, group: bytes, named: bytes, seq: int) -> bool:
        """Whether `group`, once it also names `named` (an accept signed at its `seq`), is a member
        admitted by groups it named only: False if that accept would leave it with no admitter of its
        naming (the rule's fallback to the nearest wave, or out), or would not count (`accept_counts_at`)."""
        extra = Vouch(group, seq, named, ACCEPT_ROLE, id=b"\0" * 32)
        trial = TrustGraph(self.founders, [*self._vouches, extra], self._revokes, self._forks)
        member = trial.member(group)
        return (member is not None and member.role == GROUP_ROLE and bool(member.admitters)
                and trial.effect(extra.id) is None and set(member.admitters) <= trial.accepted_by(group))

    def accept_counts_at(self, group: bytes, seq: int, named: bytes) -> bool:
        """Whether an accept `group` signs at its `seq`, naming `named`, can count as far as its
        standing goes: its opening accept (seq 1, what `solnet join` signs), one at a seq it may
        sign, or one past revocations only by groups nearer the founders than `named` (the
        front-runners it stops). A group that one of its admitters revoked cannot undo that by
        naming another of the same wave afterwards. A question, as `admitted_only_by_named_if`."""
        m = self.members.get(group)
        if _opens_chain(Vouch(group, seq, named, ACCEPT_ROLE), self._forks) or (
                m is not None and m.role == GROUP_ROLE and m.may_sign(seq)):
            return True
        if m is None or m.role != GROUP_ROLE:
            return False
        extra = Vouch(group, seq, named, ACCEPT_ROLE, id=b"\0" * 32)
        return TrustGraph(self.founders, [*self._vouches, extra], self._revokes, self._forks).effect(extra.id) is None

    def admits_again_if_vouched(self, group: bytes, voucher: bytes, voucher_seq: int, accept_seq: int) -> bool:
        """Whether the revoked `group` would be a member again, not revoked, once the group key
        `voucher` vouched for it at `voucher_seq` and `group` named that group at its `accept_seq`: a
        revocation by a group that is then no admitter of it stops counting (a front-runner's) if the
        accept counts past it (the one a group signs at its join, seq 1), any other holds (a group's
        own, a fork, its admitter's). A question, as `admitted_only_by_named_if`."""
        extra = [Vouch(voucher, voucher_seq, group, GROUP_ROLE, id=b"\1" * 32),
                 Vouch(group, accept_seq, voucher, ACCEPT_ROLE, id=b"\2" * 32)]
        trial = TrustGraph(self.founders, [*self._vouches, *extra], self._revokes, self._forks)
        member = trial.member(group)
        return member is not None and member.role == GROUP_ROLE and member.revoked_from is None

    def accepted_by(self, group: bytes) -> set[bytes]:
        """The groups `group` named as groups it joined through (events of role accept by its key)."""
        return {v.subject for v in self._vouches if v.role == ACCEPT_ROLE and v.voucher == group}

    def group_of(self, key: bytes) -> bytes | None:
        m = self.members.get(key)
        return m.group if m else None

    def lineages(self, group: bytes) -> frozenset[bytes]:
        """The lineages of `group`: the groups just below the founders (admitted by founders) that
        its admission paths pass through, up its admitters' admitters. A founding group, a group
        the founders admitted, and a key that is no group here are their own lineage. Every group
        one member's group admitted, directly or further down, shares that group's lineage: where
        sources must be independent of one infiltrator (node/clock.py), a lineage counts once,
        however many groups it admitted. Read from this graph (a function of the set of trust
        events, not their order) and kept for it: a walk up the waves once per group and graph."""
        found = self._lineages.get(group)
        if found is not None:
            return found
        todo, seen, tops = [group], {group}, set()
        while todo:
            key = todo.pop()
            m = self.members.get(key)
            if m is None or m.role != GROUP_ROLE or m.wave <= 1 or not m.admitters:
                tops.add(key)
                continue
            for admitter in m.admitters:  # of the wave before: the walk ends at the founders
                if admitter not in seen:
                    seen.add(admitter)
                    todo.append(admitter)
        found = self._lineages[group] = frozenset(tops)
        return found

    def effect(self, event_id: bytes) -> Said | None:
        """Why the trust event `event_id` has no effect, or None if it has (or is not a trust event)."""
        return self.effects.get(event_id)

    def check_author(self, key: bytes, seq: int) -> Member:
        """Return the author's Member if it may sign at `seq`; raise InvalidEvent otherwise."""
        m = self.members.get(key)
        if m is None:
            raise InvalidEvent(NOT_A_MEMBER, f"author {key.hex()[:16]} is not certified by this network's trust graph")
        if not m.may_sign(seq):
            raise InvalidEvent(REVOKED, f"author {key.hex()[:16]} is revoked from seq {m.revoked_from} (event has seq {seq})")
        return m

    def devices_of(self, group: bytes) -> list[Member]:
        return sorted((m for m in self.members.values() if m.role == DEVICE_ROLE and m.group == group),
                      key=lambda m: m.key)

    def unrevoked_devices_of(self, group: bytes) -> list[Member]:
        """The devices of `group` no revocation or fork limits: they sign whatever seq comes next."""
        return [m for m in self.devices_of(group) if m.revoked_from is None]

    def limit(self, key: bytes) -> int | None:
        """The first seq `key` may not sign: 1 if it is not a member, None if it may sign any."""
        m = self.members.get(key)
        return 1 if m is None else m.revoked_from

    def uncertified_or_limited(self) -> dict[bytes, int]:
        """For every key that was ever vouched, founded or forked: the first seq it may no longer
        sign. Keys vouched but not certified map to 1 (all their events go)."""
        limits: dict[bytes, int] = {}
        for key in {v.subject for v in self._vouches} | set(self.founders) | set(self._forks):
            limit = self.limit(key)
            if limit is not None:
                limits[key] = limit
        return limits


# --- the rules of membership, asked by a full pass and a re-pass alike ---------------------------
@dataclass(frozen=True, slots=True)
class _Claims:
    """What the claims decide before any pass (and the lifts and tears the passes add): the
    context of the rules below."""

    founders: set[bytes]
    consented: set[bytes]           # keys that consented to being a device of some group
    torn: set[bytes]                # devices torn so far (grows between passes)
    admitted_somewhere: set[bytes]  # keys some reachable key vouched for as a group
    legacy_claims: dict[bytes, set[bytes]]  # key -> the groups that vouched for it as a device without consent
    accepted: dict[bytes, set[bytes]]       # group -> the groups it named as its admitters
    lifted: set[bytes]              # groups whose named admitters could not admit them (grows between passes)


def _may_be_group(key: bytes, rules: _Claims) -> bool:
    """Whether `key` can be a group and not a device (else the reverse, founders aside): a key some
    reachable key vouched for as a group, that never consented to being a device."""
    return key not in rules.consented and key in rules.admitted_somewhere


def _holds_device(v: Vouch, group: Member, rules: _Claims) -> bool:
    """Whether the vouch `v`, signed by the member `group`, makes its subject a device of that group
    if no group nearer the founders holds it (`_device_member` chooses)."""
    if (v.role != DEVICE_ROLE or not v.complete or group.role != GROUP_ROLE or not group.may_sign(v.voucher_seq)
            or v.subject in rules.founders):
        return False
    if _may_be_group(v.subject, rules):
        return False
    if v.subject in rules.consented:
        return v.consent and v.subject not in rules.torn
    return rules.legacy_claims[v.subject] == {group.key}


def _admits(v: Vouch, by: Member, rules: _Claims) -> bool:
    """Whether the vouch `v`, signed by the member `by`, admits its subject as a group if no
    nearer wave does (`_group_member` chooses)."""
    s = v.subject
    return (v.role == GROUP_ROLE and v.complete and s not in rules.founders and _may_be_group(s, rules)
            and by.may_sign(v.voucher_seq)
            and (s not in rules.accepted or s in rules.lifted or by.group in rules.accepted[s]))


def _opens_chain(v: Vouch, forks: dict[bytes, int]) -> bool:
    """Whether the accept `v` is its group's opening accept: the first event its group key signed
    (`solnet join` signs it before the group's device and profile: node/membership.py `join`), and no
    second event at that seq (a fork there says the key was in two hands from the start)."""
    return v.voucher_seq == 1 and forks.get(v.voucher, 2) > 1


def _newly_accepting(late: dict[bytes, list[Vouch]], members: dict[bytes, Member],
                     signs: Callable[[Vouch, Member], bool]) -> dict[bytes, list[Vouch]]:
    """Of the accepts that open no chain (`late`, by author), those that count in the graph
    `members`: signed by a member group's own key, its chain complete there, at a seq where
    `signs` says it counts (`TrustGraph.recompute`: one its author may sign, or one past
    revocations only by groups nearer the founders than the group it names). By author, in their
    order; authors with none left out."""
    out: dict[bytes, list[Vouch]] = {}
    for a, vouches in late.items():
        m = members.get(a)
        if m is None or m.role != GROUP_ROLE or m.group != a:
            continue
        signed = [v for v in vouches if v.complete and signs(v, m)]
        if signed:
            out[a] = signed
    return out


def _device_member(key: bytes, held: list[tuple[Member, Vouch]]) -> Member | None:
    """`key` as a device (not settled), from the groups holding it (`_holds_device`), in vouch
    order: the first group of the nearest wave holds it; its latest vouch sets the encryption key."""
    if not held:
        return None
    group, vouch = held[0]
    for g, v in held:
        if (g.wave, g.key) <= (group.wave, group.key):
            group, vouch = g, v
    return Member(key, DEVICE_ROLE, group.key, None, vouch.encryption_key, wave=group.wave)


def _group_member(key: bytes, admitted_by: list[Member]) -> Member | None:
    """`key` as a group (not settled), from the members admitting it (`_admits`): its admitters are
    the groups of the nearest wave among them, and it is of the wave after."""
    nearest = min((m.wave for m in admitted_by), default=None)
    if nearest is None:
        return None
    admitters = tuple(sorted({m.group for m in admitted_by if m.wave == nearest}))
    # (admitted_by, the first by key bytes, is steerable by a key ground to sort first; no choice
    # among admitters is not: node/fair_share.py `admitter` says why, and what guards a group)
    return Member(key, GROUP_ROLE, key, None, None, admitters[0], admitters, nearest + 1)


def _may_revoke_member(author: bytes, subject: Member, settled: Callable[[bytes], Member | None]) -> bool:
    """Whether `author` may revoke `subject`: itself, a group key its devices, an admitting group
    (its key or its devices, looked up in `settled`) the groups it admitted."""
    if author == subject.key:
        return True
    if subject.role == DEVICE_ROLE:
        return author == subject.group
    a = settled(author)
    return a is not None and a.group in subject.admitters


def _tearing_claimants(consents: dict[bytes, set[bytes]], founders: set[bytes],
                       by_voucher: dict[bytes, list[Vouch]], least: int = 2) -> dict[bytes, set[bytes]]:
    """For each device that consented to two keys or more (`least`), those of them reached from the
    founders without passing through it: only their consents can tear it. Whoever holds a copy of a device
    key makes any key it likes reachable through it (a vouch of itself, of a fresh key that then
    claims it): consents to those must not tear the device from its group (a thief holding a seized
    phone erased its past so, until 2026-12-04).

    Usually no key reached through a device is one it consented to, and then all of them count:
    that is asked first, by following the device's vouches. An infiltrator's chain reaches the rest
    of the chain from each device (quadratic in its length), and a device that reaches one of its
    groups needs a walk of the whole graph: once the walks have cost a few times the graph's size,
    or one such device is met, the tree of dominators of the graph (one near-linear computation)
    answers for the rest: a key is reached without passing through `d` exactly when `d` does not
    dominate it (is not on every path from the founders to it)."""
    out: dict[bytes, set[bytes]] = {}
    # (4: where the walks of bench/trust_flood.py's chains cost what the tree costs)
    budget = 4 * (len(by_voucher) + sum(map(len, by_voucher.values())))
    order: dict[bytes, tuple[int, int]] | None = None
    for d, groups in sorted(consents.items()):
        if len(groups) < least:
            continue  # (one group cannot tear it)
        if order is None and budget > 0:
            reached = _reached({d}, by_voucher)  # (the device itself among them: it vouched for itself)
            budget -= len(reached)
            if not groups & reached:
                out[d] = groups
                continue
        if order is None:
            order = _dominator_order(founders, by_voucher)
        first, last = order.get(d, (0, -1))  # (a device not reached passes on no path)
        out[d] = {g for g in groups if g in order and not first <= order[g][0] <= last}  # (d dominates itself)
    return out


def _newly_torn(tearing: dict[bytes, list[Vouch]], torn: set[bytes], members: dict[bytes, Member]) -> set[bytes]:
    """The devices not yet torn that two groups of `members` could hold: a consent vouch of each
    that counts for tearing (`tearing`), its author a member group that may sign it, chain complete.

    A claim counts whatever its author's standing (rule 11), so that whether a key is a device
    never depends on the rest of the computation; a tear, which takes a device and its past out,
    needs more: two groups that could each hold the device. A consent in any other vouch is one no
    group can act on: a device key's (it can never certify a device: only a group key can, and a
    key that consented is never a group), one signed at or past its author's revocation point or
    fork point, one by a key that is no member. A thief holding only seized phones, revoked by
    their groups, or a group expelled long ago, or fresh keys reached only through those, signs
    nothing else, and so can no longer tear a phone from its group, its past and the groups it
    admitted with it (until 2026-12-04 two seized phones, each vouching for the other with the
    other's consent after their pinned revocations, did). An accomplice group that is a member,
    and may sign its vouch, still tears the device: the key is in two hands and neither group may
    hold it; revoking the accomplice from before its vouch gives the device back to its group.

    Whether a group could hold a device depends on the graph, and the graph on the tears (a torn
    device's admissions and revocations go with it), so no tear is decided on its own: the graph
    is computed first with no device torn, then again with each device found so, until no more
    is. Tears only grow, so this ends, and each pass runs over sorted input, so the result is a
    function of the set of events, never of a choice between two answers that would each hold. At
    the end no device held by a group has a second group that could hold it (the defence stands);
    every torn device had two in some pass, and stays torn (never more tears than counting every
    claim made, which is what the graph did until 2026-12-04)."""
    out = set()
    for d, vouches in tearing.items():
        if d in torn:
            continue
        holders = {v.voucher for v in vouches if v.complete and (m := members.get(v.voucher)) is not None
                   and m.role == GROUP_ROLE and m.may_sign(v.voucher_seq)}
        if len(holders) > 1:
            out.add(d)
    return out


def _counted_claims(vouches: list[Vouch], members: dict[bytes, Member]) -> tuple[set[bytes], bool]:
    """Of the claims on a key vouched for as a device without consent (`vouches`: those device
    vouches and the admissions of it), the ones a member may sign (at the vouch's seq, chain
    complete): the groups that vouched for it as a device (member GROUPS: a device key can never
    hold a device), and whether a member admits it."""
    holders, admitted = set(), False
    for v in vouches:
        m = members.get(v.voucher)
        if not v.complete or m is None or not m.may_sign(v.voucher_seq):
            continue
        if v.role == GROUP_ROLE:
            admitted = True
        elif m.role == GROUP_ROLE:
            holders.add(v.voucher)
    return holders, admitted


def _newly_uncontested(contested: dict[bytes, list[Vouch]], members: dict[bytes, Member]) -> dict[bytes, bytes]:
    """Of the keys vouched for as a device without consent and contested by the claims on them
    (`contested`: each with those vouches, a device vouch without consent or an admission), those
    that the claims counted (`_counted_claims`) leave to one group: one member group holds it as a
    device and nothing admits it. Each with that group.

    A claim counts whatever its author's standing (rule 11), so that whether a key is a device never
    depends on the rest of the computation; but until 2026-12-06 that let a device its group had
    revoked (a seized phone, a mole cut off) sign, past its revocation point, an admission of every
    device its network certified before consent existed, and every node then refused those devices
    and their past alerts for good. As tears do (`_newly_torn`), taking a key out of the contest
    needs a graph: it is computed with every such key contested, then again with those whose
    counted claims agree set free, until no more are, and then each key set free is asked again
    against the last graph (`_contested_beyond`; TrustGraph.recompute). A member group in good
    standing still contests a device another group vouched for without consent, and any member
    that may sign its admission of it (the device's consent is what guards it); a device key's
    vouch of it as a device does not (it can never hold one)."""
    out: dict[bytes, bytes] = {}
    for d, vouches in contested.items():
        holders, admitted = _counted_claims(vouches, members)
        if len(holders) == 1 and not admitted:
            out[d] = holders.pop()
    return out


def _contested_beyond(vouches: list[Vouch], holder: bytes, members: dict[bytes, Member]) -> bool:
    """Whether a key let out of its contest to `holder` is contested by the claims counted in the
    graph `members` (`_counted_claims`): a member admits it, or a member group other than `holder`
    vouched for it as a device."""
    holders, admitted = _counted_claims(vouches, members)
    return admitted or bool(holders - {holder})


def _newly_consenting(pending: dict[bytes, list[Vouch]], members: dict[bytes, Member]) -> set[bytes]:
    """The keys vouched for as a device without consent whose consent now counts: a vouch carrying
    it (`pending`: those of keys reached from the founders without passing through the device) that
    a member GROUP may sign, a fork aside, chain complete. From then the key can only be a device of
    a group it consented to, and the vouches without consent are void. Decided pass by pass, as a
    tear (`_newly_torn`), and never undone: until 2026-12-06 any consent counted, so a second seized
    phone, revoked by its group, signed a vouch of the first carrying its consent and the first,
    its past and the groups it admitted, left every node.

    A fork does not stop the consent counting (`Member.may_revoke`: the revocation point, a fork
    aside): it says the group key is in two hands, not which signed the vouch, and a device's
    public request is enough to vouch for it without consent, so any group would otherwise take the
    new device of a group whose key was copied (tests/integration/test_trust_attacks.py)."""
    return {d for d, vouches in pending.items()
            if any(v.complete and (m := members.get(v.voucher)) is not None and m.role == GROUP_ROLE
                   and m.may_revoke(v.voucher_seq) for v in vouches)}


def _reached(start: set[bytes], by_voucher: dict[bytes, list[Vouch]], skip: bytes | None = None) -> set[bytes]:
    """`start` and every key reached from it by vouches, valid or not, without passing through `skip`."""
    seen, todo = set(start), list(start)
    while todo:
        for v in by_voucher.get(todo.pop(), ()):
            if v.subject not in seen and v.subject != skip:
                seen.add(v.subject)
                todo.append(v.subject)
    return seen


def _dominator_order(start: set[bytes], by_voucher: dict[bytes, list[Vouch]]) -> dict[bytes, tuple[int, int]]:
    """For each key reached from `start` by vouches: its (first, last) numbers in a walk of the tree
    of immediate dominators, from a root above `start`; `a` is on every path from `start` to `b`
    when a's numbers enclose b's (Lengauer and Tarjan, with path compression: near linear)."""
    index: dict[bytes, int] = {}
    vertex: list[bytes | None] = [None]
    parent, preds = [0], [[]]
    stack = [(k, 0) for k in sorted(start, reverse=True)]
    while stack:  # a depth-first numbering, without recursion: a chain can be thousands deep
        key, by = stack.pop()
        if key in index:
            preds[index[key]].append(by)
            continue
        i = index[key] = len(vertex)
        vertex.append(key)
        parent.append(by)
        preds.append([by])
        stack.extend((v.subject, i) for v in reversed(by_voucher.get(key, ())))
    n = len(vertex)
    semi, label, ancestor, idom = list(range(n)), list(range(n)), [-1] * n, [0] * n
    bucket: list[list[int]] = [[] for _ in range(n)]

    def evaluate(v: int) -> int:
        path, x = [], v
        while ancestor[x] != -1 and ancestor[ancestor[x]] != -1:
            path.append(x)
            x = ancestor[x]
        for y in reversed(path):
            a = ancestor[y]
            if semi[label[a]] < semi[label[y]]:
                label[y] = label[a]
            ancestor[y] = ancestor[a]
        return v if ancestor[v] == -1 else label[v]

    for w in range(n - 1, 0, -1):
        for v in preds[w]:
            u = evaluate(v)
            if semi[u] < semi[w]:
                semi[w] = semi[u]
        bucket[semi[w]].append(w)
        p = parent[w]
        ancestor[w] = p
        for v in bucket[p]:
            u = evaluate(v)
            idom[v] = u if semi[u] < semi[v] else p
        bucket[p].clear()
    children: list[list[int]] = [[] for _ in range(n)]
    for w in range(1, n):
        if idom[w] != semi[w]:
            idom[w] = idom[idom[w]]
        children[idom[w]].append(w)
    order: dict[bytes, tuple[int, int]] = {}
    first, count, walk = {}, 0, [(0, False)]
    while walk:
        w, done = walk.pop()
        count += 1
        if done:
            order[vertex[w]] = (first[w], count)
            continue
        first[w] = count
        walk.append((w, True))
        walk.extend((c, False) for c in children[w])
    del order[None]
    return order


def _revocation_order(r: Revocation) -> tuple:
    return (r.from_seq, r.at if r.at is not None else 0, r.by, r.seq, r.id)  # an id is unique: a total order


def _revocation_order_by_seq(r: Revocation) -> tuple:
    return (r.seq, *_revocation_order(r))
