"""`solnet demo`: a small network (Calais, Brighton, Bristol, Cardiff) on loopback, as four real
`solnet run` processes, filled with sample data and kept busy with a little activity.

Set-up: found the network through the real membership steps (node.demo.localnet), or reuse one kept by
an earlier `--keep DIR`; publish each group's public samples into its own home; start the four
nodes in a ring (each dials the next: events reach the far side in two hops); wait until every
node holds every sample; then publish the private support requests, which can only be sealed once
each node has learnt the recipients' devices from the network. While the demo runs it publishes
into the home of a running node, as `solnet publish` in another terminal does: that node's
watcher gossips the event, the others receive it over the network.

Stopping (Ctrl-C, SIGTERM, or --duration): every node gets SIGTERM and is waited for (SIGKILL as
a last resort), the ports are checked free, and the temporary folder is removed. The nodes run in
their own session and get SIGTERM from the kernel if the demo itself is killed, so nothing is left
running in any case.
"""
from __future__ import annotations

import json
import random
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from crypto.keystore import NodeKeys
from events.errors import InvalidEvent
from events.format import Event
from node import chain_gate, login_links
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.demo.samples import ACTIVITY, GROUPS, NETWORK_NAME, SAMPLES, At, Ref, Sample, needs_network
from node.home import Home
from node.log import EventLog
from node.publishing import PublishError, publish
from node.store import Store
from node.views import view
from solnet_errors import SolnetError
from sync.addresses import normalize_address

# Printed for the dashboard login. A fixed, public passphrase is only right for a throwaway local
# network; it also lets a kept demo folder be reused without asking.
DEMO_PASSPHRASE = "solidarity demo"
STATE_FILE = "demo.json"
LOGIN_LINK_TTL_S = 3600  # longer than `solnet dashboard-link`'s: a newcomer may look at one node, then another
SYNC_INTERVAL_S = 1.0  # anti-entropy rounds (cheap when in sync): what gossip does not carry arrives within a second or two
CONVERGE_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
PORT_FREE_TIMEOUT_S = 5.0
ACTIVITY_EVERY_S = (2.0, 6.0)
POLL_S = 0.1
CAUGHT_UP_TIMEOUT_S = 30.0



def unclean_stops(codes: dict[str, int], stop_requested: bool) -> str:
    """The nodes that did not stop cleanly, in words ('' if all did). A node stopped while it was
    still starting (Ctrl-C at once) has no handler for the stop yet: it ends by the signal itself
    (-SIGTERM), which is what was asked for, not a failure."""
    return ", ".join(f"{name} (exit code {code})" for name, code in codes.items()
                     if code != 0 and not (stop_requested and code == -signal.SIGTERM))

class DemoError(SolnetError):
    """The demo cannot start as asked; the message says why and what to do."""

    reason = "demo"


class Interrupted(Exception):
    """Ctrl-C or SIGTERM during set-up."""


@dataclass
class DemoOptions:
    folder: Path | None = None  # keep (and reuse) the homes here; None: a temporary folder
    duration: float | None = None  # seconds of activity before stopping by itself
    base_port: int | None = None
    quiet: bool = False
    seed: int | None = None  # of the activity's random choices


@dataclass
class DemoNode:
    node: LocalNode
    log: EventLog
    keys: NodeKeys

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.node.port}/"


def run_demo(options: DemoOptions, out: TextIO = sys.stdout) -> int:
    """Run the demo until a signal or `options.duration`; 0 when it stopped cleanly."""
    return Demo(options, out).run()


