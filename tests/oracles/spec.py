"""The fulfilment model's costs and rules, written from the spec alone (§1–§6).

A `World` is a dataset as its files give it (the records of §1, before any indexing). `SpecPricer`
answers the spec's questions about it one at a time, in plain Python: which methods a node may
use for an order (§3's table), what a shipment and an order cost (§3, §4). `judge_plan` lists
every rule of §3–§6 a plan breaks. Nothing here imports the solver's pricing or checker; the
only solver imports are the record models (data, no rules) and `build_network`, which turns a
world into what the code under test takes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from solver.models import (
    Node,
    Order,
    OrderPlan,
    Plan,
    PlanLine,
    Rate,
    Settings,
    Sku,
    StockRow,
    Transit,
    Zone,
)
from solver.network import Dataset, Network, build_network

EARTH_RADIUS_KM = 6371.0088
CENT = 0.005
"""Two amounts agree to the cent when they differ by at most this (§6)."""
NOISE = 1e-9
SLACK = CENT + 1e-6
"""How far a total rounded to the cent may be from an exact sum of floats (half a cent, and the
float noise of adding a few hundred amounts)."""

PARCEL = ("ground", "express", "next_day")
METHODS: tuple[tuple[str, str], ...] = (
    ("parcel", "ground"),
    ("parcel", "express"),
    ("parcel", "next_day"),
    ("same_day", "same_day"),
    ("pickup", "pickup"),
    ("transfer", "ground"),
)
"""Every (method, service) pair a plan file may name (§3, §6)."""


@dataclass(frozen=True)
class World:
    """A dataset's records as its files give them (§1)."""

    nodes: tuple[Node, ...]
    skus: tuple[Sku, ...]
    stock: tuple[StockRow, ...]
    zones: tuple[Zone, ...]
    rates: tuple[Rate, ...]
    transits: tuple[Transit, ...]
    settings: Settings

    @cached_property
    def network(self) -> Network:
        """The same records as the code under test takes them."""
        return build_network(
            self.nodes, self.skus, self.stock, self.zones, self.rates, self.transits, self.settings
        )

    def dataset(self, orders: Sequence[Order], name: str = "oracle") -> Dataset:
        return Dataset(name, self.network, tuple(orders))

    def with_on_hand(self, on_hand: Mapping[tuple[str, str], int]) -> World:
        """The same world with these on-hand counts (other rows unchanged)."""
        rows = tuple(
            row.model_copy(update={"on_hand": on_hand.get((row.node_id, row.sku), row.on_hand)})
            for row in self.stock
        )
        return World(
            self.nodes, self.skus, rows, self.zones, self.rates, self.transits, self.settings
        )


@dataclass(frozen=True)
class Option:
    """One way a node can ship a given content for an order (a row of §3's table, priced)."""

    method: str
    service: str
    carrier: float
    eta: int


@dataclass(frozen=True)
class PricedShipment:
    """A shipment and its cost by §3: carrier + handling (per order + per unit) + dropship fee."""

    node_id: str
    method: str
    service: str
    units: Mapping[str, int]
    """Units per line id."""
    billable_kg: int
    carrier: float
    handling: float
    dropship: float
    eta: int

    @property
    def cost(self) -> float:
        return self.carrier + self.handling + self.dropship


