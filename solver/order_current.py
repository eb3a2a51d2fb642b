"""The per-order solver for an order that already holds an allocation (spec §7): the exact
cheapest plan with its locks, the fences and the move penalties.

A plan either moves no unit (every held unit stays at its node) or moves some and pays
`move_penalty_per_order`. So the optimum is the cheaper of two problems of one shape, "ship at
least `floor` item units from each forced node, the rest as usual":

1. **keep**: every node the order holds units at is forced, with what it holds there (by any
   method it may use there; by the locked method where units are locked). Only the units that
   were unfilled are free: filling a backorder is never a move.
2. **move** (when some held unit is not locked): only the nodes with locked units are forced,
   with those units, by their method. The move penalty is `move_penalty_per_order +
   move_penalty_per_unit × units held` less `move_penalty_per_unit` for each held unit kept at
   its node, which is `pricing.move_cost` of the plan whenever the plan moves a unit (and too
   much by the order's penalty when it moves none, which problem 1 covers).

Each is solved as `order_solver` solves an order: the contents of the free units enumerated,
every free node priced for every content (a held node earning its bonus), each forced node for
its floor plus any content, and a dynamic programme over the parts (forced nodes one shipment
each). It is exact unless two free parts come from one node; then, or when there are too many
contents, the exact MIP (`order_mip`, with `Floors`) settles it.

A locked shipment always fits: its units are on the shelf or already out of it, so it is
priced and kept even where the ledger shows no room (the re-plan's network makes room for
every lock, `solver.replan.replan_network`). A shipment of locked units only is not
split-guarded (§5.3): the re-plan does not decide it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from solver.current import HeldShipment, OrderCurrent
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_contents import backtrack, enumerate_contents, min_plus_layer, sub_content_pairs
from solver.order_mip import solve_order_mip
from solver.order_problem import (
    CandidateNodes,
    Floors,
    Item,
    OrderSolution,
    Prices,
    candidate_nodes,
    line_units,
    node_costs,
    order_items,
    order_skus,
    priced_method_costs,
)
from solver.pricing import SAME_DAY, ChosenShipment, OrderMethods

ENUMERATION_LIMIT = 4096
"""Most contents of the free units the enumeration handles (as in `order_solver`)."""
_EPS = 1e-9


@dataclass(frozen=True)
class _View:
    """One order holding an allocation, as both problems see it."""

    network: Network
    order: Order
    items: list[Item]
    current: OrderCurrent
    held: dict[int, tuple[np.ndarray, np.ndarray]]
    """Per held node: (held, locked) item units."""
    methods: OrderMethods
    ledger: Ledger
    prices: Prices
    free: CandidateNodes
    """The nodes that could ship new units (every node but the locked ones)."""

    def forced_rows(
        self, shipments: Sequence[HeldShipment], locked: np.ndarray
    ) -> tuple[CandidateNodes, np.ndarray]:
        return _forced_rows(
            self.network,
            self.order,
            self.items,
            shipments,
            locked,
            self.methods,
            self.ledger,
            self.prices,
        )


@dataclass(frozen=True)
class _Problem:
    """One of the two problems: free candidate rows, forced rows, floors, bonus, constant."""

    free: CandidateNodes
    free_held: np.ndarray
    """[free row, item] item units held there (earning the bonus when kept)."""
    forced: CandidateNodes
    floor: np.ndarray
    """[forced row, item]"""
    locked: np.ndarray
    """[forced row, item]"""
    forced_held: np.ndarray
    cap: np.ndarray
    """[forced row, item] most item units the forced row may carry."""
    unit_bonus: float
    constant: float

    def floors(self, free_rows: np.ndarray) -> tuple[CandidateNodes, Floors]:
        """The MIP's candidates (the free rows given, then the forced rows) and their floors."""
        free = self.free.only(free_rows)
        n_free, n_items = len(free.nodes), self.floor.shape[1]
        zeros = np.zeros((n_free, n_items), dtype=np.int64)
        return free.then(self.forced), Floors(
            must_ship=np.r_[np.zeros(n_free, dtype=bool), np.ones(len(self.forced.nodes), bool)],
            floor=np.concatenate([zeros, self.floor]),
            locked=np.concatenate([zeros, self.locked]),
            held=np.concatenate([self.free_held[free_rows], self.forced_held]),
            unit_bonus=self.unit_bonus,
            constant=self.constant,
        )


