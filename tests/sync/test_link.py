"""The link protocol object (sync/link.py), fed messages and local events directly: every transition
of its table, every message the peer may not send in every state (RemoteProtocolError, the state
closed), every local misuse (LocalProtocolError, the state untouched), the rules (credentials
first, only the dialler opens rounds, IWant answered in part, a round ends when all is stored, the
dialler's next Offer waits for the listener to finish storing) and liveness on a given clock.
No sockets, no sleeps, no clock: time is an argument."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from link_sim import SimStore, author, authenticated, event_id, run_round
from sync.antientropy import Head, SendEvidence, SendRange, frontier_digest
from sync.frontier import past_fork_heads
from sync.errors import LinkProtocolError, LocalProtocolError, RemoteProtocolError
from sync.link import (
    IDLE_PROBE_TIMEOUTS,
    ACCEPTED,
    BATCH_STORED,
    HEADS_DIFFER,
    HEADS_MATCH,
    LOCAL_EVENTS,
    OPEN,
    PEER_OWES,
    ROUND_OVER,
    ROUND_STATES,
    ROUND_WAIT_TIMEOUTS,
    START_ROUND,
    STREAM_BATCH,
    STREAM_FINISHED,
    TRANSITIONS,
    WATCH_TICKS,
    LinkProtocol,
    Role,
    State,
    transitions_of,
)
from sync.link_commands import (
    Admit,
    Answer,
    Cut,
    KeepAlive,
    LoadHeads,
    LookUp,
    Present,
    Probe,
    RoundDone,
    Send,
    Store,
    Stream,
)
from sync.messages import (
    HEAD_PREFIX,
    HEADS_PER_MESSAGE,
    MAX_IDS_PER_MESSAGE,
    Credentials,
    End,
    Events,
    Heads,
    IHave,
    IWant,
    MoreHeads,
    Offer,
    Push,
    Same,
)

TIMEOUT = 15.0
MINE = [Head(author(1), 2, event_id(author(1), 2))]
ID = event_id(author(9), 1)


def _new(role: Role) -> LinkProtocol:
    return LinkProtocol(role, message_timeout_s=TIMEOUT)


def _streaming(role: Role) -> LinkProtocol:
    if role == Role.DIALLER:
        p = authenticated(role)
        p.start_round(MINE)
        p.receive(Heads(()))
    else:
        p = authenticated(role)
        p.receive(Offer(bytes(32), 0))
        p.heads_loaded(MINE)
        p.receive(Heads(()))
    return p


def in_state(role: Role, state: State, *, storing: int = 0) -> LinkProtocol:
    """A protocol object of `role` brought to `state` through legal steps only; `storing` round
    batches are out being stored (so `batch_stored` is legal where the table allows it). STORING
    always has one at least: with none left, the round is over."""
    if state == State.NEW:
        return _new(role)
    if state == State.CREDENTIALS:
        p = _new(role)
        p.open()
        return p
    if state == State.CHECKING:
        p = in_state(role, State.CREDENTIALS)
        p.receive(Credentials(()))
        return p
    if state == State.IDLE:
        return authenticated(role)
    if state == State.CLOSED:
        p = authenticated(role)
        p.close()
        return p
    if state == State.OFFERED:
        p = authenticated(role)
        p.start_round(MINE)
        return p
    if state == State.LOADING:
        p = authenticated(role)
        p.receive(Offer(bytes(32), 0))
        return p
    if state == State.HEADS_SENT:
        p = in_state(role, State.LOADING)
        p.heads_loaded(MINE)
        return p
    p = _streaming(role)
    for _ in range(max(storing, state == State.STORING)):
        p.receive(Events((b"x",)))
    if state == State.STREAMING:
        return p
    if state == State.PEER_ENDED:
        p.receive(End(p.arrived))
    elif state == State.WE_ENDED:
        p.stream_finished(0)
    elif state == State.STORING:
        p.receive(End(p.arrived))
        p.stream_finished(0)
    assert p.state == state
    return p


STATES = {role: [s for s in TRANSITIONS[role]] for role in Role}
CASES = [(role, state) for role in Role for state in STATES[role]]
reachable = pytest.mark.parametrize("role,state", CASES, ids=[f"{r.value}-{s.value}" for r, s in CASES])


def sample(message_type: type, p: LinkProtocol):
    """A message of `message_type` that is well formed where the table allows it."""
    return {
        Credentials: Credentials(()), Offer: Offer(bytes(32), 0), Same: Same(), Heads: Heads(()),
        MoreHeads: MoreHeads(((author(7), 1, bytes(HEAD_PREFIX)),)), Events: Events((b"x",)), End: End(p.arrived), Push: Push((b"x",)), IHave: IHave((ID,)),
        IWant: IWant((ID,)),
    }[message_type]


MESSAGE_TYPES = [Credentials, Offer, Same, Heads, MoreHeads, Events, End, Push, IHave, IWant]


def test_every_state_of_each_role_is_in_the_table_and_reachable():
    for role in Role:
        assert set(TRANSITIONS[role]) == set(State) - ({State.LOADING, State.HEADS_SENT} if role == Role.DIALLER
                                                        else {State.OFFERED})
        for state in TRANSITIONS[role]:
            assert in_state(role, state).state == state
    events = {e for role in Role for _, e, _ in transitions_of(role)}
    assert {e for e in events if isinstance(e, str)} == LOCAL_EVENTS
    assert {e for e in events if not isinstance(e, str)} == set(MESSAGE_TYPES)


# --- what the peer sends ----------------------------------------------------------------------

@reachable
@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_every_message_in_every_state_is_taken_or_refused_as_the_table_says(role, state, message_type):
    p = in_state(role, state)
    message = sample(message_type, p)
    allowed = TRANSITIONS[role][state].get(message_type)
    if state == State.CLOSED:
        with pytest.raises(LocalProtocolError):  # feeding a closed link is this node's bug
            p.receive(message)
    elif allowed is None:
        with pytest.raises(RemoteProtocolError) as refused:
            p.receive(message)
        assert refused.value.reason == "protocol"
        assert p.state == State.CLOSED, "a peer that broke the protocol ends the link"
    else:
        p.receive(message)
        assert p.state in (allowed, State.IDLE, State.LOADING)  # a round may end at once


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("message_type", [t for t in MESSAGE_TYPES if t is not Credentials], ids=lambda t: t.__name__)
def test_credentials_come_first(role, message_type):
    p = in_state(role, State.CREDENTIALS)
    with pytest.raises(RemoteProtocolError, match="credentials first"):
        p.receive(sample(message_type, p))


def test_credentials_come_once():
    for role in Role:
        p = authenticated(role)
        with pytest.raises(RemoteProtocolError, match="twice"):
            p.receive(Credentials(()))


def test_the_dialler_presents_first_and_the_listener_after_checking_the_dialler():
    d, listener = _new(Role.DIALLER), _new(Role.LISTENER)
    assert d.open() == [Present()]
    assert listener.open() == []
    assert listener.receive(Credentials((b"theirs",))) == [Admit((b"theirs",))]
    assert listener.credentials_accepted() == [Present()]
    assert d.receive(Credentials(())) == [Admit(())]
    assert d.credentials_accepted() == []
    assert d.state == listener.state == State.IDLE


def test_a_dialler_that_does_not_know_the_listener_asks_it_to_present_first():
    """The dialler's trust graph holds nothing of the device that answered (a stranger, or a member
    it has not heard of): it hands it no credentials, only an empty set of them, which a listener
    of any version takes as a dialler to check by its own graph. The listener presents if it counts
    the dialler a member; once the dialler has checked that, the link is up with nothing more."""
    d, listener = _new(Role.DIALLER), _new(Role.LISTENER)
    assert d.open(ask_first=True) == [Send(Credentials(()))]
    assert listener.open() == []
    assert listener.receive(Credentials(())) == [Admit(())]
    assert listener.credentials_accepted() == [Present()]
    assert d.receive(Credentials((b"theirs",))) == [Admit((b"theirs",))]
    assert d.credentials_accepted() == []  # never presents: the listener needed nothing of it
    assert d.state == listener.state == State.IDLE
    with pytest.raises(RemoteProtocolError, match="twice"):  # nothing else may stand for its credentials
        d.receive(Credentials((b"more",)))


def test_only_the_dialler_asks_first():
    listener = _new(Role.LISTENER)
    with pytest.raises(LocalProtocolError, match="only the dialling side asks"):
        listener.open(ask_first=True)
    assert listener.state == State.NEW


@pytest.mark.parametrize("state", sorted(ROUND_STATES - {State.LOADING, State.HEADS_SENT}, key=lambda s: s.value)
                         + [State.IDLE], ids=lambda s: s.value)
def test_only_the_dialler_opens_rounds(state):
    p = in_state(Role.DIALLER, state)
    with pytest.raises(RemoteProtocolError, match="only the dialling side"):
        p.receive(Offer(bytes(32), 0))
    with pytest.raises(LocalProtocolError, match="only the dialling side"):
        authenticated(Role.LISTENER).start_round(MINE)


@pytest.mark.parametrize("state", [State.LOADING, State.HEADS_SENT, State.STREAMING, State.WE_ENDED],
                         ids=lambda s: s.value)
def test_a_new_offer_before_the_peer_ended_its_round_is_refused(state):
    p = in_state(Role.LISTENER, state)
    with pytest.raises(RemoteProtocolError, match="a new round before the last one ended"):
        p.receive(Offer(bytes(32), 0))


@pytest.mark.parametrize("message", [Heads(()), MoreHeads(((author(7), 1, bytes(HEAD_PREFIX)),)), Events((b"x",)),
                                     End(0), Same()], ids=lambda m: type(m).__name__)
def test_round_messages_outside_a_round_are_refused(message):
    for role in Role:
        with pytest.raises(RemoteProtocolError, match="outside a round"):
            authenticated(role).receive(message)


def test_gossip_comes_in_every_authenticated_state_and_changes_nothing():
    for role, state in CASES:
        if state in (State.NEW, State.CREDENTIALS, State.CHECKING, State.CLOSED):
            continue
        p = in_state(role, state)
        assert p.receive(Push((b"a", b"b"))) == [Store((b"a", b"b"), pushed=True)]
        assert p.receive(IHave((ID,))) == [LookUp((ID,))]
        assert p.receive(IWant((ID,))) == [Answer((ID,))]
        assert p.receive(Push(())) == [] and p.receive(IHave(())) == [] and p.receive(IWant(())) == []
        assert p.state == state


def test_an_iwant_is_answered_up_to_one_batch():
    ids = tuple(event_id(author(i), 1) for i in range(MAX_IDS_PER_MESSAGE))
    [answer] = authenticated(Role.LISTENER).receive(IWant(ids))
    assert answer == Answer(ids[:STREAM_BATCH]) and len(answer.ids) == STREAM_BATCH < len(ids)


@pytest.mark.parametrize("claimed", [0, 2, 4, 10**9])
def test_an_end_whose_count_does_not_match_is_refused(claimed):
    p = _streaming(Role.DIALLER)
    p.receive(Events((b"a", b"b", b"c")))
    with pytest.raises(RemoteProtocolError, match="says it sent"):
        p.receive(End(claimed))
    assert p.state == State.CLOSED


@pytest.mark.parametrize("role", list(Role))
def test_more_events_than_the_peers_heads_promise_end_the_link(role):
    """A peer whose heads say it holds nothing we lack may send a few events (fork proofs), not a
    stream: a member claiming to hold nothing streamed 40,000 events past its push budget, or the
    same events 400,000 times, in rounds."""
    p = _streaming(role)  # the peer's heads: none
    batch = tuple(b"x" for _ in range(STREAM_BATCH))
    p.receive(Events(batch))
    p.receive(Events(batch))  # the allowance for fork proofs and the like: two batches
    with pytest.raises(RemoteProtocolError, match="heads let the peer send at most"):
        p.receive(Events((b"x",)))
    assert p.state == State.CLOSED


def test_a_peer_may_send_what_its_heads_say_we_lack_and_what_it_keeps_past_forks():
    a1, a3 = author(1), author(3)
    marker = past_fork_heads([(a3, event_id(a3, 9)), (a3, event_id(a3, 10))])[0]
    p = authenticated(Role.DIALLER)
    p.start_round([Head(a1, 5, event_id(a1, 5))])
    p.receive(Heads(((a1, 3005, bytes(HEAD_PREFIX)), (author(2), 1000, bytes(HEAD_PREFIX)),
                     (marker[0], marker[1], bytes(HEAD_PREFIX)))))
    allowed = 3000 + 1000 + 2 + 4 * 3 + 2 * STREAM_BATCH
    for _ in range(allowed // STREAM_BATCH):
        p.receive(Events(tuple(b"x" for _ in range(STREAM_BATCH))))
    p.receive(Events(tuple(b"x" for _ in range(allowed % STREAM_BATCH))))
    with pytest.raises(RemoteProtocolError):
        p.receive(Events((b"x",)))


def test_duplicate_authors_in_heads_are_refused():
    twice = Heads(((author(1), 1, bytes(HEAD_PREFIX)), (author(1), 2, bytes(HEAD_PREFIX))))
    for p in (in_state(Role.DIALLER, State.OFFERED), in_state(Role.LISTENER, State.HEADS_SENT)):
        with pytest.raises(RemoteProtocolError, match="twice"):
            p.receive(twice)
        assert p.state == State.CLOSED


def _head(n: int, seq: int = 1) -> tuple[bytes, int, bytes]:
    return (author(n), seq, bytes(HEAD_PREFIX))


def test_heads_in_parts_are_planned_together_once_the_last_came():
    """MoreHeads parts add up with the Heads that ends them: nothing is planned or sent before the
    last part, and then the plan is the one all the heads together make."""
    mine = [Head(author(n), 4, event_id(author(n), 4)) for n in (1, 2, 3)]
    parts = [MoreHeads(((author(1), 4, mine[0].id[:HEAD_PREFIX]),)), MoreHeads((_head(2, 2), _head(9, 5))),
             Heads((_head(8, 1),))]
    dialler = authenticated(Role.DIALLER)
    dialler.start_round(mine)
    listener = in_state(Role.LISTENER, State.LOADING)
    listener.heads_loaded(mine)
    for p, waiting in ((dialler, State.OFFERED), (listener, State.HEADS_SENT)):
        assert p.receive(parts[0]) == [] and p.receive(parts[1]) == [] and p.state == waiting
        out = p.receive(parts[2])
        assert set(out[-1].ranges) == {SendRange(author(2), 3, 4), SendRange(author(3), 1, 4)}
        assert (p.lag, p.peer_lag) == (5 + 1, 2 + 4) and p.state == State.STREAMING


def test_an_author_twice_across_parts_or_too_many_heads_end_the_link(monkeypatch):
    for p in (in_state(Role.DIALLER, State.OFFERED), in_state(Role.LISTENER, State.HEADS_SENT)):
        p.receive(MoreHeads((_head(1), _head(2))))
        with pytest.raises(RemoteProtocolError, match="twice"):
            p.receive(Heads((_head(3), _head(1, 2))))
        assert p.state == State.CLOSED
    monkeypatch.setattr("sync.link.MAX_ROUND_HEADS", 5)
    for p in (in_state(Role.DIALLER, State.OFFERED), in_state(Role.LISTENER, State.HEADS_SENT)):
        p.receive(MoreHeads(tuple(_head(n) for n in range(3))))
        p.receive(MoreHeads((_head(3), _head(4))))  # five in all: taken
        with pytest.raises(RemoteProtocolError, match="more than 5 heads in one round") as err:
            p.receive(Heads((_head(5),)))
        assert err.value.reason == "oversize" and p.state == State.CLOSED


def test_heads_of_authors_this_node_holds_nothing_of_are_counted_not_kept():
    """Heads need no signature: a peer may invent any number of authors. Only the heads of authors
    this node holds are kept for the plan; the others count in the lag and are forgotten (so a
    round's memory follows this node's own log, and its trust graph: the authors the lag counts), an
    invented author named twice included (counted once: a lag is what each author is ahead)."""
    mine = [Head(author(1), 3, event_id(author(1), 3))]
    p = in_state(Role.LISTENER, State.LOADING)
    p.heads_loaded(mine)
    invented = tuple((author(100 + i), 2, bytes(HEAD_PREFIX)) for i in range(1000))
    unknown_marker = (past_fork_heads([(author(99), event_id(author(99), 9))])[0][0], 7, bytes(HEAD_PREFIX))
    assert p.receive(MoreHeads(invented)) == [] and p.receive(MoreHeads((*invented[:1], unknown_marker))) == []
    assert p._round.theirs == {}  # nothing kept of them (a marker is no chain: it counts in no lag)
    assert p.receive(Heads(((author(1), 1, event_id(author(1), 1)[:HEAD_PREFIX]),))) == \
        [Stream((SendRange(author(1), 2, 3),))]
    assert (p.lag, p.peer_lag) == (2 * 1000, 2) and len(p.lagging) == 1000


def test_heads_that_do_not_fit_one_message_go_in_parts_both_ways(monkeypatch):
    """With parts of two heads: the listener answers an Offer with MoreHeads parts and a last
    Heads, the dialler does the same after the listener's heads, and both stores converge."""
    monkeypatch.setattr("sync.messages.HEADS_PER_MESSAGE", 2)
    store_a = SimStore.of({n: n for n in range(1, 8)})
    store_b = SimStore.of({n: 12 - n for n in range(4, 12)})
    done_a, done_b, wire = run_round(store_a, store_b)
    assert store_a.chains == store_b.chains and not done_a.in_sync and not done_b.in_sync
    sent = [(direction, type(m)) for direction, m in wire.messages if type(m) in (MoreHeads, Heads)]
    assert sent == [("b->a", MoreHeads)] * 3 + [("b->a", Heads)] + [("a->b", MoreHeads)] * 3 + [("a->b", Heads)]
    assert [len(m.heads) for _, m in wire.messages if type(m) in (MoreHeads, Heads)] == [2, 2, 2, 2] + [2, 2, 2, 1]
    assert run_round(store_a, store_b)[0].in_sync


