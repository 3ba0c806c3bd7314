"""The addresses this node dials: configured (`solnet peers add`, `--peer`, an invite's peers) or
announced by other nodes (node.announce events), with each one's health, kept in step with the store.

Which of them to hold links to is the overlay's decision (sync/overlay.py, `overlay`): every
configured peer, and enough announced ones to fill the active view. A fresh node.announce forgives
the announced addresses' backoff, and an inbound link from a device that announced an address
counts as that address's link (`device_address`).

`solnet peers add/rm/block/unblock` in another process changes the stored list; `reconcile` picks
that up. Removed and blocked addresses stay out (node/peer_blocks.py): an announcement, another
spelling of their place or a restart does not bring them back, nor does the device that answered
there at another address it announces (`_keep_out_devices`, `refuses_device`). Logs name an address only
by a per-node label (`label`), never the address itself.
"""
from __future__ import annotations

import hashlib
import logging
import os
import random
from collections.abc import Callable
from typing import Any

from events.canonical import unpack
from events.errors import InvalidEvent
from node import peer_blocks
from node.log import EventLog
from node.net.database import DbThread
from node.log import now_ms
from node.peer_blocks import PeerBlocks
from node.saved_json import saved_facts, saved_key
from node.store import StoreError
from sync.overlay import Overlay
from sync.peers import PeerBook
from sync.addresses import dialable, is_own_address, normalize_address
from sync.transport import Link

log = logging.getLogger(f"solnet.{__name__}")


