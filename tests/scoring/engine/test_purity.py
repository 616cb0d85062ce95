"""The engine is pure Python: no Django, plain types out, every method cited."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import scoring.engine as engine

ENGINE_DIR = Path(engine.__file__).parent
PROJECT_ROOT = ENGINE_DIR.parent.parent


def test_no_module_in_the_engine_imports_django() -> None:
    offenders = []
    for path in sorted(ENGINE_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "django"]
    assert offenders == []


def test_engine_imports_and_runs_with_django_unavailable() -> None:
    """Import the package in a fresh interpreter in which importing django fails."""
    script = """
import importlib.abc, sys

class NoDjango(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "django" or name.startswith("django."):
            raise ImportError("django is blocked for this test")
        return None

sys.meta_path.insert(0, NoDjango())
import scoring.engine as e
r = e.rank("topsis", ["a", "b"], [e.Criterion("q"), e.Criterion("p", "cost")],
           [[5, 10], [4, 12]], {"q": 0.5, "p": 0.5})
assert r.winner == "a"
e.analyse_sensitivity("weighted_sum", ["a", "b"], [e.Criterion("q"), e.Criterion("p")],
                      [[5, 1], [4, 2]], {"q": 0.5, "p": 0.5})
e.aggregate_matrix([[[1, 2], [3, 4]]])
e.ahp_priorities([[1, 3], [1 / 3, 1]])
assert not any(m == "django" or m.startswith("django.") for m in sys.modules)
print("ok")
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_every_public_function_cites_its_method() -> None:
    """Each public function's docstring names a source: an author, a year and a title."""
    missing = []
    for name in engine.__all__:
        obj = getattr(engine, name)
        if inspect.isfunction(obj):
            doc = inspect.getdoc(obj) or ""
            if not (re.search(r"\b(19|20)\d\d\b", doc) and '"' in doc):
                missing.append(name)
    assert missing == []


def test_results_are_plain_python() -> None:
    ranking = engine.rank_topsis(["a", "b"], [engine.Criterion("q")], [[1], [2]], {"q": 1.0})
    for entry in ranking.alternatives:
        assert type(entry.score) is float
        assert all(type(v) is float for v in entry.contributions.values())
        assert type(entry.separation_ideal) is float
    result = engine.ahp_priorities([[1, 2], [0.5, 1]])
    assert all(type(p) is float for p in result.priorities)
    assert type(result.lambda_max) is float and type(result.consistency_ratio) is float
    aggregated = engine.aggregate_matrix([[[1, 2]]])
    assert type(aggregated.values[0][0]) is float and type(aggregated.counts[0][0]) is int
