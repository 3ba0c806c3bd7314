"""The root of solnet's own errors and the exit codes of the `solnet` command.

Every error solnet raises on purpose derives from SolnetError: `str(exc)` is a sentence for
people (what went wrong, what to do next), `reason` a stable code for programs, `exit_code` the
hint for the command line and `http_status` the hint for the HTTP API. Subclasses set these as
class attributes (an instance may carry its own `reason`), so the CLI maps every error in one
place (cli.exit_code_of) instead of one `except` per class.

This module is pure and imports nothing of solnet: the lowest floors (crypto/, events/) derive
their errors from it too.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

# Exit codes, as documented in the README's table.
EXIT_OK = 0
EXIT_REFUSED = 1  # understood, but refused: bad content, unknown id, damaged file, unreachable peer
EXIT_USAGE = 2  # the command line is wrong: unknown option, missing argument, a value of the wrong form
EXIT_HOME = 3  # the home or keystore is not usable: not set up, not joined, passphrase, node already running
EXIT_STORAGE = 4  # storage failure: disk full, damaged database
EXIT_INTERRUPTED = 130  # Ctrl-C


class SolnetError(Exception):
    """An error solnet raises on purpose; the message says what went wrong and what to do."""

    reason: str = "refused"
    exit_code: int = EXIT_REFUSED
    http_status: int = 400
    # How a page says it in its own words, where it can: the key of those words in the dashboard's
    # catalogs (error.<key>) and the values they name (a group's name, a time in the form's zone):
    # a page chooses its words by key, never by reading this English text (a reworded message fell
    # back to "Check this field." unnoticed). None: no words of its own yet (said as written).
    key: str | None = None
    values: Mapping[str, Any] = MappingProxyType({})


class KeyedError(SolnetError):
    """A SolnetError made with the key of its words and their values: `KeyedError(message, key, **values)`
    (the refusals of a value typed, of a field's rule, of a peer address, of private details)."""

    def __init__(self, message: str, key: str | None = None, /, **values: Any) -> None:
        super().__init__(message)
        self.key, self.values = key, values

    @classmethod
    def said(cls, words: Said, prefix: str = "") -> KeyedError:
        """The error that says `words` (a rule's, with their key), its English after `prefix`."""
        return cls(prefix + words, words.key, **words.values)


class Said(str):
    """What a rule says is wrong (events.fields, events.kinds.relation_problems), in English, with the
    key of its words and their values (SolnetError.key): still a str, so the log's own refusals
    (InvalidEvent) and the command line keep their sentence, made only when a value is refused."""

    key: str
    values: Mapping[str, Any]

    def __new__(cls, text: str, key: str, /, **values: Any) -> Said:
        said = super().__new__(cls, text)
        said.key, said.values = key, values
        return said

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, Any]]:
        # made again with its key: an ingest worker's refusal (InvalidEvent) is pickled to the node
        return (str(self), self.key), dict(self.values)


class UsageError(SolnetError):
    """The command line (or the request) is malformed: a value that is not of its form."""

    reason = "usage"
    exit_code = EXIT_USAGE
    http_status = 400