def test_a_round_counts_what_each_side_lacks_leaving_markers_out():
    """`lag`: events the peer holds that we lack; `peer_lag`: the reverse. A marker head (what a
    frozen key kept past its fork) is no chain: it counts in neither."""
    a1, a2, a3 = author(1), author(2), author(3)
    marker = Head(*past_fork_heads([(a3, event_id(a3, 9))])[0])
    mine = [Head(a1, 5, event_id(a1, 5)), Head(a2, 2, event_id(a2, 2)), Head(a3, 1, event_id(a3, 1)), marker]
    theirs = Heads(((a1, 3, bytes(HEAD_PREFIX)), (a3, 4, bytes(HEAD_PREFIX)), (marker.author, 7, bytes(HEAD_PREFIX))))
    dialler = authenticated(Role.DIALLER)
    dialler.start_round(mine)
    dialler.receive(theirs)
    listener = in_state(Role.LISTENER, State.LOADING)
    listener.heads_loaded(mine)
    listener.receive(theirs)
    for p in (dialler, listener):
        assert (p.lag, p.peer_lag) == (4 - 1, (5 - 3) + 2 + 0)


def test_the_fork_points_given_at_the_start_of_a_round_plan_the_evidence():
    a = author(1)
    forks = {a: 2}
    theirs = Heads(((a, 3, bytes(HEAD_PREFIX)),))  # the peer holds a branch past the fork point
    mine = [Head(a, 1, event_id(a, 1))]
    dialler = authenticated(Role.DIALLER)
    dialler.start_round(mine, forks=forks)
    assert dialler.receive(theirs)[-1] == Stream((SendEvidence(a),))
    listener = in_state(Role.LISTENER, State.LOADING)
    listener.heads_loaded(mine, forks=forks)
    assert listener.receive(theirs) == [Stream((SendEvidence(a),))]


