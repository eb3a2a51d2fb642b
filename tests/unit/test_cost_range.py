"""A scenario's cost against the base, with the range the plans' bounds prove
(solver/scenarios/comparison.py `cost_range`), in the data and the words a planner reads."""

from __future__ import annotations

import csv
import io

import pytest
from rich.console import Console

from omniroute.whatif import run_whatif
from solver.kpis import Kpis
from solver.scenarios.comparison import cost_range, describe_cost_range
from solver.scenarios.results import kpis_csv, kpis_document
from tests.unit.test_scenarios_run import DEMO


def kpis(total: float, bound: float | None, strategy: str = "optimal") -> Kpis:
    """Only what the cost range reads; every other figure is left out."""
    return Kpis.model_construct(total_cost=total, bound=bound, strategy=strategy)


def test_the_bounds_prove_a_range_around_the_delta() -> None:
    # The base's best plan costs 98..100; the scenario's 101..103.1. The best plans' difference
    # is then at least 101 - 100 = +1 and at most 103.1 - 98 = +5.1.
    found = cost_range(kpis(100.0, 98.0), kpis(103.1, 101.0))
    assert found.delta == pytest.approx(3.1)
    assert found.relative == pytest.approx(0.031)
    assert (found.low, found.high) == (pytest.approx(1.0), pytest.approx(5.1))
    assert found.relative_low == pytest.approx(101 / 100 - 1)
    assert found.relative_high == pytest.approx(103.1 / 98 - 1)
    assert found.proven
    assert describe_cost_range(found) == "+3.1 % (proven between +1.0 % and +5.2 %)"


def test_a_range_that_holds_zero_is_flagged() -> None:
    found = cost_range(kpis(100.0, 98.0), kpis(100.4, 99.0))
    assert found.low is not None and found.low < 0 < (found.high or 0)
    assert not found.proven
    assert describe_cost_range(found) == (
        "+0.4 % (not proven: between -1.0 % and +2.4 %, which includes no change)"
    )


def test_a_change_that_rounds_to_nothing_reads_without_a_sign() -> None:
    found = cost_range(kpis(7139.10, 7089.42), kpis(7137.04, 7083.38))  # -0.03 %
    assert describe_cost_range(found).startswith("0.0 % (not proven: between -0.8 % and ")
    assert "-0.0 %" not in describe_cost_range(found)


def test_a_rules_plan_is_its_own_exact_cost() -> None:
    """`nearest` is what the rule does: only the base's slack widens the range."""
    found = cost_range(kpis(100.0, 98.0), kpis(120.0, None, strategy="nearest"))
    assert (found.low, found.high) == (pytest.approx(20.0), pytest.approx(22.0))
    assert found.proven
    both_rules = cost_range(kpis(100.0, None, "nearest"), kpis(90.0, None, "priority"))
    assert both_rules.low == both_rules.high == pytest.approx(-10.0)
    assert describe_cost_range(both_rules) == "-10.0 % (exact: no plan has slack)"


def test_a_search_without_a_bound_proves_no_range() -> None:
    found = cost_range(kpis(100.0, None), kpis(110.0, 108.0))
    assert found.low is None and found.high is None and not found.proven
    assert describe_cost_range(found) == "+10.0 % (no proven range: a plan without a bound)"


def test_the_range_is_in_kpis_csv_and_kpis_json(tmp_path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(
        f"base: {{dataset: {DEMO}}}\ndefaults: {{strategy: optimal, time_limit: 60}}\n"
        "scenarios:\n  rule: {strategy: nearest}\n"
    )
    result = run_whatif(path, tmp_path / "out", None, 1, Console(quiet=True))
    rows = [r for r in csv.DictReader(io.StringIO(kpis_csv(result))) if r["scenario"] == "rule"]
    cost = next(r for r in rows if r["metric"] == "total_cost")
    base, rule = result.base.kpis, result.scenarios[0].kpis
    assert base.bound is not None
    assert float(cost["proven_low"]) == pytest.approx(rule.total_cost - base.total_cost)
    assert float(cost["proven_high"]) == pytest.approx(rule.total_cost - base.bound)
    assert cost["sign_proven"] == "true"
    assert all(r["proven_low"] == "" for r in rows if r["metric"] != "total_cost")
    bound_row = next(r for r in rows if r["metric"] == "bound")
    assert float(bound_row["base"]) == pytest.approx(base.bound)
    document = kpis_document(result)["scenarios"][1]["cost_against_base"]
    assert document["proven_high"] == pytest.approx(rule.total_cost - base.bound)
    assert document["sign_proven"] is True
