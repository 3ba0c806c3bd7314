"""`solnet show` of a support request's private details without the passphrase: whether this device
is a recipient cannot be told before its key tries (the envelope's slots name nobody), so the
words must not promise it can read them: "give the passphrase to read them", then with it "this
device is not a recipient", read as a contradiction on a node that was not one."""
from __future__ import annotations

from test_no_silent_effects import _sealed_to_its_own_group, _sync


def test_a_locked_show_says_the_passphrase_reads_them_only_if_this_device_is_a_recipient(network, cli, tmp_path):
    a, b = network.a, network.b  # Calais, Bristol
    sealed = _sealed_to_its_own_group(a, cli.PASSPHRASE)  # Bristol is not a recipient
    _sync(cli, a, b, tmp_path)
    locked = cli.run(b, "show", sealed[:12], env={"SOLNET_PASSPHRASE": None}).stdout
    assert "if this device is one of their recipients, give the passphrase" in locked, locked
    unlocked = cli.run(b, "show", sealed[:12]).stdout
    assert "this device is not a recipient" in unlocked, unlocked


def test_a_view_without_the_passphrase_says_it_leaves_out_events_for_chosen_groups(network, cli, tmp_path):
    """Calais's need for chosen groups was left out of `solnet view needs` run by a script with no
    passphrase (no terminal to ask at), without a word: the list looked whole. It says so now."""
    a, b = network.a, network.b
    _sync(cli, b, a, tmp_path)  # Calais learns Bristol's device
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "3", "--region", "calais", "--to", "Bristol")
    locked = cli.run(a, "view", "needs", env={"SOLNET_PASSPHRASE": None})
    assert need[:12] not in locked.stdout
    assert "warning: events for chosen groups are held here and not shown: the keystore is locked" \
        in locked.stderr, locked.stderr
    unlocked = cli.run(a, "view", "needs")
    assert need[:12] in unlocked.stdout and "warning" not in unlocked.stderr, unlocked
    for never_sealed in ("alerts", "alert-history"):  # alerts are never for chosen groups: nothing was left out
        calm = cli.run(a, "view", never_sealed, env={"SOLNET_PASSPHRASE": None})
        assert "for chosen groups" not in calm.stderr, calm.stderr
