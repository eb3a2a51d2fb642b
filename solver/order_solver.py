"""The cheapest plan for one order alone, given the stock and capacity left (exact).

This is the per-order path: `myopic` calls it order after order, the API calls it per request,
and `optimal` calls it with resource prices to generate columns and to prove lower bounds. An
order that already holds an allocation on a network that re-plans (spec §7) is solved by
`order_current` (same costs plus its move penalty, its locks kept).

How it works. Units of the order are grouped into *items* (a plain line, or a whole kit). A
shipment's content is a vector `u` of item units. For every candidate node and every content the
cost `g[n, u]` is priced at once with numpy (fixed costs + per-unit costs + the cheapest allowed
method for that billable weight, late penalty included). A dynamic programme over contents then
picks parts (shipments) and leftovers (unfilled units) with the split penalty, the split guard
and `max_shipments`. The programme takes each part from its cheapest node, so it is a
relaxation of the rule "one shipment per node"; when its answer uses a node twice, or the order
has too many contents to enumerate, an exact MIP (SCIP) settles it instead.
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np

from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_contents import backtrack, enumerate_contents, sub_content_pairs
from solver.order_problem import (
    NO_PRICES,
    CandidateNodes,
    Item,
    OrderSolution,
    Prices,
    candidate_nodes,
    line_units,
    order_items,
)
from solver.pricing import ChosenShipment, OrderMethods, order_methods

ENUMERATION_LIMIT = 4096
"""Most contents (product of item quantities + 1) the enumeration handles; beyond, the MIP."""


def solve_order(
    network: Network,
    order: Order,
    ledger: Ledger,
    prices: Prices = NO_PRICES,
    methods: OrderMethods | None = None,
    excluded_nodes: Collection[int] = (),
    settle_below: float = math.inf,
) -> OrderSolution:
    """The exact cheapest plan for `order` with what `ledger` has left.

    With `settle_below`, an order whose relaxation needs the (slower) exact MIP but whose
    relaxed cost, a lower bound, is already at least `settle_below` is not settled: the answer
    has no shipments, cost `inf` and that lower bound. Column generation uses this to skip
    orders that cannot give a useful column.
    """
    methods = methods or order_methods(network, order)
    current = network.current.of(order.order_id) if network.current is not None else None
    if current is not None:  # spec §7: it holds an allocation (locks, move penalties)
        from solver.order_current import solve_held_order

        return solve_held_order(
            network, order, current, ledger, prices, methods, excluded_nodes, settle_below
        )
    items = order_items(network, order)
    cands = candidate_nodes(network, items, methods, ledger, prices, excluded_nodes)
    penalty = network.settings.unfilled_penalty_factor * np.array([it.value for it in items])
    if len(cands.nodes) == 0:
        cost = float(penalty @ [it.qty for it in items])
        return OrderSolution((), cost, cost)
    if math.prod(it.qty + 1 for it in items) <= ENUMERATION_LIMIT:
        relaxed = _solve_by_contents(network, order, items, cands, penalty)
        if isinstance(relaxed, OrderSolution):
            return relaxed
        rows, relaxed_cost = relaxed
        if relaxed_cost >= settle_below:
            return OrderSolution((), math.inf, relaxed_cost)
        cands = cands.only(rows)
    from solver.order_mip import solve_order_mip

    return solve_order_mip(network, order, items, cands, penalty)


def _solve_by_contents(
    network: Network,
    order: Order,
    items: list[Item],
    cands: CandidateNodes,
    penalty: np.ndarray,
) -> OrderSolution | tuple[np.ndarray, float]:
    """The optimum; or, when the relaxation is not a plan, the candidate rows an optimum needs
    and the relaxation's cost (a lower bound)."""
    settings = network.settings
    qty = np.array([it.qty for it in items], dtype=np.int64)
    contents, strides = enumerate_contents(qty)
    weight = contents @ np.array([it.weight for it in items])
    value = contents @ np.array([it.value for it in items])
    units = contents @ np.array([it.units for it in items])
    kg = np.maximum(1, np.ceil(np.round(weight, 6))).astype(np.int64)
    column = np.minimum(kg, cands.curve.shape[1] - 1)

    sku_need = contents @ cands.sku_use  # [content, order sku]
    fits = (sku_need[None, :, :] <= cands.stock[:, None, :]).all(axis=2)
    fits &= units[None, :] <= cands.units_left[:, None]
    g = cands.fixed[:, None] + cands.per_item @ contents.T + cands.curve[:, column]
    g = np.where(fits, g, np.inf)
    g[:, 0] = np.inf
    best_node = np.argmin(g, axis=0)
    best = g[best_node, np.arange(len(contents))]
    pen = contents @ penalty
    total_pen = float(pen[-1])

    # No shipment, or one shipment (no split guard).
    single = best + (total_pen - pen)
    one = int(np.argmin(single))
    best_cost, best_parts = total_pen, []
    if single[one] < best_cost:
        best_cost, best_parts = float(single[one]), [one]

    cap = order.max_shipments
    if cap is None or cap >= 2:
        guarded = np.where(value >= settings.min_shipment_value - 1e-9, best, np.inf) + (
            settings.split_penalty
        )
        found = _multi_shipments(
            contents,
            qty,
            strides,
            guarded,
            pen,
            cap,
            best_cost,
            settings.split_penalty,
            len(cands.nodes),
        )
        if found is not None and found[0] < best_cost - 1e-9:
            best_cost, best_parts = found

    used = [int(best_node[r]) for r in best_parts]
    if len(set(used)) < len(used):
        # Two parts from one node: the relaxation is not a plan. An optimum needs, for each
        # content, only its `most` cheapest nodes: were it to use another, one of those would be
        # free to carry that content for no more. So the MIP gets only those nodes.
        most = min(int(qty.sum()), order.max_shipments or 10**9, len(cands.nodes))
        ranked = np.argsort(g[:, 1:], axis=0, kind="stable")[:most]
        finite = np.isfinite(np.take_along_axis(g[:, 1:], ranked, axis=0))
        return np.unique(ranked[finite]), best_cost
    chosen = tuple(
        ChosenShipment(
            node=int(cands.nodes[best_node[r]]),
            key=int(cands.curve_key[best_node[r], column[r]]),
            units=line_units(items, contents[r]),
        )
        for r in best_parts
    )
    return OrderSolution(chosen, best_cost, best_cost)


