"""Every benchmark still imports: a rename in the program cannot leave bench/ broken until someone
next runs it (bench/scale.py once named a class the link protocol had replaced). Importing runs
nothing: each script measures only under `if __name__ == "__main__"`."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__"))
def test_the_benchmark_imports(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    assert module.__doc__, f"bench/{name}.py says at its top what it measures"
