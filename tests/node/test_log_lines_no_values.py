"""The node's log (`solnet run`'s stderr: a service's journal, which no wipe reaches) writes a
failure's traceback by class and frames, never an exception's message: a KeyError or ValueError
quotes the value it met (a case's private details, a place for chosen groups), and Python's
traceback wrote it, in every `log.exception` of the node."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SECRET = "Ahmed K., 14, at the Rue des Garennes squat"
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = f"""
import logging, sys
from node import log_lines
log_lines.configure(sys.stderr)
def seal(details):
    {{}}[details]
try:
    try:
        seal({SECRET!r})
    except KeyError as exc:
        raise ValueError("cannot seal " + {SECRET!r}) from exc
except ValueError:
    logging.getLogger("solnet.node.alert_feed").exception("an alert event (row %d) could not be handed on", 7)
"""


def test_a_logged_traceback_names_classes_and_frames_never_a_value() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=ROOT, timeout=30,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    written = proc.stderr
    assert "ERROR an alert event (row 7) could not be handed on" in written, written
    assert "ValueError" in written and "in seal" in written and "KeyError" in written, written
    for value in (SECRET, "Ahmed", "Garennes"):
        assert value not in written, written
