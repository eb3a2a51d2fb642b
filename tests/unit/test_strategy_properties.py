"""Properties every batch strategy keeps on random small networks (spec §4–§6).

Each example draws a seed and sizes, builds a network and a batch of orders with the factories,
and plans it. Every plan keeps every rule of §5; `optimal` is never costlier than a baseline and
its `bound` is a true lower bound; planning is repeatable. On tiny batches the optimum is found
by exhaustive search (not by the solver's own per-order code) and `optimal` is held against it.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from solver.checker import check_plan
from solver.deadline import Deadline
from solver.models import Order, OrderPlan, Plan
from solver.network import Dataset, Network
from solver.planning import STRATEGIES, plan_dataset
from solver.pricing import ChosenShipment, order_methods, price_order
from tests.factories import random_network, random_order

CENT = 0.005
BASELINES = ("myopic", "nearest", "priority")
ALL_STRATEGIES = ("optimal", *BASELINES)
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
PROPERTY_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def random_dataset(seed: int, n_nodes: int, n_skus: int, n_orders: int) -> Dataset:
    rng = random.Random(seed)
    net = random_network(rng, n_nodes, n_skus)
    orders = tuple(random_order(rng, net, f"o-{i}", max_lines=3) for i in range(n_orders))
    return Dataset(f"random-{seed}", net, orders)


def tiny_dataset(seed: int, n_nodes: int, n_skus: int, n_orders: int) -> Dataset:
    """Orders of one line of at most 2 units, so that every plan can be enumerated."""
    rng = random.Random(seed)
    net = random_network(rng, n_nodes, n_skus)
    orders = []
    for i in range(n_orders):
        order = random_order(rng, net, f"o-{i}", max_lines=1)
        lines = tuple(line.model_copy(update={"qty": min(line.qty, 2)}) for line in order.lines)
        orders.append(order.model_copy(update={"lines": lines}))
    return Dataset(f"tiny-{seed}", net, tuple(orders))


def plan(dataset: Dataset, strategy: str) -> Plan:
    return plan_dataset(dataset, strategy, Deadline(30.0))


def cost_of(order_plan: OrderPlan) -> float:
    """The order's cost unrounded (spec §4), as `plan_dataset` adds it up."""
    assert order_plan.breakdown is not None
    return order_plan.breakdown.total


def assemble(dataset: Dataset, order_plans: Sequence[OrderPlan]) -> Plan:
    total = sum(cost_of(p) for p in order_plans)
    return Plan(
        dataset=dataset.name, strategy="brute", total_cost=round(total, 2), orders=order_plans
    )


# ------------------------------------------------------------------------- exhaustive search


def every_order_plan(net: Network, order: Order) -> Iterator[OrderPlan]:
    """Every way to spread each line's units over the nodes (the rest unfilled), every method
    key 0..5 the node may use for the order; priced by spec §3–§4."""
    methods = order_methods(net, order)
    nodes = range(len(net.nodes))
    per_line = [
        [c for c in itertools.product(range(line.qty + 1), repeat=len(nodes)) if sum(c) <= line.qty]
        for line in order.lines
    ]
    for spread in itertools.product(*per_line):
        used = [n for n in nodes if any(c[n] for c in spread)]
        keys = [[k for k in range(6) if methods.allowed(k, n)] for n in used]
        for picked in itertools.product(*keys):
            chosen = [
                ChosenShipment(
                    n, k, {line.line_id: c[n] for line, c in zip(order.lines, spread) if c[n]}
                )
                for n, k in zip(used, picked)
            ]
            yield price_order(net, order, chosen, methods)


def usage_of(order_plan: OrderPlan) -> tuple[object, ...]:
    """What an order's plan takes of the shared stock and capacity (spec §5.1, §5.2)."""
    return tuple(
        sorted(
            (
                s.node_id,
                s.method == "same_day",
                tuple(sorted((pl.sku, pl.qty) for pl in s.lines)),
            )
            for s in order_plan.shipments
        )
    )


def candidate_plans(dataset: Dataset, order: Order) -> list[OrderPlan]:
    """The order's plans that keep every rule on their own, cheapest per use of resources.

    A plan that breaks a rule alone breaks it in any batch (usage only adds up), and two plans
    that use the same stock and capacity are interchangeable in a batch, so keeping the cheaper
    one loses no batch optimum.
    """
    alone = Dataset(dataset.name, dataset.network, (order,))
    best: dict[tuple[object, ...], OrderPlan] = {}
    for order_plan in every_order_plan(dataset.network, order):
        cost = cost_of(order_plan)
        if math.isnan(cost) or not check_plan(alone, assemble(alone, [order_plan])).ok:
            continue
        key = usage_of(order_plan)
        if key not in best or cost < cost_of(best[key]):
            best[key] = order_plan
    return list(best.values())


def exhaustive_optimum(dataset: Dataset) -> float:
    """The cheapest batch plan that `check_plan` accepts, over every combination of order plans."""
    candidates = [candidate_plans(dataset, order) for order in dataset.orders]
    combos = sorted(itertools.product(*candidates), key=lambda combo: sum(map(cost_of, combo)))
    for combo in combos:  # cheapest first: the first plan that keeps every rule is the optimum
        batch = assemble(dataset, combo)
        if check_plan(dataset, batch).ok:
            return batch.total_cost
    raise AssertionError("leaving every order unfilled always keeps every rule")