def _multi_shipments(
    contents: np.ndarray,
    qty: np.ndarray,
    strides: np.ndarray,
    part_cost: np.ndarray,
    pen: np.ndarray,
    cap: int | None,
    incumbent: float,
    split_penalty: float,
    n_nodes: int,
) -> tuple[float, list[int]] | None:
    """Cheapest plan of >= 2 parts (each paying `split_penalty` once too many, corrected here).

    `layers[k][r]` is the cheapest way to handle the units `r` with exactly `k` parts and the
    rest unfilled; `part_cost` already includes one split penalty per part.
    """
    if not np.isfinite(part_cost).any():
        return None
    pair_r, pair_u = sub_content_pairs(qty, strides)
    usable = np.isfinite(part_cost[pair_u])
    pair_r, pair_u = pair_r[usable], pair_u[usable]
    sort = np.argsort(pair_r, kind="stable")
    pair_r, pair_u = pair_r[sort], pair_u[sort]
    starts = np.flatnonzero(np.r_[True, pair_r[1:] != pair_r[:-1]])
    heads = pair_r[starts]
    pair_cost = part_cost[pair_u]
    cheapest_part = float(part_cost[np.isfinite(part_cost)].min())

    max_parts = min(int(qty.sum()), n_nodes, cap or 10**9)
    layers = [pen.astype(float)]
    best: tuple[float, list[int]] | None = None
    target = len(contents) - 1
    for k in range(1, max_parts + 1):
        if k >= 2 and k * cheapest_part - split_penalty >= incumbent - 1e-9:
            break
        values = pair_cost + layers[-1][pair_r - pair_u]
        layer = np.full(len(contents), np.inf)
        layer[heads] = np.minimum.reduceat(values, starts)
        layers.append(layer)
        if k >= 2 and layer[target] - split_penalty < incumbent - 1e-9:
            incumbent = float(layer[target] - split_penalty)
            best = (incumbent, backtrack(layers, k, target, pair_r, pair_u, pair_cost))
    return best
