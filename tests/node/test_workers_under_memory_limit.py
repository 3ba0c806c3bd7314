"""The ingest workers follow the memory limit of the cgroup the node runs in (a systemd unit's
MemoryMax, the Pi stand-in of the benchmarks), not only one set at the top of the hierarchy: the
limit of its own cgroup, or of any above it, is read (cgroup v2 and v1). Read at the top alone, a
node under a 512 MiB limit on a machine with cores to spare started a worker per core."""
from __future__ import annotations

from pathlib import Path

from node import verify_pool

MIB = 1 << 20
UNLIMITED = "9223372036854771712"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def test_a_units_memory_max_under_cgroup_v2_is_read(tmp_path: Path) -> None:
    _write(tmp_path / "system.slice" / "memory.max", "max")
    _write(tmp_path / "system.slice" / "solnet.service" / "memory.max", str(512 * MIB))
    assert verify_pool._memory_bytes(tmp_path, "0::/system.slice/solnet.service\n") == 512 * MIB


def test_a_limit_above_the_processs_own_cgroup_bounds_it_too_under_v1(tmp_path: Path) -> None:
    memory = tmp_path / "memory"
    _write(memory / "memory.limit_in_bytes", UNLIMITED)
    _write(memory / "pi" / "memory.limit_in_bytes", str(512 * MIB))
    _write(memory / "pi" / "node" / "memory.limit_in_bytes", UNLIMITED)
    own = "5:devices:/pi/node\n4:memory:/pi/node\n1:cpu,cpuacct:/pi/node\n0::/\n"
    assert verify_pool._memory_bytes(tmp_path, own) == 512 * MIB


def test_inside_a_container_its_own_cgroup_is_the_mount(tmp_path: Path) -> None:
    _write(tmp_path / "memory" / "memory.limit_in_bytes", str(400 * MIB))  # the container's, mounted at the top
    assert verify_pool._memory_bytes(tmp_path, "4:memory:/docker/0123abcd\n") == 400 * MIB
