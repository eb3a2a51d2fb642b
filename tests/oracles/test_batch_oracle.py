"""`optimal` against the exact optimum of whole batches, found by an independent MIP (HiGHS).

Batches of 8–12 orders compete for stock and capacity (the optimum is costlier than the sum of
the orders' own optima in almost every batch: see `test_paths.py`). For each: every strategy's
plan keeps every rule and costs what it says (judged by the spec oracle), none is cheaper than
the optimum, `optimal` is no costlier than a baseline, and its `bound` is a true lower bound:
never above the optimum, nor above the LP relaxation over every plan of every order (the best
any Lagrangian bound can be), and never below the sum of the orders' own optima (the bound of
its first pass, priced at nothing).
"""

from __future__ import annotations

import pytest

from solver.planning import plan_dataset
from tests.oracles.paths import batch_paths
from tests.oracles.sampling import oracle_property
from tests.oracles.search import Limits, batch_optimum, best_choice
from tests.oracles.spec import SLACK, SpecPricer, World, judge_plan
from tests.oracles.worlds import HypothesisDraw, RandomDraw, draw_batch

BASELINES = ("myopic", "nearest", "priority")


def assert_optimal_is_bracketed(world: World, orders: list) -> None:
    pricer = SpecPricer(world)
    exact = batch_optimum(pricer, orders)
    alone = sum(best_choice(pricer, order, Limits.fresh(pricer))[1] for order in orders)
    costs = {}
    for strategy in ("optimal", *BASELINES):
        plan = plan_dataset(world.dataset(orders), strategy)
        judgement = judge_plan(world, orders, plan)
        assert not judgement.broken, (strategy, judgement.broken)
        assert plan.total_cost == pytest.approx(sum(judgement.order_costs.values()), abs=SLACK)
        assert plan.total_cost >= exact.cost - SLACK, strategy
        costs[strategy] = plan.total_cost
        if strategy == "optimal":
            bound = plan.bound
    assert costs["optimal"] <= min(costs[b] for b in BASELINES) + SLACK
    assert bound is not None
    assert bound <= exact.cost + SLACK, f"bound {bound} above the optimum {exact.cost:.2f}"
    assert bound <= exact.relaxed + SLACK, (
        f"bound {bound} above the LP relaxation {exact.relaxed:.2f}"
    )
    # The plan file's bound is floored to the cent.
    assert bound >= alone - 0.01 - SLACK, f"bound {bound} below the orders' own optima {alone:.2f}"


@pytest.mark.parametrize("seed", range(16))
def test_optimal_is_bracketed_by_the_exact_optimum(seed: int) -> None:
    assert_optimal_is_bracketed(*draw_batch(RandomDraw(seed)))


@oracle_property(in_ci=6)
def test_optimal_is_bracketed_on_drawn_batches(data) -> None:
    assert_optimal_is_bracketed(*draw_batch(HypothesisDraw(data)))


def test_the_batch_sample_competes_for_stock_and_capacity() -> None:
    """Sharing binds (the optimum costs more than the orders' own optima) in most batches, and
    the LP relaxation has a gap in some: there a bound inflated past the LP shows."""
    batches = batch_paths()
    assert batches.counts["sharing binds"] >= 12, batches.counts
    assert batches.counts["LP relaxation has a gap"] >= 4, batches.counts