def test_a_second_waiting_offer_ends_the_link():
    p = in_state_with_offer()
    with pytest.raises(RemoteProtocolError, match="a second Offer before the first was answered"):
        p.receive(Offer(bytes(32), 0))
    assert p.state == State.CLOSED


def test_our_calls_out_of_turn_say_so():
    p = in_state_with_offer()  # the dialler's next Offer waits while ours is stored
    state = p.state
    with pytest.raises(LocalProtocolError, match=f"heads_loaded is not allowed in state {state.value}"):
        p.heads_loaded(MINE)
    assert p.state == state
    p = _streaming(Role.DIALLER)
    with pytest.raises(LocalProtocolError, match="stream_finished without a stream"):
        p.stream_finished(-1)
    with pytest.raises(LocalProtocolError, match="batch_stored without a batch of this round being stored"):
        p.batch_stored()
    assert p.state == State.STREAMING
    with pytest.raises(LocalProtocolError, match="round_over is not allowed to the dialler in state streaming"):
        p._go("round_over")
    p.close()
    with pytest.raises(LocalProtocolError, match="the link is closed: nothing more is read from it"):
        p.receive(Push(()))


@pytest.mark.parametrize("role,state,message,complaint", [
    (Role.DIALLER, State.STREAMING, Heads(()), "Heads is out of place in state streaming"),
    (Role.LISTENER, State.HEADS_SENT, Same(), "Same is out of place in state heads_sent"),
    (Role.DIALLER, State.IDLE, Credentials(()), "credentials came twice"),
    (Role.DIALLER, State.CREDENTIALS, Push(()), "the peer did not present its credentials first (Push came)"),
], ids=["heads-while-streaming", "same-after-heads", "credentials-twice", "gossip-before-credentials"])
def test_each_violation_is_named_for_the_log(role, state, message, complaint):
    with pytest.raises(RemoteProtocolError) as refused:
        in_state(role, state).receive(message)
    assert str(refused.value) == complaint


