"""A second process that prices half of each column-generation pass.

Pricing is Python (the per-order solver), so threads would not run it in parallel; a process
forked from the planner shares its network, orders and method tables without copying them. The
planner prices the first half of the orders while the helper prices the second; the planner
then adds columns from both halves in order, so the pool grows exactly as it would in one
process. When the planner's time is up it sets an event that the helper also checks.

A helper is used only where it can help and is safe: a top-level process (what-if runs already
plan on a pool of processes), the `fork` start method, two or more cores, and batches of at
least `HELP_FROM` orders. If the process cannot be started (AWS Lambda has no shared memory for
the pool's locks), pricing stays in one process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.pool import Pool
from typing import Any, Protocol

from solver.order_solver import OrderSolution

HELP_FROM = 2_000
"""Fewest orders in a batch for which a helper process is started."""
POLL_SECONDS = 0.05

_shared: Any = None
"""The pricing function and the stop event, set before the fork so the helper inherits them."""


class PriceOne(Protocol):
    def __call__(self, i: int, prices: Any, settle_below: float) -> OrderSolution: ...


class PricingHelper:
    def __init__(self, price_one: PriceOne, pool: Pool, stop_event: Any) -> None:
        self._price_one = price_one
        self._pool = pool
        self._stop_event = stop_event

    def price(
        self,
        orders: int,
        prices: Any,
        settle_below: Sequence[float] | None,
        stop: Callable[[], bool],
    ) -> tuple[list[tuple[int, OrderSolution]], bool]:
        """Each of the first `orders` orders' priced optimum, and whether every order got one
        (not stopped)."""
        half = orders // 2
        self._stop_event.clear()
        second = self._pool.apply_async(
            _price_range,
            (range(half, orders), prices, None if settle_below is None else settle_below[half:]),
        )
        first, first_complete = price_range(
            self._price_one,
            range(half),
            prices,
            settle_below,
            lambda: stop() and _set(self._stop_event),
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


def price_range(
    price_one: PriceOne,
    orders: range,
    prices: Any,
    settle_below: Sequence[float] | None,
    stop: Callable[[], bool],
) -> tuple[list[tuple[int, OrderSolution]], bool]:
    """`price_one` for each order of `orders` until `stop` (checked every 64 orders), and
    whether it got through them all; `settle_below` is indexed from orders.start."""
    solved: list[tuple[int, OrderSolution]] = []
    for n, i in enumerate(orders):
        if n % 64 == 0 and stop():
            return solved, False
        below = -float("inf") if settle_below is None else settle_below[n]
        solved.append((i, price_one(i, prices, below)))
    return solved, True


def _price_range(
    orders: range, prices: Any, settle_below: Sequence[float] | None
) -> tuple[list[tuple[int, OrderSolution]], bool]:
    price_one, stop_event = _shared
    return price_range(price_one, orders, prices, settle_below, stop_event.is_set)


def can_help(orders: int) -> bool:
    return (
        orders >= HELP_FROM
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
        and multiprocessing.parent_process() is None
    )


@contextmanager
def pricing_helper(price_one: PriceOne, orders: int) -> Iterator[PricingHelper | None]:
    """A helper process for the duration of the block, or None where one is not used."""
    global _shared
    if not can_help(orders):
        yield None
        return
    context = multiprocessing.get_context("fork")
    try:
        stop_event = context.Event()
        _shared = (price_one, stop_event)
        pool = context.Pool(1)
    except OSError:
        _shared = None
        yield None
        return
    try:
        yield PricingHelper(price_one, pool, stop_event)
    finally:
        stop_event.set()
        pool.terminate()
        pool.join()
        _shared = None
