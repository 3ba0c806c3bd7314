"""A member group's devices' inbound handshakes are held to a budget per group (sync/peers.py
`PeerLimits.member_handshakes_per_s`): a real node in this process on a real SQLite home, a mole
group's eight devices dialling it on 127.0.0.1 in a loop.

A member's hello gets its token of the hello budget back (node/hello_budget.py), and nothing else
held members' handshakes: a mole group's eight devices linking and dropping in a loop made ~166
handshakes a second (an X25519 exchange, Ed25519 signatures and the credentials' admission on the
database thread each), most of a Pi's core. Past its group's burst a handshake is refused as a
hello over the hello budget is ("try again later"), and another group's devices link as ever.
"""
from __future__ import annotations

from pathlib import Path

from hostile_double import PASSPHRASE, HostilePeer, Mole, PeerClosed
from hostile_relay import until
from node.demo import localnet
from node.net import Node
from node.webapp import GUARD, create_app, serve
from sync.peers import PeerLimits
from sync.transport import BUSY

LOOPS = 3  # 24 handshakes of the mole group's 8 devices
BURST = 16  # the default: an honest group's eight devices, twice
WAIT_S = 10.0


async def test_a_mole_groups_devices_looping_handshakes_are_held_to_its_groups_budget(tmp_path: Path) -> None:
    calais, _ = localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    founder_log, founder_keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        mole = Mole.admit(tmp_path, founder_log, founder_keys)
        other = Mole.admit(tmp_path, founder_log, founder_keys, name="Other")  # an honest group, for the test
        network_id = founder_log.network_id
    finally:
        founder_log.store.close()
    # No refill within the test: what passes is the burst (before: every handshake)
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600,
                limits=PeerLimits(member_handshakes_burst=BURST, member_handshakes_per_s=1e-6))
    served = await serve(create_app(node), "127.0.0.1", 0)
    # A refused handshake pays its cost of the hello budget, as a stranger's does (node/hello_budget.py):
    # its tokens made worth a second of CPU, each takes one, and the other group's hellos find theirs
    # whatever this machine's speed. The group's budget is what is tested here.
    budget = served.runner.app[GUARD].hello_budget
    assert budget is not None
    budget.cost_s = 1.0
    address = f"127.0.0.1:{served.port}"
    admitted, refused = 0, []
    try:
        for key in [mole.new_device() for _ in range(8)] * LOOPS:
            try:
                peer = await HostilePeer.connect(address, network_id, key, mole.credentials())
            except PeerClosed as closed:
                refused.append(str(closed))
                continue
            admitted += 1
            await peer.close()
            await until(lambda: not node.links.open(), "the link's end served", WAIT_S)
        assert admitted == BURST, (admitted, refused)
        assert all("1013" in why and BUSY in why for why in refused), refused  # as a hello over its budget
        # Another group's devices are not held to the mole's budget
        for key in [other.new_device() for _ in range(2)]:
            peer = await HostilePeer.connect(address, network_id, key, other.credentials())
            await peer.close()
    finally:
        await served.close()
        mole.log.store.close()
        other.log.store.close()
