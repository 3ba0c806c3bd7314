"""Swap on a disk in the clear (node/swap.py): the running node's memory, its unlocked keys and the
private details it showed, may be paged out to it (Raspberry Pi OS swaps to /var/swap on the SD
card), where it outlives the node, the panic wipe and a power cut. Nothing said it: `solnet run`
now warns at its start, and the wipe names it among what it cannot reach."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from node import render, swap
from node import wipe as wipe_module
from node.demo import localnet
from node.home import Home

PASS = "swap test passphrase"
HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"


def _swaps(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "swaps"
    path.write_text(HEADER + "".join(line + "\n" for line in lines))
    return path


def _device(sys_dev_block: Path, number: str, *, name: str, uuid: str | None = None,
            below: tuple[Path, ...] = ()) -> Path:
    """A block device's sysfs folder as the kernel shows it: /sys/dev/block/MAJ:MIN a link to it."""
    folder = sys_dev_block.parent / "devices" / name
    folder.mkdir(parents=True)
    if uuid is not None:
        (folder / "dm").mkdir()
        (folder / "dm" / "uuid").write_text(uuid + "\n")
    if below:
        (folder / "slaves").mkdir()
        for device in below:
            (folder / "slaves" / device.name).symlink_to(device)
    sys_dev_block.mkdir(parents=True, exist_ok=True)
    (sys_dev_block / number).symlink_to(folder)
    return folder


def test_a_swap_file_on_the_card_is_found_and_memory_or_encrypted_swap_is_not(tmp_path: Path) -> None:
    block = tmp_path / "sys" / "dev" / "block"
    card = _device(block, "179:2", name="mmcblk0p2")
    luks = _device(block, "254:0", name="dm-0", uuid="CRYPT-LUKS2-0123-cryptswap")
    _device(block, "254:1", name="dm-1", uuid="LVM-abc", below=(luks,))  # an LVM volume on LUKS
    _device(block, "254:2", name="dm-2", uuid="LVM-def", below=(card,))  # an LVM volume on a plain partition
    _device(block, "252:0", name="zram0")
    devices = {"/var/swap": "179:2", "/dev/dm-0": "254:0", "/srv/swap file": "254:1", "/dev/dm-2": "254:2",
               "/dev/zram0": "252:0", "/dev/zram1": "252:1"}
    swaps = _swaps(tmp_path, "/var/swap    file  102396  0  -2", "/dev/dm-0  partition  1000  0  -3",
                   "/srv/swap\\040file  file  1000  0  -4", "/dev/dm-2  partition  1000  0  -5",
                   "/dev/zram0  partition  1000  0  100", "/dev/zram1  partition  1000  0  100",
                   "/mnt/gone/swap  file  1000  0  -6")
    found = swap.clear_swaps(swaps, block, lambda name, kind: devices.get(name))
    # the card's swap file, a volume on a plain partition, and one that cannot be told
    assert found == ["/var/swap", "/dev/dm-2", "/mnt/gone/swap"]
    warning = swap.swap_warning(found)
    assert warning is not None and "/var/swap" in warning and "dphys-swapfile" in warning and "zram" in warning


def test_no_swap_or_no_proc_says_nothing(tmp_path: Path) -> None:
    assert swap.clear_swaps(_swaps(tmp_path), tmp_path) == []
    assert swap.clear_swaps(tmp_path / "no-such-file", tmp_path) == []
    assert swap.swap_warning([]) is None


def test_the_real_device_of_a_swap_file_is_the_file_systems(tmp_path: Path) -> None:
    a_file = tmp_path / "swapfile"
    a_file.write_bytes(b"")
    st = os.stat(a_file)
    assert swap.device_of(str(a_file), "file") == f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
    assert swap.device_of(str(tmp_path / "absent"), "file") is None


@pytest.mark.integration
def test_the_wipe_names_a_swap_in_the_clear_it_cannot_reach(tmp_path: Path, monkeypatch) -> None:
    calais, _ = localnet.create_network(tmp_path, [("Calais", "calais"), ("Bristol", "bristol")], PASS)
    monkeypatch.setattr(swap, "PROC_SWAPS", _swaps(tmp_path, "/mnt/card/swap  file  102396  0  -2"))
    report = wipe_module.wipe(Home(calais.home.path))
    assert report.clear_swap == ["/mnt/card/swap"]
    said = render.wipe_text(report, str(calais.home.path))
    assert "not touched: the swap at /mnt/card/swap" in said and "shred -u" in said, said
