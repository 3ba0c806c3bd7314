"""`solnet run --on-alert CMD`: run a command for each new alert of the chosen regions, with the
alert's public fields as JSON on its standard input (node/alert_feed.py), for the tools groups
already use: a Signal group through signal-cli, an SMS gateway through curl (README).

No shell: CMD is split into words once, when the node starts (shlex, as a shell would split it),
and run directly, so no text of any event ever reaches a command line or a shell; the alert goes
only to standard input. The command runs with the node's environment less solnet's own variables
(the passphrase never reaches it), gets `timeout_s` seconds, and is tried again after a failure
(exit status not 0, a timeout, a command that cannot start) up to `tries` times in all, with
growing pauses. Each failure is one log line with the alert's short id and what happened, never the
alert's text or what the command printed. Commands run one at a time per worker (two workers), so a
slow gateway delays later alerts by at most its timeout.

Each run may cost money or wake people (an SMS gateway charges per message), and one member can
post thousands of alerts a minute (an infiltrator, a broken script; revocation is the cure, and it
takes time). So each group's alerts and updates go to the command up to `burst` in a row, then one
a minute (`GroupAllowance`). Any member may let in new groups, each with its own allowance, so
the command also runs at most `NODE_PER_MINUTE` times a minute for all groups together (a token
bucket for the node), the last third of which only groups the node trusts most may use. An alert
held back waits (node/alert_waiting.py: at most 100) and goes when the allowance lets it, the
trusted groups' first, then oldest first, unless it ended, was withdrawn or cleared meanwhile;
every alert stays on the dashboard and in the API. The log says when a group's or the node's
limit holds alerts back (once per run), each held-back alert of a trusted group, and each
held-back alert as it goes (never what an alert says). What puts right what the chat believes is
always passed on, whatever either limit says, never dropped from the wait: the all clear or the
withdrawal (a revocation or a fork took it out of the log: node/alert_feed.py) of an alert the
chat believes stands (passed on, or said to stand again: a seized phone's false all clear taken
back waits), and the taking back (`update_withdrawn`, `update_redacted`) of an update or all clear
the command was run for, never of one held back or dropped (a revoked phone's thousands of updates
were each a run, of words the chat never had); several takings back of one alert waiting together
go as one, the newest (the alert as it stands now), or that of a false all clear with the newest's
words. What is said of one
alert goes in order, one at a time; its updates still waiting when its all clear comes never go
(the all clear says where it is now). Which alerts and updates went to the
command is kept in the home's database (`PassedMemory`), so that this holds across a restart of
the node too: an infiltrator's false raid alert passed on before it is still withdrawn after, and
one taken out of the log while the node was stopped is withdrawn as the hook starts (what it kept,
compared with what is out of the log now).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
import shutil
import signal
from collections import Counter, OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from crypto.keys import short_id
from events.projections import ALERT_UPDATE
from node import references
from node.alert_feed import (REDACTED, UPDATE_REDACTED, UPDATE_WITHDRAWN, WITHDRAWN, AlertFeed, Subscription,
                             cleared_since, expires_ms, taken_out, update_withdrawal_of, withdrawal_of)
from node.alert_waiting import TRUSTED, Held, Rank, Waiting, about, trust_rank
from node.environment import child_environment
from node.log import now_ms
from node.ports import WebNode
from node.saved_json import saved_facts, saved_key
from solnet_errors import UsageError

log = logging.getLogger(f"solnet.{__name__}")

DEFAULT_TIMEOUT_S = 10.0
TRIES = 3
RETRY_PAUSES_S = (1.0, 5.0)
WORKERS = 2
BURST = 10  # a group's alerts passed on in a row before the allowance holds them back
REFILL_S = 60.0  # then one more each this many seconds
NODE_PER_MINUTE = 30  # runs for all groups together: N fresh groups cannot pass on N x BURST alerts
REMEMBERED = 10_000  # alerts passed on, whose all clear then passes whatever the allowance
LOST_NAMED = 10  # of the alerts passed on whose withdrawal cannot be sent, those the log names
NAME_KEPT = 200  # a kept group's name longer than this reads as damaged
KEPT = 500  # of those, the newest kept in the database across a restart (a small row, rewritten at each)
PASSED_META = "alert_hook_passed"  # the meta row that keeps them (the panic wipe empties it)
TICK_S = 0.5  # while alerts wait, how often the workers look whether the allowance lets one go
RANK_KEPT_S = 60.0  # how long a group's trust rank is used before it is looked up again

Ranks = Callable[[str | None], Awaitable[Rank]]  # a group's trust rank (node/alert_waiting.py)


def parse_command(text: str) -> list[str]:
    """CMD as words (split once, now: never with event text in it); UsageError if it cannot run."""
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"--on-alert: {exc} (quote the command as you would in a shell)") from None
    if not argv:
        raise UsageError("--on-alert needs a command, e.g. --on-alert '/usr/local/bin/alert-to-signal'")
    if shutil.which(argv[0]) is None:
        raise UsageError(f"--on-alert: {argv[0]!r} is not a program this node can run (give its full path, and "
                         "make it executable)")
    return argv


class GroupAllowance:
    """How many of each group's alerts may still go to the command now: `burst` in a row, then
    one more every `refill_s` seconds (a token bucket per group), and `node_per_minute` in any
    `window_s` (a minute) for all groups together (one bucket for the node; `burst` 0: no limit at
    all), the last third of which only trusted groups may use (node/alert_waiting.py). Pure: the
    caller gives the time."""

    def __init__(self, burst: int = BURST, refill_s: float = REFILL_S, node_per_minute: int = NODE_PER_MINUTE,
                 window_s: float = 60.0) -> None:
        self.burst = burst
        self.refill_s = refill_s
        self.node_per_minute = node_per_minute
        self.window_s = window_s
        self.reserve = node_per_minute // 3  # the node's runs kept for trusted groups' alerts
        self._left: dict[str | None, tuple[float, float]] = {}  # group -> (allowance, when counted)
        self._node_left: tuple[float, float] | None = None  # (the node's allowance, when counted)
        # alert ids passed on, the newest last, with when each alert ends (ms; None: never)
        self._passed: OrderedDict[str, int | None] = OrderedDict()
        # alert ids whose all clear was passed on, with when each alert ends and the all clear's id:
        # should the all clear be taken out of the log (its sender revoked), the chat is told the
        # alert stands again
        self._cleared: OrderedDict[str, tuple[int | None, str]] = OrderedDict()
        # the updates and all clears passed on, by their own id, with when their alert ends: only
        # their taking back goes to the command (a revoked phone's thousands of updates, most held
        # back or dropped, were each taken back in a run of its own, of words the chat never had)
        self._updates: OrderedDict[str, int | None] = OrderedDict()
        self.held: dict[str | None, int] = {}  # group -> alerts held back since its last one passed
        self.node_held = 0  # alerts held back by the node's limit since the last one passed

    def holds(self, alert: dict[str, Any], now: float, trusted: bool = True) -> str | None:
        """What holds `alert` back now ("group": its group's allowance; "node": the node's, or its
        reserve for a group not `trusted`), None if nothing does. Counts nothing."""
        if self.burst <= 0 or self._ends_one_passed(alert) or alert.get("status") in (UPDATE_WITHDRAWN, UPDATE_REDACTED):
            return None
        if self._group_allowance(alert.get("group"), now) < 1.0:
            return "group"
        if self._node_allowance(now) < 1.0 + (0 if trusted else self.reserve):
            return "node"
        return None

    def take(self, alert: dict[str, Any], now: float, trusted: bool = True) -> bool:
        """Whether `alert` goes to the command now (counted if so). What went is recorded whatever
        the limit: with `burst` 0 (no limit) it was not, and the withdrawal of a false alert, or
        the taking back of a false all clear, never reached the command."""
        if self._ends_one_passed(alert):
            ends = self._passed.pop(alert["alert"])
            if alert.get("status") == "all_clear":
                self._cleared[alert["alert"]] = (ends, alert["id"])
                if len(self._cleared) > REMEMBERED:
                    self._cleared.popitem(last=False)
                self._updates[alert["id"]] = ends
                if len(self._updates) > REMEMBERED:
                    self._updates.popitem(last=False)
            return True  # people told of an alert are told it is over, or that it no longer stands
        if alert.get("status") == UPDATE_WITHDRAWN:
            return self._update_taken_back(alert)
        if alert.get("status") == UPDATE_REDACTED:
            heard = self.heard(alert)
            self._updates.pop(alert["id"], None)  # (once)
            return heard
        if alert.get("status") in (WITHDRAWN, REDACTED):
            return False  # of an alert never passed on: nothing to take back, and no allowance spent
        if self.burst > 0 and not self._counted(alert, now, trusted):
            return False
        kept = self._passed if alert.get("kind", "alert") == "alert" else self._updates
        kept[alert["id"]] = expires_ms(alert.get("expires"))
        if len(kept) > REMEMBERED:
            kept.popitem(last=False)
        return True

    def _counted(self, alert: dict[str, Any], now: float, trusted: bool) -> bool:
        """Whether the allowance lets `alert` go now (its group's and the node's run counted if so)."""
        group = alert.get("group")
        held = self.holds(alert, now, trusted)
        if held == "group":
            self.held[group] = self.held.get(group, 0) + 1
            return False
        if held == "node":  # the group is within its own allowance; it keeps it
            self.node_held += 1
            return False
        self._node_left = (self._node_allowance(now) - 1.0, now)
        self.node_held = 0
        self._left[group] = (self._group_allowance(group, now) - 1.0, now)
        self.held.pop(group, None)
        return True

    def _update_taken_back(self, alert: dict[str, Any]) -> bool:
        """An update or all clear taken out of the log: it goes (always, once) if that update went to
        the command; an all clear taken back makes the alert one passed on again (its next all clear
        goes)."""
        target = alert.get("alert")
        heard = self.heard(alert)
        self._updates.pop(alert["id"], None)
        if alert.get("withdrawn_status") == "all_clear" and target in self._cleared:
            self._passed[target] = self._cleared.pop(target)[0]
        return heard

    def heard(self, alert: dict[str, Any]) -> bool:
        """Whether the chat heard what the taking back or redaction `alert` (`update_withdrawn`,
        `update_redacted`) says is gone: the update or all clear went to the command (not held back,
        nor dropped), or, of an all clear, it is the one that cleared an alert passed on."""
        return alert["id"] in self._updates or self._cleared.get(alert.get("alert") or "", (None, ""))[1] == alert["id"]

    def _ends_one_passed(self, alert: dict[str, Any]) -> bool:
        """Whether `alert` is the all clear or the withdrawal of an alert passed on (it always goes)."""
        return alert.get("status") in ("all_clear", WITHDRAWN, REDACTED) and alert.get("alert") in self._passed

    def _group_allowance(self, group: str | None, now: float) -> float:
        left, then = self._left.get(group, (float(self.burst), now))
        return min(float(self.burst), left + max(0.0, now - then) / self.refill_s)

    def passed(self, alert_id: str | None) -> bool:
        """Whether the alert `alert_id` went to the command (and its all clear or withdrawal not yet)."""
        return alert_id in self._passed

    def passed_live(self, now: int) -> dict[str, int | None]:
        """The alerts passed on (and not over: their all clear, withdrawal or end not come), by id,
        with when each ends (ms), oldest first; those over are forgotten."""
        for alert_id in [i for i, ends in self._passed.items() if ends is not None and ends <= now]:
            del self._passed[alert_id]
        return dict(self._passed)

    def forget(self, alert: dict[str, Any], now: float) -> None:
        """Count `alert` as not passed on after all (taken, then found out of the log): it is not
        remembered as passed on, and the run `take` counted for it is given back to its group and
        to the node (else a revoked flooder's alerts taken out as they waited spent others' runs)."""
        self._passed.pop(alert["id"], None)
        if self.burst <= 0:
            return
        group = alert.get("group")
        self._left[group] = (min(float(self.burst), self._group_allowance(group, now) + 1.0), now)
        if self.node_per_minute > 0:
            self._node_left = (min(float(self.node_per_minute), self._node_allowance(now) + 1.0), now)

    def passed_all(self) -> dict[str, int | None]:
        """The alerts passed on (their all clear or withdrawal not yet), over or not, oldest first."""
        return dict(self._passed)

    def cleared_live(self, now: int) -> dict[str, tuple[int | None, str]]:
        """The alerts passed on whose all clear was passed on too, by id, with when each ends (ms) and
        the all clear's id, oldest first; those over are forgotten."""
        for alert_id in [i for i, (ends, _) in self._cleared.items() if ends is not None and ends <= now]:
            del self._cleared[alert_id]
        return dict(self._cleared)

    def restore(self, passed: dict[str, int | None], cleared: dict[str, tuple[int | None, str]] | None = None,
                updates: dict[str, int | None] | None = None) -> None:
        """Count as passed on the alerts `passed` and the updates `updates`, and as cleared those of
        `cleared` (what `passed_live`, `cleared_live` and `updates_live` gave before a restart)."""
        self._passed.update(passed)
        self._cleared.update(cleared or {})
        self._updates.update(updates or {})

    def updates_live(self, now: int) -> dict[str, int | None]:
        """The updates and all clears passed on, by id, with when their alert ends (ms), oldest
        first; those of alerts over are forgotten."""
        for update_id in [i for i, ends in self._updates.items() if ends is not None and ends <= now]:
            del self._updates[update_id]
        return dict(self._updates)

    def _node_allowance(self, now: float) -> float:
        """The node's runs left now (`node_per_minute` at most, refilled over `window_s`; 0: no limit)."""
        if self.node_per_minute <= 0:
            return 1.0
        full = float(self.node_per_minute)
        left, then = self._node_left or (full, now)
        return min(full, left + max(0.0, now - then) * full / self.window_s)


