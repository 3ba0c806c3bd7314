"""Link slots carried out on the node's open links: which one a new link replaces, or why it is
refused (the decisions are sync/link_slots.py's), with each decision logged by the peer's label.
Links (node/net/links.py) closes what this says to close."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from node.log import now_ms
from sync.handshake import HandshakeError
from sync.link_slots import Slot, place
from sync.transport import Link

log = logging.getLogger(f"solnet.{__name__}")

OpenLinks = Callable[[], Iterable[tuple[Link, int]]]
"""The node's open links, each with when it opened (ms)."""


class SlotKeeper:
    def __init__(self, own: Callable[[], bytes], group_of: Callable[[bytes], bytes | None],
                 name_of: Callable[[Link], str], open_links: OpenLinks) -> None:
        self._own = own  # this node's device key
        self._group_of = group_of  # a member device's group, from the trust graph
        self._name_of = name_of
        self._open_links = open_links

    def _slot(self, link: Link, opened_ms: int) -> Slot:
        return Slot(link.number, link.peer_device, self._group_of(link.peer_device), link.outbound, opened_ms)

    def _place(self, link: Link, opened_ms: int) -> list[tuple[Link, str]]:
        """The open links `link` replaces (with why), or HandshakeError if it gets no slot."""
        links = {other.number: (other, opened) for other, opened in self._open_links()}
        replaced = place(self._own(), self._slot(link, opened_ms),
                         [self._slot(other, opened) for other, opened in links.values()])
        return [(links[r.number][0], r.why) for r in replaced]

    def check(self, link: Link) -> None:
        """At the handshake of an inbound link: HandshakeError (the dialler is told why) if it would
        get no slot. Nothing is replaced yet: that waits until the link is up (`take`)."""
        try:
            self._place(link, now_ms())
        except HandshakeError as exc:
            log.info("%s refused: %s", self._name_of(link), exc.args[0])
            raise

    def take(self, link: Link, opened_ms: int) -> tuple[list[tuple[Link, str]], HandshakeError | None]:
        """As `link` comes up: the older links it replaces, with why (to be closed, telling the peer),
        or why `link` itself is to be closed: it lost its slot to a link opened meanwhile (dials
        that crossed, or its group filled up during its handshake)."""
        name = self._name_of(link)
        try:
            replaced = self._place(link, opened_ms)
        except HandshakeError as exc:
            log.info("%s: a second link, closed: %s", name, exc.args[0])
            return [], exc
        for _, why in replaced:
            log.info("%s: %s", name, why)
        return replaced, None
