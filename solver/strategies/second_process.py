"""A forked second process that solves half the orders of each pass of per-order solves
(and plans the batch with the rules while the planner runs `myopic`).

Column generation solves every order under resource prices, pass after pass; the per-order
solver is Python, so threads would not run it in parallel. A process forked from the planner
shares its network, orders and method tables without copying them. The planner solves the
first half of the orders while the second process solves the other half; the planner then
takes the answers of both halves in order, so the plan is the same with or without it. When
the planner is stopped (the wall-clock cap), it sets an event that the second process checks.

It is used only where it can help and is safe: a top-level process (what-if runs already plan
on a pool of processes), the `fork` start method, two or more cores, and batches of at least
`SPLIT_FROM` orders. If the process cannot be started (AWS Lambda has no shared memory for the
pool's locks), every order is solved in one process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.pool import Pool
from typing import Any, Protocol

from solver.models import Order
from solver.network import Network
from solver.order_solver import OrderSolution
from solver.pricing import ChosenShipment
from solver.strategies.rules import plan_nearest, plan_priority

SPLIT_FROM = 2_000
"""Fewest orders in a batch for which the second process is started."""
POLL_SECONDS = 0.05

_shared: Any = None
"""The per-order solve, the stop event and the batch, set before the fork so the child
inherits them."""

RulePlans = tuple[list[tuple[ChosenShipment, ...]], list[tuple[ChosenShipment, ...]]]
"""The shipments `nearest` and `priority` choose, per order."""


class SolveOne(Protocol):
    def __call__(self, i: int, prices: Any, settle_below: float) -> OrderSolution: ...


class SecondProcess:
    def __init__(self, solve_one: SolveOne, pool: Pool, stop_event: Any) -> None:
        self._solve_one = solve_one
        self._pool = pool
        self._stop_event = stop_event

    def start_rules(self) -> Any:
        """Plan the batch with `nearest` and `priority` in the second process; `.get()` on the
        answer gives their `RulePlans` (meanwhile the planner runs `myopic`)."""
        return self._pool.apply_async(_rules_in_child)

    def solve_pass(
        self,
        orders: int,
        prices: Any,
        settle_below: Sequence[float] | None,
        stop: Callable[[], bool],
        on_order: Callable[[int], None] | None = None,
    ) -> tuple[list[tuple[int, OrderSolution]], bool]:
        """Each of the first `orders` orders solved under `prices`, and whether every order
        was (not stopped). `on_order(n)` hears of the planner's own progress every 64 orders."""
        half = orders // 2
        self._stop_event.clear()
        second = self._pool.apply_async(
            _solve_in_child,
            (range(half, orders), prices, None if settle_below is None else settle_below[half:]),
        )
        first, first_complete = solve_orders(
            self._solve_one,
            range(half),
            prices,
            settle_below,
            lambda: stop() and _set(self._stop_event),
            on_order,
        )
        while not second.ready():
            if stop():
                self._stop_event.set()
            second.wait(POLL_SECONDS)
        rest, rest_complete = second.get()
        return first + rest, first_complete and rest_complete


def _set(event: Any) -> bool:
    event.set()
    return True


def solve_orders(
    solve_one: SolveOne,
    orders: range,
    prices: Any,
    settle_below: Sequence[float] | None,
    stop: Callable[[], bool],
    on_order: Callable[[int], None] | None = None,
) -> tuple[list[tuple[int, OrderSolution]], bool]:
    """`solve_one` for each order of `orders` until `stop` (checked every 64 orders), and
    whether it got through them all; `settle_below` is indexed from orders.start."""
    solved: list[tuple[int, OrderSolution]] = []
    for n, i in enumerate(orders):
        if n % 64 == 0:
            if stop():
                return solved, False
            if on_order is not None and n:
                on_order(n)
        below = -float("inf") if settle_below is None else settle_below[n]
        solved.append((i, solve_one(i, prices, below)))
    return solved, True


def _rules_in_child() -> RulePlans:
    network, orders = _shared[2]
    return plan_nearest(network, orders).shipments, plan_priority(network, orders).shipments


def _solve_in_child(
    orders: range, prices: Any, settle_below: Sequence[float] | None
) -> tuple[list[tuple[int, OrderSolution]], bool]:
    solve_one, stop_event, _ = _shared
    return solve_orders(solve_one, orders, prices, settle_below, stop_event.is_set)


def can_split(orders: int) -> bool:
    return (
        orders >= SPLIT_FROM
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and multiprocessing.parent_process() is None
    )


@contextmanager
def second_process(
    solve_one: SolveOne, network: Network, orders: Sequence[Order]
) -> Iterator[SecondProcess | None]:
    """A second process for the duration of the block, or None where one is not used."""
    global _shared
    if not can_split(len(orders)):
        yield None
        return
    context = multiprocessing.get_context("fork")
    try:
        stop_event = context.Event()
        _shared = (solve_one, stop_event, (network, orders))
        pool = context.Pool(1)
    except OSError:
        _shared = None
        yield None
        return
    try:
        yield SecondProcess(solve_one, pool, stop_event)
    finally:
        stop_event.set()
        pool.terminate()
        pool.join()
        _shared = None
