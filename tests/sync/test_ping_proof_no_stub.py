"""A listener cannot make a dialler that asked it to present first send it any stored event free of
its group's budget of repeats (two real nodes in this process on real SQLite homes, linked on
127.0.0.1).

A dialler that asked first answers past the repeats' budget the event its listener's pings ask for
(`Link.proof`, sync/transport.py `_exchange_credentials`). It took the smallest wire the listener
presented that decoded: a hostile listener added the stub of an event the dialler holds (its header
and signature, the body left out), the smallest of all, and had that event sent whole at every
IWant, free of the budget (one read of the database each). Now it is an event of the listener's own
chain stored byte for byte, and answered free at most once a ping's interval: other asks for it are
charged as any event asked for again.
"""
from __future__ import annotations

from pathlib import Path

from events.format import decode_event
from hostile_relay import until
from node import publishing
from node.demo import localnet
from node.net import Node
from node.net.peer_policy import PeerPolicy
from node.webapp import create_app, serve
from sync.messages import IWant
from sync.peers import PeerLimits

PASSPHRASE = "ping proof tests only: not a secret"
SPENT = PeerLimits(repeat_burst=0.5, repeat_events_per_s=1e-6)  # the dialler allows not one repeat
ASKS = 50
WAIT_S = 15.0


async def test_a_listener_presenting_a_stub_gets_no_stored_event_free_at_every_ask(tmp_path: Path, monkeypatch) -> None:
    calais, bristol = localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")],
                                              PASSPHRASE)
    log = calais.home.log()
    try:  # an event of the dialler's, larger than any credential (and than its stub)
        need = publishing.publish(log, calais.keys, "need", {"category": "tents", "quantity": "20", "region": "calais",
                                                              "notes": "x" * 500})
    finally:
        log.store.close()
    stub = need.encode(with_body=False)
    answered: list[tuple[bytes, list[tuple[bytes, int, int]], list[bool]]] = []
    answerable = PeerPolicy.answerable

    def recorded(policy: PeerPolicy, device: bytes, events, always=None) -> list[bool]:
        sent = answerable(policy, device, events, always)
        answered.append((device, list(events), sent))
        return sent

    monkeypatch.setattr(PeerPolicy, "answerable", recorded)
    # The founder's home holds nothing of Bristol's device: Calais dials it asking first
    listener = Node(bristol.home, bristol.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    real_ours = listener.credentials.ours
    monkeypatch.setattr(listener.credentials, "ours", lambda: (*real_ours(), stub))
    served = await serve(create_app(listener), "127.0.0.1", 0)
    dialler = Node(calais.home, calais.keys, peers=[f"http://127.0.0.1:{served.port}"], limits=SPENT,
                   sync_interval_s=3600)
    await dialler.start()
    try:
        await until(lambda: dialler.links.open() and listener.links.open(), "linked", WAIT_S)
        [outbound], [inbound] = dialler.links.open(), listener.links.open()
        assert outbound.proof != (need.author, need.seq)  # before: the stub's, the smallest wire that decoded
        assert outbound.proof is not None  # (one of Bristol's own chain: its pings are answered)
        proof = next(decode_event(w) for w in real_ours() if (decode_event(w).author, decode_event(w).seq) ==
                     outbound.proof)
        assert proof.encode() in real_ours()
        for asked in (need, proof):
            for _ in range(ASKS):
                await inbound.send(IWant((asked.id,)))
        await until(lambda: len(answered) >= 2 * ASKS, "the IWants answered", WAIT_S)

        def sent(ev) -> int:
            return sum(ok for device, events, oks in answered for (a, s, _), ok in zip(events, oks)
                       if (a, s) == (ev.author, ev.seq))

        # The need at most once (not sent lately: a first answer), then repeats past the budget;
        # before: all 50, free
        assert sent(need) <= 1, sent(need)
        # The ping's event: free once a ping's interval (30 s here), then charged; before: all 50
        assert 1 <= sent(proof) <= 2, sent(proof)
    finally:
        await dialler.stop()
        await served.close()
