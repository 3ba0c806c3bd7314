"""The code's layout holds: no import cycle anywhere in the packages, and the pure cores stay pure.

Imports are read with `ast` from the source (nothing is imported), every `import` statement
counted, those under `if TYPE_CHECKING:` and inside functions too: a cycle that only type hints or
a late import hide is still two modules that cannot be understood one without the other.
`from package import module` depends on that module (and its package's __init__ only through it).
"""
from __future__ import annotations

import ast
import functools
from collections.abc import Collection
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crypto", "events", "node", "sync")
# I/O belongs at the edges: these modules may not import aiohttp, sqlite3, asyncio or a clock.
PURE = ("crypto", "events", "sync.antientropy", "sync.gossip", "sync.link", "sync.link_commands", "sync.messages", "sync.errors", "sync.overlay",
        "sync.handshake", "sync.channel", "node.key_elsewhere", "node.linked_twice")
IO_MODULES = {"aiohttp", "sqlite3", "asyncio", "socket", "time"}


def modules() -> dict[str, Path]:
    found = {"cli": ROOT / "cli.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def imported_names(path: Path, package: str, known: Collection[str] = ()) -> set[str]:
    """Every module name an import statement of `path` names (relative ones resolved). With
    `known` modules, `from pkg import name` names pkg.name when that is a module, else pkg."""
    names: set[str] = set()
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                names.add(full if full in known or not known else base)
            if not known:
                names.add(base)
    return names


def import_graph() -> dict[str, set[str]]:
    found = modules()
    graph = {}
    for name, path in found.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = {d for d in imported_names(path, package, found) if d in found and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), and self-loops."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph[v]:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50 and "node.net.node" in graph["cli"] | set().union(*graph.values())
    assert cycles(graph) == [], "modules that import each other, directly or round about"


def test_the_check_finds_a_cycle_when_there_is_one():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert cycles({"a": {"a"}}) == [["a"]]


def test_from_package_import_module_depends_on_the_module(tmp_path):
    path = tmp_path / "x.py"
    path.write_text("from node.net import peer_link\nfrom node.net import Node\nfrom . import sibling\n"
                    "if False:\n    import sync.link\n")
    known = {"node.net", "node.net.peer_link", "node.dashboard.sibling", "sync.link"}
    assert imported_names(path, "node.dashboard", known) == known


@pytest.mark.parametrize("pure", PURE)
def test_the_pure_cores_do_no_io(pure):
    found = modules()
    names = [n for n in found if n == pure or n.startswith(pure + ".")]
    assert names, pure
    for name in names:
        path = found[name]
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        io = {imported.split(".")[0] for imported in imported_names(path, package)} & IO_MODULES
        assert not io, f"{name} imports {sorted(io)}: I/O and clocks belong in node/ and sync's transport modules"


def test_the_link_and_the_web_see_ports_not_the_node():
    graph = import_graph()
    for module in ("node.net.peer_link", "node.api", "node.dashboard.app", "node.webapp"):
        assert "node.net.node" not in graph[module] and "node.net" not in graph[module], module


def test_every_logger_is_named_solnet_dot_its_module():
    """One naming scheme: configuring the "solnet" logger reaches every message of the program."""
    found = modules()
    loggers = 0
    for name, path in found.items():
        for node in ast.walk(parsed(path)):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "getLogger":
                loggers += 1
                assert ast.unparse(node.args[0]) == "f'solnet.{__name__}'", f"{name}: {ast.unparse(node)}"
    assert loggers >= 5


def test_no_two_test_modules_share_a_name():
    """pytest imports test modules by their file name (each test folder is on the path): a second
    test_x.py in another folder stops the whole run at collection ("import file mismatch")."""
    seen: dict[str, Path] = {}
    for path in sorted((ROOT / "tests").rglob("test_*.py")):
        assert path.name not in seen, f"{path.relative_to(ROOT)} and {seen[path.name].relative_to(ROOT)}: rename one"
        seen[path.name] = path


def test_no_test_module_imports_a_conftest():
    """Every test folder's conftest.py is imported as the module `conftest`, so `from conftest import
    X` takes X from whichever folder's conftest pytest loaded last: run with another folder (tests/api
    then tests/dashboard, under xdist), a test got the API tests' passphrase, or stopped the run at
    collection. A test takes a conftest's helpers through its fixture (tests/cli/conftest.py `cli`) or
    from a plain module of a unique name (tests/dashboard/page_text.py)."""
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            if any(name is not None and name.split(".")[0] == "conftest" for name in names):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"imports a conftest by name (use its fixture): {', '.join(found)}"