class PassedMemory:
    """The alerts that went to the command, kept in a running node's database (`PASSED_META`): the
    newest KEPT of them not over yet, by id, with when each ends and its group's name as the
    command got it (a revoked group's profile leaves the log with it: its withdrawal still says who
    posted it); and the newest KEPT of those whose all clear went too, with the all clear's id (a
    seized phone's false all clear, its phone revoked after a restart, or while the node was
    stopped: the chat is told the alert stands again). Ids and times only, never what an alert
    said. Read when the hook starts, written when what went changes (an alert passed on, or its all
    clear or withdrawal): at most as often as the allowance lets the command run."""

    def __init__(self, runtime: WebNode) -> None:
        self.runtime = runtime
        self.names: dict[str, str] = {}  # alert id -> its group's name, as `load` read them
        self.cleared: dict[str, tuple[int | None, str]] = {}  # alert id -> (when it ends, its all clear's id)
        self.updates: dict[str, int | None] = {}  # update id -> when its alert ends, as `load` read them

    async def load(self) -> dict[str, int | None]:
        raw = await self.runtime.db(self.runtime.log.store.get_meta, PASSED_META)
        facts = saved_facts(raw) or {}
        kept, cleared, updates = facts.get("passed"), facts.get("cleared"), facts.get("updates")
        # (none kept, or damaged (saved_json): as if none were; "cleared" since 2026-12-05)
        self.cleared = {item[0]: (item[1], item[2]) for item in (cleared if isinstance(cleared, list) else ())
                        if _kept_item(item, cleared=True)}
        # ("updates" since 2026-12-06: before, none is known to have gone, and none is taken back)
        self.updates = {item[0]: item[1] for item in (updates if isinstance(updates, list) else ())
                        if _kept_item(item) and len(item) == 2}
        if not isinstance(kept, list):
            return {}
        items = [item for item in kept if _kept_item(item)]
        self.names = {item[0]: item[2] for item in items if len(item) == 3 and item[2] is not None}
        return {item[0]: item[1] for item in items}

    async def save(self, passed: dict[str, int | None], names: dict[str, str] | None = None,
                   cleared: dict[str, tuple[int | None, str]] | None = None,
                   updates: dict[str, int | None] | None = None) -> None:
        names = names or {}
        newest = [[i, ends, names.get(i)] for i, ends in list(passed.items())[-KEPT:]]
        ended = [[i, ends, clear] for i, (ends, clear) in list((cleared or {}).items())[-KEPT:]]
        told = [[i, ends] for i, ends in list((updates or {}).items())[-KEPT:]]
        await self.runtime.db(self._write, json.dumps({"passed": newest, "cleared": ended, "updates": told}).encode())

    def _write(self, raw: bytes) -> None:
        store = self.runtime.log.store
        with store.write():
            store.set_meta(PASSED_META, raw)


