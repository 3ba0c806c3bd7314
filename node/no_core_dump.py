"""No core dump of a process that holds the unlocked keys.

A crash (or a SIGQUIT) of a process whose core limit allows it writes its memory to disk: the
device and group seeds, the encryption key and the passphrase, in the clear, in a core file or in
systemd-coredump's store, past a panic wipe. Before the keystore is unlocked (node/home.py, the one
place keys are unlocked), the core limit is set to 0 (the soft limit: the hard one is left, since
lowering it is for good without CAP_SYS_RESOURCE, for every child and test the process runs after;
only this process could raise its soft limit again), and on Linux the process is
marked not dumpable (prctl PR_SET_DUMPABLE 0), which also holds against a limit raised from
outside (prlimit) and keeps other processes of the same user from attaching to it (ptrace) or
reading its memory. Where either is unavailable, it is skipped quietly: the keys still open.
The same holds for a `solnet publish` reading values from its standard input (`--private -`: a
case's details, typed at its prompt for minutes, then held while the running node signs them), from
before it reads them: it may never unlock the keys itself.
"""
from __future__ import annotations

import sys

PR_SET_DUMPABLE = 4  # prctl(2) option
PR_GET_DUMPABLE = 3


def forbid_core_dumps() -> None:
    """Set RLIMIT_CORE's soft limit to 0 and, on Linux, mark this process not dumpable."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ImportError, ValueError, OSError):
        pass
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        except (OSError, AttributeError):
            pass
