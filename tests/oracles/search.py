"""Exact answers by exhaustive search and by an independent MIP, priced by `spec.SpecPricer`.

`order_choices` lists every plan of one order that keeps the per-order rules of §5.3–§5.4 and
fits the limits it is given (stock per node and SKU, shipments, units and same-day shipments
per node): every way to spread each line's units (each kit whole) over the nodes or leave them
unfilled, each shipment by each method §3 allows. `best_choice` is the cheapest of them, the
per-order optimum. `batch_optimum` picks one choice per order so that the batch together keeps
§5.1–§5.2, with HiGHS (`highspy`), a solver the code under test does not use.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np

from solver.models import Order
from tests.oracles.spec import METHODS, Option, PricedShipment, SpecPricer

Content = tuple[tuple[str, int], ...]
"""Units per line id of one shipment, sorted."""


@dataclass(frozen=True)
class Limits:
    """What is left to plan with (§5.1 stock, §5.2 capacity); None: no limit."""

    stock: Mapping[tuple[str, str], int]
    orders: Mapping[str, int | None]
    units: Mapping[str, int | None]
    same_day: Mapping[str, int | None]

    @classmethod
    def fresh(cls, pricer: SpecPricer) -> Limits:
        nodes = pricer.world.nodes
        return cls(
            stock=dict(pricer.available),
            orders={n.node_id: n.max_orders_per_day for n in nodes},
            units={n.node_id: n.max_units_per_day for n in nodes},
            same_day={n.node_id: n.same_day_capacity for n in nodes},
        )

    def left(self, kind: str, node_id: str) -> float:
        limit = getattr(self, kind)[node_id]
        return math.inf if limit is None else limit


@dataclass(frozen=True)
class Choice:
    """One plan of one order: its shipments, its cost (§4) and what it takes (§5.1, §5.2)."""

    shipments: tuple[PricedShipment, ...]
    cost: float
    stock: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @property
    def nodes(self) -> list[str]:
        return [s.node_id for s in self.shipments]

    @property
    def same_day_nodes(self) -> list[str]:
        return [s.node_id for s in self.shipments if s.method == "same_day"]

    def units_at(self, node_id: str) -> int:
        return sum(q for (n, _), q in self.stock.items() if n == node_id)


def choice_of(pricer: SpecPricer, order: Order, shipments: Sequence[PricedShipment]) -> Choice:
    """The choice made of these shipments: its cost (§4) and the stock it takes."""
    sku_of = pricer.line_sku(order)
    stock: Counter[tuple[str, str]] = Counter()
    for shipment in shipments:
        for lid, q in shipment.units.items():
            stock[shipment.node_id, sku_of[lid]] += q
    return Choice(tuple(shipments), pricer.order_cost(order, shipments).total, dict(stock))


def _items(order: Order) -> list[tuple[tuple[str, ...], int, bool]]:
    """(line ids, units, is a kit): a plain line spreads unit by unit, a kit goes whole."""
    kits: dict[str, list[str]] = {}
    items: list[tuple[tuple[str, ...], int, bool]] = []
    for line in order.lines:
        if line.group:
            kits.setdefault(line.group, []).append(line.line_id)
        else:
            items.append(((line.line_id,), line.qty, False))
    items.extend((tuple(members), 1, True) for members in kits.values())
    return items


def _spreads(units: int, slots: int) -> list[tuple[int, ...]]:
    """Every way to put at most `units` units into `slots` slots (the rest stays unfilled)."""
    return [s for s in itertools.product(range(units + 1), repeat=slots) if sum(s) <= units]


def _kit_spreads(slots: int) -> list[tuple[int, ...]]:
    """A kit goes whole to one slot, or stays unfilled."""
    return [tuple(int(i == k) for i in range(slots)) for k in range(-1, slots)]


def candidate_nodes(pricer: SpecPricer, order: Order, limits: Limits) -> list[str]:
    """Nodes that may ship the order some way (§3) and have a shipment left (§5.2)."""
    found = []
    for node in pricer.world.nodes:
        allowed = any(
            pricer.terms(order, node.node_id, method, service) is not None
            for method, service in METHODS
        )
        if allowed and limits.left("orders", node.node_id) >= 1:
            found.append(node.node_id)
    return found


def allocations(pricer: SpecPricer, order: Order, limits: Limits) -> int:
    """How many spreads of the order's units `order_choices` walks through."""
    nodes = candidate_nodes(pricer, order, limits)
    count = 1
    for _, qty, kit in _items(order):
        count *= len(nodes) + 1 if kit else math.comb(qty + len(nodes), len(nodes))
    return count


