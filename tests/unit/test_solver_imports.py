"""The solver's modules import one another one way: no import cycle anywhere in `solver/`;
`solver/__init__` names the public API and loads it only when used.

Read from the source with `ast`, so an import inside a function (made lazy for cold start)
counts as much as one at the top. A cycle is a design smell even when Python copes with it,
and it breaks as soon as someone moves an import to the top of a module. (Hand-written rather
than `import-linter`: that tool's contracts are about layers, and this is twenty lines.)
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import solver

SOLVER = Path(__file__).resolve().parents[2] / "solver"


def module_name(path: Path) -> str:
    parts = path.relative_to(SOLVER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def solver_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(SOLVER.rglob("*.py"))}


def imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for each `from module import name`, (module, None) for `import module`."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.extend((base, alias.name) for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Solver module -> the solver modules it imports (`from a import b`: `a.b` if a module)."""
    modules = solver_modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for module, attribute in imports(path):
            child = f"{module}.{attribute}"
            targets.add(child if child in modules else module)
        graph[name] = (targets & set(modules)) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of `graph` as a path that ends where it starts, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = "open"
        stack.append(name)
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[name] = "done"
        return None

    for name in sorted(graph):
        if name not in state and (cycle := visit(name)):
            return cycle
    return None


def test_no_module_of_the_solver_imports_itself_back() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_check_sees_a_cycle_and_lazy_imports() -> None:
    graph = import_graph()
    assert "solver.order_mip" in graph["solver.order_solver"]  # imported inside a function
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_solver_imports_nothing_of_the_adapters() -> None:
    for path in solver_modules().values():
        tops = {module.split(".")[0] for module, _ in imports(path)}
        assert not tops & {"functions", "omniroute", "boto3", "botocore"}, path


def test_the_public_api_is_each_name_of_its_home_module() -> None:
    assert sorted(solver.PUBLIC_API) == sorted(solver.__all__)
    for name, home in solver.PUBLIC_API.items():
        assert getattr(solver, name) is getattr(importlib.import_module(home), name), name


def test_a_notebook_imports_the_whole_job_from_solver() -> None:
    from solver import check_plan, load_dataset, plan_dataset, plan_kpis

    assert all(callable(f) for f in (check_plan, load_dataset, plan_dataset, plan_kpis))


def test_importing_solver_loads_none_of_it() -> None:
    """Cold start: `import solver` must not pull in numpy, pydantic or OR-Tools."""
    probe = (
        "import sys, solver; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('solver', 'numpy', 'pydantic', 'ortools')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "['solver']"