def _kept_item(item: Any, cleared: bool = False) -> bool:
    """Whether `item` reads as kept: [an alert's id in hex, when it ends in ms or null], and its
    group's name (text or null) since 2026-12-04; of `cleared`, the all clear's id in hex third."""
    if not (isinstance(item, list) and len(item) in ((3,) if cleared else (2, 3)) and saved_key(item[0]) is not None
            and (item[1] is None or isinstance(item[1], int) and not isinstance(item[1], bool))):
        return False
    if cleared:
        return saved_key(item[2]) is not None
    return len(item) == 2 or item[2] is None or isinstance(item[2], str) and len(item[2]) <= NAME_KEPT


def taken_while_stopped(runtime: WebNode, passed: dict[str, int | None], names: dict[str, str], now: int,
                        cleared: dict[str, tuple[int | None, str]] | None = None,
                        ) -> tuple[list[dict[str, Any]], list[str]]:
    """On the database thread, as the hook starts: the all clears stored while the node was stopped
    of the alerts that went to the command before (the feed hands on only what is stored after its
    start: the chat ended on the raid), the withdrawals of those alerts that a revocation or a fork
    took out of the log since (the feed hands on the withdrawals of alerts held when it started
    only), with the group's name the command got, then the `update_withdrawn` of the all clears of
    `cleared` that went and were taken out so (the alert stands again); and the ids (hex) of such
    alerts no longer kept at all (nothing to say them with)."""
    log_ = runtime.log
    live = [bytes.fromhex(i) for i, ends in passed.items() if ends is None or ends > now]
    gone_ids = log_.store.not_in_log(live)
    clears = [bytes.fromhex(clear) for ends, clear in (cleared or {}).values() if ends is None or ends > now]
    gone_clears = log_.store.not_in_log(clears)
    gone = set(gone_ids)
    out = cleared_since(log_, [i for i in live if i not in gone], now)  # an all clear stored meanwhile
    if not gone_ids and not gone_clears:
        return out, []
    names_now = references.group_names(log_.store)
    n = log_.store.last_n()
    for gone in taken_out(log_, now, len(gone_ids), ids=gone_ids):
        withdrawal = withdrawal_of(log_, gone, n, names_now)
        withdrawal["group_name"] = withdrawal["group_name"] or names.get(withdrawal["id"])
        out.append(withdrawal)
    said = {w["id"] for w in out}
    for gone in taken_out(log_, now, len(gone_clears), ids=gone_clears, kinds=(ALERT_UPDATE,)):
        taken_back = update_withdrawal_of(log_, gone, n, names_now, now)
        if taken_back is not None:  # (None: its alert is out of the log too, withdrawn above)
            out.append(taken_back)
    return out, [i.hex() for i in gone_ids if i.hex() not in said]


