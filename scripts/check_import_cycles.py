"""Fail if any two first-party modules import each other, directly or through others.

The layers contract (import-linter, pyproject's [tool.importlinter]) keeps the apps
pointing one way; this check goes further: within an app too, no module may sit on
an import cycle (a cycle makes the import order matter and half-initialised modules
possible). The packages are import-linter's root_packages. Imports under
`if TYPE_CHECKING:` are not run, so they do not count; nor does a function-level import
marked `# noqa: PLC0415`, the declared way to break a cycle that must exist (ruff
lists every such import, and its comment says why).

Usage: python scripts/check_import_cycles.py   (exit status 1 and the cycles if any)
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
DEFERRED = "noqa: PLC0415"


def root_packages() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return list(tomllib.load(file)["tool"]["importlinter"]["root_packages"])


def module_graph(packages: list[str]) -> dict[str, set[str]]:
    """Module -> the first-party modules it imports when it is loaded."""
    graph = grimp.build_graph(*packages, exclude_type_checking_imports=True)
    edges: dict[str, set[str]] = {module: set() for module in graph.modules}
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            details = graph.get_import_details(importer=importer, imported=imported)
            if details and all(DEFERRED in d["line_contents"] for d in details):
                continue  # a declared, function-level cycle breaker
            edges[importer].add(imported)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module, or a self-import
    (Tarjan's algorithm, iterative so deep chains do not hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, ()):
                    found.append(sorted(component))
    return sorted(found)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    packages = root_packages()
    edges = module_graph(packages)
    found = cycles(edges)
    if not found:
        print(f"No import cycles among {len(edges)} modules of {', '.join(packages)}.")
        return 0
    print(f"{len(found)} import cycle(s) between modules:")
    for component in found:
        members = set(component)
        print(f"\n  {len(component)} modules:")
        for module in component:
            inside = sorted(edges[module] & members)
            print(f"    {module} -> {', '.join(inside)}")
    print(
        "\nBreak each cycle: move what both need below both, pass the data in, or register"
        "\na hook. A function-level import marked `# noqa: PLC0415` (with why) is the last resort."
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
