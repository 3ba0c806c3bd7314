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

from node.environment import PASSPHRASE_ENV, PASSPHRASE_FILE_ENV

# The passphrase that opens the keystore now: init's, unless `solnet passphrase` changed it since (a
# service restarted with its old file was told to write init's, then to restore a backup: one made
# before the change brings back the keystore sealed under the old passphrase, which may be known to
# someone who left, and undoes the change).
THIS_PASSPHRASE = "the passphrase chosen at `solnet init`, or the newer one set with `solnet passphrase`"
_DAMAGED = ("If you are sure of it, the keystore file may be damaged: restore it from a backup of the home (a backup "
            "made before a `solnet passphrase` opens with the passphrase of then, the old one: change it again at once "
            "after restoring it)")
_BOM = "\ufeff"


def wrong_passphrase_words() -> str:
    """The refusal of a keystore that the passphrase from the environment, a file, or a prompt did
    not open (read after the fact: the environment is the one the unlock read)."""
    if os.environ.get(PASSPHRASE_ENV):
        return (f"wrong passphrase for this node's keystore: the one in ${PASSPHRASE_ENV} does not open it. Set it to "
                f"{THIS_PASSPHRASE} (or unset it to be asked). {_DAMAGED}")
    named = os.environ.get(PASSPHRASE_FILE_ENV)
    if named:
        slip = file_slip(Path(named))
        return (f"wrong passphrase for this node's keystore: the one in the file {named} (named by "
                f"${PASSPHRASE_FILE_ENV}) does not open it{slip}. Write in that "
                f"file, alone on its first line, {THIS_PASSPHRASE}. {_DAMAGED}")
    return f"wrong passphrase for this node's keystore; try again. {_DAMAGED}"


def file_slip(path: Path) -> str:
    """What in the passphrase file may not be what its writer meant (it counts as part of the
    passphrase), as a clause to add; "" if nothing shows or the file cannot be read now."""
    slip = _slip_of(path)
    if slip is None:
        return ""
    text, lines = slip
    if text == "bom":
        # (never "write it again with printf ... > FILE": the passphrase typed in a command stays in the
        # shell's history, which outlives `solnet wipe`)
        return (" (the file begins with an invisible byte-order mark, which some editors write and which counts as "
                "part of the passphrase: save it as UTF-8 without one, or remove the mark with "
                f"`sed -i '1s/^\\xEF\\xBB\\xBF//' {shlex.quote(str(path))}`)")
    if text == "spaces":
        return " (it begins or ends with spaces or tabs, which count as part of the passphrase)"
    return f" (it holds {lines} lines, and every line but the last line break is read as the passphrase)"


def new_keystore_refusal(path: Path) -> str | None:
    """Why the passphrase in the file `path` may not seal new keys (`solnet init`), or None. The rule
    is the one the file is read by at every unlock (node.home): the line breaks at its end are
    dropped, and all else is the passphrase; what of it no one would mean, or could type at every login (the
    prompt, the dashboard's login page), is refused before the keys are sealed with it."""
    slip = _slip_of(path)
    if slip is None:
        return None
    if slip[0] == "spaces":  # a passphrase may end with a space, but from a file one is most often a slip
        return (f"nothing was written: the passphrase in the file {path} begins or ends with spaces or tabs, which "
                "would be part of it and would have to be typed at every login (at the prompt, on the dashboard's "
                "login page). Remove them from the file and run the command again (a passphrase meant to begin or "
                f"end with a space can be typed at the prompt instead: run the command in a terminal, without "
                f"${PASSPHRASE_FILE_ENV})")
    if slip[0] == "lines":
        return (f"nothing was written: the passphrase file {path} holds {slip[1]} lines, and a passphrase is one "
                "line (the prompt and the dashboard's login page take one). Keep it alone on the first line and run "
                "the command again")
    return (f"nothing was written: the passphrase in the file {path} is not what anyone would type at a prompt or "
            f"on the dashboard's login page{file_slip(path)}. Mend the file and run the command again")


def _slip_of(path: Path) -> tuple[str, int] | None:
    """("bom", "spaces" or "lines", the number of lines) of the passphrase file, None if nothing
    shows or the file cannot be read now."""
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError):
        return None
    lines = text.count("\n") + 1
    if text.startswith(_BOM):
        return "bom", lines
    if text != text.strip(" \t"):
        return "spaces", lines
    if lines > 1:
        return "lines", lines
    return None