@pytest.mark.parametrize("timeout", [0.001, 0.5])
def test_any_positive_message_timeout_is_taken(timeout):
    assert LinkProtocol(Role.DIALLER, message_timeout_s=timeout).tick_s == timeout / 3
    for bad in (0, -1.0):
        with pytest.raises(ValueError, match="the message timeout must be positive"):
            LinkProtocol(Role.DIALLER, message_timeout_s=bad)


def test_nothing_of_a_round_is_taken_after_it_ended():
    p = in_state(Role.DIALLER, State.WE_ENDED)
    p.receive(Events((b"a",)))
    assert p.receive(End(1)) == []  # the batch is still being stored
    [done] = p.batch_stored()
    assert done == RoundDone(in_sync=False, arrived=1, sent=0, lag=0) and p.state == State.IDLE
    for late in (Events((b"b",)), End(1), Heads(()), Same()):
        with pytest.raises(RemoteProtocolError):
            in_state(Role.DIALLER, State.IDLE).receive(late)


# --- what this node does ----------------------------------------------------------------------

LOCAL_CALLS: dict[str, Callable[[LinkProtocol], object]] = {
    OPEN: lambda p: p.open(),
    ACCEPTED: lambda p: p.credentials_accepted(),
    START_ROUND: lambda p: p.start_round(MINE),
    HEADS_DIFFER: lambda p: p.heads_loaded(MINE),
    HEADS_MATCH: lambda p: p.heads_loaded([]),
    STREAM_FINISHED: lambda p: p.stream_finished(0),
    BATCH_STORED: lambda p: p.batch_stored(),
}


