"""solnet's environment variables: their names, and the environment a child program is given.

In a module of its own, loading only `os`, so that the modules that read these names (node/home.py,
node/passphrase_source.py, the CLI's start, which forbids core dumps here) or start programs
(node/verify_pool.py, node/alert_hook.py) need not import one another for them.
"""
from __future__ import annotations

import os

PASSPHRASE_ENV = "SOLNET_PASSPHRASE"
PASSPHRASE_FILE_ENV = "SOLNET_PASSPHRASE_FILE"
HOME_ENV = "SOLNET_HOME"
BUNDLE_PASSPHRASE_ENV = "SOLNET_BUNDLE_PASSPHRASE"
PROXY_ENV = "SOLNET_PROXY"
CUT_OFF_AFTER_ENV = "SOLNET_CUT_OFF_AFTER_S"  # (node/cut_off.py: seconds without a link before "cut off")


def holds_a_passphrase() -> bool:
    """Whether this process was given a passphrase in its environment (in its memory from exec on)."""
    return bool(os.environ.get(PASSPHRASE_ENV) or os.environ.get(BUNDLE_PASSPHRASE_ENV))


def no_core_dump_of_a_passphrase() -> None:
    """Forbid core dumps now (node/no_core_dump.py) if this process holds a passphrase from the start:
    $SOLNET_PASSPHRASE or $SOLNET_BUNDLE_PASSPHRASE is in its memory from the moment it began, not
    only once it unlocks the keys. A command that waits first (`solnet wipe` asking to go on, a
    publish waiting for its node's round, an import) and crashed, or got a Ctrl-\\ (SIGQUIT), wrote
    the passphrase into its core file, or systemd-coredump's journal entry (the environment too)."""
    if holds_a_passphrase():
        from node.no_core_dump import forbid_core_dumps

        forbid_core_dumps()


def child_environment() -> dict[str, str]:
    """This process's environment for a program it starts (a verify worker, the --on-alert command),
    without solnet's own variables: $SOLNET_PASSPHRASE above all. A child is a new program, dumpable
    again (node/no_core_dump.py holds for this process only): its crash would write the passphrase to
    a core file, or to systemd-coredump's journal entry (COREDUMP_ENVIRON), and any process of this
    user may read its /proc/PID/environ while it runs."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
