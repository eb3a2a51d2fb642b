"""`optimal`: the whole batch planned together, with a proven lower bound.

1. Run the baselines (`myopic`, `nearest`, `priority`); their plans are the first columns and the
   best of them is the plan to beat: `optimal` never returns anything costlier.
2. Column generation: the master LP prices shared stock and capacity; each order is re-solved
   exactly by `solve_order` under those prices. Every full pricing pass gives a Lagrangian lower
   bound: sum over orders of the cheapest priced plan, less the priced limits. Valid for any
   prices, because each order's priced optimum is exact (or a proven bound).
3. A MIP (SCIP, LP-based branch and bound) picks one column per order under the shared
   limits, hinted with the best baseline. Reported `bound` is the best Lagrangian bound;
   the gap is measured against it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solver.deadline import Deadline
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import solve_order
from solver.pricing import ChosenShipment, OrderMethods, order_methods, price_order
from solver.strategies.base import BatchDecision
from solver.strategies.master import (
    Column,
    over_limits,
    resource_limit,
    resource_usage,
    solve_master_lp,
    solve_master_mip,
)
from solver.strategies.myopic import plan_myopic
from solver.strategies.rules import plan_nearest, plan_priority

Progress = Callable[[str], None]
DEFAULT_MIP_SECONDS = 600.0
"""Cap on the integer master when the command has no time limit."""


@dataclass
class _Pool:
    columns: list[Column]
    index: dict[object, int]

    def add(self, column: Column) -> int | None:
        """The new column's index, or None when the pool already has it."""
        if column.key in self.index:
            return None
        self.index[column.key] = len(self.columns)
        self.columns.append(column)
        return len(self.columns) - 1

    def index_of(self, column: Column) -> int:
        added = self.add(column)
        return self.index[column.key] if added is None else added


def plan_optimal(
    network: Network,
    orders: Sequence[Order],
    deadline: Deadline,
    progress: Progress | None = None,
    max_rounds: int = 60,
) -> BatchDecision:
    say = progress or (lambda _msg: None)
    ledger = Ledger.fresh(network)
    methods = [order_methods(network, o) for o in orders]
    sku_by_line = [{line.line_id: line.sku for line in o.lines} for o in orders]
    true_cost = [_cost_function(network, o, m) for o, m in zip(orders, methods, strict=True)]
    pool = _Pool([], {})

    def column(i: int, chosen: tuple[ChosenShipment, ...]) -> Column:
        usage = resource_usage(network, sku_by_line[i], chosen)
        return Column(i, chosen, true_cost[i](chosen), usage)

    for i in range(len(orders)):
        pool.add(column(i, ()))

    baselines = {
        "myopic": plan_myopic(network, orders, deadline),
        "nearest": plan_nearest(network, orders, deadline),
        "priority": plan_priority(network, orders, deadline),
    }
    baseline_cost = {}
    baseline_columns: dict[str, list[int]] = {}
    for name, decision in baselines.items():
        picked = []
        for i, chosen in enumerate(decision.shipments):
            picked.append(pool.index_of(column(i, chosen)))
        baseline_columns[name] = picked
        baseline_cost[name] = sum(pool.columns[j].cost for j in picked)
    best_name = min(baseline_cost, key=lambda k: baseline_cost[k])
    say(f"baselines: {', '.join(f'{k} {v:,.2f}' for k, v in baseline_cost.items())}")

    # Column generation with exact pricing; a Lagrangian bound from every full pass.
    total = deadline.seconds
    mip_share = 0.35 if total is not None else 0.0
    cg_until = (lambda: deadline.left() <= (total or 0) * mip_share + 2) if total else None
    bound = float("-inf")
    notes: list[str] = []
    lp = solve_master_lp(pool.columns, len(orders), ledger, max(1.0, deadline.left() - 1))
    for round_no in range(max_rounds):
        if lp is None:
            notes.append("master LP did not finish in time")
            break
        if cg_until is not None and cg_until():
            notes.append(f"column generation stopped by the time limit after {round_no} rounds")
            break
        limits_priced = sum(p * resource_limit(ledger, r) for r, p in lp.resource_prices.items())
        added, priced_sum, complete = 0, 0.0, True
        for i, order in enumerate(orders):
            if cg_until is not None and i % 64 == 0 and cg_until():
                complete = False
                break
            solution = solve_order(network, order, ledger, lp.prices, methods[i])
            priced_sum += solution.lower_bound
            reduced_cost = solution.cost - lp.order_duals[i]
            if reduced_cost < -1e-6 and solution.chosen:
                added += pool.add(column(i, solution.chosen)) is not None
        if complete:
            bound = max(bound, priced_sum - limits_priced)
        say(
            f"round {round_no + 1}: {len(pool.columns):,} columns (+{added}), "
            f"LP {lp.value:,.2f}, bound {bound:,.2f}"
        )
        if complete and added == 0:
            bound = max(bound, lp.value)  # nothing prices out: this LP is the full LP
            break
        lp = solve_master_lp(pool.columns, len(orders), ledger, max(1.0, deadline.left() - 1))

    # Integer master, hinted with the best baseline.
    mip = solve_master_mip(
        pool.columns,
        len(orders),
        ledger,
        time_limit=deadline.left() - 1 if total is not None else DEFAULT_MIP_SECONDS,
    )
    picked = baseline_columns[best_name]
    if mip is None:
        notes.append(f"master MIP found nothing in time; kept the {best_name} plan")
    elif over := over_limits(pool.columns, mip.picked, ledger):
        notes.append(f"master MIP answer broke {len(over)} limit(s); kept the {best_name} plan")
    else:
        if sum(pool.columns[j].cost for j in mip.picked) < baseline_cost[best_name] - 1e-9:
            picked = mip.picked
        state = "optimal over the columns" if mip.optimal else "stopped early"
        notes.append(f"master MIP: {state}")
    shipments = [pool.columns[j].chosen for j in picked]
    return BatchDecision(shipments, bound if bound > float("-inf") else None, notes)


def _cost_function(
    network: Network, order: Order, methods: OrderMethods
) -> Callable[[tuple[ChosenShipment, ...]], float]:
    def cost(chosen: tuple[ChosenShipment, ...]) -> float:
        plan = price_order(network, order, chosen, methods)
        assert plan.breakdown is not None
        return plan.breakdown.total

    return cost