class Demo:
    def __init__(self, options: DemoOptions, out: TextIO) -> None:
        self.options = options
        self.out = out
        self.started = time.monotonic()
        self.stop_requested: str | None = None
        self.rng = random.Random(options.seed)
        self.nodes: list[DemoNode] = []
        self.ids: dict[str, bytes] = {}  # sample key -> event id

    # --- output ---------------------------------------------------------------------------------
    def say(self, text: str, *, always: bool = False) -> None:
        if always or not self.options.quiet:
            print(text, file=self.out, flush=True)

    def progress(self, text: str) -> None:
        self.say(f"[{time.monotonic() - self.started:5.1f} s] {text}")

    # --- signals --------------------------------------------------------------------------------
    @contextmanager
    def _signals(self) -> Iterator[None]:
        """Ctrl-C and SIGTERM only set a flag: the demo stops at its next check, never half-way
        through starting a process (which could then be left running)."""
        def on_signal(signum: int, _frame: Any) -> None:
            self.stop_requested = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name  # as a person said it

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _check(self) -> None:
        if self.stop_requested:
            raise Interrupted(self.stop_requested)
        for dn in self.nodes:
            proc = dn.node.proc
            if proc is not None and proc.poll() is not None:
                raise DemoError(f"the node of {dn.node.name} stopped by itself (exit code {proc.returncode}); "
                                f"its log ends with:\n{_log_tail(dn.node)}")

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._check()
            time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))
        self._check()

    def _wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            self._sleep(POLL_S * 2)
        return True

    # --- the whole run ---------------------------------------------------------------------------
    def run(self) -> int:
        folder = self.options.folder
        root = folder if folder is not None else Path(tempfile.mkdtemp(prefix="solnet-demo-"))
        code = 0
        with self._signals():
            try:
                self._set_up(root, kept=folder is not None)
                self._activity()
            except Interrupted:
                pass
            except DemoError as exc:
                self.say(f"solnet demo: {exc}", always=True)
                code = 1
            finally:
                code = self._tear_down(root, remove=folder is None) or code
        return code

    def _set_up(self, root: Path, *, kept: bool) -> None:
        reused = (root / STATE_FILE).exists()
        if reused:
            nodes = self._reopen(root)
            self.progress(f"reusing the demo network kept in {root}")
        else:
            _check_empty(root)
            self.progress(f"creating a network of {len(GROUPS)} groups ({', '.join(n for n, _ in GROUPS)}) in {root}")
            nodes = localnet.create_network(root, GROUPS, DEMO_PASSPHRASE, network_name=NETWORK_NAME)
        self._assign_ports(root, nodes)
        for node in nodes:
            keys = node.keys if node.keys is not None else node.home.keys(DEMO_PASSPHRASE)
            self.nodes.append(DemoNode(node, node.home.log(), keys))
        self._check()
        if not reused:
            own = [s for s in SAMPLES if not needs_network(s)]
            for sample in own:
                self._publish_sample(sample)
            self.progress(f"published {len(own)} sample events, each by its own group's node")
        self._start_nodes()
        if self._wait_converged():
            self.progress("every node holds every event: the network is in sync")
        else:
            self.say(f"warning: the nodes are not all in sync after {CONVERGE_TIMEOUT_S:.0f} s; going on "
                     "(they keep syncing)", always=True)
        if not reused:
            private = [s for s in SAMPLES if needs_network(s)]
            for sample in private:
                self._publish_sample(sample)
            self.progress(f"published {len(private)} events about other groups' ones (support requests, claims, "
                          "fulfilments), private details sealed to the groups named")
            self._save_state(root)
        self._print_ready(root, kept)

    def _print_ready(self, root: Path, kept: bool) -> None:
        # The demo owns these homes, so it may print what `solnet dashboard-link` would: each link
        # logs a browser in to that node once, within LOGIN_LINK_TTL_S.
        lines = [f"solnet demo ready in {time.monotonic() - self.started:.1f} s. Dashboards (each link logs you "
                 "in once, within an hour):"]
        for dn in self.nodes:
            token, _ = login_links.create(dn.node.home.path, ttl_s=LOGIN_LINK_TTL_S)
            lines.append(f"  {dn.node.name:<9} {dn.url}login/link?token={token}")
        solnet = localnet.solnet_for_people()
        lines.append(f"Or log in with the demo passphrase: {DEMO_PASSPHRASE} (new links: "
                     f"`{solnet} --home {shlex.quote(str(self.nodes[0].node.home.path))} dashboard-link`, and so on)")
        if kept:
            lines.append(f"Homes kept in {root} (`{solnet} demo --keep {shlex.quote(str(root))}` runs this network "
                         "again).")
        else:
            lines.append(f"Homes in {root} (removed when the demo stops; --keep DIR keeps them).")
        until = f"for {self.options.duration:g} s" if self.options.duration is not None else "until Ctrl-C"
        lines.append(f"Publishing a little activity every few seconds {until}.")
        self.say("\n".join(lines), always=True)

    # --- network --------------------------------------------------------------------------------
    def _reopen(self, root: Path) -> list[LocalNode]:
        try:
            state = json.loads((root / STATE_FILE).read_text(encoding="utf-8"))
            groups = [(str(name), str(region)) for name, region in state["groups"]]
            ports = [int(p) for p in state["ports"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DemoError(f"{root / STATE_FILE} is damaged ({exc}); remove {root} or choose another folder") from None
        nodes = []
        for (name, region), port in zip(groups, ports):
            home = Home(localnet.home_dir(root, name))
            if not home.db_path.exists():
                raise DemoError(f"{home.path} is missing from the kept demo; remove {root} or choose another folder")
            nodes.append(LocalNode(name, region, home, port))
        return nodes

    def _assign_ports(self, root: Path, nodes: list[LocalNode]) -> None:
        """--base-port, else the ports of the last run (a kept folder), else free ones; the nodes
        link up in a ring, and forget the peers of an earlier run on other ports. (All four start at
        once: a dial that finds a node not listening yet is retried within a second.)"""
        if self.options.base_port is not None:
            ports = list(range(self.options.base_port, self.options.base_port + len(nodes)))
            if ports[-1] > 65535 or ports[0] < 1:
                raise DemoError(f"--base-port {self.options.base_port} leaves no room for {len(nodes)} ports")
        elif (root / STATE_FILE).exists() and not any(localnet.is_listening(n.port) for n in nodes):
            ports = [n.port for n in nodes]
        else:
            ports = localnet.free_ports(len(nodes))
        busy = [p for p in ports if localnet.is_listening(p)]
        if busy:
            raise DemoError(f"port {busy[0]} on 127.0.0.1 is in use; stop what uses it or give another --base-port")
        for node, port in zip(nodes, ports):
            node.port = port
        localnet.ring(nodes)
        for node in nodes:
            wanted = {normalize_address(f"127.0.0.1:{p}") for p in node.peers}
            with closing(node.home.store()) as store, store.write():
                for address, source, _ in store.peer_rows():
                    if source == "config" and address not in wanted:
                        store.remove_peer(address)

    def _start_nodes(self) -> None:
        for dn in self.nodes:
            localnet.start(dn.node, DEMO_PASSPHRASE, sync_interval=SYNC_INTERVAL_S, supervised=True)
        self.progress(f"started {len(self.nodes)} `solnet run` processes (pids "
                      f"{', '.join(str(dn.node.proc.pid) for dn in self.nodes)}); waiting for them to listen")
        for dn in self.nodes:  # (as long as each start advances: a loaded machine is slow, not stuck)
            if (why := localnet.wait_started(dn.node, sleep=self._sleep)) is not None:
                raise DemoError(why)
        self.progress("all nodes listening; syncing the samples across the network")

    def _wait_converged(self) -> bool:
        return self._wait(lambda: _holds_all(self.nodes), CONVERGE_TIMEOUT_S)

    def _save_state(self, root: Path) -> None:
        state = {"version": 1, "groups": [[dn.node.name, dn.node.region] for dn in self.nodes],
                 "ports": [dn.node.port for dn in self.nodes]}
        (root / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")

    def _tear_down(self, root: Path, *, remove: bool) -> int:
        code = 0
        if self.stop_requested:
            self.say(f"\n{self.stop_requested}: stopping the demo...", always=True)
        for dn in self.nodes:
            dn.log.store.close()
        running = [dn.node for dn in self.nodes if dn.node.proc is not None]
        codes = localnet.stop_all(running, STOP_TIMEOUT_S)
        said = unclean_stops(codes, bool(self.stop_requested))
        if said:
            self.say(f"warning: nodes that did not stop cleanly: {said}", always=True)
            code = 1
        ports = [n.port for n in running]
        if not localnet.wait_until(lambda: not any(localnet.is_listening(p) for p in ports), PORT_FREE_TIMEOUT_S):
            self.say(f"warning: ports still in use after the nodes stopped: "
                     f"{[p for p in ports if localnet.is_listening(p)]}", always=True)
            code = 1
        if not remove and (root / STATE_FILE).exists():
            self._save_state(root)  # the ports of this run, for the next
        if remove:
            shutil.rmtree(root, ignore_errors=True)
        if running:
            where = "temporary homes removed" if remove else f"homes kept in {root}"
            self.say(f"demo stopped: {len(running)} nodes stopped, ports free, {where}.", always=True)
        return code

    # --- publishing -----------------------------------------------------------------------------
    def _node(self, group: str) -> DemoNode:
        return next(dn for dn in self.nodes if dn.node.name == group)

    def _publish(self, group: str, kind: str, texts: dict[str, str], *, private: str | None = None,
                 to: tuple[str, ...] = (), expires_in: str | None = None) -> Event:
        dn = self._node(group)
        recipients = [self._node(g).node.home.config().group_id for g in to]
        deadline = time.monotonic() + CAUGHT_UP_TIMEOUT_S
        while True:
            dn.log.refresh_trust()  # devices learnt from the network since: the recipients of a private part
            try:
                return publish(dn.log, dn.keys, kind, texts, private=private, to=recipients, expires_in=expires_in)
            except InvalidEvent as exc:
                # A node just started signs nothing until its first sync round (node/chain_gate.py);
                # a reused demo can be in sync before that round ends: wait for it (as `solnet
                # publish` does, but Ctrl-C still stops the demo at once).
                if exc.reason != chain_gate.NOT_CAUGHT_UP or time.monotonic() > deadline:
                    raise
            except PublishError as exc:
                # A claim, a fulfilment or an update of an event published a moment ago by another
                # group's node: wait for it to arrive here (gossip, well under a second).
                if "does not hold" not in str(exc) or time.monotonic() > deadline:
                    raise
            self._sleep(POLL_S * 5)

    def _publish_sample(self, sample: Sample) -> None:
        texts = {name: self._text(value) for name, value in sample.fields.items()}
        event = self._publish(sample.group, sample.kind, texts, private=sample.private, to=sample.to,
                              expires_in=sample.expires_in)
        if sample.key:
            self.ids[sample.key] = event.id

    def _text(self, value: str | At | Ref) -> str:
        if isinstance(value, At):
            return _iso_in(value.hours)
        if isinstance(value, Ref):
            return self.ids[value.key].hex()
        return value

    # --- ongoing activity -----------------------------------------------------------------------
    def _activity(self) -> None:
        end = None if self.options.duration is None else time.monotonic() + self.options.duration
        steps = (self._new_action, self._pledge, self._raised, self._fulfil, self._offer, self._alert, self._all_clear)
        weights = (3, 3, 1, 2, 1, 1, 1)
        while end is None or time.monotonic() < end:
            pause = self.rng.uniform(*ACTIVITY_EVERY_S)
            if end is not None:
                pause = min(pause, max(0.0, end - time.monotonic()))
            self._sleep(pause)
            if end is not None and time.monotonic() >= end:
                break
            for _ in range(len(steps)):  # a step may find nothing to do (no open need ...): try another
                step = self.rng.choices(steps, weights)[0]
                try:
                    said = step(self.rng.choice(self.nodes))
                except (InvalidEvent, PublishError) as exc:  # one refused step does not end the demo
                    said = f"(not published: {exc})"
                if said:
                    self.say(f"  {datetime.now():%H:%M:%S}  {said}")
                    break

    def _new_action(self, dn: DemoNode) -> str | None:
        title, kind, place = self.rng.choice(ACTIVITY.actions[dn.node.name])
        start = 24 * self.rng.randint(0, 9) + self.rng.randint(2, 20)  # start and end on the same day
        self._publish(dn.node.name, "action", {"title": title, "type": kind, "region": dn.node.region,
                                               "place": place, "starts_at": _iso_in(start),
                                               "ends_at": _iso_in(start + 2)})
        return f"{dn.node.name}: new action «{title}»"

    def _pledge(self, dn: DemoNode) -> str | None:
        funds = [f for f in view(dn.log, "fundraisers")  # (one that ended or declined this group's: refused)
                 if f["group"] != _group(dn) and not f.get("ended") and not f.get("group_gone")
                 and all(d["group"] != _group(dn) for d in f.get("declined", ()))]
        if not funds:
            return None
        fund = self.rng.choice(funds)
        amount = self.rng.choice((10, 20, 25, 50, 100))
        self._publish(dn.node.name, "fundraiser.update", {"fundraiser": fund["id"].hex(), "pledge": str(amount)})
        return f"{dn.node.name}: pledged {amount} {fund['currency']} to «{fund['title']}»"

    def _raised(self, dn: DemoNode) -> str | None:
        funds = [f for f in view(dn.log, "fundraisers") if f["group"] == _group(dn) and f["raised"] < f["goal"]]
        if not funds:
            return None
        fund = self.rng.choice(funds)
        raised = min(fund["goal"], fund["raised"] + 100 * self.rng.randint(20, 300))
        self._publish(dn.node.name, "fundraiser.update", {"fundraiser": fund["id"].hex(), "raised": f"{raised / 100:.2f}"})
        return f"{dn.node.name}: «{fund['title']}» has raised {raised // 100} of {fund['goal'] // 100} {fund['currency']}"

    def _fulfil(self, dn: DemoNode) -> str | None:
        needs = [n for n in view(dn.log, "needs")  # (not one whose group declined this group's goods: refused)
                 if n["side"] == "need" and n["remaining"] > 0 and n["group"] != _group(dn)
                 and all(d["group"] != _group(dn) for d in n.get("declined", ()))]
        if not needs:
            return None
        need = self.rng.choice(needs)
        quantity = need["remaining"] if need["remaining"] <= 5 else self.rng.randint(1, need["remaining"] // 2)
        self._publish(dn.node.name, "need.fulfil", {"need": need["id"].hex(), "quantity": str(quantity),
                                                    "by": dn.node.name})
        return f"{dn.node.name}: gave {quantity} {need['category'].replace('_', ' ')} for {need['region']}"

    def _offer(self, dn: DemoNode) -> str | None:
        category, notes = self.rng.choice(ACTIVITY.offers)
        quantity = self.rng.randint(5, 60)
        self._publish(dn.node.name, "offer", {"category": category, "quantity": str(quantity),
                                              "region": dn.node.region, "notes": notes})
        return f"{dn.node.name}: offers {quantity} {category.replace('_', ' ')}"

    def _alert(self, dn: DemoNode) -> str | None:
        kind, location, text = self.rng.choice(ACTIVITY.alerts[dn.node.name])
        self._publish(dn.node.name, "alert", {"region": dn.node.region, "type": kind, "location": location,
                                              "text": text}, expires_in="2h")
        return f"{dn.node.name}: ALERT ({kind.replace('_', ' ')}) at {location}"


    def _all_clear(self, dn: DemoNode) -> str | None:
        live = view(dn.log, "alerts")
        mine = [a for a in live if a["group"] == _group(dn)]
        if not mine or len(live) <= 2:  # a demo keeps a live alert or two to show (others' clears may be on the way)
            return None
        alert = self.rng.choice(mine)
        self._publish(dn.node.name, "alert.update", {"alert": alert["id"].hex(), "status": "all_clear"})
        return f"{dn.node.name}: all clear for the alert at {alert.get('location') or alert['region']}"


# --- helpers ----------------------------------------------------------------------------------
def _group(dn: DemoNode) -> bytes:
    return bytes(dn.keys.group.public) if dn.keys.group is not None else b""


def _iso_in(hours: float) -> str:
    """A sample time `hours` into the coming days, at a time of day people meet, as a person would
    type it (local time with its UTC offset, on the half hour). Counted from tomorrow's midnight,
    and each day's 24 hours squeezed into 09:00-21:00, so the order and the rough spacing of the
    samples stay while no vigil starts at 01:30 and nothing is already over."""
    local_now = datetime.now(timezone.utc).astimezone()
    tomorrow = (local_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if hours < 0:  # in the past: counted back from today's midnight
        tomorrow -= timedelta(days=1)
    moment = tomorrow + timedelta(hours=hours)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    moment = day + timedelta(hours=9) + (moment - day) / 2
    moment = moment.replace(minute=0 if moment.minute < 30 else 30, second=0, microsecond=0)
    return moment.isoformat(timespec="minutes")


def _check_empty(root: Path) -> None:
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise DemoError(f"{root} is not empty and holds no demo network (no {STATE_FILE}); give a new or empty "
                        "folder to --keep, or one an earlier `solnet demo --keep` made")


def _event_ids(node: LocalNode) -> set[bytes]:
    """The ids a node holds, read-only (safe while the node runs)."""
    with closing(Store(node.home.db_path, readonly=True)) as store:
        return store.all_ids()


def _holds_all(nodes: list[DemoNode]) -> bool:
    held = [_event_ids(dn.node) for dn in nodes]
    union = set().union(*held)
    return all(h == union for h in held)


def _log_tail(node: LocalNode, lines: int = 15) -> str:
    if node.log_path is None or not node.log_path.exists():
        return "(no log)"
    return "\n".join(node.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
