"""An update of an item for chosen groups goes to the groups that read the item: no more (a group it
was never shared with would learn of it, a squat's new address among it) and no fewer (a group left
out keeps the old time and place, and the nodes disagree on where the action is). `publish` refuses
either, naming the groups to give; a group that has left the network since is left out."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from test_no_silent_effects import _refused, _sync


def test_an_update_goes_to_the_readers_of_its_item_only(network, cli, tmp_path: Path) -> None:
    a, b = network.a, network.b  # Calais, Bristol
    _sync(cli, b, a, tmp_path)  # Calais learns Bristol's device, to seal for it
    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT20:00")
    squat = cli.publish(a, "action", "--title", "Squat opening", "--region", "calais", "--starts-at", tomorrow,
                        "--type", "direct action", "--to", "Calais")
    said = _refused(cli, a, "action.update", "--action", squat[:12], "--place", "Rue Mollien", "--to", "Bristol")
    assert "that action is shared with Calais only" in said and "(--to Calais)" in said, said
    assert "Bristol would learn of it from this update" in said
    cli.publish(a, "action.update", "--action", squat[:12], "--place", "Rue Mollien", "--to", "Calais")

    need = cli.publish(a, "need", "--category", "tents", "--quantity", "4", "--region", "calais", "--to", "Bristol")
    said = _refused(cli, a, "need.update", "--need", need[:12], "--quantity", "9", "--to", "Calais")
    assert "that need is shared with Calais and Bristol only" in said and "(--to Bristol)" in said, said
    cli.publish(a, "need.update", "--need", need[:12], "--quantity", "9", "--to", "Bristol")

    # Bristol's only device revoked (a seized phone), no new one yet: it cannot read an update now
    cli.run(b, "revoke", network.device_b, "--anyway")
    cli.run(b, "export", tmp_path / "seized.bundle")
    took = cli.run(a, "import", tmp_path / "seized.bundle", ok=False)  # (exits 1: made by a device revoked since)
    assert "accepted" in took.stdout and " 0 accepted" not in took.stdout, (took.stdout, took.stderr)
    said = _refused(cli, a, "need.update", "--need", need[:12], "--quantity", "7", "--to", "Bristol")
    assert "Bristol has no device that can read it" in said, said
    cli.publish(a, "need.update", "--need", need[:12], "--quantity", "7", "--to", "Calais")

    cli.run(b, "revoke", network.group_b, "--anyway")  # Bristol leaves the network
    cli.run(b, "export", tmp_path / "left.bundle")
    took = cli.run(a, "import", tmp_path / "left.bundle", ok=False)
    assert "accepted" in took.stdout and " 0 accepted" not in took.stdout, (took.stdout, took.stderr)
    said = _refused(cli, a, "need.update", "--need", need[:12], "--quantity", "8", "--to", "Bristol")
    assert "(--to Calais)" in said and "Bristol is no longer in the network: leave it out" in said, said
    cli.publish(a, "need.update", "--need", need[:12], "--quantity", "8", "--to", "Calais")
    assert cli.run_json(a, "show", need)["state"]["quantity"] == 8


def test_an_item_shared_with_a_group_whose_key_forked_can_still_be_withdrawn(network, cli, tmp_path: Path) -> None:
    """Bristol's group key signed two different events at one seq (a copy of its home publishing
    too): frozen, it cannot receive private details, yet it was counted among the readers an update
    must go to, so the need could be neither updated nor withdrawn, whatever --to was given."""
    import shutil

    a, b = network.a, network.b  # Calais, Bristol
    _sync(cli, b, a, tmp_path)
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "4", "--region", "calais", "--to", "Bristol")
    twin = tmp_path / "bristol-twin"
    shutil.copytree(b, twin)
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol", "--as", "group")
    cli.publish(twin, "group.profile", "--name", "Bristol Centre", "--region", "bristol", "--as", "group")  # (the same seq)
    _sync(cli, b, a, tmp_path)
    cli.run(twin, "export", tmp_path / "twin.bundle")
    cli.run(a, "import", tmp_path / "twin.bundle", ok=False)
    assert cli.run_json(a, "status")["forks"] >= 1
    said = _refused(cli, a, "need.update", "--need", need[:12], "--status", "withdrawn", "--to", "Bristol")
    assert "Bristol is frozen" in said and "leave it out" in said and "(--to Calais)" in said, said
    cli.publish(a, "need.update", "--need", need[:12], "--status", "withdrawn", "--to", "Calais")


def test_the_groups_to_give_are_said_as_to_takes_them(network, cli, tmp_path: Path) -> None:
    """A reader whose name is shown with its short id (it reads like an unnamed group's, or like
    another group's) was advised as `--to 'group 1a2b…'`, which --to refuses: followed literally, the
    advice failed. It is given by its id's first characters now."""
    a, b = network.a, network.b  # Calais, Bristol
    cli.publish(b, "group.profile", "--name", "group 0123456789ab", "--region", "bristol")
    _sync(cli, b, a, tmp_path)
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "4", "--region", "calais",
                       "--to", network.group_b[:12])
    said = _refused(cli, a, "need.update", "--need", need[:12], "--quantity", "9", "--to", "Calais")
    advised = said.split("(--to ", 1)[1].split(")", 1)[0]
    assert advised == network.group_b[:12], said
    cli.publish(a, "need.update", "--need", need[:12], "--quantity", "9", "--to", advised)
