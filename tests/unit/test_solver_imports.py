"""The solver's modules import one another one way (no import cycle anywhere in `solver/`), and
`solver/__init__` names the public API and loads it only when used."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

import solver

NO_CYCLE = """\
[importlinter]
root_packages =
    solver

[importlinter:contract:solver-acyclic]
name = no import cycle in solver/, at any depth (imports inside functions count too)
type = acyclic_siblings
ancestors =
    solver
"""


def test_no_module_of_the_solver_imports_itself_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "importlinter.ini"
    config.write_text(NO_CYCLE)
    kept = lint_imports(config_filename=str(config), no_cache=True) == 0
    assert kept, capsys.readouterr().out


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
