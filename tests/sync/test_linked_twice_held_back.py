"""Anyone on the path between two nodes (a relay, a Wi-Fi, an ISP: the websocket's framing is in
clear) holds back one working link's bytes until the dialler, hearing nothing, dials again, then
hands over what it held: one late Offer on the old link. Until 2026-12-06 the listener then said
the honest dialler's device linked twice at once from two places, "its group should check and
revoke it" (node/linked_twice.py). Two real nodes on 127.0.0.1, a relay between them."""
from __future__ import annotations

import asyncio
import time

from hostile_double import PASSPHRASE
from node.demo import localnet
from node.net import Node
from node.webapp import create_app, serve
from sync.peers import PeerLimits

WAIT_S = 30.0


class HoldingRelay:
    """Forwards each connection to `port`; `hold(n)` keeps connection n's bytes towards the
    listener and drops those back, `release(n)` hands the kept bytes over."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conns: list[dict] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.port)
        conn = {"held": None, "up": up_writer}
        self.conns.append(conn)

        async def onward() -> None:
            while data := await reader.read(65536):
                if conn["held"] is not None:
                    conn["held"].append(data)
                else:
                    up_writer.write(data)
            if conn["held"] is None:
                up_writer.close()

        async def back() -> None:
            while data := await up_reader.read(65536):
                if conn["held"] is None:
                    writer.write(data)
            writer.close()

        await asyncio.gather(onward(), back(), return_exceptions=True)

    def hold(self, n: int) -> None:
        self.conns[n]["held"] = []

    def release(self, n: int) -> None:
        conn = self.conns[n]
        for data in conn["held"]:
            conn["up"].write(data)
        conn["held"] = None


async def until(predicate, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


async def test_a_round_held_back_on_the_path_does_not_make_an_honest_device_linked_twice(tmp_path) -> None:
    calais, bristol = localnet.create_network(tmp_path, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    listener = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    served = await serve(create_app(listener), "127.0.0.1", 0)
    relay = HoldingRelay(served.port)
    relayed = await asyncio.start_server(relay.handle, "127.0.0.1", 0)
    dialler = Node(bristol.home, bristol.keys, peers=[f"127.0.0.1:{relayed.sockets[0].getsockname()[1]}"],
                   sync_interval_s=0.5, limits=PeerLimits(message_timeout_s=1))
    try:
        await dialler.start()

        def rounds() -> list[tuple[int, int, int | None]]:  # the listener's links: number, rounds, first
            return sorted((link.number, peer.rounds_opened, peer.first_round_ms)
                          for link, peer in listener.links._open.values())

        await until(lambda: any(n >= 3 for _, n, _ in rounds()), "the first link carries rounds")
        relay.hold(0)
        await until(lambda: len(relay.conns) >= 2, "the dialler, hearing nothing, dials again")

        def newer_ran() -> bool:
            held = rounds()
            return (len(held) == 2 and held[1][1] >= 3 and held[1][2] is not None
                    and time.time() * 1000 > held[1][2] + 6_000)

        await until(newer_ran, "the new link carries rounds for a while, the old one still open here")
        before = rounds()[0][1]
        relay.release(0)
        await until(lambda: not rounds() or rounds()[0][1] > before or len(rounds()) == 1,
                    "the held-back round comes")
        await asyncio.sleep(0)  # (the check runs as the round is counted)
        assert listener.links.twice.seen(int(time.time() * 1000)) == {}, "an honest device said linked twice"
    finally:
        await dialler.stop()
        await served.close()
        relayed.close()
