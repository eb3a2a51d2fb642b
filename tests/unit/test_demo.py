"""The shipped demo is what the committed generator command writes, and it looks like a network
a retailer runs: a few percent of units unfilled, and `optimal` ships at least as many units as
the rule engines (docs/calibration.md)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.cli import app
from solver.kpis import Kpis, plan_kpis
from solver.loading import load_dataset
from solver.planning import plan_dataset

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"
FEW_PERCENT = 0.05


def demo_data_command() -> list[str]:
    """The arguments of the Makefile's `demo-data` recipe (`omniroute dataset generate ...`)."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    recipe = lines[lines.index("demo-data:") + 1]
    words = shlex.split(recipe)
    assert words[:3] == ["omniroute", "dataset", "generate"] and words[3] == "examples/demo"
    return words[1:]


def test_the_demo_is_what_the_committed_generator_command_writes(tmp_path: Path) -> None:
    arguments = demo_data_command()
    arguments[2] = str(tmp_path)
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(p.name for p in DEMO.iterdir())
    for name in written:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name


@pytest.fixture(scope="module")
def kpis() -> dict[str, Kpis]:
    loaded = load_dataset(DEMO)
    assert loaded.dataset is not None, loaded.errors
    dataset = loaded.dataset
    strategies = ("nearest", "priority", "myopic", "optimal")
    return {s: plan_kpis(dataset, plan_dataset(dataset, s)) for s in strategies}


def test_a_few_percent_of_the_demos_units_stay_unfilled(kpis: dict[str, Kpis]) -> None:
    for strategy, k in kpis.items():
        assert 0 < k.unfilled_share <= FEW_PERCENT, strategy
    assert kpis["optimal"].unfilled_cost < 0.25 * kpis["optimal"].total_cost


def test_optimal_ships_at_least_as_many_units_as_the_rules_for_less(
    kpis: dict[str, Kpis],
) -> None:
    optimal = kpis["optimal"]
    for strategy in ("nearest", "priority", "myopic"):
        assert optimal.units_shipped >= kpis[strategy].units_shipped, strategy
        assert optimal.total_cost < kpis[strategy].total_cost, strategy
