"""`omniroute check`: the checker's result as text, a verdict then every violation by rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.check_report import check_report_text
from omniroute.cli import app
from solver.checker import RULES, CheckResult, Violation, check_plan
from solver.loading import load_dataset
from solver.network import Dataset
from solver.planfile import write_plan
from solver.planning import plan_dataset

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"


@pytest.fixture(scope="module")
def demo() -> Dataset:
    loaded = load_dataset(DEMO)
    assert loaded.dataset is not None
    return loaded.dataset


def test_a_plan_that_keeps_every_rule_reads_ok_with_its_total() -> None:
    result = CheckResult((), 1234.5, {"o-1": 1000.0, "o-2": 234.5})
    assert check_report_text(result) == (
        "OK: the plan keeps every rule (recomputed total 1234.50, 2 orders)"
    )


def test_a_total_no_rate_prices_is_said_in_words_not_nan() -> None:
    result = CheckResult(
        (Violation("no_rate", "o-2", "shipment 1: no ground rate for 80 kg billable"),),
        float("nan"),
        {"o-1": 10.0, "o-2": float("nan")},
    )
    text = check_report_text(result)
    assert "nan" not in text
    assert text.splitlines()[0] == (
        "1 violation(s) of 1 rule(s) (no recomputed total: 1 order(s) ship what no carrier "
        "rate prices):"
    )


def test_violations_are_grouped_by_rule_in_the_order_of_the_rules() -> None:
    result = CheckResult(
        (
            Violation("wrong_total", None, "total_cost 10.00 but the orders recompute to 9.00"),
            Violation("stock", None, "node W1, sku A: over by 1"),
            Violation("wrong_total", None, "again"),
        ),
        9.0,
    )
    assert list(RULES).index("stock") < list(RULES).index("wrong_total")
    assert check_report_text(result).splitlines() == [
        "3 violation(s) of 2 rule(s) (recomputed total 9.00):",
        f"stock (§5.1, 1×): {RULES['stock'][1]}",
        "  - node W1, sku A: over by 1 (§5.1)",
        f"wrong_total (§6, 2×): {RULES['wrong_total'][1]}",
        "  - total_cost 10.00 but the orders recompute to 9.00 (§6)",
        "  - again (§6)",
    ]


def test_the_check_command_prints_the_text_and_exits_1_on_a_broken_plan(
    demo: Dataset, tmp_path: Path
) -> None:
    plan = plan_dataset(demo, "nearest")
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    write_plan(plan, good)
    broken = json.loads(good.read_text())
    broken["orders"][0]["shipments"][0]["eta_days"] += 1
    bad.write_text(json.dumps(broken))
    runner = CliRunner()

    ok = runner.invoke(app, ["check", str(DEMO), str(good)])
    assert ok.exit_code == 0
    assert ok.output.strip() == check_report_text(check_plan(demo, plan))

    failed = runner.invoke(app, ["check", str(DEMO), str(bad)])
    assert failed.exit_code == 1
    assert failed.output.splitlines()[:2] == [
        "1 violation(s) of 1 rule(s) (recomputed total "
        f"{check_plan(demo, plan).recomputed_total:.2f}):",
        f"wrong_eta (§3, 1×): {RULES['wrong_eta'][1]}",
    ]