@reachable
@pytest.mark.parametrize("event", sorted(LOCAL_CALLS), ids=str)
def test_every_local_event_in_every_state_is_done_or_refused_as_ours(role, state, event):
    p = in_state(role, state, storing=event == BATCH_STORED and state in ROUND_STATES - {
        State.OFFERED, State.LOADING, State.HEADS_SENT})
    if event == HEADS_MATCH and state == State.LOADING:
        p._offer = Offer(frontier_digest([]), 0)  # the dialler's digest equals ours: in sync
    allowed = TRANSITIONS[role][state].get(event)
    if allowed is None:
        with pytest.raises(LocalProtocolError):
            LOCAL_CALLS[event](p)
        assert p.state == state, "our own mistake leaves the link's state as it was"
    else:
        LOCAL_CALLS[event](p)
        assert p.state in (allowed, State.IDLE)


def test_our_mistakes_are_never_the_peers():
    assert not issubclass(LocalProtocolError, RemoteProtocolError)
    assert not issubclass(RemoteProtocolError, LocalProtocolError)
    assert issubclass(LocalProtocolError, LinkProtocolError) and issubclass(RemoteProtocolError, LinkProtocolError)


def test_a_batch_reported_stored_that_was_never_handed_out_is_our_bug():
    p = _streaming(Role.DIALLER)
    with pytest.raises(LocalProtocolError):
        p.batch_stored()
    p.receive(Events((b"a",)))
    p.batch_stored()
    with pytest.raises(LocalProtocolError):
        p.batch_stored()
    assert p.state == State.STREAMING


def test_a_round_runs_one_at_a_time():
    p = in_state(Role.DIALLER, State.OFFERED)
    with pytest.raises(LocalProtocolError):
        p.start_round(MINE)
    assert p.state == State.OFFERED


def test_a_stream_finished_twice_is_our_bug():
    p = in_state(Role.DIALLER, State.WE_ENDED)
    with pytest.raises(LocalProtocolError):
        p.stream_finished(0)


def test_every_transition_of_the_table_leads_where_it_says():
    for role in Role:
        for state, event, nxt in transitions_of(role):
            if event == ROUND_OVER or state == State.CLOSED:
                continue  # taken by the object itself, when the last batch is stored (tested below)
            # a batch stays out when the event leads to STORING, so the round is not over at once
            p = in_state(role, state, storing=(event == BATCH_STORED) + (nxt == State.STORING))
            if event == HEADS_MATCH:
                p._offer = Offer(frontier_digest([]), 0)
            if isinstance(event, str):
                LOCAL_CALLS[event](p)
            else:
                p.receive(sample(event, p))
            assert p.state == nxt, (role, state, event)


# --- whole rounds, and their ends ----------------------------------------------------------------

def test_a_listener_in_sync_answers_same_and_its_round_is_over():
    p = authenticated(Role.LISTENER)
    assert p.receive(Offer(frontier_digest(MINE), 2)) == [LoadHeads()]
    assert p.heads_loaded(MINE) == [Send(Same()), RoundDone(in_sync=True, arrived=0, sent=0, lag=0)]
    assert p.state == State.IDLE


