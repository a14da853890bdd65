"""The import graph stays layered: no cycles between packages or modules, and no upward import.

Read from the source with `ast` (every import, including those inside functions, counts; only
`if TYPE_CHECKING:` blocks are left out, since they never run), so it needs nothing installed.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = {"service": ROOT / "service", "models": ROOT / "models", "training": ROOT / "training",
           "trustdata": ROOT / "datasets" / "trustdata", "benchmarks": ROOT / "benchmarks"}

# Lower layers never import higher ones. Packages of service/ not named here are domains.
LAYERS: dict[str, int] = {
    "models": 0, "trustdata": 0,
    "service.kit": 1, "service.images": 2, "service.core": 3, "service.auth": 4,
    # domains: 5 (may import each other, never in a cycle)
    "service.migrations": 6, "service.app": 7,
    "training": 8, "benchmarks": 8,
}
DOMAIN_LAYER = 5


def module_name(package: str, base: Path, path: Path) -> str:
    parts = [package, *path.relative_to(base).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[:len(base) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))


def module_graph(sources: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the project modules it imports (names resolved to existing modules)."""
    files = {module_name(pkg, base, p): p for pkg, base in sources.items()
             for p in base.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        targets = set()
        for imported in imports_of(ast.parse(path.read_text()), name, path.name == "__init__.py"):
            while imported and imported not in files:  # "pkg.mod.func" -> "pkg.mod"
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "service" and len(parts) > 1 else parts[0]


def layer_of(package: str) -> int:
    return LAYERS.get(package, DOMAIN_LAYER if package.startswith("service.") else 0)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        for target in targets:
            if package_of(module) != package_of(target):
                packages[package_of(module)].add(package_of(target))
    return dict(packages)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets
                  if layer_of(package_of(t)) > layer_of(package_of(m)))


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return module_graph(SOURCES)


def test_no_module_imports_another_in_a_cycle(graph) -> None:
    assert cycles(graph) == []


def test_no_package_imports_another_in_a_cycle(graph) -> None:
    assert cycles(package_graph(graph)) == []


def test_no_layer_imports_a_higher_one(graph) -> None:
    assert upward_imports(graph) == []


def test_the_checks_catch_what_they_guard_against(tmp_path) -> None:
    """A planted cycle between two domains and an upward import from models/ are found."""
    (tmp_path / "service" / "alpha").mkdir(parents=True)
    (tmp_path / "service" / "beta").mkdir(parents=True)
    (tmp_path / "models").mkdir()
    for folder in ("service", "service/alpha", "service/beta", "models"):
        (tmp_path / folder / "__init__.py").write_text("")
    (tmp_path / "service" / "alpha" / "service.py").write_text(
        "def f():\n    from service.beta.service import g\n    return g\n")
    (tmp_path / "service" / "beta" / "service.py").write_text(
        "from service.alpha import service as alpha\n")
    (tmp_path / "models" / "risk.py").write_text("from service.alpha.service import f\n")
    planted = module_graph({"service": tmp_path / "service", "models": tmp_path / "models"})
    assert cycles(planted) == [["service.alpha.service", "service.beta.service"]]
    assert cycles(package_graph(planted)) == [["service.alpha", "service.beta"]]
    assert upward_imports(planted) == ["models.risk -> service.alpha.service"]