def solve_held_order(
    network: Network,
    order: Order,
    current: OrderCurrent,
    ledger: Ledger,
    prices: Prices,
    methods: OrderMethods,
    excluded_nodes: Collection[int] = (),
    settle_below: float = math.inf,
) -> OrderSolution:
    """The exact cheapest plan for `order`, which holds `current`, including its move cost
    (see `order_solver.solve_order` for `settle_below`)."""
    items = order_items(network, order)
    penalty = network.settings.unfilled_penalty_factor * np.array([it.value for it in items])
    held = {s.node: _item_units(items, s) for s in current.shipments}
    locked_nodes = {s.node for s in current.locked_shipments}
    free = candidate_nodes(
        network, items, methods, ledger, prices, {*excluded_nodes, *locked_nodes}
    )
    view = _View(network, order, items, current, held, methods, ledger, prices, free)
    problems = [_keep_problem(view), _move_problem(view) if current.can_move else None]
    solutions: list[OrderSolution] = []
    bounds: list[float] = []
    pending: list[tuple[_Problem, np.ndarray, float]] = []
    for problem in problems:
        if problem is None:
            continue
        extra = np.array([it.qty for it in items]) - problem.floor.sum(axis=0)
        if math.prod(int(q) + 1 for q in extra) > ENUMERATION_LIMIT:
            pending.append((problem, np.arange(len(problem.free.nodes)), -math.inf))
            continue
        found = _solve_by_contents(network, order, items, problem, penalty, extra)
        if isinstance(found, OrderSolution):
            solutions.append(found)
            bounds.append(found.lower_bound)
        elif found is not None:
            pending.append((problem, *found))
    for problem, rows, bound in sorted(pending, key=lambda p: p[2]):
        best = min((s.cost for s in solutions), default=math.inf)
        if bound >= best - _EPS or bound >= settle_below:
            bounds.append(bound)
            continue
        cands, floors = problem.floors(rows)
        solution = solve_order_mip(network, order, items, cands, penalty, floors)
        solutions.append(solution)
        bounds.append(solution.lower_bound)
    lower = min(bounds, default=math.inf)
    if not solutions:  # every problem needing the MIP priced at or above `settle_below`
        return OrderSolution((), math.inf, lower)
    best_solution = min(solutions, key=lambda s: s.cost)
    return OrderSolution(best_solution.chosen, best_solution.cost, min(lower, best_solution.cost))