@dataclass(frozen=True)
class OrderCost:
    """§4: an order's cost by part."""

    carrier: float
    handling: float
    dropship: float
    split: float
    late: float
    unfilled: float

    @property
    def total(self) -> float:
        return self.carrier + self.handling + self.dropship + self.split + self.late + self.unfilled


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula (the spec's units paragraph)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


class SpecPricer:
    """The spec's prices and permissions for one world, one question at a time."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.settings = world.settings
        self.node = {n.node_id: n for n in world.nodes}
        self.sku = {s.sku: s for s in world.skus}
        self.available: dict[tuple[str, str], int] = Counter()
        for row in world.stock:
            self.available[row.node_id, row.sku] += row.on_hand - row.safety_stock
        for key, units in self.available.items():
            self.available[key] = max(0, units)

    # §3 building blocks ------------------------------------------------------------------

    def zone(self, km: float) -> str | None:
        """The first zone whose max_km >= d (an empty max_km: no limit); None beyond the last."""
        for z in self.world.zones:
            if z.max_km is None or z.max_km >= km:
                return z.zone
        return None

    def rate(self, service: str, zone: str, kg: int) -> float | None:
        """The cost of the row with the smallest max_kg >= kg; None: no such row."""
        rows = [r for r in self.world.rates if r.service == service and r.zone == zone]
        fitting = [r for r in rows if r.max_kg >= kg]
        return min(fitting, key=lambda r: r.max_kg).cost if fitting else None

    def transit(self, service: str, zone: str) -> int | None:
        for t in self.world.transits:
            if t.service == service and t.zone == zone:
                return t.days
        return None

    def line_sku(self, order: Order) -> dict[str, str]:
        return {line.line_id: line.sku for line in order.lines}

    def billable_kg(self, order: Order, units: Mapping[str, int]) -> int:
        """max(1, ceil(Σ weight_kg × qty)), in exact decimals as the files write them."""
        sku_of = self.line_sku(order)
        weight = sum(
            (Decimal(repr(self.sku[sku_of[lid]].weight_kg)) * q for lid, q in units.items()),
            Decimal(0),
        )
        return max(1, math.ceil(weight))

    def unit_value(self, order: Order, units: Mapping[str, int]) -> float:
        sku_of = self.line_sku(order)
        return sum(self.sku[sku_of[lid]].unit_value * q for lid, q in units.items())

    def promise(self, order: Order) -> int:
        if order.promise_days is not None:
            return order.promise_days
        return self.settings.default_promise_days[order.service]

    def serves(self, node: Node, order: Order) -> bool:
        """§5.3 channels and §5.4 active: may this node fulfil this order at all?"""
        channel_ok = not order.channel or not node.channels or order.channel in node.channels
        return node.active and channel_ok

    def km_to_customer(self, node: Node, order: Order) -> float:
        return distance_km(node.lat, node.lon, order.customer.lat, order.customer.lon)

    def store(self, order: Order) -> Node | None:
        """The pickup store of a pickup order, if the dataset has it."""
        return self.node.get(order.pickup_node) if order.pickup_node else None

    def store_hands_over(self, order: Order) -> bool:
        """A pickup order can be collected only from a store that offers pickup and serves it.

        The spec's transfer row says only "to the pickup store"; we read it as needing a store
        that can hand the order over (see notes-test-oracles.md, finding 1)."""
        store = self.store(order)
        return store is not None and store.pickup and self.serves(store, order)

    # §3's table --------------------------------------------------------------------------

    def terms(
        self, order: Order, node_id: str, method: str, service: str
    ) -> tuple[int, Callable[[int], float | None]] | None:
        """If §3's table allows `node_id` to ship `order` by (method, service): its eta and its
        carrier cost as a function of billable kg (None: no rate for that weight). Else None.
        A parcel or transfer also needs a zone for its distance and a transit row."""
        node = self.node[node_id]
        if not self.serves(node, order):
            return None
        if order.service == "pickup":
            store = self.store(order)
            if store is None or not self.store_hands_over(order):
                return None
            if (method, service) == ("pickup", "pickup") and node_id == store.node_id:
                return node.processing_days, lambda _kg: 0.0
            if (method, service) == ("transfer", "ground") and node_id != store.node_id:
                if not node.ships:
                    return None
                return self._parcel(
                    node, service, distance_km(node.lat, node.lon, store.lat, store.lon)
                )
            return None
        km = self.km_to_customer(node, order)
        if method == "parcel" and service in PARCEL and node.ships:
            return self._parcel(node, service, km)
        in_radius = node.same_day and km <= node.same_day_radius_km
        if (method, service) == ("same_day", "same_day") and in_radius:
            courier = self.settings.courier_base + self.settings.courier_per_km * km
            return 0, lambda _kg: courier
        return None

    def _parcel(
        self, node: Node, service: str, km: float
    ) -> tuple[int, Callable[[int], float | None]] | None:
        zone = self.zone(km)
        days = None if zone is None else self.transit(service, zone)
        if zone is None or days is None:
            return None
        return node.processing_days + days, lambda kg: self.rate(service, zone, kg)

    def options(self, order: Order, node_id: str, kg: int) -> list[Option]:
        """Every row of §3's table that lets `node_id` ship `kg` billable for `order`, priced."""
        found = []
        for method, service in METHODS:
            terms = self.terms(order, node_id, method, service)
            if terms is not None:
                carrier = terms[1](kg)
                if carrier is not None:
                    found.append(Option(method, service, carrier, terms[0]))
        return found

    def price(
        self, order: Order, node_id: str, method: str, service: str, units: Mapping[str, int]
    ) -> PricedShipment | None:
        """The shipment priced by §3; None when the method is not allowed or has no rate."""
        kg = self.billable_kg(order, units)
        option = next(
            (
                o
                for o in self.options(order, node_id, kg)
                if (o.method, o.service) == (method, service)
            ),
            None,
        )
        if option is None:
            return None
        return self.priced(order, node_id, option, units)

    def priced(
        self, order: Order, node_id: str, option: Option, units: Mapping[str, int]
    ) -> PricedShipment:
        node = self.node[node_id]
        count = sum(units.values())
        return PricedShipment(
            node_id=node_id,
            method=option.method,
            service=option.service,
            units=dict(units),
            billable_kg=self.billable_kg(order, units),
            carrier=option.carrier,
            handling=node.handling_per_order + node.handling_per_unit * count,
            dropship=node.dropship_fee,
            eta=option.eta,
        )

    # §4 ----------------------------------------------------------------------------------

    def order_cost(self, order: Order, shipments: Sequence[PricedShipment]) -> OrderCost:
        """§4, with the unfilled units being whatever the shipments leave of each line."""
        s = self.settings
        shipped: Counter[str] = Counter()
        for shipment in shipments:
            shipped.update(shipment.units)
        unfilled = {line.line_id: max(0, line.qty - shipped[line.line_id]) for line in order.lines}
        promise = self.promise(order)
        return OrderCost(
            carrier=sum(x.carrier for x in shipments),
            handling=sum(x.handling for x in shipments),
            dropship=sum(x.dropship for x in shipments),
            split=s.split_penalty * max(0, len(shipments) - 1),
            late=s.late_penalty_per_day * sum(max(0, x.eta - promise) for x in shipments),
            unfilled=s.unfilled_penalty_factor * self.unit_value(order, unfilled),
        )


# ------------------------------------------------------------------------------ plan judge


@dataclass
class Judgement:
    """The rules of §3–§6 a plan breaks, as (rule code, order id or None), and its costs."""

    broken: set[tuple[str, str | None]] = field(default_factory=set)
    order_costs: dict[str, float] = field(default_factory=dict)
    """Recomputed cost of each order whose shipments can all be priced."""

    @property
    def rules(self) -> set[str]:
        return {rule for rule, _ in self.broken}


def judge_plan(world: World, orders: Sequence[Order], plan: Plan) -> Judgement:
    """Every rule of §3–§6 that `plan` breaks, by the rule codes of the checker's report.

    A shipment that cannot go is reported for the first reason of: its node is inactive
    (§5.4), the node does not serve the order's channel (§5.3), §3's table does not allow the
    method; its carrier cost and eta are then not compared. Plans must name known nodes,
    methods and lines (format errors are not judged here)."""
    pricer = SpecPricer(world)
    judgement = Judgement()
    by_id = {o.order_id: o for o in orders}
    taken: Counter[tuple[str, str]] = Counter()
    shipments_from: Counter[str] = Counter()
    units_from: Counter[str] = Counter()
    same_day_from: Counter[str] = Counter()
    total = 0.0
    priceable_plan = True
    for order_plan in plan.orders:
        order = by_id[order_plan.order_id]
        for shipment in order_plan.shipments:
            shipments_from[shipment.node_id] += 1
            if shipment.method == "same_day":
                same_day_from[shipment.node_id] += 1
            for line in shipment.lines:
                taken[shipment.node_id, line.sku] += line.qty
                units_from[shipment.node_id] += line.qty
        cost = _judge_order(pricer, order, order_plan, judgement)
        if cost is None:
            priceable_plan = False
        else:
            judgement.order_costs[order.order_id] = cost
            total += cost
    planned = Counter(p.order_id for p in plan.orders)
    for order in orders:
        if planned[order.order_id] == 0:
            judgement.broken.add(("missing_order", order.order_id))
    for (node_id, sku), units in taken.items():
        if units > pricer.available[node_id, sku]:
            judgement.broken.add(("stock", None))
    for node_id, node in pricer.node.items():
        for rule, used, limit in (
            ("orders_capacity", shipments_from[node_id], node.max_orders_per_day),
            ("units_capacity", units_from[node_id], node.max_units_per_day),
            ("same_day_capacity", same_day_from[node_id], node.same_day_capacity),
        ):
            if limit is not None and used > limit:
                judgement.broken.add((rule, None))
    if priceable_plan and abs(plan.total_cost - total) > CENT + NOISE:
        judgement.broken.add(("wrong_total", None))
    if plan.bound is not None and plan.bound > plan.total_cost + CENT + NOISE:
        judgement.broken.add(("bound", None))
    return judgement


def _judge_order(
    pricer: SpecPricer, order: Order, order_plan: OrderPlan, judgement: Judgement
) -> float | None:
    """Judge one order's shipments; its recomputed cost, or None if one cannot be priced."""
    oid = order.order_id
    broken = judgement.broken
    priced: list[PricedShipment] = []
    priceable = True
    contents: list[dict[str, int]] = []
    for shipment in order_plan.shipments:
        units: Counter[str] = Counter()
        for line in shipment.lines:
            units[line.line_id] += line.qty
        contents.append(dict(units))
        node = pricer.node[shipment.node_id]
        if shipment.billable_kg != pricer.billable_kg(order, units):
            broken.add(("wrong_billable_kg", oid))
        handling = node.handling_per_order + node.handling_per_unit * sum(units.values())
        if _differs(shipment.handling_cost, handling) or _differs(
            shipment.dropship_fee, node.dropship_fee
        ):
            broken.add(("wrong_cost", oid))
        terms = pricer.terms(order, node.node_id, shipment.method, shipment.service)
        if terms is None:
            reason = "inactive_node" if not node.active else "channel"
            if node.active and pricer.serves(node, order):
                reason = "method_not_allowed"
            broken.add((reason, oid))
            priceable = False
            continue
        eta, carrier = terms
        if shipment.eta_days != eta:
            broken.add(("wrong_eta", oid))
        cost = carrier(pricer.billable_kg(order, units))
        if cost is None:
            broken.add(("no_rate", oid))
            priceable = False
            continue
        if _differs(shipment.carrier_cost, cost):
            broken.add(("wrong_cost", oid))
        priced.append(
            pricer.priced(
                order, node.node_id, Option(shipment.method, shipment.service, cost, eta), units
            )
        )
    nodes = [s.node_id for s in order_plan.shipments]
    if len(set(nodes)) < len(nodes):
        broken.add(("duplicate_node_shipment", oid))
    if order.max_shipments is not None and len(nodes) > order.max_shipments:
        broken.add(("max_shipments", oid))
    guard = pricer.settings.min_shipment_value
    if len(nodes) > 1 and any(pricer.unit_value(order, u) < guard - NOISE for u in contents):
        broken.add(("split_guard", oid))
    _judge_lines(order, contents, order_plan.unfilled, broken)
    if not priceable:
        return None
    cost = pricer.order_cost(order, priced)
    if _differs(order_plan.cost, cost.total):
        broken.add(("wrong_cost", oid))
    if order_plan.breakdown is not None:
        stated = order_plan.breakdown
        for part in ("carrier", "handling", "dropship", "split", "late", "unfilled"):
            if _differs(getattr(stated, part), getattr(cost, part)):
                broken.add(("wrong_cost", oid))
    return cost.total


def _differs(stated: float, recomputed: float) -> bool:
    return abs(stated - recomputed) > CENT + NOISE


def _judge_lines(
    order: Order,
    contents: Sequence[Mapping[str, int]],
    unfilled_lines: Sequence[PlanLine],
    broken: set[tuple[str, str | None]],
) -> None:
    """§5.4 shipped units <= qty, §6 shipped + unfilled = qty, §5.3 kits whole from one node."""
    oid = order.order_id
    shipped: Counter[str] = Counter()
    for units in contents:
        shipped.update(units)
    unfilled: Counter[str] = Counter()
    for line in unfilled_lines:
        unfilled[line.line_id] += line.qty
    for line in order.lines:
        if shipped[line.line_id] > line.qty:
            broken.add(("overshipped_line", oid))
        elif shipped[line.line_id] + unfilled[line.line_id] != line.qty:
            broken.add(("unfilled_mismatch", oid))
    kits: dict[str, list[str]] = {}
    for line in order.lines:
        if line.group:
            kits.setdefault(line.group, []).append(line.line_id)
    qty = {line.line_id: line.qty for line in order.lines}
    for members in kits.values():
        carrying = [u for u in contents if any(u.get(m, 0) for m in members)]
        partial = bool(carrying) and any(carrying[0].get(m, 0) != qty[m] for m in members)
        if len(carrying) > 1 or partial:
            broken.add(("kit_split", oid))