def test_the_listener_streams_only_after_the_diallers_heads():
    store = SimStore.of({1: 3})
    p = authenticated(Role.LISTENER)
    p.receive(Offer(bytes(32), 0))
    out = p.heads_loaded(store.heads())
    assert out == [Send(Heads(((author(1), 3, store.chains[author(1)][-1][:HEAD_PREFIX]),)))]
    assert p.receive(Heads(())) == [Stream((SendRange(author(1), 1, 3),))]
    assert p.lag == 0
    assert p.stream_finished(3) == [Send(End(3))]
    assert p.state == State.WE_ENDED
    assert p.receive(End(0)) == [RoundDone(in_sync=False, arrived=0, sent=3, lag=0)]


def test_a_round_is_over_only_when_every_batch_that_came_is_stored():
    p = _streaming(Role.DIALLER)
    assert p.receive(Events((b"a", b"b"))) == [Store((b"a", b"b"), pushed=False)]
    assert p.receive(Events(())) == []  # an empty batch: nothing to store
    assert p.receive(Events((b"c",))) == [Store((b"c",), pushed=False)]
    assert p.receive(End(3)) == [] and p.stream_finished(5) == [Send(End(5))]
    assert p.state == State.STORING and p.arrived == 3
    assert p.batch_stored() == []
    assert p.batch_stored() == [RoundDone(in_sync=False, arrived=3, sent=5, lag=0)]
    assert p.state == State.IDLE and not p.in_round


def test_the_diallers_next_offer_waits_for_the_listener_to_finish_storing():
    p = in_state(Role.LISTENER, State.STORING)
    assert p.receive(Offer(bytes(32), 0)) == []  # remembered, not answered yet
    assert p.state == State.STORING
    with pytest.raises(RemoteProtocolError, match="second Offer"):
        in_state_with_offer().receive(Offer(bytes(32), 0))
    assert p.batch_stored() == [RoundDone(in_sync=False, arrived=1, sent=0, lag=0), LoadHeads()]
    assert p.state == State.LOADING
    assert p.heads_loaded(MINE)[0].message == Heads(((author(1), 2, MINE[0].id[:HEAD_PREFIX]),))


def in_state_with_offer() -> LinkProtocol:
    p = in_state(Role.LISTENER, State.STORING)
    p.receive(Offer(bytes(32), 0))
    return p


def test_two_protocol_objects_converge_round_after_round():
    a, b = authenticated(Role.DIALLER), authenticated(Role.LISTENER)
    store_a, store_b = SimStore.of({1: 4, 2: 1}), SimStore.of({2: 3, 3: 2})
    first, second, _ = run_round(store_a, store_b, a=a, b=b, batch=2)
    assert first is not None and second is not None and not first.in_sync
    assert store_a.chains == store_b.chains
    again_a, again_b, wire = run_round(store_a, store_b, a=a, b=b)
    assert again_a.in_sync and again_b.in_sync and [type(m) for _, m in wire.messages] == [Offer, Same]


# --- liveness ---------------------------------------------------------------------------------

def ticks(p: LinkProtocol, start: float, count: int, *, progress=0, busy=False, last_write=None) -> list:
    out = []
    for i in range(count):
        now = start + i * p.tick_s
        out.append((now, p.tick(now, progress=progress, busy=busy, last_write=now if last_write is None else last_write)))
    return out


def test_a_quiet_peer_is_cut_after_one_timeout_in_a_round_and_never_sooner():
    p = in_state(Role.DIALLER, State.OFFERED)
    assert p.tick(0.0, progress=1, busy=False, last_write=0.0) == []  # the first look sets the mark
    for i in range(1, 3):
        assert p.tick(i * p.tick_s, progress=1, busy=False, last_write=0.0) == []
    [cut] = p.tick(3 * p.tick_s, progress=1, busy=False, last_write=0.0)
    assert isinstance(cut, Cut) and "no progress for 15 s in an anti-entropy round" == cut.why


