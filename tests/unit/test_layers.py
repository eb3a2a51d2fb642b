"""The layout's rules, checked on the imports themselves (import-linter, contracts in
pyproject.toml): functions/ is handlers -> api -> logic -> dal and never back, only dal/ imports
boto3 or botocore, and the solver imports nothing of the service or AWS."""

from __future__ import annotations

import re
import subprocess

from importlinter.cli import lint_imports

from tests.sam_template import ROOT


def test_the_import_contracts_of_pyproject_hold() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_only_dal_names_boto3_or_botocore() -> None:
    """`git grep -l boto3 functions/` (and botocore) lists files under functions/dal/ only."""
    listed = subprocess.run(
        ["git", "grep", "-l", "-i", "-E", "boto3|botocore", "--", "functions/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert listed and all(path.startswith("functions/dal/") for path in listed), listed


def test_only_dal_writes_a_dynamodb_expression() -> None:
    expression = re.compile(r"\b(Update|Condition|KeyCondition|Projection|Filter)Expression\b")
    writers = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "functions").rglob("*.py"))
        if expression.search(path.read_text())
    ]
    assert writers and all(path.startswith("functions/dal/") for path in writers), writers
