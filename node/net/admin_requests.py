"""What the node's local channel does for this user's commands (node/admin_channel.py): publish and
redact with the node's unlocked keys, through the node's own publishing (group commit, gossip at
once); and `solnet status`, from the node's log already open (the command then loads neither the
store nor the trust graph). Answers carry the errors as the command would have raised them itself,
so it says the same words as when it signs alone.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from crypto.keystore import NodeKeys
from events.errors import InvalidEvent
from events.format import Event
from node import audience, chain_gate, delivery_twice, past_action, publishing, revoked_here
from node.first_sync_wait import FirstSyncWait
from node.known_regions import NewRegion
from node.log_lines import frames_of
from node.log import EventLog, now_ms
from node.net.admin_socket import Say
from node.net.storage_health import FULL
from node.ports import StorageFailed, WebNode
from node.live_status import live_peers, live_status
from node.status import node_status
from node.store import DatabaseDamaged
from node.words import local_time
from solnet_errors import EXIT_USAGE, SolnetError

log = logging.getLogger(f"solnet.{__name__}")

WAIT_POLL_S = 0.2
PUBLISH_OPTIONS = {"expires_in": str, "signer": str, "private": str, "time_zone": str}


async def _status(node: WebNode) -> dict[str, Any]:
    """The status from the node's open log, with this process's live facts over the saved ones (a
    damaged database cannot save them); a database too damaged to read it from gives the home's
    ids and what to do (node.status.node_status)."""
    try:
        return await live_status(node)
    except DatabaseDamaged as exc:
        node.storage_failed(exc)
        out = node_status(node.home, None, damaged=str(exc))
    out["node"].update(running=True, **node.live_facts())
    return out


class BadRequest(Exception):
    """A request this channel does not take (not from a solnet command of this version)."""


class Stopping(Exception):
    """The node began to stop, or the command went away, before anything was done for the request:
    the command does it itself (or its user interrupted it)."""


async def serve(node: WebNode, request: dict[str, Any], say: Say, closing: Callable[[], bool]) -> dict[str, Any]:
    """The answer to one request: {"ok": {...}} or {"error": {...}}. `closing`: the channel is
    closing (the node stops) or the command went away."""
    try:
        op = request.get("op")
        extra: dict[str, Any] = {}
        if op == "status":  # what `solnet status --json` prints, as the command would compute it
            return {"ok": await _status(node)}
        if op == "peers":  # what `solnet peers --json` prints: this process's view, not the one saved
            return {"ok": {"peers": await live_peers(node)}}
        if op == "admin_token":  # made from the unlocked device key: only the running node can tell it
            return {"ok": {"token": node.home.admin_token(node.keys)}}
        if op == "end_sessions":  # every dashboard session ends, the API reads its token again
            return {"ok": {"sessions": sum(end() for end in node.sign_outs)}}
        if op == "publish":
            told: dict[str, Any] = {}
            event, zone = await _publish(node, request, say, closing, told)  # zone: the command's time zone
            extra.update({"readers": told["readers"]} if "readers" in told else {})  # (as sealed: cli.audience_said)
            if event.kind == "alert.update":  # on the public pages with its alert, if that is public
                extra["public"] = await node.db(publishing.public_alert, node.log, request["texts"].get("alert"))
                extra["alert_ends"] = await node.db(publishing.alert_end, node.log, event)
            if event.kind == "need.fulfil":  # the other group recorded the same delivery (node.delivery_twice)
                twice = await node.db(delivery_twice.twice_recorded, node.log, event, zone)
                extra.update({"twice": twice} if twice else {})
            behind = await node.db(publishing.behind_a_step_stamped_ahead, node.log, event, zone)  # (its clock ahead)
            extra.update({"behind": behind} if behind else {})
            if event.kind == "action.update":  # the action as listed now: its end moved with its start
                extra["moved"] = await node.db(past_action.as_moved_by, node.log, event)
            if event.kind == "support.close":  # handed back as referred to a group that cannot read it: who must share
                referral = await node.db(publishing.referral_advice, node.log, event.kind, request["texts"],
                                         request.get("to") or [], node.keys)
                extra.update({"referral": referral} if referral else {})
        elif op == "redact":
            event, fields, told = await _redact(node, request, say, closing)
            extra["redacted"] = fields["ids"][0].hex()
            extra["with"] = [i.hex() for i in fields["ids"][1:]]  # this device's events naming it
            extra["stay"] = told["stay"]  # another device's: found in the same pass, in the signing turn
        else:
            raise BadRequest(f"unknown request {str(op)[:40]!r}")
    except Stopping:
        return {"error": {"type": "stopping", "message": "the node is stopping"}}
    except BadRequest as exc:
        return {"error": {"type": "usage", "message": f"the node does not take this request: {exc}",
                          "exit_code": EXIT_USAGE}}
    except Exception as exc:  # noqa: BLE001 (every error is answered; a bug is logged too)
        return {"error": error_of(exc)}
    # What its peers say of this machine's clock (an event stamped too early, or one its peers refuse
    # as stamped ahead: it reaches no one) and of its key (another node signing with it: the next
    # publish there may freeze it), and of a device of its group sealing what it cannot read (in other
    # hands? node/hidden_own.py), is worth a word where it was typed.
    facts = node.live_facts()
    said = {k: facts[k] for k in ("clock_behind_ms", "own_events_refused", "key_elsewhere", "group_key_elsewhere",
                                  "linked_twice_told", "linked_twice_told_by", "hidden_own") if facts.get(k)}
    ahead = facts.get("own_stamped_ahead")  # held: this clock set back under what peers hold (stamped too early)
    if ahead and ahead.get("held"):  # (not held: the publish itself lets them in, as its words say)
        said["own_stamped_ahead"] = ahead
    said["links"] = facts["links"]  # none: what was just published reaches no other node yet (a raid alert)
    if not facts["links"]:  # and whether there is any peer at all to link with (the command says what to do)
        said["peers"] = sum(1 for p in await live_peers(node) if p.get("source") != "blocked")
    # And a peer's refusal of this device as revoked: what it signs reaches no node, unless peers of other
    # groups took this device since (revoked_here.publish_warning says which)
    kept = await node.db(revoked_here.load, node.log.store)
    if kept is not None:
        said["refused_as_revoked"] = kept
    return {"ok": {"id": event.id.hex(), "seq": event.seq, "kind": event.kind, **extra, **said}}


def error_of(exc: Exception) -> dict[str, Any]:
    """An error as the command rebuilds it (cli.py: channel_error)."""
    if isinstance(exc, NewRegion):  # the command asks at a terminal, naming the close matches
        return {"type": "new_region", "message": str(exc), "region": exc.region, "close": exc.close}
    if isinstance(exc, publishing.PublishError):
        return {"type": "publish", "message": str(exc), "field": exc.field}
    if isinstance(exc, InvalidEvent):
        return {"type": "invalid_event", "reason": exc.reason, "message": exc.args[0]}
    if isinstance(exc, StorageFailed) and isinstance(exc.__cause__, SolnetError):
        exc = exc.__cause__  # the store's own words, as the command would have met them
    if isinstance(exc, SolnetError):
        return {"type": "error", "message": str(exc), "exit_code": exc.exit_code}
    # A defect: said by its class and where it was raised, never with its message nor a traceback's
    # (a KeyError or ValueError quotes the value it met: a case's private details, an action's place
    # sealed for chosen groups, a field typed), which the node's log, its journal, would keep past a wipe
    log.error("a request of the local channel failed (%s, at %s): a defect, please report it with this line",
              type(exc).__name__, frames_of(exc))
    return {"type": "error", "message": "the node failed to do it; its log says why. `solnet ls --limit 5` shows "
                                        "whether anything was stored.", "exit_code": 1}


def _text(request: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = request.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name!r} is not text")
    return value


async def _caught_up(node: WebNode, offline: bool, say: Say, closing: Callable[[], bool],
                     time_zone: str | None = None) -> None:
    """Restore without forking (node/chain_gate.py): a command waits (bounded) for the node's first
    round with a peer, as it would without the channel; the log refuses to sign if it still has not.
    A time its refusal names is said in `time_zone` (the command's), as the command would say it."""
    if offline:
        return
    store = node.log.store
    await node.record_start()  # a node started on a full disk records its start first
    verdict = await node.db(chain_gate.state_now, store, now_ms())
    if verdict != chain_gate.WAIT:
        return
    # Its own keys revoked in its trust graph: no peer will sync with it, and that is the news (first:
    # it says which key, from when and whom to ask, where a peer's refusal can only guess, as `status`)
    await node.db(publishing.refuse_if_revoked_here, node.log, node.keys)
    kept = await node.db(revoked_here.load, store)
    # No peer will sync with it: waiting, then "try again or --offline", would mislead. Unless peers of
    # another group linked with it since (a mole's lie: the first round comes, as after any start)
    if kept is not None and not revoked_here.taken_by(kept):
        raise InvalidEvent(chain_gate.NOT_CAUGHT_UP, revoked_here.warning(
            kept, node.home.config().group_id, local_time(kept["at"], time_zone)) + "; nothing was published")
    _refuse_if_storage_fails(node)
    await say({"waiting": "first_sync", "seconds": chain_gate.WAIT_FOR_NODE_S})
    # (as long as the round stores events: a Pi's first round after a day away outlasts 30 s)
    wait = FirstSyncWait(await node.db(store.count), time.monotonic())
    while verdict == chain_gate.WAIT and not wait.over(time.monotonic()):
        if closing() or node.stopping:
            raise Stopping()  # nothing was done: the command signs by itself (or says why it cannot)
        await asyncio.sleep(WAIT_POLL_S)
        verdict = await node.db(chain_gate.state_now, store, now_ms())
        if verdict == chain_gate.WAIT:
            _refuse_if_storage_fails(node)
            if wait.due(time.monotonic()) and wait.looked(await node.db(store.count), time.monotonic()):
                await say({"waiting": "first_sync", "seconds": chain_gate.WAIT_FOR_NODE_S, "stored": wait.gained})
    if closing():  # it went away during the last look: not signed behind its user's back
        raise Stopping()


def _refuse_if_storage_fails(node: WebNode) -> None:
    """A node whose writes fail (a full disk) finishes no sync round, so its first never comes:
    waiting for it, then "try again once it has", hid the one thing to do. Said as the failed write."""
    facts = node.live_facts()  # (the node's StorageHealth)
    problem = facts.get("storage_problem")
    if not problem:
        return
    todo = "Free some space and try again (nothing stored before is lost)" if problem == FULL else \
        "What to do is said above" if facts.get("database_damaged") else "Try again in a minute"
    raise StorageFailed(f"{problem}: nothing was published. The node running on this home cannot store what its "
                        "peers send, so it cannot finish the sync with a peer it publishes after. " + todo)


async def _publish(node: WebNode, request: dict[str, Any], say: Say, closing: Callable[[], bool],
                   told: dict[str, Any]) -> tuple[Event, str | None]:
    """The event published, and the command's time zone (its times said as it would say them alone)."""
    kind = _text(request, "kind", required=True)
    texts = request.get("texts")
    if not isinstance(texts, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in texts.items()):
        raise BadRequest("'texts' is not an object of text values")
    options = {name: _text(request, name) for name in PUBLISH_OPTIONS}
    to = request.get("to") or []
    if not isinstance(to, list) or not all(isinstance(t, str) for t in to):
        raise BadRequest("'to' is not a list of text")
    offline, public_note = request.get("offline", False), request.get("public_note", False)
    new_region = request.get("new_region", False)  # (said by --new-region)
    if not all(isinstance(flag, bool) for flag in (offline, public_note, new_region)):
        raise BadRequest("'offline', 'public_note' and 'new_region' are true or false")
    await _caught_up(node, offline, say, closing, options["time_zone"])
    event = await node.publish(kind, texts, to=to, offline=offline, public_note=public_note,
                               check_region=not new_region, told=told, **options)
    return event, options["time_zone"]


async def _redact(node: WebNode, request: dict[str, Any], say: Say, closing: Callable[[], bool],
                  ) -> tuple[Event, dict[str, Any], dict[str, Any]]:
    text = _text(request, "id", required=True)
    reason = _text(request, "reason")
    offline = request.get("offline", False)
    if not isinstance(offline, bool):
        raise BadRequest("'offline' is true or false")
    own = bytes(node.keys.device.public)
    await node.db(publishing.redaction, node.log, text, reason, lambda: own)  # refused before any wait
    await _caught_up(node, offline, say, closing, _text(request, "time_zone"))
    signed: list[dict[str, Any]] = []
    told: dict[str, Any] = {}

    def sign(log_: EventLog, keys: NodeKeys) -> Event:  # checked again in the signing turn: run twice, signed once
        signed.append(publishing.redaction(log_, text, reason, lambda: own, told, audience.opener_of(node)))
        return log_.append(keys.device, "redact", signed[-1], offline=offline)

    return await node.sign(sign), signed[-1], told
