"""Groups of competing orders re-decided exactly (solver/strategies/neighbourhoods.py): the plan
never gets costlier, never breaks a limit, and on small pools reaches the optimum that
exhaustive search finds."""

from __future__ import annotations

import itertools
import random

import pytest

from solver.deadline import Budget
from solver.strategies.master import Column, Resource
from solver.strategies.neighbourhoods import improve_by_groups


def random_pool(
    seed: int, orders: int, per_order: int, resources: int
) -> tuple[list[Column], dict[Resource, int]]:
    """Every order has a costly column that uses nothing, and cheaper ones using some scarce
    resources (stock-like, limits smaller than the demand for them)."""
    rng = random.Random(seed)
    pool = [("stock", node, 0) for node in range(resources)]
    limits = {r: rng.randint(1, 3) for r in pool}
    columns: list[Column] = []
    for o in range(orders):
        columns.append(Column(o, (), 100.0 + rng.random(), ()))
        for _ in range(per_order - 1):
            use = rng.sample(pool, rng.randint(1, 2))
            usage = tuple(sorted((r, rng.randint(1, 2)) for r in use))
            columns.append(Column(o, (), round(rng.uniform(10, 90), 2), usage))
    return columns, limits


def cost(columns: list[Column], answer: list[int]) -> float:
    return sum(columns[j].cost for j in answer)


def fits(columns: list[Column], answer: list[int], limits: dict[Resource, int]) -> bool:
    used: dict[Resource, int] = {}
    for j in answer:
        for r, amount in columns[j].usage:
            used[r] = used.get(r, 0) + amount
    return all(amount <= limits[r] for r, amount in used.items())


def exhaustive_optimum(columns: list[Column], orders: int, limits: dict[Resource, int]) -> float:
    options = [[j for j, c in enumerate(columns) if c.order == o] for o in range(orders)]
    return min(
        cost(columns, list(answer))
        for answer in itertools.product(*options)
        if fits(columns, list(answer), limits)
    )


@pytest.mark.parametrize("priced", [False, True])
@pytest.mark.parametrize("seed", range(8))
def test_groups_reach_the_exhaustive_optimum_on_small_pools(seed: int, priced: bool) -> None:
    """With or without prices weighing the seeds (they must not change what is minimised)."""
    orders = 6
    columns, limits = random_pool(seed, orders=orders, per_order=3, resources=3)
    answer = [next(j for j, c in enumerate(columns) if c.order == o) for o in range(orders)]
    start = cost(columns, answer)
    prices = {r: 7.5 * (k + 1) for k, r in enumerate(limits)} if priced else None

    improve_by_groups(columns, answer, limits.get, 40.0, Budget(None), prices=prices)

    assert fits(columns, answer, limits)
    assert cost(columns, answer) <= start
    assert cost(columns, answer) == pytest.approx(exhaustive_optimum(columns, orders, limits))


def test_groups_on_a_larger_pool_keep_limits_and_only_improve() -> None:
    orders = 400
    columns, limits = random_pool(5, orders=orders, per_order=4, resources=60)
    answer = [next(j for j, c in enumerate(columns) if c.order == o) for o in range(orders)]
    start = cost(columns, answer)

    improved = improve_by_groups(columns, answer, limits.get, 12.0, Budget(None))

    assert improved > 0
    assert fits(columns, answer, limits)
    assert cost(columns, answer) < start
    assert [columns[j].order for j in answer] == list(range(orders))
