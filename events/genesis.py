"""Network genesis: the founding group keys and a name. The network id is the hash of its bytes,
so every event, which names the network id, is bound to exactly this founding set."""
from __future__ import annotations

from dataclasses import dataclass

from crypto.hashing import blake2b_256
from events.canonical import pack, unpack
from events.errors import MALFORMED, InvalidEvent

GENESIS_VERSION = 1


@dataclass(frozen=True)
class Genesis:
    name: str
    founders: tuple[bytes, ...]
    created: int
    raw: bytes

    @property
    def network_id(self) -> bytes:
        return blake2b_256(self.raw, person=b"solnet-genesis")


def make_genesis(name: str, founders: list[bytes], created: int) -> Genesis:
    if not founders or any(len(f) != 32 for f in founders):
        raise ValueError("a network needs at least one 32-byte founding group key")
    raw = pack({"v": GENESIS_VERSION, "name": name, "founders": list(founders), "created": created})
    return parse_genesis(raw)


def parse_genesis(raw: bytes) -> Genesis:
    value = unpack(raw, what="genesis")
    if (
        not isinstance(value, dict)
        or value.get("v") != GENESIS_VERSION
        or set(value) != {"v", "name", "founders", "created"}
        or not isinstance(value["name"], str)
        or not isinstance(value["founders"], list)
        or not value["founders"]
        or any(not isinstance(f, bytes) or len(f) != 32 for f in value["founders"])
        or type(value["created"]) is not int
    ):
        raise InvalidEvent(MALFORMED, "not a solnet version-1 genesis")
    return Genesis(value["name"], tuple(value["founders"]), value["created"], raw)
