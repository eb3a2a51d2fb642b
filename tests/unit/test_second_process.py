"""The second process (solver/strategies/second_process.py) changes nothing but speed: the same
priced optima in the same order, the same `optimal` plan and bound, and it stops when the
planner's wall-clock cap runs out."""

from __future__ import annotations

import random
import time

import pytest

from solver.order_solver import OrderSolution
from solver.strategies import second_process
from solver.strategies.optimal import plan_optimal
from solver.strategies.second_process import solve_orders
from tests.factories import random_network, random_order

NOWHERE = random_network(random.Random(1), n_nodes=2, n_skus=1)
NO_ORDER = random_order(random.Random(1), NOWHERE, "o")
"""The toy solves below read no network or order; the second process only needs a batch."""


def toy_solve(i: int, prices: float, settle_below: float) -> OrderSolution:
    return OrderSolution(chosen=(), cost=i * prices, lower_bound=i * prices - settle_below)


def test_the_second_process_solves_the_second_half_and_the_answers_come_back_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(second_process, "SPLIT_FROM", 1)
    settle = [float(i % 7) for i in range(1001)]
    with second_process.second_process(toy_solve, NOWHERE, [NO_ORDER] * 1001) as helper:
        assert helper is not None
        together, complete = helper.solve_pass(1001, 2.5, settle, lambda: False)
    alone, alone_complete = solve_orders(toy_solve, range(1001), 2.5, settle, lambda: False)
    assert complete and alone_complete
    assert together == alone


def slow_solve(i: int, prices: float, settle_below: float) -> OrderSolution:
    time.sleep(0.002)
    return toy_solve(i, prices, settle_below)


def test_the_second_process_stops_when_the_planner_is_out_of_time() -> None:
    with second_process.second_process(slow_solve, NOWHERE, [NO_ORDER] * 100_000) as helper:
        assert helper is not None
        stop_at = time.monotonic() + 0.5
        started = time.monotonic()
        solved, complete = helper.solve_pass(100_000, 1.0, None, lambda: time.monotonic() > stop_at)
    assert not complete
    assert 0 < len(solved) < 100_000
    assert time.monotonic() - started < 10  # 100,000 orders would take 200 s in one process


def test_optimal_plans_the_same_with_and_without_the_second_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(77)
    net = random_network(rng, n_nodes=8, n_skus=5)
    orders = [random_order(rng, net, f"o-{k}") for k in range(60)]

    monkeypatch.setattr(second_process, "SPLIT_FROM", 10**9)
    alone = plan_optimal(net, orders, max_rounds=6)
    monkeypatch.setattr(second_process, "SPLIT_FROM", 1)
    assert second_process.can_split(len(orders))
    helped = plan_optimal(net, orders, max_rounds=6)

    assert helped.shipments == alone.shipments
    assert helped.bound == alone.bound
