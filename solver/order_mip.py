"""Exact MIP for one order (SCIP through pywraplp), for the cases enumeration cannot settle.

Used by `order_solver` when an order has too many possible shipment contents to enumerate, or
when the enumeration's relaxation takes two shipments from one node. Same costs, same rules.
`order_solver` imports this module only when it needs it: pywraplp is slow to import.
"""

from __future__ import annotations

import math

import numpy as np
from ortools.linear_solver import pywraplp

from solver.models import Order
from solver.network import Network
from solver.order_problem import CandidateNodes, Floors, Item, OrderSolution, line_units
from solver.pricing import ChosenShipment, billable_kg, weight_column


def _weight_bands(curve: np.ndarray) -> list[tuple[int, float, int]]:
    """Runs of equal cost in a node's cost-by-weight curve: (heaviest kg, cost, first column)."""
    bands: list[tuple[int, float, int]] = []
    top = len(curve) - 1  # the last column is "heavier than any rate row"
    for col in range(1, top + 1):
        cost = float(curve[col])
        if not np.isfinite(cost):
            continue
        if bands and bands[-1][1] == cost and bands[-1][0] == col - 1:
            bands[-1] = (col, cost, bands[-1][2])
        else:
            bands.append((col, cost, col))
    return bands


def solve_order_mip(
    network: Network,
    order: Order,
    items: list[Item],
    cands: CandidateNodes,
    penalty: np.ndarray,
    floors: Floors | None = None,
) -> OrderSolution:
    """The exact optimum over the candidate rows; with `floors` (an order holding a current
    allocation, spec §7), the rows it must ship from, what it must keep there, and the bonus
    per unit kept where it was held. With floors that no plan meets, an empty solution of
    infinite cost and bound (without floors the empty plan is always feasible)."""
    settings = network.settings
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:  # pragma: no cover - SCIP ships with OR-Tools wheels
        raise RuntimeError("OR-Tools was built without SCIP")
    inf = solver.infinity()
    total_weight = sum(it.weight * it.qty for it in items) + 1.0
    n_items = len(items)

    # Variables: ships_from[n] (one shipment per node), band[n, b], units[i, n].
    ships_from, bands_of, units = {}, {}, {}
    for j in range(len(cands.nodes)):
        bands = _weight_bands(cands.curve[j])
        if not bands:
            continue
        ships_from[j] = solver.BoolVar(f"ships_from[{j}]")
        bands_of[j] = [(solver.BoolVar(f"band[{j},{b}]"), band) for b, band in enumerate(bands)]
        for i in range(n_items):
            cap = int(cands.item_cap[j, i])
            least = 0 if floors is None else int(floors.floor[j, i])
            if cap > 0:
                units[i, j] = solver.IntVar(least, cap, f"units[{i},{j}]")
    if not ships_from:
        cost = float(penalty @ [it.qty for it in items]) + (floors.constant if floors else 0.0)
        return OrderSolution((), cost, cost)
    kept = _current_allocation_rules(solver, items, floors, ships_from, units)

    # §5.4 each line's shipped units <= its qty.
    for i, it in enumerate(items):
        solver.Add(sum(units[i, j] for j in ships_from if (i, j) in units) <= it.qty)
    for j, ship in ships_from.items():
        node_units = [(i, units[i, j]) for i in range(n_items) if (i, j) in units]
        # A node ships units only in its shipment, in exactly one weight band.
        solver.Add(sum(var for var, _ in bands_of[j]) == ship)
        for i, var in node_units:
            solver.Add(var <= items[i].qty * ship)
        weight = sum(items[i].weight * var for i, var in node_units)
        solver.Add(
            weight
            <= sum(
                (total_weight if col == len(cands.curve[j]) - 1 else col) * var
                for var, (col, _, _) in bands_of[j]
            )
        )
        # §5.1 stock and §5.2 units left at the node.
        for k in range(len(cands.sku_cols)):
            use = [(int(cands.sku_use[i, k]), var) for i, var in node_units if cands.sku_use[i, k]]
            if use:
                solver.Add(sum(q * var for q, var in use) <= int(cands.stock[j, k]))
        solver.Add(
            sum(items[i].units * var for i, var in node_units) <= int(cands.units_left[j]) * ship
        )
        solver.Add(sum(var for _, var in node_units) >= ship)  # a shipment carries something

    # §5.3 shipments cap and split guard; the split penalty.
    n_ship = sum(ships_from.values())
    if order.max_shipments is not None:
        solver.Add(n_ship <= order.max_shipments)
    extra = solver.NumVar(0, inf, "extra_shipments")
    solver.Add(extra >= n_ship - 1)
    if settings.min_shipment_value > 0:
        multi = solver.BoolVar("multi")
        solver.Add(n_ship <= 1 + len(ships_from) * multi)
        for j, ship in ships_from.items():
            value = sum(items[i].value * units[i, j] for i in range(n_items) if (i, j) in units)
            decided = _decided(solver, items, floors, units, j, ship)
            solver.Add(value >= settings.min_shipment_value * (decided + multi - 1))

    # Objective (spec §4), in one place.
    shipped = {i: sum(units[i, j] for j in ships_from if (i, j) in units) for i in range(n_items)}
    objective = (
        sum(float(cands.fixed[j]) * ship for j, ship in ships_from.items())
        + sum(cost * var for j in bands_of for var, (_, cost, _) in bands_of[j])
        + sum(float(cands.per_item[j, i]) * var for (i, j), var in units.items())
        + settings.split_penalty * extra
        + sum(float(penalty[i]) * (it.qty - shipped[i]) for i, it in enumerate(items))
        - sum(bonus * var for bonus, var in kept)
    )
    solver.Minimize(objective)
    solver.SetSolverSpecificParametersAsString("limits/gap = 0\n")
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE and floors is not None:
        # The floors can leave no plan (e.g. every held node must ship what it holds, and a
        # held shipment is worth less than the split guard): this problem has none, as the
        # enumeration's `None` says for the same case.
        return OrderSolution((), math.inf, math.inf)
    if status != pywraplp.Solver.OPTIMAL:  # pragma: no cover - the empty plan is feasible
        raise RuntimeError(f"per-order MIP ended with status {status}")

    chosen = []
    for j, ship in ships_from.items():
        if ship.solution_value() < 0.5:
            continue
        content = np.array(
            [round(units[i, j].solution_value()) if (i, j) in units else 0 for i in range(n_items)]
        )
        weight = float(content @ [it.weight for it in items])
        col = weight_column(network, billable_kg(weight))
        chosen.append(
            ChosenShipment(
                node=int(cands.nodes[j]),
                key=int(cands.curve_key[j, col]),
                units=line_units(items, content),
            )
        )
    constant = 0.0 if floors is None else floors.constant
    cost = solver.Objective().Value() + constant
    return OrderSolution(tuple(chosen), cost, solver.Objective().BestBound() + constant)