class PeerDirectory:
    def __init__(self, db: DbThread, log: Callable[[], EventLog], rng: random.Random, *,
                 extra: list[str], own_address: str | None, own_device: bytes) -> None:
        self._db_thread = db
        self._log = log
        self._rng = rng
        self.book = PeerBook(rng)
        self._extra = [normalize_address(p) for p in extra]  # given with --peer: not in the store's list
        self._own = {own_address} if own_address else set()
        self.overlay = Overlay(self.book, rng, own=self._own)
        self._own_device = own_device
        self._label_key = b""
        self.blocks = PeerBlocks()
        self._announcements: set[bytes] = set()  # ids of the node.announce events already learned
        self._device_addresses: dict[bytes, str] = {}  # a device's announced address (its first one)

    async def load(self) -> None:
        """Read the stored peers, add those given with --peer (unless blocked), learn the announced ones."""
        self._label_key = await self._db_thread.run(self._node_label_key)
        self.blocks = await self._db_thread.run(self._blocks)
        if self.blocks.damaged:
            log.warning("%s", peer_blocks.DAMAGED)
        for address, source, state in await self._db_thread.run(self._log().store.peer_rows):
            if not self.blocks.keeps_out(address):
                self.overlay.learn(address, source)
                self._recall(address, state)
        for address in self._extra:  # like `solnet peers add`: undoes a removal, not a block
            given = await self._db_thread.run(self._insert_given, address)
            if given is not None:
                self.blocks = given
                self.overlay.learn(address, "config")
        await self._keep_out_devices([])
        await self.learn_announced(fresh=False)

    def _recall(self, address: str, state: str | None) -> None:
        """What the last run saved of a peer (node/net/status_saver.py): the device that answered
        there (so its group's name), its last complete round and since when it is cut off. Without
        it, a peer that is down when the node comes back read "(group not known yet)", "never
        connected; last sync never", and the next save wrote that over what was known."""
        peer = self.book.get(address)
        saved = saved_facts(state)  # (damaged: as if none were saved; the next save writes a new one)
        if peer is None or saved is None:
            return
        device, last_sync = saved_key(saved.get("device")), saved.get("last_sync")
        if device is not None and peer.device is None:
            peer.device = device
        if isinstance(last_sync, int) and not isinstance(last_sync, bool):
            peer.last_sync = last_sync
        # Cut off since the last run's link ended: saved as such, or, for a link still open when
        # that run stopped, its last round (the nearest time this run knows of)
        ended = saved.get("cut_off_since") or (last_sync if saved.get("connected") else None)
        if isinstance(ended, int) and not isinstance(ended, bool):
            peer.disconnected_at = ended

    def label(self, address: str) -> str:
        """A stable per-node alias for a peer address, for logs (not reversible without this node's key)."""
        return "peer~" + hashlib.blake2b(address.encode(), digest_size=3, key=self._label_key).hexdigest()

    def name_of(self, link: Link) -> str:
        """How logs name the peer of a link: the label `solnet peers` shows for the address we
        dialled; for a peer that dialled us (no address), a label of the same form from its key."""
        return self.label(link.address) if link.address else self.device_label(link.peer_device)

    def device_label(self, device: bytes) -> str:
        """The label of a peer that dialled us, from its key: the same while its link is open and
        once it has ended (`solnet peers` then shows it cut off, still by that label)."""
        return self.label(f"http://d{device.hex()[:40]}:1")

    def said_of(self, link: Link, problem: object) -> str:
        """A problem text from the link layer, which names the peer by its key prefix: named by
        `name_of` instead, so one peer has one name in the logs."""
        return str(problem).replace(link.name, self.name_of(link))

    def forget(self) -> None:
        """The panic wipe: no address is kept (nor saved back)."""
        self.book = PeerBook(self._rng)
        self.blocks = PeerBlocks()
        self.overlay = Overlay(self.book, self._rng, own=self._own)
        self._device_addresses.clear()

    def expected_device(self, address: str) -> bytes | None:
        """The device a dial to `address` should reach: the one that proved itself there before, else
        the one that announced it (None: no device is on record for it, e.g. just added)."""
        peer = self.book.get(address)
        if peer is not None and peer.device is not None:
            return peer.device
        return next((device for device, announced in self._device_addresses.items() if announced == address), None)

    def device_address(self, device: bytes) -> str | None:
        """The address a device is known by: the one it proved at a dial, else the one it announced."""
        for peer in self.book.all():
            if peer.device == device:
                return peer.address
        return self._device_addresses.get(device)

    def views(self, now: int) -> list[dict[str, Any]]:
        """Every known peer's health as this node sees it now, with its log label. An address no dial
        has reached yet names the device that announced it (unless that device answered at another
        address): a link that device dialled in on shows there, not as a second peer "(group not
        known yet) ... never connected" beside "Bristol (dialled in)"."""
        peers = self.book.all()
        proved = {p.device for p in peers if p.device is not None}
        announcer = {address: device for device, address in self._device_addresses.items() if device not in proved}
        out = []
        for p in peers:
            entry = {**p.to_json(now), "label": self.label(p.address)}
            if not entry.get("device") and (device := announcer.get(p.address)) is not None:
                entry["device"] = device.hex()
            out.append(entry)
        return out

    async def learn_announced(self, *, fresh: bool = True) -> None:
        """Add the addresses other nodes announced (node.announce events) that we do not know yet.
        An announcement not seen before (`fresh`, once the node runs) says its node is back: the
        backoff of its addresses is forgiven, so it is dialled within seconds if the overlay wants it."""
        now = now_ms()
        announced = await self._db_thread.run(self._announced_addresses)
        for event_id, author, addresses, counts in announced:
            if not counts:  # superseded, or revoked, frozen or gone: not one to dial (nor to hand credentials)
                continue
            new = event_id not in self._announcements
            self._announcements.add(event_id)
            self._device_addresses.pop(author, None)  # (where its node is now: not where it was)
            for address in addresses:
                if (is_own_address(address, self._own) or self.overlay.keeps_out(address)
                        or self.blocks.keeps_out(address) or author in self.blocks.devices_kept_out()):
                    continue
                self._device_addresses.setdefault(author, address)
                if self.book.get(address) is None:
                    if self.overlay.learn(address, "announce"):
                        await self._db_thread.run(self._insert, address, "announce")
                elif new and fresh:
                    self.overlay.announced(address, now)
        await self._forget_gone(announced)

    async def forget_gone_announcers(self) -> None:
        """The trust graph changed: addresses only devices no longer members announced are forgotten."""
        await self._forget_gone(await self._db_thread.run(self._announced_addresses))

    async def _forget_gone(self, announced: list[tuple[bytes, bytes, list[str], bool]]) -> None:
        """Forget the announced addresses (not configured ones) that no current announcement names:
        one superseded since, or only by a device no longer a member, whichever came first, the
        revocation or the announcement. In the book (and the store, which a restart reads) they were
        dialled, by every node, for as long as it ran. Found from the book: the store is asked for
        each device's newest announcement alone (`_announced_addresses`)."""
        kept = set().union(*(addresses for _, _, addresses, counts in announced if counts))
        current = {author for _, author, _, counts in announced if counts}
        for author in [a for a in self._device_addresses if a not in current]:
            self._device_addresses.pop(author)
        for peer in self.book.all():
            if peer.source != "announce" or peer.address in kept or peer.address in self.overlay.configured:
                continue
            if await self._db_thread.run(self._forget_row, peer.address):
                self.overlay.forget(peer.address)
            else:  # the user added it meanwhile (`peers add`: the store says so before `reconcile` runs)
                self.overlay.learn(peer.address, "config")

    async def reconcile(self) -> list[str]:
        """Pick up `solnet peers add/rm/block/unblock` made by other processes (an add of an
        announced address makes it configured); the addresses removed (configured, given with --peer or
        announced: a removal sticks whatever the source)."""
        rows = {address: source for address, source, _ in await self._db_thread.run(self._log().store.peer_rows)}
        before, self.blocks = self.blocks, await self._db_thread.run(self._blocks)
        if set(before.addresses) - set(self.blocks.addresses) or set(before.keys) - set(self.blocks.keys):
            # Something was unblocked: the dials it refused meanwhile built up a backoff of up to
            # 5 minutes, and `peers unblock` promises a link within seconds. Forgiven, as when a
            # peer dials in: every address dialled is due at once (a dial each, once).
            now = now_ms()
            for peer in self.book.all():
                if not self.blocks.keeps_out(peer.address):
                    self.book.forgive(peer.address, now)
        for address, source in rows.items():
            if self.blocks.keeps_out(address):
                continue
            if self.book.get(address) is None:
                self.overlay.unblock(address)  # added (again) by the user
                self.overlay.learn(address, source)
            elif source != "announce" and address not in self.overlay.configured:
                # `peers add` of an address first learned from an announcement: configured from now
                # on (kept dialled, not taken out with a removed device that answered there), as
                # the store says and a restart would make it; else only a restart did.
                self.overlay.learn(address, source)
        removed = [p for p in self.book.all()
                   if (p.address not in rows and p.address not in self._extra) or self.blocks.keeps_out(p.address)]
        for peer in removed:
            self.overlay.remove(peer.address)  # never learned again from an announcement
        # The devices that answered there, as this run knows them (the removal's own record has
        # none if the node had not saved it yet), kept with the removal.
        found = [(peer.address, peer.device) for peer in removed if peer.device is not None
                 and peer.device not in self.blocks.devices_kept_out()]
        return [peer.address for peer in removed] + await self._keep_out_devices(found)

    def refuses_device(self, address: str, device: bytes) -> bool:
        """Whether a link dialled to `address` reached a device that answered at a removed or
        blocked address: an announced address (a host name, another address of the same machine)
        that leads back to a removed node. One the user configured is theirs to dial."""
        return device in self.blocks.devices_kept_out() and address not in self.overlay.configured

    async def _keep_out_devices(self, found: list[tuple[str, bytes]]) -> list[str]:
        """Keep the `found` (address, device) pairs with their removals, then take out every address
        this node dials, other than configured ones, where a device kept out answered: the removed
        node is not dialled again at another address it announces. The addresses taken out."""
        devices = self.blocks.devices_kept_out() | {device for _, device in found}
        more = [(p.address, p.device) for p in self.book.all()
                if p.device in devices and p.address not in self.overlay.configured]
        for address, _ in more:
            self.overlay.remove(address)
        if found or more:
            self.blocks = await self._db_thread.run(self._keep_out, [*found, *more])
        return [address for address, _ in more]

    async def keep_out(self, address: str, device: bytes) -> None:
        """A dial of `address` reached a device kept out (`refuses_device`): the address is removed
        as the one where it answered first was, and never dialled again."""
        self.overlay.remove(address)
        try:
            self.blocks = await self._db_thread.run(self._keep_out, [(address, device)])
        except StoreError as exc:  # a full disk: kept out this run; tried again at its next dial
            log.warning("could not keep %s out of the peer list: %s", self.label(address), exc)

    # --- on the database thread ------------------------------------------------------------------
    def _node_label_key(self) -> bytes:
        store = self._log().store
        key = store.get_meta("peer_label_key")
        if key is None:
            key = os.urandom(16)
            try:
                with store.write():
                    store.set_meta("peer_label_key", key)
            except StoreError:  # a full disk: this run's labels use it anyway; the next start saves one
                pass
        return key

    def _blocks(self) -> PeerBlocks:
        return peer_blocks.load(self._log().store)

    def _insert_given(self, address: str) -> PeerBlocks | None:
        """`solnet peers add` of an address given with --peer; None if it is blocked."""
        store = self._log().store
        try:
            with store.write():
                peer_blocks.add(store, address)
        except peer_blocks.PeerBlocked:
            return None
        except StoreError:  # a full disk: dialled this run all the same, saved at a next start
            blocks = peer_blocks.load(store)
            while (kept := blocks.kept_at(address)) is not None:
                if blocks.addresses.pop(kept)["how"] == peer_blocks.BLOCKED:
                    return None
            return blocks
        return peer_blocks.load(store)

    def _keep_out(self, removed: list[tuple[str, bytes | None]]) -> PeerBlocks:
        store = self._log().store
        with store.write():
            return peer_blocks.keep_out(store, removed, now_ms())

    def _insert(self, address: str, source: str) -> None:
        store = self._log().store
        with store.write():
            store.save_peer(address, source)

    def _forget_row(self, address: str) -> bool:
        """Delete the stored row of an announced `address`; False (kept) if the store says the user
        added it (`peers add`, which may have come after the book learned it from an announcement)."""
        store = self._log().store
        if any(row_address == address and source != "announce" for row_address, source, _ in store.peer_rows()):
            return False
        with store.write():
            store.remove_peer(address)
        return True

    def _announced_addresses(self) -> list[tuple[bytes, bytes, list[str], bool]]:
        """(event id, author, its addresses as dialled (those that do not read as one left out),
        whether they count: the author is a member now) of each other node's newest node.announce.

        Only a device's newest announcement says where its node is (node/net/announcer.py signs one
        whenever its addresses change). Every one counted until 2026-12-06: the addresses a node
        moved away from were dialled by every node for as long as it ran, and a member signing
        announcements of 8 addresses each, at the ports of other services on 127.0.0.1 or the LAN,
        had every node fill its peer book with them and send an HTTP request to one of them every
        second or two, for ever (20 announcements: 161 addresses, 28 requests in 40 s). And every
        stored one was read and checked at each announcement that arrived: a member's thousands of
        superseded ones cost that, on the database thread."""
        log = self._log()
        out: list[tuple[bytes, bytes, list[str], bool]] = []
        for event_id, author, body in log.store.newest_announcements(not_by=self._own_device):
            try:
                texts = list(unpack(body)["addresses"])
            except (InvalidEvent, KeyError, TypeError):
                continue
            out.append((event_id, author, dialable(texts), log.trust.signs_now(author)))
        return out
