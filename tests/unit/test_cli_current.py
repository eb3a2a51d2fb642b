"""`omniroute plan DATASET --current CURRENT.json` re-plans with move costs, locks and fences;
`omniroute check DATASET PLAN.json --current CURRENT.json` recomputes them; a CURRENT.json
that does not match the dataset is refused with every problem (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.cli import app
from solver.loading import load_dataset
from solver.planfile import plan_json
from solver.planning import plan_dataset

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
runner = CliRunner()


@pytest.fixture(scope="module")
def current_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's myopic plan, its first order's first line locked, and one fence."""
    demo = load_dataset(DEMO).dataset
    assert demo is not None
    document = json.loads(plan_json(plan_dataset(demo, "myopic")))
    first = next(o for o in document["orders"] if o["shipments"])
    line = first["shipments"][0]["lines"][0]
    line["locked"] = line["qty"]
    shipped = next(
        s for o in document["orders"][1:] for s in o["shipments"] if s["node_id"] != "V1"
    )
    document["fences"] = [{"node_id": shipped["node_id"], "sku": shipped["lines"][0]["sku"]}]
    path = tmp_path_factory.mktemp("current") / "current.json"
    path.write_text(json.dumps(document))
    return path


def test_plan_with_current_re_plans_and_check_with_current_passes(
    current_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "replan.json"
    result = runner.invoke(
        app,
        ["plan", str(DEMO), "--current", str(current_file), "-s", "myopic", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "move penalty" in result.output and "Orders moved" in result.output
    replan = json.loads(out.read_text())
    assert replan["move_cost"] >= 0 and all("moved_units" in o for o in replan["orders"])
    checked = runner.invoke(app, ["check", str(DEMO), str(out), "--current", str(current_file)])
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("OK")


def test_check_with_current_names_a_moved_lock(current_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "replan.json"
    runner.invoke(
        app, ["plan", str(DEMO), "--current", str(current_file), "-s", "myopic", "--out", str(out)]
    )
    document = json.loads(out.read_text())
    locked_order = next(
        o
        for o in document["orders"]
        if any(pl.get("locked") for s in o["shipments"] for pl in s["lines"])
    )
    locked_order["shipments"] = []
    out.write_text(json.dumps(document))
    checked = runner.invoke(app, ["check", str(DEMO), str(out), "--current", str(current_file)])
    assert checked.exit_code == 1
    assert "locked_moved" in checked.output


def test_a_current_file_that_does_not_match_is_refused_with_every_problem(tmp_path: Path) -> None:
    current = tmp_path / "current.json"
    current.write_text(
        json.dumps(
            {
                "dataset": "demo",
                "strategy": "myopic",
                "total_cost": 0.0,
                "orders": [
                    {"order_id": "nope", "cost": 0.0},
                    {
                        "order_id": "o-000001",
                        "cost": 0.0,
                        "shipments": [
                            {
                                "node_id": "W9",
                                "method": "parcel",
                                "service": "ground",
                                "eta_days": 3,
                                "lines": [{"line_id": "1", "sku": "SKU-X", "qty": 1, "locked": 2}],
                                "billable_kg": 1,
                                "carrier_cost": 1.0,
                                "handling_cost": 1.0,
                            }
                        ],
                    },
                ],
            }
        )
    )
    for command in (
        ["plan", str(DEMO), "--current", str(current)],
        ["check", str(DEMO), str(current), "--current", str(current)],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == 2
        assert "does not match demo" in result.output
        assert "orders[0]: order 'nope' is not an order of the dataset" in result.output
        assert "order o-000001 shipment from W9: unknown node 'W9'" in result.output
        assert "locked 2 > qty 1" in result.output


def test_the_rules_cannot_re_plan(current_file: Path) -> None:
    result = runner.invoke(
        app, ["plan", str(DEMO), "--current", str(current_file), "-s", "nearest"]
    )
    assert result.exit_code == 2
    assert "nearest cannot re-plan" in result.output
