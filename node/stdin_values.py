"""Values of `solnet publish` read from standard input, not the command line: an option given as
`-` (`--private -`, `--place -`) takes its value from there.

A command line is no place for a case's details or a sealed action's place: every local user reads
it in /proc/PID/cmdline (`ps`) while the command runs, and the shell's history keeps it in a file
that outlives a panic wipe of the home. Standard input is read by this process alone.

What is read: each `-` option a line, in the order the options are given (`--to -`, a group that may
read a sealed event, a line each time it is given: who shares with whom is sealed too); the private
details (`--private -`) everything after those lines, so they may run over several lines. At a terminal,
each is asked for by its option's name and shown as it is typed (these are notes a coordinator
reads back, not a passphrase); the private details end with Ctrl-D on a line of its own.
"""
from __future__ import annotations

from collections.abc import Collection
from typing import Any, TextIO

from events.control_chars import not_text

FROM_STDIN = "-"
HELP = ("`-` reads the value from standard input, so that it is kept off the command line (which other users "
        "of this machine see while it runs, and which the shell's history keeps): typed at a prompt, or piped")


def dashed(rest: list[str], names: list[str], options: Collection[str] = ()) -> list[str]:
    """The options of `names` (dest names, 'starts_at') given as `-` in `rest` (the command line after
    the kind), in the order given. `options`: every option string the command's parser knows, so that
    an abbreviation argparse takes for one of them (`--priv -` for `--private -`) is read as it
    (else the private details were published as a literal "-")."""
    flags = {"--" + name.lstrip("_").replace("_", "-"): name for name in names}
    order = []
    for i, word in enumerate(rest):
        flag, equals, value = word.partition("=")
        if flag not in flags and flag.startswith("--") and len(flag) > 2:
            if len(whole := [o for o in options if o.startswith(flag)]) == 1:  # argparse's rule: one it begins
                flag = whole[0]
        if flag in flags and (value if equals else rest[i + 1] if i + 1 < len(rest) else None) == FROM_STDIN:
            order.append(flags[flag])
    return order


def read_values(order: list[str], private: str | None, stream: TextIO, prompts: TextIO | None,
                many: Collection[str] = ()) -> dict[str, Any]:
    """The values of the options named in `order` (each a line of `stream`) and of `private` (the name
    of the private details' option, when it is one of them: the rest of `stream`). `prompts`: where
    to ask for each, at a terminal (None: read quietly, from a pipe). A missing line is an error.
    An option of `many` (repeatable: `--to`) may be given as `-` several times: its value is the list
    of the lines read for it, in order."""
    values: dict[str, Any] = {name: [] for name in many if name in order}
    for name in order:
        if name == private:
            continue
        if prompts is not None:
            prompts.write(f"--{name.lstrip('_').replace('_', '-')}: ")
            prompts.flush()
        line = stream.readline()
        if not line:
            raise ValueError(f"--{name.lstrip('_').replace('_', '-')} - reads a line from standard input, "
                             "and it ended before it: give one line for each option given as -, in their order")
        if name in values and isinstance(values[name], list):
            values[name].append(line.rstrip("\n"))
        else:
            values[name] = line.rstrip("\n")
    if private in order:
        if prompts is not None:
            prompts.write("Private details (shown as you type; end with Ctrl-D on a line of its own):\n")
            prompts.flush()
        values[private] = stream.read().rstrip("\n")
    for name, value in values.items():  # bytes that are not UTF-8 come as surrogates: no field holds them
        if any(not_text(v) for v in (value if isinstance(value, list) else [value])):
            raise ValueError(f"--{name.lstrip('_').replace('_', '-')} - read bytes that are not UTF-8 text from "
                             "standard input: save the text as UTF-8 (most editors offer it) and give it again")
    return values


def filled(given: list[str], read: list[str]) -> list[str]:
    """A repeatable option's values (`--to`) with each `-` replaced by the next line read for it."""
    lines = iter(read)
    return [next(lines, value) if value == FROM_STDIN else value for value in given]
