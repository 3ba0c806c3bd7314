"""Which of this device's own events a peer is known to hold, and what leaving would strand.

Why. Once this node's device is revoked (it revokes itself, or its group leaves the network), no
node links with it any more: what it signed before the revocation still counts everywhere, but only
if some peer already holds it. An all clear given with no node running, then `solnet revoke
OWN_GROUP_ID`, then `solnet sync`: the revocation went, the sync was refused, and the raid stayed
live on every other node with nobody able to clear it. So `solnet revoke` of this node's own device
or group first checks that a peer holds every event the device signed (node/net/peer_link.py
`RoundResult.own_held`: what the heads a peer offered a complete round said it held), and refuses
otherwise, saying to sync first (an explicit `--anyway` revokes and says what was not sent: no node
will take it from this device, only a bundle it exports still carries it).

Why not let a revoked device deliver what it signed below its revocation's seq instead: a peer
would have to link with a revoked key, and the key's thief (a seized phone) is exactly who holds it
then; the handshake refuses revoked keys so that such a copy can neither pull the network's data nor
keep a link open. Delivering before leaving needs no such door.

The record of what a peer holds, and what a home cut off as revoked is told of the rest: node/own_unsent.py."""
from __future__ import annotations

from typing import Any

from node.own_unsent import held


def unsent(log: Any, device: bytes) -> list[Any]:
    """This device's events no peer is known to hold, oldest first (EventRow)."""
    head = log.store.head(device)[0]
    since = held(log.store, device)
    if head <= since:
        return []
    rows = log.store.list_events(author=device, limit=head - since + 1)
    return sorted((r for r in rows if r.seq > since), key=lambda r: r.seq)


def live_alerts(log: Any, group: bytes, now: int) -> list[dict[str, Any]]:
    """`group`'s alerts still live on this node (not cleared, withdrawn nor expired), newest first:
    once the group has left, nobody can clear them (node/views.py `alerts`)."""
    from node.views import Held, alerts
    return [a for a in alerts(Held(log.store, log.trust), None, now, None) if a["group"] == group]


def stranded(log: Any, device: bytes, group: bytes | None, now: int) -> tuple[list[Any], list[dict[str, Any]]]:
    """What revoking this node's own device (`group` None) or its own group (`group`) would strand:
    this device's events no peer is known to hold, and the group's live alerts."""
    return unsent(log, device), (live_alerts(log, group, now) if group is not None else [])


def _alert_said(alert: dict[str, Any]) -> str:
    from crypto.keys import short_id
    from node.words import one_line
    text = f" \"{one_line(alert['latest'])}\"" if isinstance(alert.get("latest"), str) else ""
    return f"{alert.get('type') or 'alert'} in {alert.get('region') or '?'}{text} ({short_id(alert['alert'])})"


def _unsent_said(rows: list[Any]) -> str:
    from node.words import plural
    kinds = ", ".join(dict.fromkeys(r.kind for r in rows))
    seqs = f"seq {rows[0].seq}" if len(rows) == 1 else f"seq {rows[0].seq} to {rows[-1].seq}"
    return f"{plural(len(rows), 'event')} this device signed that no peer is known to hold ({seqs}: {kinds})"


def refusal(rows: list[Any], alerts: list[dict[str, Any]], what: str) -> str:
    """Why `solnet revoke` of this node's own device or group (`what`) is refused, and what to do."""
    said = [f"Not revoked: {what} would leave unsent what no other node has yet." if rows else
            f"Not revoked: {what} would leave alerts live that nobody could clear."]
    if rows:
        they = "it" if len(rows) == 1 else "they"
        said.append(f"This home holds {_unsent_said(rows)}. Once its device is revoked, no node links with it, so "
                    f"{they} would reach other nodes only in a bundle this home exports (what it signed before the "
                    f"revocation counts wherever it gets). Send {'it' if len(rows) == 1 else 'them'} first: run "
                    "`solnet sync PEER` (`solnet peers` lists them), or let the running node finish a round with a peer "
                    "(`solnet status` says when it last did); a home that only exchanges bundles: `solnet export` "
                    "and --anyway.")
    if alerts:
        ids = " ".join(a["alert"].hex() for a in alerts)
        said.append(f"Your group's {'alert is' if len(alerts) == 1 else 'alerts are'} still live: "
                    + "; ".join(map(_alert_said, alerts))
                    + ". Once the group has left, nobody can clear "
                    + ("it" if len(alerts) == 1 else "them") + ": every node shows "
                    + ("it" if len(alerts) == 1 else "them") + " live until "
                    + ("it expires" if len(alerts) == 1 else "they expire")
                    + ". If it is over, give the all clear first (`solnet publish alert.update --alert ID --status "
                      f"all_clear --text \"...\"`, ID: {ids}), then `solnet sync PEER`.")
    said.append("Then run this command again. To revoke now all the same, add --anyway: "
                + " and ".join(filter(None, (("that event is" if len(rows) == 1 else "those events are") + " not sent (only a bundle this home "
                                              "exports still carries " + ("it" if len(rows) == 1 else "them") + ")"
                                              if rows else "",
                                             ("that alert stays live everywhere until it expires" if len(alerts) == 1 else
                                              "those alerts stay live everywhere until they expire") if alerts else ""))) + ".")
    return " ".join(said)


def lost(rows: list[Any], alerts: list[dict[str, Any]]) -> str:
    """What `--anyway` left behind, said after the revocation: the events not sent, the alerts left
    live ("" when there are none)."""
    said = []
    if rows:
        said.append(f"Not sent: {_unsent_said(rows)}; no node will link with this device to take "
                    f"{'it' if len(rows) == 1 else 'them'} now (a bundle `solnet export` makes still carries "
                    f"{'it' if len(rows) == 1 else 'them'}).")
    if alerts:
        said.append("Left live: " + "; ".join(map(_alert_said, alerts)) + "; nobody can clear "
                    + ("it" if len(alerts) == 1 else "them") + " before "
                    + ("it expires." if len(alerts) == 1 else "they expire."))
    return " ".join(said)