def order_choices(
    pricer: SpecPricer, order: Order, limits: Limits, every_method: bool = False
) -> Iterator[Choice]:
    """Every plan of `order` that keeps §5.3–§5.4 and fits `limits` alone.

    Each shipment takes its cheapest allowed method; with `every_method`, also same-day when
    that is cheaper still (the only method that uses a resource of its own, §5.2), so that a
    batch search sees both. Same-day needs a same-day shipment left at the node."""
    settings = pricer.settings
    nodes = candidate_nodes(pricer, order, limits)
    items = _items(order)
    sku_of = pricer.line_sku(order)
    spreads = [_kit_spreads(len(nodes)) if kit else _spreads(q, len(nodes)) for _, q, kit in items]
    priced: dict[tuple[str, Content], list[Option]] = {}

    def ways(node_id: str, content: Content) -> list[Option]:
        """The methods worth considering for this shipment (see above)."""
        key = (node_id, content)
        if key not in priced:
            options = pricer.options(order, node_id, pricer.billable_kg(order, dict(content)))
            if limits.left("same_day", node_id) < 1:
                options = [o for o in options if o.method != "same_day"]
            others = [o for o in options if o.method != "same_day"]
            found = [min(others, key=effective)] if others else []
            courier = [o for o in options if o.method == "same_day"]
            if courier and (not found or effective(courier[0]) < effective(found[0])):
                found = [*found, courier[0]] if every_method else courier
            priced[key] = found
        return priced[key]

    def effective(option: Option) -> float:
        """What the method adds to the order's cost: carrier cost and late penalty (§4)."""
        late = settings.late_penalty_per_day * max(0, option.eta - pricer.promise(order))
        return option.carrier + late

    for combo in itertools.product(*spreads):
        contents: dict[str, Counter[str]] = {}
        for (line_ids, _, kit), spread in zip(items, combo):
            for node_id, n in zip(nodes, spread):
                if n:
                    box = contents.setdefault(node_id, Counter())
                    for lid in line_ids:
                        box[lid] += n if not kit else _qty(order, lid)
        if order.max_shipments is not None and len(contents) > order.max_shipments:
            continue
        if len(contents) > 1 and any(
            pricer.unit_value(order, c) < settings.min_shipment_value - 1e-9
            for c in contents.values()
        ):
            continue
        stock: Counter[tuple[str, str]] = Counter()
        for node_id, box in contents.items():
            for lid, q in box.items():
                stock[node_id, sku_of[lid]] += q
        if any(q > limits.stock.get(key, 0) for key, q in stock.items()):
            continue
        if any(sum(b.values()) > limits.left("units", n) for n, b in contents.items()):
            continue
        per_node = []
        for node_id, box in sorted(contents.items()):
            content = tuple(sorted(box.items()))
            per_node.append([(node_id, o, box) for o in ways(node_id, content)])
        for picked in itertools.product(*per_node):
            yield choice_of(pricer, order, [pricer.priced(order, n, o, b) for n, o, b in picked])


def _qty(order: Order, line_id: str) -> int:
    return next(line.qty for line in order.lines if line.line_id == line_id)