# ------------------------------------------------------------------------------ properties

small_batches = given(
    seed=SEEDS,
    n_nodes=st.integers(3, 6),
    n_skus=st.integers(2, 5),
    n_orders=st.integers(3, 15),
)
"""Random small datasets: the arguments of `random_dataset`."""

# `optimal` once took 5 units of K0 from N4 where 4 were left (the master MIP's answer broke
# a resource row it was given): kept so that it is always tried.
SEED_148 = example(seed=148, n_nodes=6, n_skus=2, n_orders=14)


@PROPERTY_SETTINGS
@small_batches
@SEED_148
def test_every_strategy_plan_keeps_every_rule(
    seed: int, n_nodes: int, n_skus: int, n_orders: int
) -> None:
    dataset = random_dataset(seed, n_nodes, n_skus, n_orders)
    for strategy in ALL_STRATEGIES:
        report = check_plan(dataset, plan(dataset, strategy))
        assert report.ok, f"{strategy}: {report.violations}"


@PROPERTY_SETTINGS
@small_batches
@SEED_148
def test_optimal_never_costs_more_than_any_baseline(
    seed: int, n_nodes: int, n_skus: int, n_orders: int
) -> None:
    dataset = random_dataset(seed, n_nodes, n_skus, n_orders)
    optimal = plan(dataset, "optimal")
    assert optimal.bound is not None, optimal.notes
    assert optimal.bound <= optimal.total_cost + CENT
    for baseline in BASELINES:
        other = plan(dataset, baseline)
        found = (
            f"optimal {optimal.total_cost:.2f} (bound {optimal.bound:.2f}), "
            f"{baseline} {other.total_cost:.2f}"
        )
        assert optimal.total_cost <= other.total_cost + CENT, found
        assert optimal.bound <= other.total_cost + CENT, found


@PROPERTY_SETTINGS
@small_batches
def test_same_input_gives_the_same_plan(
    seed: int, n_nodes: int, n_skus: int, n_orders: int
) -> None:
    dataset = random_dataset(seed, n_nodes, n_skus, n_orders)
    for strategy in ALL_STRATEGIES:
        first = plan(dataset, strategy).model_dump(exclude={"solve_seconds"})
        again = plan(dataset, strategy).model_dump(exclude={"solve_seconds"})
        assert first == again, strategy


def test_optimal_brackets_the_exhaustive_optimum_between_bound_and_cost() -> None:
    """The true optimum lies in [bound, cost]: the reported gap never hides a worse answer.

    Columns come from pricing, so on a few tiny batches the plan is above the optimum (the
    pinned examples); the bound still proves how far it can be.
    """
    tally: Counter[str] = Counter()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        seed=SEEDS,
        n_nodes=st.integers(2, 3),
        n_skus=st.integers(1, 2),
        n_orders=st.integers(2, 3),
    )
    # Batches where `optimal` was found well above the optimum (its columns never held the
    # partial fill or the split the optimum needs): kept so that the bracket is always tried.
    @example(seed=121224341, n_nodes=2, n_skus=1, n_orders=3)
    @example(seed=2989, n_nodes=2, n_skus=2, n_orders=3)
    def optimal_against_exhaustive_search(
        seed: int, n_nodes: int, n_skus: int, n_orders: int
    ) -> None:
        dataset = tiny_dataset(seed, n_nodes, n_skus, n_orders)
        brute = exhaustive_optimum(dataset)
        optimal = plan(dataset, "optimal")
        found = f"optimal {optimal.total_cost:.2f} (bound {optimal.bound}), optimum {brute:.2f}"
        assert optimal.bound is not None, optimal.notes
        assert optimal.bound <= brute + CENT, found
        assert optimal.total_cost >= brute - CENT, found
        tally["equal" if optimal.total_cost <= brute + CENT else "above"] += 1

    optimal_against_exhaustive_search()
    print(f"optimal equals the exhaustive optimum in {tally['equal']} of {tally.total()} batches")
    assert tally.total() > 0


def test_the_strategies_under_test_are_every_strategy() -> None:
    assert set(ALL_STRATEGIES) == set(STRATEGIES)


@pytest.mark.parametrize("seed", range(4))
def test_exhaustive_optimum_is_no_costlier_than_any_plan_that_keeps_every_rule(seed: int) -> None:
    dataset = tiny_dataset(seed, 3, 2, 3)
    brute = exhaustive_optimum(dataset)
    unfilled = assemble(dataset, [price_order(dataset.network, o, ()) for o in dataset.orders])
    assert check_plan(dataset, unfilled).ok
    assert brute <= unfilled.total_cost + CENT
    for strategy in ALL_STRATEGIES:
        planned = plan(dataset, strategy)
        assert check_plan(dataset, planned).ok, strategy
        assert brute <= planned.total_cost + CENT, strategy