def _item_units(items: Sequence[Item], shipment: HeldShipment) -> tuple[np.ndarray, np.ndarray]:
    """(held, locked) item units of a held shipment; a kit counts when held whole there."""
    held = np.zeros(len(items), dtype=np.int64)
    locked = np.zeros(len(items), dtype=np.int64)
    for i, it in enumerate(items):
        held[i] = min(shipment.units.get(lid, 0) // per for lid, per in it.lines)
        if it.qty > 1:  # a plain line, unit by unit
            locked[i] = shipment.locked.get(it.lines[0][0], 0)
        else:  # one unit: of a line, or a whole kit
            locked[i] = held[i] * int(any(shipment.locked.get(lid, 0) for lid, _ in it.lines))
    return held, locked


def _keep_problem(view: _View) -> _Problem | None:
    """Problem 1: every held node ships at least what it holds; None if that is impossible."""
    shipments = list(view.current.shipments)
    floor = np.array([view.held[s.node][0] for s in shipments], dtype=np.int64)
    locked = np.array([view.held[s.node][1] for s in shipments], dtype=np.int64)
    forced, cap = view.forced_rows(shipments, locked)
    if (floor > cap).any() or not np.isfinite(forced.curve).any(axis=1).all():
        return None
    free = view.free.only(np.flatnonzero(~np.isin(view.free.nodes, [s.node for s in shipments])))
    return _Problem(
        free=free,
        free_held=np.zeros((len(free.nodes), len(view.items)), dtype=np.int64),
        forced=forced,
        floor=floor,
        locked=locked,
        forced_held=np.zeros_like(floor),
        cap=cap,
        unit_bonus=0.0,
        constant=0.0,
    )


def _move_problem(view: _View) -> _Problem:
    """Problem 2: locked nodes ship their locked units; each held unit kept earns its bonus."""
    settings = view.network.settings
    n_items = len(view.items)
    none = np.zeros(n_items, dtype=np.int64)
    free_held = [view.held.get(int(n), (none, none))[0] for n in view.free.nodes]
    shipments = list(view.current.locked_shipments)
    locked = np.array([view.held[s.node][1] for s in shipments], dtype=np.int64)
    locked = locked.reshape(len(shipments), n_items)
    forced, cap = view.forced_rows(shipments, locked)
    forced_held = np.array([view.held[s.node][0] for s in shipments], dtype=np.int64)
    per_unit = settings.move_penalty_per_unit
    return _Problem(
        free=view.free,
        free_held=np.array(free_held, dtype=np.int64).reshape(len(view.free.nodes), n_items),
        forced=forced,
        floor=locked,
        locked=locked,
        forced_held=forced_held.reshape(len(shipments), n_items),
        cap=cap,
        unit_bonus=per_unit,
        constant=settings.move_penalty_per_order + per_unit * view.current.held_units,
    )


def _forced_rows(
    network: Network,
    order: Order,
    items: list[Item],
    shipments: Sequence[HeldShipment],
    locked: np.ndarray,
    methods: OrderMethods,
    ledger: Ledger,
    prices: Prices,
) -> tuple[CandidateNodes, np.ndarray]:
    """Candidate rows for forced nodes, and `[row, item]` the most each may carry.

    A row with locks ships by the locked method and has room at least for its locked units;
    a node that no longer serves the order (inactive, another channel) may carry only its
    locked units, and so may a fenced (node, SKU)."""
    nodes = np.array([s.node for s in shipments], dtype=np.int64)
    costs = priced_method_costs(methods, prices)
    sku_cols, use = order_skus(items)
    serves = network.serves_channel(order.channel)
    fences = network.current.fenced_skus_by_node if network.current is not None else {}
    qty = np.array([it.qty for it in items], dtype=np.int64)
    width = costs.shape[2]
    curve = np.full((len(nodes), width), np.inf)
    curve_key = np.zeros((len(nodes), width), dtype=np.int64)
    cap = np.tile(qty, (len(nodes), 1))
    for row, shipment in enumerate(shipments):
        n = shipment.node
        if shipment.has_locks:
            line = costs[shipment.key, n]
            curve[row] = np.where(np.isnan(line), np.inf, line)
            curve_key[row] = shipment.key
        elif ledger.orders_left[n] > 0:
            here = costs[:, n].copy()
            if ledger.same_day_left[n] <= 0:
                here[SAME_DAY] = np.nan
            masked = np.where(np.isnan(here), np.inf, here)
            curve[row] = masked.min(axis=0)
            curve_key[row] = masked.argmin(axis=0)
        if not serves[n]:
            cap[row] = locked[row]
        fenced = fences.get(int(n), frozenset())
        for i, it in enumerate(items):
            if any(s in fenced for s, _ in it.sku_use):
                cap[row, i] = locked[row, i]
    lock_need = locked @ use
    stock = np.maximum(ledger.stock[nodes][:, sku_cols], lock_need)
    units_left = np.maximum(ledger.units_left[nodes], locked @ [it.units for it in items])
    fixed, per_item = node_costs(network, items, prices, nodes)
    rows = CandidateNodes(
        nodes=nodes,
        fixed=fixed,
        per_item=per_item,
        curve=curve,
        curve_key=curve_key,
        item_cap=cap,
        sku_cols=sku_cols,
        sku_use=use,
        stock=stock,
        units_left=units_left,
    )
    return rows, cap


def _kept_units(held: np.ndarray, contents: np.ndarray, unit_weights: np.ndarray) -> np.ndarray:
    """`[row, content]` units kept where they were held: Σ items min(held, content) × units."""
    if len(held) == 0:
        return np.zeros((0, len(contents)))
    return np.asarray(np.minimum(contents[None, :, :], held[:, None, :]) @ unit_weights)


def _solve_by_contents(
    network: Network,
    order: Order,
    items: list[Item],
    problem: _Problem,
    penalty: np.ndarray,
    extra: np.ndarray,
) -> OrderSolution | tuple[np.ndarray, float] | None:
    """The problem's optimum; or, when the relaxation takes two free parts from one node, the
    free rows an optimum needs and the relaxation's cost (a lower bound); None when the
    problem has no plan."""
    settings = network.settings
    contents, strides = enumerate_contents(extra)
    n_contents = len(contents)
    weights = np.array([it.weight for it in items])
    values = np.array([it.value for it in items])
    unit_weights = np.array([it.units for it in items], dtype=np.int64)
    pen = contents @ penalty
    target = n_contents - 1
    total_pen = float(pen[target])
    minimum = settings.min_shipment_value - _EPS
    split = settings.split_penalty

    free = problem.free
    g = _content_costs(free, contents, weights, unit_weights)
    if problem.unit_bonus and len(free.nodes):
        g = g - problem.unit_bonus * _kept_units(problem.free_held, contents, unit_weights)
    g[:, 0] = np.inf
    if len(free.nodes):
        best_node = np.argmin(g, axis=0)
        best = g[best_node, np.arange(n_contents)]
    else:
        best_node = np.zeros(n_contents, dtype=np.int64)
        best = np.full(n_contents, np.inf)
    free_value = contents @ values

    m = len(problem.forced.nodes)
    forced_cost = np.full((m, n_contents), np.inf)
    forced_guarded = np.full((m, n_contents), np.inf)
    for j in range(m):
        carried = problem.floor[j][None, :] + contents
        cost = _content_costs(problem.forced.only(np.array([j])), carried, weights, unit_weights)[0]
        if problem.unit_bonus:
            kept = _kept_units(problem.forced_held[j : j + 1], carried, unit_weights)[0]
            cost = cost - problem.unit_bonus * kept
        forced_cost[j] = cost
        only_locked = (carried == problem.locked[j][None, :]).all(axis=1)
        guarded = (carried @ values >= minimum) | only_locked
        forced_guarded[j] = np.where(guarded, cost, np.inf) + split

    # Plans of one shipment or none (no split guard).
    best_cost, plan = math.inf, _Plan()
    if m == 0:
        best_cost, plan = total_pen, _Plan()
        single = best + (total_pen - pen)
        one = int(np.argmin(single))
        if single[one] < best_cost:
            best_cost, plan = float(single[one]), _Plan(free_parts=[one])
    elif m == 1:
        single = forced_cost[0] + (total_pen - pen)
        one = int(np.argmin(single))
        if np.isfinite(single[one]):
            best_cost, plan = float(single[one]), _Plan(forced_parts=[one])

    cap = order.max_shipments if order.max_shipments is not None else 10**9
    most_free = min(int(extra.sum()), len(free.nodes), cap - m)
    fewest_free = max(0, 2 - m)
    if most_free >= fewest_free:
        found = _several_shipments(
            contents,
            extra,
            strides,
            np.where(free_value >= minimum, best, np.inf) + split,
            forced_guarded,
            pen,
            fewest_free,
            most_free,
            split,
            best_cost,
        )
        if found is not None and found[0] < best_cost - _EPS:
            best_cost, plan = found
    if not math.isfinite(best_cost):
        return None  # no plan keeps the floors (the split guard, the shipment cap)

    used = [int(best_node[r]) for r in plan.free_parts]
    if len(set(used)) < len(used):
        most = min(int(extra.sum()), cap - m, len(free.nodes))
        ranked = np.argsort(g[:, 1:], axis=0, kind="stable")[:most]
        finite = np.isfinite(np.take_along_axis(g[:, 1:], ranked, axis=0))
        return np.unique(ranked[finite]), best_cost + problem.constant
    weight_of = contents @ weights
    chosen = [
        ChosenShipment(
            node=int(free.nodes[best_node[r]]),
            key=int(free.curve_key[best_node[r], _column(weight_of[r], free)]),
            units=line_units(items, contents[r]),
        )
        for r in plan.free_parts
    ]
    for j, r in enumerate(plan.forced_parts):
        carried = problem.floor[j] + contents[r]
        rows = problem.forced
        chosen.append(
            ChosenShipment(
                node=int(rows.nodes[j]),
                key=int(rows.curve_key[j, _column(float(carried @ weights), rows)]),
                units=line_units(items, carried),
            )
        )
    cost = best_cost + problem.constant
    return OrderSolution(tuple(chosen), cost, cost)


@dataclass
class _Plan:
    """Content rows of the parts: `forced_parts[j]` the extra content of forced row j (every
    forced row ships), `free_parts` those of the free shipments."""

    free_parts: list[int] = field(default_factory=list)
    forced_parts: list[int] = field(default_factory=list)


def _column(weight: float, rows: CandidateNodes) -> int:
    kg = max(1, math.ceil(round(float(weight), 6)))
    return min(kg, rows.curve.shape[1] - 1)


def _content_costs(
    rows: CandidateNodes, contents: np.ndarray, weights: np.ndarray, unit_weights: np.ndarray
) -> np.ndarray:
    """`[row, content]` cost of each row shipping each content (inf where it does not fit)."""
    if len(rows.nodes) == 0:
        return np.zeros((0, len(contents)))
    weight = contents @ weights
    kg = np.maximum(1, np.ceil(np.round(weight, 6))).astype(np.int64)
    column = np.minimum(kg, rows.curve.shape[1] - 1)
    need = contents @ rows.sku_use
    fits = (need[None, :, :] <= rows.stock[:, None, :]).all(axis=2)
    fits &= (contents @ unit_weights)[None, :] <= rows.units_left[:, None]
    fits &= (contents[None, :, :] <= rows.item_cap[:, None, :]).all(axis=2)
    g = rows.fixed[:, None] + rows.per_item @ contents.T + rows.curve[:, column]
    return np.where(fits, g, np.inf)


def _several_shipments(
    contents: np.ndarray,
    extra: np.ndarray,
    strides: np.ndarray,
    free_part: np.ndarray,
    forced_part: np.ndarray,
    pen: np.ndarray,
    fewest_free: int,
    most_free: int,
    split: float,
    incumbent: float,
) -> tuple[float, _Plan] | None:
    """Cheapest plan of at least two shipments: every forced row plus `fewest_free` to
    `most_free` free parts, each split-guarded and paying `split` (one too many, corrected).

    `layers[k][r]`: the cheapest way to handle the extra content `r` with exactly k free
    parts and the rest unfilled; then each forced row takes its extra content, from 0 up."""
    pair_r, pair_u = sub_content_pairs(extra, strides)
    sort = np.argsort(pair_r, kind="stable")
    pair_r, pair_u = pair_r[sort], pair_u[sort]
    usable = np.isfinite(free_part[pair_u])
    free_r, free_u = pair_r[usable], pair_u[usable]
    layers = [pen.astype(float)]
    finite = free_part[np.isfinite(free_part)]
    cheapest = float(finite.min()) if len(finite) else math.inf
    forced_least = float(forced_part.min(axis=1).sum()) if len(forced_part) else 0.0
    for k in range(1, most_free + 1):
        if k * cheapest + forced_least - split >= incumbent - _EPS:
            break
        layers.append(min_plus_layer(free_r, free_u, free_part, layers[-1]))
    candidates = layers[fewest_free:]
    if not candidates:
        return None
    stacked = np.vstack(candidates)
    free_best = stacked.min(axis=0)
    free_k = stacked.argmin(axis=0) + fewest_free
    chain = [free_best]
    for j in range(len(forced_part)):
        previous = chain[-1]
        layer = min_plus_layer(pair_r, pair_u, forced_part[j], previous)
        chain.append(np.minimum(layer, forced_part[j][0] + previous))
    target = len(contents) - 1
    total = float(chain[-1][target]) - split
    if not math.isfinite(total) or total >= incumbent - _EPS:
        return None
    state = target
    forced_parts = [0] * len(forced_part)
    for j in range(len(forced_part) - 1, -1, -1):
        previous = chain[j]
        seg = np.flatnonzero(pair_r == state)
        options = np.r_[forced_part[j][0] + previous[state], forced_part[j][pair_u[seg]]]
        options[1:] += previous[state - pair_u[seg]]
        pick = int(np.argmin(options))
        u = 0 if pick == 0 else int(pair_u[seg[pick - 1]])
        forced_parts[j] = u
        state -= u
    k = int(free_k[state])
    free_parts = backtrack(layers, k, state, free_r, free_u, free_part[free_u])
    return total, _Plan(free_parts=free_parts, forced_parts=forced_parts)