def test_progress_or_work_keeps_a_slow_round_alive_for_ever():
    p = in_state(Role.DIALLER, State.STREAMING)
    for i in range(1000):  # progress changes every other tick: ~80 minutes of a slow peer
        now = i * p.tick_s
        assert not any(isinstance(c, Cut) for c in p.tick(now, progress=i // 2, busy=False, last_write=now))
    p = in_state(Role.DIALLER, State.STORING)
    out = [p.tick(i * p.tick_s, progress=0, busy=True, last_write=0.0) for i in range(1000)]
    assert not any(isinstance(c, Cut) for cs in out for c in cs)
    assert sum(cs == [KeepAlive()] for cs in out) >= 998, "a busy node tells the peer it is alive each tick"


def test_a_busy_node_sends_no_keepalive_when_it_wrote_recently():
    p = in_state(Role.DIALLER, State.STORING)
    assert p.tick(100.0, progress=0, busy=True, last_write=100.0 - p.tick_s / 2) == []
    assert p.tick(100.0, progress=0, busy=True, last_write=100.0 - p.tick_s) == [KeepAlive()]


PINGED = IDLE_PROBE_TIMEOUTS * WATCH_TICKS  # the tick at which a quiet idle link is pinged


def test_an_idle_link_gets_a_ping_and_is_cut_only_if_unanswered():
    p = authenticated(Role.LISTENER)
    out = ticks(p, 0.0, PINGED + WATCH_TICKS + 1)  # IDLE_PROBE_TIMEOUTS quiet, a ping, one more timeout
    commands = [(round(now / p.tick_s), c) for now, cs in out for c in cs]
    assert commands == [(PINGED, Probe()), (PINGED + WATCH_TICKS, Cut("no answer to a ping for 15 s"))]
    p = authenticated(Role.LISTENER)
    ticks(p, 0.0, PINGED + 1)  # the ping went out
    assert p.tick((PINGED + 1) * p.tick_s, progress=1, busy=False, last_write=0.0) == []  # answered: progress
    assert all(cs != [Cut("no answer to a ping for 15 s")]
               for _, cs in ticks(p, (PINGED + 2) * p.tick_s, 5, progress=1))


def test_the_clock_is_whatever_the_driver_says():
    p = in_state(Role.DIALLER, State.OFFERED)
    p.tick(1e9, progress=0, busy=False, last_write=1e9)
    assert p.tick(1e9 + TIMEOUT - 0.001, progress=0, busy=False, last_write=1e9) == []
    assert p.tick(1e9 + TIMEOUT, progress=0, busy=False, last_write=1e9) != []
    with pytest.raises(ValueError):
        LinkProtocol(Role.DIALLER, message_timeout_s=0)


def test_keepalives_alone_hold_a_round_waiting_on_the_peer_for_a_bounded_time():
    """A peer that never answers our Offer (or never sends its heads, batches or End) but sends a
    pong each tick moves `progress`, never the round: the link is cut after ROUND_WAIT_TIMEOUTS
    message timeouts, and not sooner. Its keepalives held the dialler's rounds with it for ever."""
    limit = ROUND_WAIT_TIMEOUTS * TIMEOUT
    for state in sorted(PEER_OWES, key=lambda s: s.value):
        p = in_state(Role.DIALLER if state in (State.OFFERED, State.STREAMING, State.WE_ENDED) else Role.LISTENER, state)
        out = [(i * p.tick_s, p.tick(i * p.tick_s, progress=i, busy=False, last_write=i * p.tick_s, round_progress=(0, 0)))
               for i in range(int(limit / p.tick_s) + 2)]
        cuts = [now for now, cs in out if any(isinstance(c, Cut) for c in cs)]
        assert cuts and limit <= cuts[0] <= limit + p.tick_s, (state, cuts[:1])


def first_cut(p: LinkProtocol, each: Callable[[int], Events | MoreHeads]) -> float | None:
    """When `p` first cuts the link, the peer sending `each(i)` at tick i (and nothing else of the
    round moving) until a little past ROUND_WAIT_TIMEOUTS message timeouts; None if never."""
    for i in range(int(ROUND_WAIT_TIMEOUTS * TIMEOUT / p.tick_s) + 2):
        assert p.receive(each(i)) == []
        if any(isinstance(c, Cut) for c in p.tick(i * p.tick_s, progress=i, busy=False, last_write=i * p.tick_s,
                                                  round_progress=(0, 0))):
            return i * p.tick_s
    return None


def test_empty_batches_move_a_round_waiting_on_the_peer_no_more_than_keepalives_do():
    """A batch of no events carries nothing: a peer that sends one each tick and never its End is
    cut after ROUND_WAIT_TIMEOUTS message timeouts, as one sending keepalives alone is (each empty
    batch counted as the round moving, and held the round for ever). A batch with events moves it."""
    limit = ROUND_WAIT_TIMEOUTS * TIMEOUT
    for role, state in ((Role.DIALLER, State.STREAMING), (Role.DIALLER, State.WE_ENDED),
                        (Role.LISTENER, State.STREAMING), (Role.LISTENER, State.WE_ENDED)):
        p = in_state(role, state)
        cut = first_cut(p, lambda i: Events(()))
        assert cut is not None and limit <= cut <= limit + p.tick_s, (role, state, cut)
    p = in_state(Role.DIALLER, State.WE_ENDED)
    p.tick(0.0, progress=0, busy=False, last_write=0.0, round_progress=(0, 0))
    p.receive(Events((b"an event",)))
    assert p.tick(limit, progress=1, busy=False, last_write=limit, round_progress=(0, 0)) == []


def test_heads_parts_of_one_head_move_a_round_waiting_on_the_peer_no_more_than_keepalives_do():
    """An honest peer's MoreHeads parts hold HEADS_PER_MESSAGE heads each, back to back: each moves
    the round. Parts of one head (valid on the wire) move it once per HEADS_PER_MESSAGE heads, as
    the honest parts would: each part counted as the round moving, and a peer sending one every
    few minutes, never its Heads, held the round waiting on it for up to MAX_ROUND_HEADS parts
    (until 2026-12-08)."""
    limit = ROUND_WAIT_TIMEOUTS * TIMEOUT
    for role, state in ((Role.DIALLER, State.OFFERED), (Role.LISTENER, State.HEADS_SENT)):
        p = in_state(role, state)
        cut = first_cut(p, lambda i: MoreHeads(((author(1000 + i), 1, bytes(HEAD_PREFIX)),)))
        assert cut is not None and limit <= cut <= limit + p.tick_s, (role, state, cut)
    p = in_state(Role.DIALLER, State.OFFERED)
    p.tick(0.0, progress=0, busy=False, last_write=0.0, round_progress=(0, 0))
    p.receive(MoreHeads(tuple((author(2000 + i), 1, bytes(HEAD_PREFIX)) for i in range(HEADS_PER_MESSAGE))))
    assert p.tick(limit, progress=1, busy=False, last_write=limit, round_progress=(0, 0)) == []


def test_a_round_that_moves_now_and_then_or_keeps_this_node_busy_is_never_cut():
    p = in_state(Role.DIALLER, State.STREAMING)
    for i in range(3000):  # ~4 hours: the peer takes one of our batches every 4 minutes
        now = i * p.tick_s
        moved = (i // 48, 0)
        assert not any(isinstance(c, Cut) for c in p.tick(now, progress=i, busy=False, last_write=now,
                                                          round_progress=moved))
    p = in_state(Role.DIALLER, State.OFFERED)
    for i in range(3000):  # this node busy (it stores what the peer sent): the peer waits on us
        now = i * p.tick_s
        assert not any(isinstance(c, Cut) for c in p.tick(now, progress=i, busy=True, last_write=now,
                                                          round_progress=(0, 0)))
    p = in_state(Role.DIALLER, State.PEER_ENDED)  # our stream goes on: the round waits on us
    for i in range(3000):
        now = i * p.tick_s
        assert not any(isinstance(c, Cut) for c in p.tick(now, progress=i, busy=False, last_write=now,
                                                          round_progress=(0, 0)))


def test_the_ping_asks_with_a_sealed_iwant_for_an_event_the_peer_holds():
    """A websocket ping is answered by whoever is on the path: a relay holding back all data kept a
    dead link alive with a pong now and then. The ping is a sealed IWant for the event the driver
    named as one the peer certainly holds; only the peer's sealed answer moves `progress`."""
    held = event_id(author(1), 1)
    for role in Role:
        p = LinkProtocol(role, message_timeout_s=TIMEOUT)
        p.open()
        p.receive(Credentials(()))
        p.credentials_accepted(held)
        commands = [(round(now / p.tick_s), c) for now, cs in ticks(p, 0.0, PINGED + WATCH_TICKS + 1) for c in cs]
        assert commands == [(PINGED, Probe((held,))), (PINGED + WATCH_TICKS, Cut("no answer to a ping for 15 s"))], \
            role


def test_a_round_opened_after_a_quiet_while_waits_a_whole_timeout_for_the_peer():
    """The clock runs against the peer only while we wait on it: a dialler whose link was quiet 25 s
    between rounds (nothing owed) gives the peer a whole message timeout from the Offer, not none."""
    p = authenticated(Role.DIALLER)
    for i in range(6):  # 25 s of a quiet idle link: no ping yet
        assert p.tick(i * p.tick_s, progress=0, busy=False, last_write=0.0) == []
    p.start_round(MINE)
    start = 6 * p.tick_s
    out = [(now, p.tick(now, progress=0, busy=False, last_write=start)) for now in
           (start + i * p.tick_s for i in range(WATCH_TICKS + 1))]
    cuts = [now - start for now, cs in out if any(isinstance(c, Cut) for c in cs)]
    assert cuts == [TIMEOUT], cuts


def _waiting_on(peer_seals_liveness: bool) -> LinkProtocol:
    """A dialler whose Offer is out (the peer owes its heads), on a link with a peer of this version
    (its handshake named sealed liveness) or of an earlier one."""
    p = LinkProtocol(Role.DIALLER, message_timeout_s=TIMEOUT, peer_seals_liveness=peer_seals_liveness)
    p.open()
    p.receive(Credentials(()))
    p.credentials_accepted(ID)
    p.start_round(MINE)
    return p


def _cuts_and_pings(p: LinkProtocol, count: int, pongs: Callable[[int], int]) -> list[tuple[int, object]]:
    """(tick, command) of `count` ticks with nothing sealed heard and `pongs(tick)` websocket pongs so far."""
    out = []
    for i in range(count):
        out += [(i, c) for c in p.tick(i * p.tick_s, progress=0, busy=False, last_write=0.0, pongs=pongs(i))]
    return out


def test_an_earlier_versions_pongs_show_it_alive_and_no_other_peers():
    """A node of the previous version, busy (loading its heads on a large database, storing our
    batches), sends a websocket pong each tick and nothing else. From it they count, as they did
    between nodes of that version: its round is not cut, nor its idle link pinged and cut, while
    they come. From a peer of this version (a relay holding its sealed frames writes them) they
    count for nothing: cut after one timeout in a round, pinged and cut outside one."""
    ticks_ = 20 * WATCH_TICKS
    old, new = _waiting_on(False), _waiting_on(True)
    assert _cuts_and_pings(old, ticks_, pongs=lambda i: i) == []
    assert _cuts_and_pings(new, ticks_, pongs=lambda i: i)[:1] == [(WATCH_TICKS, Cut("no progress for 15 s in an "
                                                                                      "anti-entropy round"))]
    for seals in (False, True):
        p = LinkProtocol(Role.LISTENER, message_timeout_s=TIMEOUT, peer_seals_liveness=seals)
        p.open()
        p.receive(Credentials(()))
        p.credentials_accepted(ID)
        got = _cuts_and_pings(p, ticks_, pongs=lambda i: i)[:2]  # (the driver acts on the first cut)
        assert got == ([] if not seals else [(PINGED, Probe((ID,))),
                                             (PINGED + WATCH_TICKS, Cut("no answer to a ping for 15 s"))]), seals
    # The pongs stop (the old node is gone): its round is cut one timeout after the last.
    old = _waiting_on(False)
    assert _cuts_and_pings(old, ticks_, pongs=lambda i: min(i, 5))[:1] == [(5 + WATCH_TICKS, Cut(
        "no progress for 15 s in an anti-entropy round"))]
