"""The cheapest plan for one order alone, given the stock and capacity left (exact).

This is the per-order path: `myopic` calls it order after order, the API calls it per request,
and `optimal` calls it with resource prices to generate columns and to prove lower bounds.

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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import product

import numpy as np

from solver.ledger import Ledger
from solver.models import Order
from solver.network import UNLIMITED, Network
from solver.pricing import SAME_DAY, ChosenShipment, OrderMethods, order_methods

ENUMERATION_LIMIT = 4096
"""Most contents (product of item quantities + 1) the enumeration handles; beyond, the MIP."""


@dataclass(frozen=True)
class Prices:
    """Lagrangian prices on shared resources (all >= 0), used by `optimal` (spec §5.1, §5.2)."""

    stock: Mapping[tuple[int, int], float] = field(default_factory=dict)
    """Price per unit taken from (node, sku)."""
    orders: Mapping[int, float] = field(default_factory=dict)
    units: Mapping[int, float] = field(default_factory=dict)
    same_day: Mapping[int, float] = field(default_factory=dict)
    n_nodes: int = 0

    @cached_property
    def stock_by_sku(self) -> dict[int, np.ndarray]:
        """Stock prices by SKU as dense arrays over nodes (0 where unpriced)."""
        size = max(self.n_nodes, 1 + max((n for n, _ in self.stock), default=0))
        out: dict[int, np.ndarray] = {}
        for (node, sku), price in self.stock.items():
            out.setdefault(sku, np.zeros(size))[node] = price
        return out

    @cached_property
    def orders_dense(self) -> np.ndarray | None:
        """Per-shipment prices as a dense array over nodes (None: none priced)."""
        return self._dense(self.orders)

    @cached_property
    def units_dense(self) -> np.ndarray | None:
        return self._dense(self.units)

    @cached_property
    def same_day_dense(self) -> np.ndarray | None:
        return self._dense(self.same_day)

    def _dense(self, prices: Mapping[int, float]) -> np.ndarray | None:
        if not prices:
            return None
        dense = np.zeros(max(self.n_nodes, 1 + max(prices)))
        for node, price in prices.items():
            dense[node] = price
        return dense


NO_PRICES = Prices()


@dataclass(frozen=True)
class OrderSolution:
    chosen: tuple[ChosenShipment, ...]
    cost: float
    """Plan cost (spec §4) plus the prices of what it uses."""
    lower_bound: float
    """A proven lower bound on `cost` over all plans of this order (equals it when exact)."""


@dataclass(frozen=True)
class Item:
    """A unit of choice: one plain line (qty units) or one whole kit (qty 1)."""

    lines: tuple[tuple[str, int], ...]
    """(line_id, units of that line per item unit)."""
    qty: int
    sku_use: tuple[tuple[int, int], ...]
    """(sku index, units per item unit)."""
    weight: float
    value: float
    units: int


def order_items(network: Network, order: Order) -> list[Item]:
    groups: dict[str, list[tuple[str, str, int]]] = {}
    items: list[Item] = []
    for line in order.lines:
        if line.group:
            groups.setdefault(line.group, []).append((line.line_id, line.sku, line.qty))
        else:
            items.append(_item(network, [(line.line_id, line.sku, line.qty)], kit=False))
    for members in groups.values():
        items.append(_item(network, members, kit=True))
    return items


def _item(network: Network, members: list[tuple[str, str, int]], *, kit: bool) -> Item:
    """A kit ships whole (one item unit carries every member line in full); a line unit by unit."""
    qty = 1 if kit else members[0][2]
    lines = tuple((lid, q if kit else 1) for lid, _, q in members)
    use: dict[int, int] = {}
    for (_, sku, _), (_, q) in zip(members, lines, strict=True):
        s = network.sku_index[sku]
        use[s] = use.get(s, 0) + q
    weight = sum(network.sku_weight[s] * q for s, q in use.items())
    value = sum(network.sku_value[s] * q for s, q in use.items())
    return Item(
        lines, qty, tuple(sorted(use.items())), float(weight), float(value), sum(use.values())
    )


@dataclass
class _Candidates:
    nodes: np.ndarray
    fixed: np.ndarray
    per_item: np.ndarray
    """[node, item] cost per item unit."""
    curve: np.ndarray
    """[node, weight column] cheapest method cost incl. late penalty."""
    curve_key: np.ndarray
    item_cap: np.ndarray
    """[node, item] most units of that item the node could ship alone."""
    sku_cols: np.ndarray
    sku_use: np.ndarray
    """[item, order sku] units of each SKU one item unit takes."""
    stock: np.ndarray
    """[node, order sku] stock left."""
    units_left: np.ndarray


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
    items = order_items(network, order)
    cands = _candidates(network, items, methods, ledger, prices, excluded_nodes)
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
        cands = _keep_nodes(cands, rows)
    from solver.order_mip import solve_order_mip

    return solve_order_mip(network, order, items, cands, penalty)


def _candidates(
    network: Network,
    items: list[Item],
    methods: OrderMethods,
    ledger: Ledger,
    prices: Prices,
    excluded: Collection[int],
) -> _Candidates:
    costs = methods.carrier + methods.late_cost[:, :, None]
    same_day_prices = prices.same_day_dense
    if same_day_prices is not None:
        costs[SAME_DAY] += same_day_prices[: costs.shape[1], None]
    costs[SAME_DAY, ledger.same_day_left <= 0] = np.nan
    with np.errstate(invalid="ignore"):
        all_nan = np.isnan(costs).all(axis=0)
    curve = np.where(all_nan, np.inf, np.nanmin(np.where(np.isnan(costs), np.inf, costs), axis=0))
    curve_key = np.argmin(np.where(np.isnan(costs), np.inf, costs), axis=0)
    sku_cols = np.array(sorted({s for it in items for s, _ in it.sku_use}), dtype=np.int64)
    use = np.zeros((len(items), len(sku_cols)), dtype=np.int64)
    for i, it in enumerate(items):
        for s, q in it.sku_use:
            use[i, int(np.searchsorted(sku_cols, s))] += q
    stock = ledger.stock[:, sku_cols]
    with np.errstate(divide="ignore"):
        per_sku = np.where(use[None, :, :] > 0, stock[:, None, :] // np.maximum(use, 1), UNLIMITED)
    item_cap = np.minimum(per_sku.min(axis=2), [it.qty for it in items])
    ok = (
        np.isfinite(curve).any(axis=1)
        & (ledger.orders_left > 0)
        & (ledger.units_left > 0)
        & (item_cap > 0).any(axis=1)
    )
    if excluded:
        ok[list(excluded)] = False
    nodes = np.flatnonzero(ok)
    fixed = network.handling_per_order[nodes] + network.dropship_fee[nodes]
    order_prices = prices.orders_dense
    if order_prices is not None:
        fixed = fixed + order_prices[nodes]
    unit_price = network.handling_per_unit[nodes]
    unit_prices = prices.units_dense
    if unit_prices is not None:
        unit_price = unit_price + unit_prices[nodes]
    per_item = np.outer(unit_price, [it.units for it in items])
    if prices.stock:
        by_sku = prices.stock_by_sku
        for i, it in enumerate(items):
            for sku, q in it.sku_use:
                if sku in by_sku:
                    per_item[:, i] += q * by_sku[sku][nodes]
    return _Candidates(
        nodes=nodes,
        fixed=fixed,
        per_item=per_item,
        curve=curve[nodes],
        curve_key=curve_key[nodes],
        item_cap=item_cap[nodes],
        sku_cols=sku_cols,
        sku_use=use,
        stock=stock[nodes],
        units_left=ledger.units_left[nodes],
    )


def _solve_by_contents(
    network: Network,
    order: Order,
    items: list[Item],
    cands: _Candidates,
    penalty: np.ndarray,
) -> OrderSolution | tuple[np.ndarray, float]:
    """The optimum; or, when the relaxation is not a plan, the candidate rows an optimum needs
    and the relaxation's cost (a lower bound)."""
    settings = network.settings
    qty = np.array([it.qty for it in items], dtype=np.int64)
    strides = np.concatenate(([1], np.cumprod(qty + 1)[:-1])).astype(np.int64)
    contents = np.array(list(product(*(range(q + 1) for q in qty[::-1]))), dtype=np.int64)[:, ::-1]
    index = contents @ strides
    order_ix = np.argsort(index)
    contents = contents[order_ix]  # row r is the content with mixed-radix index r
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


