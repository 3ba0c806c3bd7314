"""What a passphrase that does not open the keystore is said as, by where it came from.

A passphrase typed at the prompt is said as a typing matter (node.home.MistypedPassphrase). One from
$SOLNET_PASSPHRASE or from the file $SOLNET_PASSPHRASE_FILE names (a service's) was never typed
there: "try again" means nothing to a service, and the file's own slips, invisible in an editor (a
byte-order mark a Windows editor wrote, a space after the words, a second line), are what to look for.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path

from node.home import PASSPHRASE_ENV, PASSPHRASE_FILE_ENV

_DAMAGED = ("If you are sure of it, the keystore file may be damaged: restore it from a backup of the home")
_BOM = "\ufeff"


def wrong_passphrase_words() -> str:
    """The refusal of a keystore that the passphrase from the environment, a file, or a prompt did
    not open (read after the fact: the environment is the one the unlock read)."""
    if os.environ.get(PASSPHRASE_ENV):
        return (f"wrong passphrase for this node's keystore: the one in ${PASSPHRASE_ENV} does not open it. Set it to "
                f"the passphrase chosen at `solnet init` (or unset it to be asked). {_DAMAGED}")
    named = os.environ.get(PASSPHRASE_FILE_ENV)
    if named:
        slip = file_slip(Path(named))
        return (f"wrong passphrase for this node's keystore: the one in the file {named} (named by "
                f"${PASSPHRASE_FILE_ENV}) does not open it{slip}. Write the passphrase chosen at `solnet init` in "
                f"that file, alone on its first line. {_DAMAGED}")
    return f"wrong passphrase for this node's keystore; try again. {_DAMAGED}"


def file_slip(path: Path) -> str:
    """What in the passphrase file may not be what its writer meant (it counts as part of the
    passphrase), as a clause to add; "" if nothing shows or the file cannot be read now."""
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return ""
    if text.startswith(_BOM):
        # (never "write it again with printf ... > FILE": the passphrase typed in a command stays in the
        # shell's history, which outlives `solnet wipe`)
        return (" (the file begins with an invisible byte-order mark, which some editors write and which counts as "
                "part of the passphrase: save it as UTF-8 without one, or remove the mark with "
                f"`sed -i '1s/^\\xEF\\xBB\\xBF//' {shlex.quote(str(path))}`)")
    if text != text.strip(" \t"):
        return " (it begins or ends with spaces or tabs, which count as part of the passphrase)"
    if "\n" in text:
        return f" (it holds {text.count(chr(10)) + 1} lines, and every line but the last line break is read as the passphrase)"
    return ""
