"""Every peer as `solnet peers`, `status`, the API and the dashboard show it: one entry per known
address and one per peer that reached us only by dialling in, inbound and outbound links alike.

Merged from the peer book (addresses, health, penalties) and the open links (direction, current
lag both ways): an address's entry shows a link to the device that answered there, whichever side
dialled. A peer with no open link shows since when it is cut off. Names come later, on the
database thread (node.status.name_peers): the group's name from its profile, else a short id.
"""
from __future__ import annotations

from typing import Any


def merge(book: list[dict[str, Any]], links: list[dict[str, Any]], gone: dict[bytes, int],
          synced: dict[bytes, int] | None = None, twice: dict[bytes, int] | None = None) -> list[dict[str, Any]]:
    """`book`: PeerState.to_json of each address, with its label; `links`: Links.views' open links;
    `gone`: device -> when its last link ended; `synced`: device -> when its last complete round
    ended, whichever side dialled (the book knows only the rounds of the links this node dialled);
    `twice`: device -> when it was last seen linked twice at once (node/linked_twice.py), said on
    its entry whether a link is open now or not (telling it closes one)."""
    out = _merge(book, links, gone)
    for entry in out:
        device = bytes.fromhex(entry["device"]) if entry.get("device") else None
        when = (synced or {}).get(device) if device is not None else None
        if when is not None and when > (entry.get("last_sync") or 0):
            entry["last_sync"] = when
        if device is not None and (seen := (twice or {}).get(device)) is not None:
            entry["linked_twice"] = seen
    return out


def _merge(book: list[dict[str, Any]], links: list[dict[str, Any]], gone: dict[bytes, int]) -> list[dict[str, Any]]:
    # A dialled link shows at the address it dialled; a link that came in, at one address of its
    # device, the one it last synced (else connected, else tried) at. Matched by device, a node that
    # moved showed its old, refused address connected too ("3 of 3 peers connected" with 2 links).
    def recent(entry: dict[str, Any]) -> tuple[int, int, int]:
        return entry.get("last_sync") or 0, entry.get("connected_since") or 0, entry.get("last_attempt") or 0

    home: dict[bytes, int] = {}
    for at, entry in enumerate(book):
        if entry.get("device"):
            device = bytes.fromhex(entry["device"])
            if device not in home or recent(entry) > recent(book[home[device]]):
                home[device] = at
    out, matched = [], set()
    for at, entry in enumerate(book):
        device = bytes.fromhex(entry["device"]) if entry.get("device") else None
        mine = [i for i, link in enumerate(links)
                if link["address"] == entry["address"] or (device is not None and link["device"] == device
                                                          and link["direction"] != "outbound" and home[device] == at)]
        matched.update(mine)
        out.append(_with_links(dict(entry), [links[i] for i in mine],
                               gone.get(device) if device is not None else None))
    for i, link in enumerate(links):
        if i in matched:
            continue
        same = [j for j, other in enumerate(links) if other["device"] == link["device"]]
        matched.update(same)
        out.append(_with_links(_inbound(link["device"], link["label"]), [links[j] for j in same], None))
    shown = {e["device"] for e in out if e.get("device")}
    for device, when in gone.items():
        if device.hex() not in shown:
            out.append(_with_links(_inbound(device, None), [], when))
    return out


def _inbound(device: bytes, label: str | None) -> dict[str, Any]:
    """A peer known only from its links to us: no address to dial it at."""
    return {"address": None, "source": "inbound", "device": device.hex(), "label": label, "last_sync": None,
            "last_error": None, "banned": False}


def _with_links(entry: dict[str, Any], links: list[dict[str, Any]], gone_at: int | None) -> dict[str, Any]:
    if links:
        first = min(links, key=lambda link: link["direction"] != "outbound")  # the rounds run on a dialled link
        entry.update(connected=True, cut_off_since=None, device=first["device"].hex(),
                     direction="both" if len({link["direction"] for link in links}) > 1 else first["direction"],
                     connected_since=min(link["connected_since"] for link in links),
                     behind=first["behind"], ahead=first["ahead"], lag=first["behind"], linked_twice=None,
                     unknown_authors=first.get("unknown_authors", 0))
        entry["label"] = entry.get("label") or first["label"]
    else:
        ended = [t for t in (entry.get("cut_off_since"), gone_at) if t]
        entry.update(connected=False, direction=None, connected_since=None, behind=None, ahead=None, lag=None,
                     linked_twice=None, unknown_authors=0,
                     cut_off_since=max(ended) if ended else None)
    return entry
