"""Plan a batch with a named strategy and assemble the plan file of spec §6."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

from solver.deadline import WORK_PER_SECOND, Budget, Deadline, default_work
from solver.models import Order, Plan
from solver.network import Dataset, Network
from solver.pricing import price_order
from solver.strategies.base import BatchDecision
from solver.strategies.myopic import plan_myopic
from solver.strategies.optimal import plan_optimal
from solver.strategies.progress import Progress, ProgressEvent
from solver.strategies.rules import plan_nearest, plan_priority

PRICING_SECONDS_PER_ORDER = 2e-4
"""Time kept, per order, for pricing the strategy's plan within the caller's time limit."""

REPLAN_STRATEGIES = ("optimal", "myopic")
"""The strategies that re-plan orders holding an allocation (spec §7): the rules (`nearest`,
`priority`) know nothing of locks and move penalties."""

Strategy = Callable[[Network, Sequence[Order], Budget, Progress | None], BatchDecision]

STRATEGIES: dict[str, Strategy] = {
    "optimal": lambda net, orders, budget, progress: plan_optimal(net, orders, budget, progress),
    "myopic": lambda net, orders, _budget, _progress: plan_myopic(net, orders),
    "nearest": lambda net, orders, _budget, _progress: plan_nearest(net, orders),
    "priority": lambda net, orders, _budget, _progress: plan_priority(net, orders),
}

__all__ = ["STRATEGIES", "Progress", "ProgressEvent", "plan_dataset", "search_work"]


def search_work(
    seconds: float | None, orders: int, per_second: float = WORK_PER_SECOND
) -> float | None:
    """The work units a time limit of `seconds` buys a batch of `orders` orders by default:
    what fits once the plan has been priced, at `per_second` units a second (None: no limit).
    It depends on the limit and the batch only, never on how long anything took, so the
    default search is the same anywhere."""
    if seconds is None:
        return None
    return default_work(max(0.5, seconds - PRICING_SECONDS_PER_ORDER * orders), per_second)


def plan_dataset(
    dataset: Dataset,
    strategy: str,
    deadline: Deadline | None = None,
    progress: Progress | None = None,
    work: float | None = None,
    shared_passes: bool = True,
) -> Plan:
    """Plan every order of the dataset with `strategy` and price the result (spec §3, §4); on
    a network that re-plans, with the move cost of spec §7.

    The search does `work` units (default: `search_work` of the deadline's seconds), and the
    deadline caps it: a search the cap stops early says so (`Plan.time_limit_hit`). Without
    `shared_passes` the search starts no second process and charges its passes whole (see
    `Budget.shared_passes`)."""
    if dataset.network.current is not None and strategy not in REPLAN_STRATEGIES:
        raise ValueError(f"{strategy} cannot re-plan orders that hold an allocation (§7)")
    deadline = deadline or Deadline(None)
    started = time.monotonic()
    cap = deadline
    if deadline.seconds is not None:  # keep time to price the plan (measured ~0.09 ms an order)
        reserve = PRICING_SECONDS_PER_ORDER * len(dataset.orders)
        cap = Deadline(max(0.5, deadline.left() - reserve))
    if work is None:
        work = search_work(deadline.seconds, len(dataset.orders))
    budget = Budget(work, cap, shared_passes=shared_passes)
    decision = STRATEGIES[strategy](dataset.network, dataset.orders, budget, progress)
    solve_seconds = time.monotonic() - started
    order_plans = tuple(
        price_order(dataset.network, order, chosen)
        for order, chosen in zip(dataset.orders, decision.shipments, strict=True)
    )
    total = sum(p.breakdown.total for p in order_plans if p.breakdown is not None)
    moves = [p.breakdown.move for p in order_plans if p.breakdown is not None]
    move_cost = None if dataset.network.current is None else round(sum(m or 0.0 for m in moves), 2)
    return Plan(
        dataset=dataset.name,
        strategy=strategy,
        total_cost=round(total, 2),
        bound=None if decision.bound is None else math.floor(decision.bound * 100) / 100,
        orders=order_plans,
        solve_seconds=round(solve_seconds, 3),
        notes=tuple(decision.notes),
        move_cost=move_cost,
        work=None if decision.work is None else round(decision.work, 3),
        time_limit_hit=decision.time_limit_hit,
    )