def _current_allocation_rules(
    solver: pywraplp.Solver,
    items: list[Item],
    floors: Floors | None,
    ships_from: dict[int, pywraplp.Variable],
    units: dict[tuple[int, int], pywraplp.Variable],
) -> list[tuple[float, pywraplp.Variable]]:
    """Spec §7: forced rows ship (their floors are the variables' lower bounds); each unit
    kept where it was held earns the bonus. Returns (bonus, kept units variable) terms."""
    if floors is None:
        return []
    for j, ship in ships_from.items():
        if floors.must_ship[j]:
            solver.Add(ship == 1)
    kept = []
    for (i, j), var in units.items():
        held = int(floors.held[j, i])
        if held and floors.unit_bonus:
            keep = solver.NumVar(0, held, f"kept[{i},{j}]")
            solver.Add(keep <= var)
            kept.append((floors.unit_bonus * items[i].units, keep))
    return kept


def _decided(
    solver: pywraplp.Solver,
    items: list[Item],
    floors: Floors | None,
    units: dict[tuple[int, int], pywraplp.Variable],
    j: int,
    ship: pywraplp.Variable,
) -> pywraplp.Variable:
    """1 when row j's shipment carries a unit that is not locked (the split guard applies to
    it), else 0; without floors, whether it ships."""
    if floors is None or not floors.locked[j].any():
        return ship
    beyond_lock = [(var, int(floors.locked[j, i])) for (i, row), var in units.items() if row == j]
    most = sum(it.qty for it in items)
    decided = solver.BoolVar(f"decided[{j}]")
    solver.Add(sum(var - lock for var, lock in beyond_lock) <= most * decided)
    solver.Add(decided <= ship)
    return decided
