"""Partition and heal of five real `solnet run` nodes, each in its own network namespace.

The homes are made here (files only); the network part runs in netns_partition_scenario.py,
started inside the sandbox of tests/netns/sandbox.py: new network, mount and PID
namespaces (and a user namespace when not root), so the scenario has no default route, its
addresses (10.77.0.0/24) exist only inside, and every process and namespace it made dies with it.
Where that sandbox cannot be built (no `ip`, no `nft`/`iptables`, no `unshare`, or namespaces
refused) the test is skipped, saying what is missing; set SOLNET_REQUIRE_NETNS=1 to make that a
failure instead (CI, where the tools are installed).

By hand: SOLNET_NETNS_HOLD_S=20 holds the partition longer (links then hang across it);
SOLNET_NETNS_FIREWALL=iptables uses the iptables fallback instead of nft. `-s` prints the timings.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path


from node.demo import localnet
from sandbox import require, run_scenario, sandbox_command, sandbox_env

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "netns_partition_scenario.py"
PASSPHRASE = "five tents and a partition"
GROUPS = [("A", "calais"), ("B", "brighton"), ("C", "bristol"), ("D", "cardiff"), ("E", "dover")]
SCENARIO_TIMEOUT_S = 90
def missing_prerequisites() -> str | None:
    """Why the sandbox cannot run here, or None if it can (checked by building a bridge in it)."""
    env = sandbox_env()
    missing = [tool for tool in ("ip", "unshare", "bash") if shutil.which(tool, path=env["PATH"]) is None]
    if shutil.which("nft", path=env["PATH"]) is None and shutil.which("iptables", path=env["PATH"]) is None:
        missing.append("nft or iptables")
    if missing:
        return (f"missing {', '.join(missing)} (Debian packages: iproute2 for ip, util-linux for unshare, "
                "nftables or iptables)")
    probe = ("ip netns add snprobe && ip -n snprobe link add snprobebr type bridge && "
             "ip link add snv0 netns snprobe type veth peer name snv1 netns snprobe && "
             + ("ip netns exec snprobe nft list ruleset" if shutil.which("nft", path=env["PATH"])
                else "ip netns exec snprobe iptables -L -n"))
    try:
        proc = subprocess.run(sandbox_command("bash", "-c", probe), capture_output=True, text=True, timeout=20,
                              env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return "the unshare sandbox did not finish a trivial probe in 20 s"
    if proc.returncode != 0:
        return (f"cannot build network namespaces in an unshare sandbox here (exit {proc.returncode}): "
                f"{proc.stderr.strip()[:500]}")
    return None


def require_sandbox() -> None:
    require(missing_prerequisites(), "network-namespace partition test")


def node_logs(log_dir: Path, tail: int = 40) -> str:
    parts = []
    for path in sorted(log_dir.glob("node-*.log")):
        lines = path.read_text(errors="replace").splitlines()
        parts.append(f"--- {path.name} (last {tail} of {len(lines)} lines) ---\n" + "\n".join(lines[-tail:]))
    return "\n".join(parts)


def test_partition_heal_and_crash_catch_up(tmp_path: Path) -> None:
    require_sandbox()
    nodes = localnet.create_network(tmp_path / "homes", GROUPS, PASSPHRASE, network_name="netns partition test")
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    config = {"passphrase": PASSPHRASE, "solnet": localnet.solnet_command(), "log_dir": str(log_dir),
              "homes": [{"name": n.name, "home": str(n.home.path)} for n in nodes],
              "deadline_s": SCENARIO_TIMEOUT_S - 15,
              # knobs for investigating by hand: a longer partition, or the iptables fallback
              "partition_hold_s": float(os.environ.get("SOLNET_NETNS_HOLD_S", "2")),
              "firewall": os.environ.get("SOLNET_NETNS_FIREWALL")}
    result, report, returncode = run_scenario(SCENARIO, config, tmp_path / "scenario.json", SCENARIO_TIMEOUT_S,
                                              lambda: node_logs(log_dir))

    assert result["ok"], f"scenario failed: {result['failures']}\n{report}"
    assert returncode == 0, report
    # The partition cut {A,B} from {C,D,E} and left each side connected; nothing crossed it.
    assert result["probes_partitioned"] == {"A->B": True, "C->E": True, "A->C": False, "E->B": False}
    assert result["partition_leaks"] == dict.fromkeys("ABCDE", 0)
    assert result["killed_exit"] == -9
    # After the heal all five hold the same log: everything published on both sides and after.
    final = result["final"]
    assert len({v["frontier_digest"] for v in final.values()}) == 1, final
    assert {v["events"] for v in final.values()} == {result["events_total"]}, final
    assert all(v["pending"] == 0 and v["forks"] == 0 for v in final.values()), final
    assert result["integrity_e"] == "ok"
    assert result["timings_s"]["heal_to_all_converged"] <= 30, result["timings_s"]
    # Every node stops cleanly on SIGTERM.
    assert result["exit_codes"] == dict.fromkeys("ABCDE", 0), f"{result['exit_codes']}\n{report}"
