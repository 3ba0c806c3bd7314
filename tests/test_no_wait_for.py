"""The program never uses `asyncio.wait_for`. On Python 3.11 (the oldest we run on) it returns the
awaited result instead of raising when a cancellation comes as that work completes: a node told to
stop as a dial, a hook's command or a link's read finished went on as if never told, and its stop
waited for ever (seen in CI and in a suite run). `asyncio.timeout` has no such gap.
Tests and benchmarks may use it: they are not stopped that way."""
from __future__ import annotations

import ast

from test_sql_boundary import PROGRAM, ROOT  # the program's files, as the SQL boundary reads them


def wait_for_in(source: str, name: str) -> list[str]:
    """Where `source` calls or imports asyncio's wait_for."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Attribute) and node.attr == "wait_for" and isinstance(node.value, ast.Name) \
                and node.value.id == "asyncio":
            found.append(f"{name}:{node.lineno}: asyncio.wait_for")
        elif isinstance(node, ast.ImportFrom) and node.module == "asyncio" and any(a.name == "wait_for" for a in node.names):
            found.append(f"{name}:{node.lineno}: from asyncio import wait_for")
    return found


def test_the_program_never_uses_asyncio_wait_for() -> None:
    assert len(PROGRAM) > 50
    offending = [hit for path in PROGRAM for hit in wait_for_in(path.read_text(), str(path.relative_to(ROOT)))]
    assert offending == [], "use asyncio.timeout (see this module's docstring):\n" + "\n".join(offending)


def test_the_check_finds_wait_for() -> None:
    assert wait_for_in("import asyncio\nasync def f(x):\n    return await asyncio.wait_for(x, 1)\n", "f.py") == \
        ["f.py:3: asyncio.wait_for"]
    assert wait_for_in("from asyncio import wait_for\n", "g.py") == ["g.py:1: from asyncio import wait_for"]
    assert wait_for_in("async def f(ws):\n    await ws.wait_for_change(1)\n", "h.py") == []