def _said_as(alert: dict[str, Any]) -> str:
    """What `alert`, which ends or corrects its alert, is, in the log's words."""
    return {"all_clear": "all clear", WITHDRAWN: "withdrawal"}.get(alert.get("status") or "", "taking back")


def _who(alert: dict[str, Any]) -> str:
    """The group that posted `alert`, as the log names it (its name, or its short id)."""
    return alert.get("group_name") or f"group {short_id(alert.get('group') or '')}"


class TrustRanks:
    """How much a running node trusts each group (node/alert_waiting.trust_rank), looked up on its
    database thread and kept RANK_KEPT_S (a flood of thousands of alerts asks once per group)."""

    def __init__(self, runtime: WebNode, own_group: bytes) -> None:
        self.runtime = runtime
        self.own_group = own_group
        self._kept: dict[str | None, tuple[Rank, float]] = {}

    async def __call__(self, group: str | None) -> Rank:
        now = asyncio.get_running_loop().time()
        kept = self._kept.get(group)
        if kept is not None and now - kept[1] < RANK_KEPT_S:
            return kept[0]
        key = saved_key(group)
        rank = await self.runtime.db(lambda: trust_rank(self.runtime.log.trust, self.own_group, key))
        if len(self._kept) > 10_000:  # (groups come and go: the memory stays bounded)
            self._kept.clear()
        self._kept[group] = (rank, now)
        return rank


