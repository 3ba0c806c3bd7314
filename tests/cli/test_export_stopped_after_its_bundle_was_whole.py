"""An export the panic wipe stops (SIGTERM) ends through its writer's cleanup and says what it left.
Stopped after its bundle was whole and in place (while it counted what to say, or told it), it said
"nothing was exported" while the bundle, the event log, sat on the stick: whoever reads it must know
to destroy it. It now names the bundle; stopped while writing, it still says nothing was exported and
leaves nothing there."""
from __future__ import annotations

import os
import signal

import pytest

import cli as solnet_cli
from node.home import PASSPHRASE_ENV

PASSPHRASE = "nine tents for the jungle"  # tests/cli/conftest.py's
BUNDLE_PASSPHRASE = "a bundle passphrase long enough"


@pytest.fixture(autouse=True)
def _handlers_kept():
    """The command sets SIGTERM's and SIGPIPE's handlers as a process of its own would: put them back."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGPIPE)}
    yield
    for sig, handler in before.items():
        signal.signal(sig, handler)


def _stopped_export(capsys, home, bundle, *options: str) -> str:
    """`solnet export` in this process, stopped by a SIGTERM the test sends itself; what it said."""
    with pytest.raises(SystemExit) as ended:
        solnet_cli.main(["--home", str(home), "export", str(bundle), *options])
    assert ended.value.code == solnet_cli.EXIT_INTERRUPTED
    return capsys.readouterr().err


def _wipe_signal() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.parametrize("encrypted", [False, True])
def test_an_export_stopped_after_its_bundle_was_whole_names_the_bundle(network, cli, monkeypatch, capsys, tmp_path,
                                                                       encrypted) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_BUNDLE_PASSPHRASE", BUNDLE_PASSPHRASE)
    real_emit = solnet_cli.emit
    monkeypatch.setattr(solnet_cli, "emit", lambda *a: (_wipe_signal(), real_emit(*a)))  # while it tells
    bundle = tmp_path / "calais.bundle"
    said = _stopped_export(capsys, network.a, bundle, *(["--encrypt"] if encrypted else []))
    assert "nothing was exported" not in said, said
    assert f"the bundle {bundle} was already written whole (" in said and "destroy it" in said, said
    assert ("sealed with the bundle passphrase" in said) == encrypted, said
    assert bundle.exists() and not (tmp_path / "calais.bundle.tmp").exists()
    imported = cli.run_json(network.b, "import", bundle, env={"SOLNET_BUNDLE_PASSPHRASE": BUNDLE_PASSPHRASE})
    assert imported["rejected"] == 0, imported


def test_an_export_stopped_while_writing_says_nothing_was_exported(network, monkeypatch, capsys, tmp_path) -> None:
    import node.bundle

    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    real = node.bundle.export_bundle
    monkeypatch.setattr(node.bundle, "export_bundle", lambda *a, **k: (real(*a, **k), _wipe_signal())[0])
    bundle = tmp_path / "calais.bundle"
    said = _stopped_export(capsys, network.a, bundle)
    assert "nothing was exported" in said, said
    assert not bundle.exists() and not (tmp_path / "calais.bundle.tmp").exists()
