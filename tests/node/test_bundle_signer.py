"""Who made a bundle: `solnet import` says which member's device signed it, and a bundle signed by
any other key (a courier who left events out and signed again with a key of its own) or by a
revoked device is not reported as whole. The events it holds are checked one by one either way."""
from __future__ import annotations

import hashlib
import io

import msgpack

from crypto.keys import SigningKey
from crypto.keystore import NodeKeys
from events.genesis import make_genesis
from node.bundle import MAGIC, SIGN_CONTEXT, export_bundle, import_bundle
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Author, action, wires


def _network() -> tuple[EventLog, NodeKeys, Author]:
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("bundles", [bytes(keys.group.public)], now_ms() - 1000)
    group = Author(keys.group, genesis.network_id)
    group.sign("member.vouch", {"subject": bytes(keys.device.public), "role": "device", "name": "laptop",
                                "encryption_key": bytes(keys.device_encryption.public)})
    group.sign("group.profile", {"name": "Calais", "region": "calais"})
    log = EventLog.create(Store(":memory:"), genesis)
    log.ingest(wires(group.made))
    for i in range(4):
        log.append(keys.device, "action", action(i + 1))
    return log, keys, group


def _exported(log: EventLog, keys: NodeKeys) -> bytes:
    out = io.BytesIO()
    export_bundle(log, keys.device, out)
    return out.getvalue()


def _resigned_without_the_last(bundle: bytes, left_out: int, key: SigningKey) -> bytes:
    """The bundle with its last `left_out` events dropped, signed again by `key` as its exporter."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(bundle[len(MAGIC):])
    header, *events, _trailer = list(unpacker)
    header = {**header, "exporter": bytes(key.public)}
    kept = [msgpack.packb(item, use_bin_type=True) for item in [header, *events[:len(events) - left_out]]]
    digest = hashlib.blake2b(b"".join(kept), digest_size=32).digest()
    trailer = {"count": len(kept) - 1, "digest": digest, "signature": key.sign(SIGN_CONTEXT + digest)}
    return MAGIC + b"".join(kept) + msgpack.packb(trailer, use_bin_type=True)


def _into_an_empty_node(log: EventLog, bundle: bytes):
    target = EventLog.create(Store(":memory:"), log.genesis)
    return import_bundle(target, io.BytesIO(bundle))


def test_a_whole_bundle_names_the_member_device_that_made_it() -> None:
    log, keys, _ = _network()
    report = _into_an_empty_node(log, _exported(log, keys))
    assert report.problem is None and report.signature_ok
    assert report.made_by == "Calais · laptop"
    assert report.count("accepted") == log.store.count()


def test_a_bundle_signed_again_by_a_key_that_is_no_member_is_not_called_whole() -> None:
    log, keys, _ = _network()
    courier = SigningKey.generate()
    report = _into_an_empty_node(log, _resigned_without_the_last(_exported(log, keys), 2, courier))
    assert report.count("accepted") == log.store.count() - 2  # what it holds is still stored, checked one by one
    assert not report.signature_ok and report.made_by is None
    assert "signed by a key that is no member's device here" in report.problem


def test_a_bundle_signed_by_a_revoked_device_says_so() -> None:
    log, keys, group = _network()
    bundle = _exported(log, keys)
    group.sign("member.revoke", {"subject": bytes(keys.device.public), "from_seq": 2})
    target = EventLog.create(Store(":memory:"), log.genesis)
    target.ingest(wires(group.made))
    report = import_bundle(target, io.BytesIO(bundle))
    assert not report.signature_ok and report.made_by == "Calais · laptop"
    assert "a device of Calais that has been revoked since" in report.problem
