"""What the commands print reads in an 80-column terminal or a log: no "…", no raw Python
objects, plain text when the output is not a terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.cli import app

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
BOX_DRAWING = re.compile("[\u2500-\u257f]")


def run(*arguments: str) -> str:
    result = CliRunner().invoke(app, list(arguments), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def assert_fits_80_columns(text: str) -> None:
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert not BOX_DRAWING.search(text)  # not a terminal: plain tables


def test_dataset_generate_says_what_it_wrote_in_words(tmp_path: Path) -> None:
    text = run("dataset", "generate", str(tmp_path / "d"), "--orders", "50", "--stores", "5")
    assert "GenerationSummary(" not in text and "PosixPath" not in text
    assert "50 orders" in " ".join(text.split())
    assert "5 stores" in " ".join(text.split())


def test_plan_prints_its_kpis_within_80_columns() -> None:
    text = run("plan", str(DEMO), "--strategy", "nearest", "--quiet")
    assert_fits_80_columns(text)
    assert "Total cost" in text


@pytest.mark.slow
def test_whatif_prints_the_comparison_within_80_columns(tmp_path: Path) -> None:
    scenarios = tmp_path / "w.yaml"
    scenarios.write_text(
        f"base: {{dataset: {DEMO}, changes: [{{kind: spread_days, days: 2}}]}}\n"
        "defaults: {strategy: nearest}\n"
        "scenarios:\n"
        "  close-the-memphis-distribution-centre:\n"
        "    changes: [{kind: close_nodes, nodes: [W1]}]\n"
        "  ground-rates-up-8: {changes: [{kind: scale_rates, factor: 1.08}]}\n"
        "  myopic-rule: {strategy: myopic}\n"
    )
    output = run("whatif", str(scenarios), "--out", str(tmp_path / "out"), "--workers", "1")
    lines = output.splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith("Cost"))
    text = "\n".join(lines[first:])  # the tables, after the progress lines
    assert_fits_80_columns(text)
    for name in ("close-the-memphis-distribution-centre", "ground-rates-up-8", "myopic-rule"):
        assert name in text
    assert "Cost per part" in text and "total cost" in text
