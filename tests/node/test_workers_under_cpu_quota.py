"""The ingest workers follow the CPU quota of the cgroup the node runs in (a systemd unit's
CPUQuota=, a container's --cpus, the Pi stand-in of the benchmarks), not only the cores it may run
on: held to 1/8 of a core on a machine of four, the node started a worker (15 MiB) that added no
CPU, only a second process sharing the same eighth. The quota of its own cgroup or of any above
it counts (cgroup v2 cpu.max, v1 cpu.cfs_quota_us), read from a fake cgroup tree here."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import verify_pool


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


@pytest.fixture
def four_cores_plenty_of_memory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.delenv("SOLNET_VERIFY_WORKERS", raising=False)
    monkeypatch.setattr(verify_pool.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(verify_pool, "_memory_bytes", lambda: 4 << 30)
    monkeypatch.setattr(verify_pool, "CGROUP_ROOT", tmp_path)
    return tmp_path


def _own_cgroup(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    real = Path.read_text
    monkeypatch.setattr(Path, "read_text",
                        lambda self, *a, **k: text if str(self) == "/proc/self/cgroup" else real(self, *a, **k))


def test_an_eighth_of_a_core_under_cgroup_v2_starts_no_worker(four_cores_plenty_of_memory, monkeypatch) -> None:
    root = four_cores_plenty_of_memory
    _write(root / "system.slice" / "cpu.max", "max 100000")
    _write(root / "system.slice" / "solnet.service" / "cpu.max", "12500 100000")
    _own_cgroup(monkeypatch, "0::/system.slice/solnet.service\n")
    assert verify_pool._usable_cpus() == 1
    assert verify_pool.worker_count() == 0


def test_a_quota_above_the_processs_own_cgroup_bounds_it_under_v1(four_cores_plenty_of_memory, monkeypatch) -> None:
    root = four_cores_plenty_of_memory
    cpu = root / "cpu,cpuacct"
    _write(cpu / "cpu.cfs_quota_us", "-1")
    _write(cpu / "cpu.cfs_period_us", "100000")
    _write(cpu / "pi" / "cpu.cfs_quota_us", "12500")  # the Pi stand-in: 1/8 of a core
    _write(cpu / "pi" / "cpu.cfs_period_us", "100000")
    _write(cpu / "pi" / "node" / "cpu.cfs_quota_us", "-1")
    _write(cpu / "pi" / "node" / "cpu.cfs_period_us", "100000")
    _own_cgroup(monkeypatch, "4:memory:/pi/node\n1:cpu,cpuacct:/pi/node\n0::/\n")
    assert verify_pool.worker_count() == 0


def test_a_quota_of_one_and_a_half_cores_keeps_one_worker(four_cores_plenty_of_memory, monkeypatch) -> None:
    _write(four_cores_plenty_of_memory / "cpu.max", "150000 100000")  # inside a container: its own is the mount
    _own_cgroup(monkeypatch, "0::/docker/0123abcd\n")
    assert verify_pool.worker_count() == 1


def test_without_a_quota_every_core_beyond_the_first_gets_a_worker(four_cores_plenty_of_memory, monkeypatch) -> None:
    _write(four_cores_plenty_of_memory / "cpu.max", "max 100000")
    _own_cgroup(monkeypatch, "0::/\n")
    assert verify_pool.worker_count() == 3
