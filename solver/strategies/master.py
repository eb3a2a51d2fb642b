"""The batch master problem: pick one candidate plan (column) per order under shared limits.

Rows: one convexity row per order (exactly one of its plans; the empty plan is always there)
and one row per shared resource with a finite limit: stock of a SKU at a node (§5.1), and a
node's shipments, units and same-day shipments (§5.2). The LP relaxation's duals price those
resources for column generation; the MIP picks the plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.linear_solver import pywraplp

from solver.ledger import Ledger
from solver.network import UNLIMITED, Network
from solver.order_solver import Prices
from solver.pricing import SAME_DAY, ChosenShipment

# A resource is ("stock", node, sku) or (kind, node, -1) with kind in orders/units/same_day.
Resource = tuple[str, int, int]


@dataclass(frozen=True)
class Column:
    order: int
    chosen: tuple[ChosenShipment, ...]
    cost: float
    usage: tuple[tuple[Resource, int], ...]

    @property
    def key(self) -> tuple[int, tuple[tuple[int, int, tuple[tuple[str, int], ...]], ...]]:
        return (
            self.order,
            tuple(sorted((c.node, c.key, tuple(sorted(c.units.items()))) for c in self.chosen)),
        )


def resource_usage(
    network: Network, sku_by_line: dict[str, str], chosen: Sequence[ChosenShipment]
) -> tuple[tuple[Resource, int], ...]:
    use: dict[Resource, int] = {}
    for c in chosen:
        units = 0
        for line_id, qty in c.units.items():
            r = ("stock", c.node, network.sku_index[sku_by_line[line_id]])
            use[r] = use.get(r, 0) + qty
            units += qty
        use["orders", c.node, -1] = use.get(("orders", c.node, -1), 0) + 1
        use["units", c.node, -1] = use.get(("units", c.node, -1), 0) + units
        if c.key == SAME_DAY:
            use["same_day", c.node, -1] = use.get(("same_day", c.node, -1), 0) + 1
    return tuple(sorted(use.items()))


def resource_limit(ledger: Ledger, r: Resource) -> int:
    kind, node, sku = r
    if kind == "stock":
        return int(ledger.stock[node, sku])
    if kind == "orders":
        return int(ledger.orders_left[node])
    if kind == "units":
        return int(ledger.units_left[node])
    return int(ledger.same_day_left[node])


def limited(ledger: Ledger, r: Resource) -> bool:
    return resource_limit(ledger, r) < UNLIMITED


@dataclass
class LpSolution:
    value: float
    prices: Prices
    order_duals: list[float]
    resource_prices: dict[Resource, float]


def solve_master_lp(
    columns: Sequence[Column], n_orders: int, ledger: Ledger, time_limit: float
) -> LpSolution | None:
    """The LP relaxation over the columns so far; None if GLOP did not finish."""
    lp = pywraplp.Solver.CreateSolver("GLOP")
    assert lp is not None
    take = [lp.NumVar(0.0, 1.0, "") for _ in columns]
    one_plan = [lp.Constraint(1.0, 1.0) for _ in range(n_orders)]
    rows: dict[Resource, pywraplp.Constraint] = {}
    objective = lp.Objective()
    for var, col in zip(take, columns, strict=True):
        one_plan[col.order].SetCoefficient(var, 1.0)
        objective.SetCoefficient(var, col.cost)
        for r, amount in col.usage:
            if r not in rows:
                if not limited(ledger, r):
                    continue
                rows[r] = lp.Constraint(-lp.infinity(), float(resource_limit(ledger, r)))
            rows[r].SetCoefficient(var, float(amount))
    objective.SetMinimization()
    if math.isfinite(time_limit):
        lp.SetTimeLimit(max(1, int(time_limit * 1000)))
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    resource_prices = {r: -row.dual_value() for r, row in rows.items() if row.dual_value() < -1e-9}
    prices = Prices(
        stock={(n, s): p for (k, n, s), p in resource_prices.items() if k == "stock"},
        orders={n: p for (k, n, _), p in resource_prices.items() if k == "orders"},
        units={n: p for (k, n, _), p in resource_prices.items() if k == "units"},
        same_day={n: p for (k, n, _), p in resource_prices.items() if k == "same_day"},
        n_nodes=len(ledger.orders_left),
    )
    return LpSolution(
        value=objective.Value(),
        prices=prices,
        order_duals=[row.dual_value() for row in one_plan],
        resource_prices=resource_prices,
    )


@dataclass
class MipSolution:
    picked: list[int]
    """Column index chosen for each order."""
    value: float
    bound: float
    optimal: bool


def solve_master_mip(
    columns: Sequence[Column],
    n_orders: int,
    ledger: Ledger,
    time_limit: float,
) -> MipSolution | None:
    """Pick one column per order with SCIP (LP-based branch and bound)."""
    mip = pywraplp.Solver.CreateSolver("SCIP")
    assert mip is not None
    take = [mip.BoolVar("") for _ in columns]
    by_order: list[list[int]] = [[] for _ in range(n_orders)]
    rows: dict[Resource, list[tuple[int, int]]] = {}
    for j, col in enumerate(columns):
        by_order[col.order].append(j)
        for r, amount in col.usage:
            rows.setdefault(r, []).append((j, amount))
    for js in by_order:
        mip.Add(sum(take[j] for j in js) == 1)
    for r, terms in rows.items():
        if limited(ledger, r):
            limit = resource_limit(ledger, r)
            if sum(a for _, a in terms) > limit:
                mip.Add(sum(a * take[j] for j, a in terms) <= limit)
    mip.Minimize(sum(col.cost * take[j] for j, col in enumerate(columns)))
    # No SetHint: with a hint SCIP 9.15 was seen to return a plan over a row's limit as
    # OPTIMAL. The best baseline stays the fallback in `plan_optimal`.
    if math.isfinite(time_limit):
        mip.SetTimeLimit(max(1000, int(time_limit * 1000)))
    mip.SetSolverSpecificParametersAsString("limits/gap = 0.0001\n")
    status = mip.Solve()
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    picked = [next(j for j in js if take[j].solution_value() > 0.5) for js in by_order]
    return MipSolution(
        picked=picked,
        value=mip.Objective().Value(),
        bound=mip.Objective().BestBound(),
        optimal=status == pywraplp.Solver.OPTIMAL,
    )


def over_limits(columns: Sequence[Column], picked: Sequence[int], ledger: Ledger) -> list[Resource]:
    """Resources the picked columns use beyond their limits (a guard on the MIP's answer)."""
    used: dict[Resource, int] = {}
    for j in picked:
        for r, amount in columns[j].usage:
            used[r] = used.get(r, 0) + amount
    return [
        r for r, amount in used.items() if limited(ledger, r) and amount > resource_limit(ledger, r)
    ]
