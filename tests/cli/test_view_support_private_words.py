"""`view support` tells a request whose private details this group reads from one it cannot read:
both said "[private part]", so Bristol's coordinator could not tell whether `show` would give the
details of a family to house or nothing, nor Calais's that it held them. "Shared with you" was then
odd on the group that wrote the request: "readable here" is true for its author and its recipients."""
from __future__ import annotations

from pathlib import Path


def _carry(cli, source: Path, targets: list[Path], tmp_path: Path) -> None:
    bundle = tmp_path / f"{source.name}.bundle"
    cli.run(source, "export", bundle)
    for home in targets:
        cli.run(home, "import", bundle)


def line_of(cli, home: Path, request: str) -> str:
    [line] = [line for line in cli.run(home, "view", "support").stdout.splitlines() if request[:12] in line]
    return line


def _request_carried(network, cli, tmp_path: Path, to: str) -> str:
    """Calais asks for housing with a private part sealed to `to`; both groups hold the request."""
    calais, bristol = network.a, network.b
    _carry(cli, bristol, [calais], tmp_path)
    request = cli.publish(calais, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--private", "a family of 3, Rue X", "--to", to)
    _carry(cli, calais, [bristol], tmp_path)
    return request


def test_view_support_says_whether_this_group_reads_the_private_part(network, cli, tmp_path):
    calais, bristol = network.a, network.b
    request = _request_carried(network, cli, tmp_path, "Calais")
    ours = line_of(cli, calais, request)
    assert f"[private, readable here: see `solnet show {request[:12]}`]" in ours, ours
    theirs = line_of(cli, bristol, request)
    assert "[private, not shared with this group]" in theirs, theirs
    assert "readable here" not in theirs and "[private part]" not in ours + theirs
    assert "shared with you" not in ours  # its author wrote it: nobody shared it with Calais


def test_a_recipient_group_is_told_it_reads_the_private_part_too(network, cli, tmp_path):
    request = _request_carried(network, cli, tmp_path, "Bristol")
    assert f"[private, readable here: see `solnet show {request[:12]}`]" in line_of(cli, network.b, request)
