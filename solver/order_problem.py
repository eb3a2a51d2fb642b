"""One order as the per-order solver states it: its items, the candidate nodes and their costs,
the resource prices added to them, and the solution.

Shared by the two ways of solving it, the enumeration of shipment contents (`order_solver`) and
the exact MIP (`order_mip`); both import this module and not each other's internals. The
strategies use `Item`, `order_items` and `line_units` to build shipments, and `Prices` to price
shared resources (`optimal`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from solver.ledger import Ledger
from solver.models import Order
from solver.network import UNLIMITED, Network
from solver.pricing import SAME_DAY, ChosenShipment, OrderMethods


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
    """The per-order solver's answer: the shipments it chose, their cost and a lower bound."""

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
    """The order's items: its plain lines in order, then one item per kit (`group`)."""
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


def line_units(items: Sequence[Item], content: Sequence[int] | np.ndarray) -> dict[str, int]:
    """Units per line id of a shipment carrying `content[i]` units of item `i`."""
    units: dict[str, int] = {}
    for it, n in zip(items, content, strict=True):
        if n:
            for lid, per in it.lines:
                units[lid] = units.get(lid, 0) + per * int(n)
    return units


@dataclass(frozen=True)
class Floors:
    """What an order's current allocation (spec §7) adds to its per-order MIP, row by row of
    its `CandidateNodes`: the rows it must ship from, and how much at least; the units it held
    at each row, each of which kept there earns back `unit_bonus`; a constant cost."""

    must_ship: np.ndarray
    """[row] the node must ship (it holds units the plan keeps there)."""
    floor: np.ndarray
    """[row, item] fewest item units the row's shipment carries."""
    locked: np.ndarray
    """[row, item] item units locked there (a shipment of locked units only is not split-
    guarded: the re-plan does not decide it)."""
    held: np.ndarray
    """[row, item] item units the order held there."""
    unit_bonus: float
    """Earned per unit kept where it was held (the move penalty per unit)."""
    constant: float


@dataclass
class CandidateNodes:
    """The nodes that could ship part of the order, with its costs and capacities there."""

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

    def then(self, more: CandidateNodes) -> CandidateNodes:
        """These candidates followed by `more` (of the same order)."""
        return CandidateNodes(
            nodes=np.concatenate([self.nodes, more.nodes]),
            fixed=np.concatenate([self.fixed, more.fixed]),
            per_item=np.concatenate([self.per_item, more.per_item]),
            curve=np.concatenate([self.curve, more.curve]),
            curve_key=np.concatenate([self.curve_key, more.curve_key]),
            item_cap=np.concatenate([self.item_cap, more.item_cap]),
            sku_cols=self.sku_cols,
            sku_use=self.sku_use,
            stock=np.concatenate([self.stock, more.stock]),
            units_left=np.concatenate([self.units_left, more.units_left]),
        )

    def only(self, rows: np.ndarray) -> CandidateNodes:
        """The candidates at `rows` only."""
        return CandidateNodes(
            nodes=self.nodes[rows],
            fixed=self.fixed[rows],
            per_item=self.per_item[rows],
            curve=self.curve[rows],
            curve_key=self.curve_key[rows],
            item_cap=self.item_cap[rows],
            sku_cols=self.sku_cols,
            sku_use=self.sku_use,
            stock=self.stock[rows],
            units_left=self.units_left[rows],
        )


def candidate_nodes(
    network: Network,
    items: list[Item],
    methods: OrderMethods,
    ledger: Ledger,
    prices: Prices,
    excluded: Collection[int],
) -> CandidateNodes:
    """The nodes that could ship part of the order with what `ledger` has left.

    On a network that re-plans with fences (spec §7, Omniroute's extension), a fenced
    (node, SKU) has no stock for anybody here; locked units there are the per-order solver's
    business (`order_current`)."""
    costs = priced_method_costs(methods, prices)
    costs[SAME_DAY, ledger.same_day_left <= 0] = np.nan
    with np.errstate(invalid="ignore"):
        all_nan = np.isnan(costs).all(axis=0)
    curve = np.where(all_nan, np.inf, np.nanmin(np.where(np.isnan(costs), np.inf, costs), axis=0))
    curve_key = np.argmin(np.where(np.isnan(costs), np.inf, costs), axis=0)
    sku_cols, use = order_skus(items)
    stock = ledger.stock[:, sku_cols]
    fenced = network.current.fences if network.current is not None else frozenset()
    if fenced:
        stock = stock.copy()
        for k, sku in enumerate(sku_cols):
            for node in range(len(network.nodes)):
                if (node, int(sku)) in fenced:
                    stock[node, k] = 0
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
    fixed, per_item = node_costs(network, items, prices, nodes)
    return CandidateNodes(
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


def priced_method_costs(methods: OrderMethods, prices: Prices) -> np.ndarray:
    """`[method, node, weight column]`: carrier cost + late penalty (+ the same-day price)."""
    costs = methods.carrier + methods.late_cost[:, :, None]
    same_day_prices = prices.same_day_dense
    if same_day_prices is not None:
        costs[SAME_DAY] += same_day_prices[: costs.shape[1], None]
    return costs


def order_skus(items: Sequence[Item]) -> tuple[np.ndarray, np.ndarray]:
    """The order's SKU indices, and `[item, order sku]` units one item unit takes."""
    sku_cols = np.array(sorted({s for it in items for s, _ in it.sku_use}), dtype=np.int64)
    use = np.zeros((len(items), len(sku_cols)), dtype=np.int64)
    for i, it in enumerate(items):
        for s, q in it.sku_use:
            use[i, int(np.searchsorted(sku_cols, s))] += q
    return sku_cols, use


def node_costs(
    network: Network, items: Sequence[Item], prices: Prices, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per node of `nodes`: the fixed cost of a shipment (handling per order, dropship fee,
    priced shipment) and `[node, item]` the cost per item unit (handling, priced units and
    stock)."""
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
    return fixed, per_item