@dataclass(frozen=True)
class ResourcePrices:
    """Prices on what a plan takes (what `optimal` prices orders with): per unit of stock of
    (node, sku), per shipment, per unit and per same-day shipment from a node."""

    stock: Mapping[tuple[str, str], float] = field(default_factory=dict)
    orders: Mapping[str, float] = field(default_factory=dict)
    units: Mapping[str, float] = field(default_factory=dict)
    same_day: Mapping[str, float] = field(default_factory=dict)

    def of(self, choice: Choice) -> float:
        """What the choice's resources cost at these prices."""
        total = sum(self.stock.get(key, 0.0) * q for key, q in choice.stock.items())
        for shipment in choice.shipments:
            n = shipment.node_id
            total += self.orders.get(n, 0.0) + self.units.get(n, 0.0) * sum(shipment.units.values())
            if shipment.method == "same_day":
                total += self.same_day.get(n, 0.0)
        return total


NO_PRICES = ResourcePrices()


def best_choice(
    pricer: SpecPricer, order: Order, limits: Limits, prices: ResourcePrices = NO_PRICES
) -> tuple[Choice, float]:
    """The cheapest plan of `order` alone with `limits`, and its cost plus the prices of what
    it takes (never empty: leaving it all unfilled is always allowed)."""
    priced = (
        (c, c.cost + prices.of(c))
        for c in order_choices(pricer, order, limits, every_method=prices != NO_PRICES)
    )
    return min(priced, key=lambda pair: pair[1])


@dataclass(frozen=True)
class BatchOptimum:
    cost: float
    """The optimum: the cheapest plan of the batch that keeps every rule."""
    choices: tuple[Choice, ...]
    relaxed: float
    """The optimum of the LP relaxation (orders may take fractions of their choices): no
    Lagrangian lower bound on `cost` can exceed it."""
    columns: int


def batch_optimum(pricer: SpecPricer, orders: Sequence[Order]) -> BatchOptimum:
    """The cheapest plan of the whole batch under §5.1–§5.2 (HiGHS, gap 0), over every choice
    of every order (choices that take the same resources keep only the cheapest), and the
    optimum of its LP relaxation."""
    limits = Limits.fresh(pricer)
    columns: list[tuple[int, Choice]] = []
    for i, order in enumerate(orders):
        cheapest: dict[object, Choice] = {}
        for choice in order_choices(pricer, order, limits, every_method=True):
            key = (
                tuple(sorted(choice.stock.items())),
                tuple(choice.nodes),
                tuple(choice.same_day_nodes),
            )
            if key not in cheapest or choice.cost < cheapest[key].cost:
                cheapest[key] = choice
        columns.extend((i, c) for c in cheapest.values())
    h = highspy.Highs()
    h.silent()
    n = len(columns)
    h.addVars(n, np.zeros(n), np.ones(n))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array([c.cost for _, c in columns]))

    def row(lower: float, upper: float, entries: Mapping[int, float]) -> None:
        if entries:
            idx = np.array(list(entries), dtype=np.int32)
            h.addRow(lower, upper, len(idx), idx, np.array(list(entries.values()), dtype=float))

    for i in range(len(orders)):
        row(1, 1, {j: 1.0 for j, (o, _) in enumerate(columns) if o == i})
    keys = sorted({key for _, c in columns for key in c.stock})
    for key in keys:
        row(
            -math.inf,
            limits.stock.get(key, 0),
            {j: c.stock[key] for j, (_, c) in enumerate(columns) if key in c.stock},
        )
    for node in pricer.world.nodes:
        nid = node.node_id
        for limit, use in (
            (node.max_orders_per_day, [c.nodes.count(nid) for _, c in columns]),
            (node.max_units_per_day, [c.units_at(nid) for _, c in columns]),
            (node.same_day_capacity, [c.same_day_nodes.count(nid) for _, c in columns]),
        ):
            if limit is not None:
                row(-math.inf, limit, {j: float(u) for j, u in enumerate(use) if u})
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.getModelStatus()
    relaxed = h.getInfo().objective_function_value
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.full(n, highspy.HighsVarType.kInteger)
    )
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal, h.getModelStatus()
    values = h.getSolution().col_value
    picked = [columns[j] for j in range(n) if values[j] > 0.5]
    by_order = {i: c for i, c in picked}
    choices = tuple(by_order[i] for i in range(len(orders)))
    return BatchOptimum(sum(c.cost for c in choices), choices, relaxed, n)