class AlertHook:
    """Runs `argv` for each alert of `regions` (all when empty) that the feed hands on; `memory`
    keeps which went across a restart (none: only while the hook runs)."""

    def __init__(self, argv: Sequence[str], regions: Sequence[str] = (), *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 tries: int = TRIES, pauses_s: Sequence[float] = RETRY_PAUSES_S, burst: int = BURST,
                 refill_s: float = REFILL_S, node_per_minute: int = NODE_PER_MINUTE, window_s: float = 60.0,
                 memory: PassedMemory | None = None, ranks: Ranks | None = None) -> None:
        self.argv = list(argv)
        self.memory = memory
        self.ranks = ranks  # how much the node trusts each group (None: all alike, as trusted)
        self.allowance = GroupAllowance(burst, refill_s, node_per_minute, window_s)
        self.waiting = Waiting()
        self.regions = [r.lower() for r in regions]
        self.timeout_s = timeout_s
        self.tries = tries
        self.pauses_s = tuple(pauses_s)
        self.delivered = 0
        self.failed = 0
        self._workers: list[asyncio.Task] = []
        self._sub: Subscription | None = None
        self._names: dict[str, str] = {}  # alert id -> its group's name as the command got it (kept with it)
        self._arrived = asyncio.Event()  # something came to wait: a worker looks
        self._busy: set[str] = set()  # the alerts something is being passed on of, by id (one at a time each)
        self._said_held: set[str | None] = set()  # groups said held back (their own limit), until none waits
        self._said_node = False  # the node's limit said to hold alerts back, until none waits for it
        self._said_full = False  # more than WAITING said to wait, until fewer do

    async def start(self, feed: AlertFeed) -> None:
        if self.memory is not None:
            self.allowance.restore(await self.memory.load(), self.memory.cleared, self.memory.updates)
            self._names.update(self.memory.names)
        # Unbounded: `_intake` moves each at once to `waiting`, which is bounded, and fair among
        # groups. A bound here dropped what came in one look beyond it: a revoked flooder's
        # withdrawals, all at once, of more alerts than it held that the command had been run for
        # (one a minute gets through the allowance: 130 in two hours), and the chat kept the rest.
        # What waits here at most: one look of the feed (BATCH and their updates), and withdrawals
        # of the alerts the command was run for (`_keeps`), fewer than the allowance remembers.
        self._sub = feed.subscribe(self.regions, keeps=self._keeps, queue_size=0)
        self._feed = feed
        if self.memory is not None:
            await self._withdraw_taken_while_stopped()
        self._workers = [asyncio.create_task(self._intake(), name="on-alert-intake")]
        self._workers += [asyncio.create_task(self._work(), name=f"on-alert-{i}") for i in range(WORKERS)]

    async def _withdraw_taken_while_stopped(self) -> None:
        """Queue the withdrawals of the alerts passed on before the node stopped that a revocation or
        a fork took out while it was stopped (a false raid alert, its group revoked meanwhile): the
        feed, started since, knows only the alerts held now."""
        assert self.memory is not None and self._sub is not None
        runtime = self.memory.runtime
        passed = self.allowance.passed_all()
        withdrawals, lost = await runtime.db(taken_while_stopped, runtime, passed, dict(self._names), now_ms(),
                                             self.allowance.cleared_live(now_ms()))
        for withdrawal in withdrawals:
            if self._sub.wants(withdrawal):
                self._sub.offer(withdrawal)
        said = Counter(w["status"] for w in withdrawals)
        if said["all_clear"]:
            log.info("--on-alert: %d alerts passed on before the node stopped were cleared by their groups while it "
                     "was stopped; their all clears go to the command now", said["all_clear"])
        if said[WITHDRAWN]:
            log.info("--on-alert: %d alerts passed on before the node stopped were withdrawn since (a revocation or "
                     "a fork); their withdrawals go to the command now", said[WITHDRAWN])
        if said[UPDATE_WITHDRAWN]:
            log.info("--on-alert: %d all clears passed on before the node stopped were taken out of the log since (a "
                     "revocation or a fork); that their alerts stand again goes to the command now",
                     said[UPDATE_WITHDRAWN])
        if lost:  # which ones (short id and group, never what they said): the chat may hold many
            which = ", ".join(f"{short_id(i)} of {self._names.get(i) or 'a group no longer known'}"
                              for i in lost[:LOST_NAMED])
            more = f" and {len(lost) - LOST_NAMED} more" if len(lost) > LOST_NAMED else ""
            log.warning("--on-alert: %d alerts passed on before the node stopped were taken out of the log since (a "
                        "revocation or a fork) and are no longer kept, so their withdrawals cannot be sent: tell the "
                        "chat yourself that they no longer stand (alert %s%s)", len(lost), which, more)

    def _keeps(self, alert: dict[str, Any]) -> bool:
        """What the hook's queue takes: every alert, update and all clear, and the withdrawals of the
        alerts passed on to the command (or still waiting to be looked at) only. A flooder's group
        revoked, all its alerts are withdrawn at once, far more than the queue holds; it kept the
        newest and dropped the oldest, the false raid alert the chat got first, for withdrawals the
        command never runs for."""
        if alert.get("status") not in (WITHDRAWN, REDACTED):
            return True
        target = alert.get("alert")
        return self.allowance.passed(target) or (self._sub is not None and isinstance(target, str)
                                                 and (self._sub.queue.holds(target) or self.waiting.holds(target)))

    async def stop(self) -> None:
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        if self.memory is not None and self._workers:  # a worker stopped between a run and its keeping
            await self._remember()
        if self._sub is not None:
            self._feed.unsubscribe(self._sub)

    async def _intake(self) -> None:
        """Move what the feed hands on to `waiting` at once (the feed's queue never fills while the
        command runs), in the order it goes; withdrawals and all clears of alerts still waiting
        take those out instead (nobody was told of them)."""
        assert self._sub is not None
        while True:
            alert = await self._sub.queue.get()
            target = alert.get("alert")
            if not self.allowance.passed(target) and self.waiting.withdrawn_or_cleared(alert):
                dropped = self.waiting.drop(target)
                log.info("--on-alert: alert %s of %s was %s before its turn; not passed on (%d dropped with its "
                         "updates, %d still waiting)", short_id(target), _who(alert),
                         alert["status"] if alert.get("status") in (WITHDRAWN, REDACTED) else "cleared", len(dropped),
                         len(self.waiting))
                continue
            if alert.get("status") in (UPDATE_WITHDRAWN, UPDATE_REDACTED) and not self.allowance.heard(alert):
                # An update held back (or dropped) is out of the log, or redacted: it never goes, and
                # nothing is said of it (a phone's thousands of updates, revoked, were each a run).
                self.waiting.drop(alert["id"])
                continue
            if alert.get("status") == UPDATE_REDACTED:
                self.waiting.drop(alert["id"])  # what it said never goes, nor anything after its redaction
            # The chat believes the alert stands: it was passed on, or the taking back of its all
            # clear waits (a seized phone's, the phone revoked) and the chat will believe it then.
            # Whatever ends it then is a correction: it always goes, never held back nor dropped
            # (counted by the allowance, the group's real all clear waited behind the group's flood
            # for its allowance, or was dropped from the full wait, and the chat ended on a raid that
            # was over).
            believed = self.allowance.passed(target) or self.waiting.restores(target)
            if alert.get("status") in (WITHDRAWN, REDACTED) and not believed:
                continue  # of an alert never passed on: nothing to take back
            always = (alert.get("status") in (WITHDRAWN, REDACTED, "all_clear") and believed
                      or alert.get("status") in (UPDATE_WITHDRAWN, UPDATE_REDACTED))
            if always:  # its updates still waiting would say it stands after all, or place it where it
                # no longer is: not passed on (the all clear says where it is now). What always goes
                # stays (a taking back of the false all clear waiting goes before this all clear),
                # unless the alert was redacted: nothing waiting may say what it said.
                stale = self.waiting.drop(target, plain_only=alert.get("status") != REDACTED)
                if stale:
                    log.info("--on-alert: %d held-back updates of alert %s of %s not passed on: its %s came first",
                             len(stale), short_id(target), _who(alert), _said_as(alert))
            if alert.get("status") == UPDATE_WITHDRAWN:
                # (not said in the log: a revoked phone's thousands would be as many lines)
                if self.waiting.taken_back_together(alert)[0] is None:
                    self._arrived.set()
                    continue
            rank = (TRUSTED, 0) if self.ranks is None or always else await self._rank(alert.get("group"))
            dropped = self.waiting.add(alert, rank, asyncio.get_running_loop().time(), always,
                                       self._feed.lineage_of(alert.get("group")))
            if dropped is not None and not self._said_full:
                self._said_full = True
                log.warning("--on-alert: more than %d alerts wait for the command; the newest of the group with the "
                            "most waiting are dropped, not passed on (all are on the dashboard)", self.waiting.bound)
            elif dropped is None and len(self.waiting) < self.waiting.bound:
                self._said_full = False
            self._arrived.set()

    async def _rank(self, group: str | None) -> Rank:
        """`group`'s trust rank; as the most trusted's if it cannot be read (a stopping node, a
        damaged database): the alert then goes as it did before ranks, not held for it."""
        assert self.ranks is not None
        try:
            return await self.ranks(group)
        except Exception as exc:  # noqa: BLE001 (the alert matters more than its order)
            log.warning("--on-alert: could not read how much this node trusts %s (%s); its alert is not held back "
                        "for others", f"group {short_id(group or '')}", type(exc).__name__)
            return (TRUSTED, 0)

    async def _work(self) -> None:
        """Pass on what waits, as soon as and in the order the allowance lets it (alert_waiting)."""
        loop = asyncio.get_running_loop()
        while True:
            ended = self.waiting.expired(now_ms())
            if ended:
                log.info("--on-alert: %d held-back alerts or updates ended before their turn; not passed on "
                         "(%d still waiting)", len(ended), len(self.waiting))
            held, newly_held = self.waiting.next(self.allowance, loop.time(), self._busy)
            self._say_held(newly_held)
            if held is None:
                self._arrived.clear()
                try:  # while some wait, look again as the allowance refills (not asyncio.wait_for: on
                    # Python 3.11 it drops a cancellation that comes with an arrival, and the stop waited)
                    async with asyncio.timeout(TICK_S if len(self.waiting) else None):
                        await self._arrived.wait()
                except TimeoutError:
                    pass
                continue
            busy = about(held.alert)
            self._busy.add(busy)  # nothing else of its alert goes before this has (its retries too)
            try:
                if held.reason is not None and held.key[0] == 1 and await self._taken_out(held.alert):
                    self.allowance.forget(held.alert, loop.time())  # counted as passed on by `next`: it was not
                    log.info("--on-alert: alert %s of %s was taken out of the log (a revocation or a fork) while "
                             "it waited; not passed on (%d still waiting)", short_id(held.alert["id"]),
                             _who(held.alert), len(self.waiting))
                    continue
                await self._pass_on(held, loop.time())
            finally:
                self._busy.discard(busy)
                self._arrived.set()  # what waited behind it may go

    async def _taken_out(self, alert: dict[str, Any]) -> bool:
        """Whether the alert `alert` is (or updates) left the log while it waited: its withdrawal
        may have been dropped from a full queue (a revoked flooder's, all at once), and it would go
        to the command after the revocation. Looked up only for those that waited, and only on a
        node (`memory`)."""
        if self.memory is None:
            return False
        runtime = self.memory.runtime
        try:
            return bool(await runtime.db(runtime.log.store.not_in_log, [bytes.fromhex(about(alert))]))
        except Exception:  # noqa: BLE001 (a stopping node: the alert goes as it would have)
            return False

    def _say_held(self, newly_held: list[Held]) -> None:
        """Tell the operator of alerts held back: once per run of a group's, or of the node's limit,
        and each alert of a trusted group (never what an alert says)."""
        for held in newly_held:
            group, who = held.alert.get("group"), _who(held.alert)
            if held.reason == "group" and group not in self._said_held:
                self._said_held.add(group)
                log.warning("--on-alert: %s posted more than %d alerts in a row; its next ones wait and go to the "
                            "command one every %.0f s, oldest first (all are on the dashboard)", who,
                            self.allowance.burst, self.allowance.refill_s)
            elif held.reason == "node" and not self._said_node:
                self._said_node = True
                log.warning("--on-alert: more than %d alerts in a minute from all groups together (many groups "
                            "posting at once, or groups let in to flood it); the command runs at most %d times a "
                            "minute (%d for groups other than this node's own, the founders and those it admitted): "
                            "alerts wait and go as it allows, those groups' first (all are on the dashboard)",
                            self.allowance.node_per_minute - (0 if held.trusted else self.allowance.reserve),
                            self.allowance.node_per_minute,
                            self.allowance.node_per_minute - self.allowance.reserve)
            if held.trusted and self.ranks is not None:
                log.warning("--on-alert: alert %s of %s waits for the command's limit (%d waiting); it goes as soon "
                            "as the limit allows", short_id(held.alert["id"]), who, len(self.waiting))

    async def _pass_on(self, held: Held, now: float) -> None:
        """Run the command for `held` (the allowance counted it), keeping what went."""
        alert = held.alert
        target = about(alert)
        if held.reason is not None:
            log.info("--on-alert: alert %s of %s goes to the command now, held back %.0f s (%d still waiting)",
                     short_id(alert["id"]), _who(alert), now - held.since, len(self.waiting))
        group = alert.get("group")
        if group in self._said_held and not self.waiting.of_group(group):
            self._said_held.discard(group)
            log.info("--on-alert: none of %s's alerts waits any more", _who(alert))
        if self._said_node and not self.waiting.held_by("node"):
            self._said_node = False
            log.info("--on-alert: no alert waits for the node's limit any more")
        # (an alert or an update: now passed on; its all clear, withdrawal or taking back: no longer)
        changed = self.memory is not None
        if changed and alert.get("group_name") and self.allowance.passed(target):
            self._names[target] = alert["group_name"]
        await self.deliver(alert)  # first: a raid alert waits for no write to an SD card
        if changed:
            await self._remember()

    async def _remember(self) -> None:
        """Keep what went to the command (`memory`); a failure to write costs only that, after a
        restart, the hook does not know of the newest (it is logged once per failure)."""
        assert self.memory is not None
        try:
            passed = self.allowance.passed_live(now_ms())
            self._names = {i: name for i, name in self._names.items() if i in passed}
            await self.memory.save(passed, self._names, self.allowance.cleared_live(now_ms()),
                                   self.allowance.updates_live(now_ms()))
        except Exception as exc:  # noqa: BLE001 (a full disk, a stopping node: the alert still goes)
            log.warning("--on-alert: could not keep which alerts went to the command (%s); after a restart, "
                        "the withdrawal of those may not reach it", type(exc).__name__)

    async def deliver(self, alert: dict[str, Any]) -> bool:
        """Run the command for one alert, with retries; True once it succeeded."""
        data = (json.dumps(alert, ensure_ascii=False) + "\n").encode()
        short = short_id(alert["id"])
        for attempt in range(1, self.tries + 1):
            problem = await self._run_once(data)
            if problem is None:
                self.delivered += 1
                return True
            if attempt < self.tries:
                pause = self.pauses_s[min(attempt - 1, len(self.pauses_s) - 1)] if self.pauses_s else 0.0
                log.warning("--on-alert command failed for alert %s (%s); try %d of %d, next in %.0f s",
                            short, problem, attempt, self.tries, pause)
                await asyncio.sleep(pause)
            else:
                log.warning("--on-alert command failed for alert %s (%s); try %d of %d, giving up",
                            short, problem, attempt, self.tries)
        self.failed += 1
        return False

    async def _run_once(self, data: bytes) -> str | None:
        """None if the command ran and exited 0; else what went wrong, in words without content."""
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, env=child_environment(), start_new_session=True)
        except OSError as exc:
            return f"cannot start it: {exc.strerror or exc}"
        try:
            # Not asyncio.wait_for: on Python 3.11 it returns instead of raising when the node's stop
            # cancels this worker as the command finishes, and the stop then waited for it for ever.
            async with asyncio.timeout(self.timeout_s):
                await proc.communicate(data)
        except TimeoutError:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # its own session: the command and what it started
            except ProcessLookupError:
                pass
            await proc.wait()
            return f"no answer within {self.timeout_s:.0f} s; stopped"
        except (BrokenPipeError, ConnectionResetError):
            await proc.wait()  # it exited without reading its input: its status says how it went
        if proc.returncode != 0:
            return f"exit status {proc.returncode}"
        return None
