"""Whether the kernel may write this node's memory to a disk in the clear: swap.

A running node holds its unlocked keys and its passphrase in memory, and the private details it
decrypts while a page, the API or a command shows them. Short of memory (a Pi Zero 2 W has 512 MB),
the kernel pages memory out to swap; pages written to a swap file or partition on a disk stay
there in the clear after the process ends, after `solnet wipe` and after a power cut, and a card
taken switched off gives them up. Raspberry Pi OS swaps to /var/swap on the SD card by default
(dphys-swapfile). Hibernation writes the whole of memory to swap as well. Swap in memory (zram)
and swap on an encrypted device (dm-crypt, LUKS: its key dies with the power) are safe.

No process can keep itself out of swap as a whole (mlockall needs a memory-lock limit far above the
8 MiB a user has, for a node of 80 MiB), nor keep one key's bytes out (Python copies them freely),
so this module finds the swap areas a disk holds in the clear, for `solnet run` to warn of at its
start and for the panic wipe to name among what it cannot reach. Read from /proc/swaps and /sys:
Linux only; elsewhere (or unreadable) nothing is said.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

PROC_SWAPS = Path("/proc/swaps")
SYS_DEV_BLOCK = Path("/sys/dev/block")  # MAJOR:MINOR -> the block device's folder in sysfs
MAX_DEPTH = 8  # device-mapper layers followed down (LVM on LUKS on a partition is three)


def swap_areas(text: str) -> list[tuple[str, str]]:
    """(file name, type: "file" or "partition") of each swap area in /proc/swaps' text. The kernel
    writes a space in a name as \\040 (octal escapes)."""
    areas = []
    for line in text.splitlines()[1:]:  # (the first line names the columns)
        parts = line.split()
        if len(parts) >= 2:
            name = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), parts[0])
            areas.append((name, parts[1]))
    return areas


def device_of(name: str, kind: str) -> str | None:
    """MAJOR:MINOR of the block device a swap area is on: the partition itself, or the one whose
    file system holds the swap file; None if it cannot be told."""
    try:
        st = os.stat(name)
    except OSError:
        return None
    number = st.st_rdev if kind == "partition" else st.st_dev
    return f"{os.major(number)}:{os.minor(number)}"


def _in_memory_or_encrypted(device: Path, depth: int = 0) -> bool:
    """Whether the block device whose sysfs folder is `device` keeps nothing in the clear on a disk:
    zram (memory), or dm-crypt at this layer or one below it (an LVM volume on LUKS)."""
    try:
        if device.resolve().name.startswith("zram"):
            return True
        if (device / "dm" / "uuid").read_text().startswith("CRYPT-"):
            return True
    except OSError:
        pass
    if depth >= MAX_DEPTH:
        return False
    try:
        below = sorted((device / "slaves").iterdir())
    except OSError:  # not a device-mapper device: a disk or a partition, in the clear
        return False
    return bool(below) and all(_in_memory_or_encrypted(d, depth + 1) for d in below)


def clear_swaps(swaps: Path | None = None, sys_dev_block: Path | None = None,
                device: Callable[[str, str], str | None] = device_of) -> list[str]:
    """The swap areas of this machine that write memory to a disk in the clear (their names);
    a device that cannot be told is counted as clear. (Paths: /proc/swaps and /sys/dev/block.)"""
    sys_dev_block = sys_dev_block or SYS_DEV_BLOCK
    try:
        text = (swaps or PROC_SWAPS).read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux, or no /proc: nothing to say
        return []
    found = []
    for name, kind in swap_areas(text):
        if name.startswith("/dev/zram"):
            continue
        number = device(name, kind)
        if number is None or not _in_memory_or_encrypted(sys_dev_block / number):
            found.append(name)
    return found


def swap_warning(areas: list[str]) -> str | None:
    """What `solnet run` says at its start of the swap areas `clear_swaps` found, or None."""
    if not areas:
        return None
    where = ", ".join(areas)
    return (f"warning: this machine swaps to {where}, on a disk and not encrypted: the kernel may write this node's "
            "memory there (its unlocked keys, the private details it shows), where it stays after the node stops, "
            "after `solnet wipe` and after a power cut. Turn that swap off (Raspberry Pi OS: `sudo dphys-swapfile "
            "swapoff && sudo systemctl disable dphys-swapfile`) or use zram or an encrypted swap instead; no "
            "hibernation either.")
