"""A Raspberry Pi stand-in for benchmarks: a cgroup with a fraction of one core and a memory limit.

`PiCgroup` makes a child cgroup under the one this process already runs in (cgroup v1: one per
controller, `cpu` with cfs_quota_us/cfs_period_us, `memory` with limit_in_bytes, and `cpuacct`
to count the CPU used; cgroup v2: one directory with cpu.max and memory.max), runs the
processes started inside `entered()` there, and removes it on the way out. The default is the
Pi Zero 2 W stand-in of the benchmarks: 1/8 of a core and 512 MiB. It needs root (or a
delegated cgroup); `CgroupUnavailable` says why it cannot be made.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PERIOD_US = 100_000
PI_CPU = 1 / 8
PI_MEMORY = 512 * 1024 * 1024


class CgroupUnavailable(Exception):
    """This machine (or this user) cannot make the cgroup; the message says what is missing."""


def _own_paths() -> dict[str, str]:
    """The cgroup this process is in, per v1 controller ("" for v2's unified hierarchy)."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _write(path: Path, value: str) -> None:
    path.write_text(value)


class PiCgroup:
    """A cgroup limited to `cpu` cores and `memory` bytes, for the processes started in `entered()`."""

    def __init__(self, cpu: float = PI_CPU, memory: int = PI_MEMORY, name: str | None = None) -> None:
        self.cpu = cpu
        self.memory = memory
        self.name = name or f"solnet-pi-{os.getpid()}"
        self.dirs: dict[str, Path] = {}  # controller ("" for v2) -> the cgroup made for it
        self.version = 0

    # --- making and removing ----------------------------------------------------------------------
    def __enter__(self) -> PiCgroup:
        if os.geteuid() != 0:
            raise CgroupUnavailable("making a cgroup needs root here (run the benchmark as root, or without --pi)")
        own = _own_paths()
        try:
            if (ROOT / "cpu" / "cpu.cfs_quota_us").exists() and (ROOT / "memory" / "memory.limit_in_bytes").exists():
                self.version = 1
                self._make_v1(own)
            elif (ROOT / "cgroup.controllers").exists():
                self.version = 2
                self._make_v2(own)
            else:
                raise CgroupUnavailable(f"no cgroup file system with cpu and memory controllers under {ROOT}")
        except OSError as exc:
            self.__exit__(None, None, None)
            raise CgroupUnavailable(f"cannot make the cgroup ({exc})") from None
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _make(self, controller: str, parent: Path) -> Path:
        path = parent / self.name
        path.mkdir()
        self.dirs[controller] = path
        return path

    def _make_v1(self, own: dict[str, str]) -> None:
        for controller in ("cpu", "memory", "cpuacct"):
            base = ROOT / controller
            if controller == "cpuacct" and not (base / "cpuacct.usage").exists():
                continue  # only for the CPU-seconds figure; cpu,cpuacct mounted together has it in "cpu"
            self._make(controller, base / own.get(controller, "/").lstrip("/"))
        cpu = self.dirs["cpu"]
        _write(cpu / "cpu.cfs_period_us", str(PERIOD_US))
        _write(cpu / "cpu.cfs_quota_us", str(round(PERIOD_US * self.cpu)))
        _write(self.dirs["memory"] / "memory.limit_in_bytes", str(self.memory))

    def _make_v2(self, own: dict[str, str]) -> None:
        parent = ROOT / own.get("", "/").lstrip("/")
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        missing = [c for c in ("cpu", "memory") if c not in enabled]
        if missing:
            raise CgroupUnavailable(f"the {' and '.join(missing)} controller(s) are not enabled for children of "
                                    f"{parent} (cgroup.subtree_control); enable them or run without --pi")
        path = self._make("", parent)
        _write(path / "cpu.max", f"{round(PERIOD_US * self.cpu)} {PERIOD_US}")
        _write(path / "memory.max", str(self.memory))

    def __exit__(self, *exc: object) -> None:
        """Remove the cgroups; a process still inside is moved back to where this process runs first
        (the benchmark stops its nodes before, so this is only for one that did not stop)."""
        own = _own_paths()
        for controller, path in reversed(list(self.dirs.items())):
            back = (ROOT / controller / own.get(controller, "/").lstrip("/") if self.version == 1
                    else ROOT / own.get("", "/").lstrip("/"))
            for _ in range(50):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still has processes (or a zombie being reaped): move them out
                    for pid in (path / "cgroup.procs").read_text().split():
                        try:
                            _write(back / "cgroup.procs", pid)
                        except OSError:
                            pass
                    time.sleep(0.1)
        self.dirs.clear()

    # --- using -------------------------------------------------------------------------------------
    @contextmanager
    def entered(self) -> Iterator[None]:
        """Run this process inside the cgroup for the block: the processes it starts there stay
        inside after it leaves (cgroups are inherited at fork)."""
        own = _own_paths()
        pid = str(os.getpid())
        for path in self.dirs.values():
            _write(path / "cgroup.procs", pid)
        try:
            yield
        finally:
            for controller in self.dirs:
                back = ROOT / controller / own.get(controller, "/").lstrip("/")
                _write(back / "cgroup.procs", pid)

    def describe(self) -> str:
        return (f"cgroup v{self.version} {self.name}: {self.cpu:g} of a core "
                f"({round(PERIOD_US * self.cpu)} us per {PERIOD_US} us), {self.memory // (1 << 20)} MiB")

    def peak_memory_bytes(self) -> int | None:
        """Most memory the processes inside used at once (v1: max_usage_in_bytes; v2: memory.peak)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        path = self.dirs.get("memory" if self.version == 1 else "", Path("/nonexistent")) / name
        try:
            return int(path.read_text())
        except (OSError, ValueError):
            return None

    def cpu_seconds(self) -> float | None:
        """CPU time used inside so far, all processes together."""
        if self.version == 1:
            path = (self.dirs.get("cpuacct") or self.dirs["cpu"]) / "cpuacct.usage"
            try:
                return int(path.read_text()) / 1e9
            except (OSError, ValueError):
                return None
        try:
            for line in (self.dirs[""] / "cpu.stat").read_text().splitlines():
                key, value = line.split()
                if key == "usage_usec":
                    return int(value) / 1e6
        except (OSError, ValueError, KeyError):
            pass
        return None

    def throttled_seconds(self) -> float | None:
        """Time the processes inside were held back by the CPU quota."""
        path = self.dirs.get("cpu" if self.version == 1 else "", Path("/nonexistent")) / "cpu.stat"
        try:
            for line in path.read_text().splitlines():
                key, value = line.split()
                if key == "throttled_time":
                    return int(value) / 1e9
                if key == "throttled_usec":
                    return int(value) / 1e6
        except (OSError, ValueError):
            pass
        return None