def _keep_nodes(cands: _Candidates, rows: np.ndarray) -> _Candidates:
    return _Candidates(
        nodes=cands.nodes[rows],
        fixed=cands.fixed[rows],
        per_item=cands.per_item[rows],
        curve=cands.curve[rows],
        curve_key=cands.curve_key[rows],
        item_cap=cands.item_cap[rows],
        sku_cols=cands.sku_cols,
        sku_use=cands.sku_use,
        stock=cands.stock[rows],
        units_left=cands.units_left[rows],
    )


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
    pair_r, pair_u = _sub_content_pairs(qty, strides)
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
            best = (incumbent, _backtrack(layers, k, target, pair_r, pair_u, pair_cost, starts))
    return best


def _sub_content_pairs(qty: np.ndarray, strides: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices of every (r, u) with 0 < u <= r item by item, built item by item."""
    pair_r = np.zeros(1, dtype=np.int64)
    pair_u = np.zeros(1, dtype=np.int64)
    for q, stride in zip(qty, strides, strict=True):
        a, b = np.array([(a, b) for a in range(q + 1) for b in range(a + 1)]).T
        pair_r = (pair_r[:, None] + a[None, :] * stride).ravel()
        pair_u = (pair_u[:, None] + b[None, :] * stride).ravel()
    nonzero = pair_u > 0
    return pair_r[nonzero], pair_u[nonzero]


def _backtrack(
    layers: list[np.ndarray],
    k: int,
    state: int,
    pair_r: np.ndarray,
    pair_u: np.ndarray,
    pair_cost: np.ndarray,
    starts: np.ndarray,
) -> list[int]:
    parts = []
    for layer in range(k, 0, -1):
        seg = np.flatnonzero(pair_r == state)
        vals = pair_cost[seg] + layers[layer - 1][state - pair_u[seg]]
        u = int(pair_u[seg[int(np.argmin(vals))]])
        parts.append(u)
        state -= u
    return parts


def line_units(items: Sequence[Item], content: Sequence[int] | np.ndarray) -> dict[str, int]:
    """Units per line id of a shipment carrying `content[i]` units of item `i`."""
    units: dict[str, int] = {}
    for it, n in zip(items, content, strict=True):
        if n:
            for lid, per in it.lines:
                units[lid] = units.get(lid, 0) + per * int(n)
    return units
