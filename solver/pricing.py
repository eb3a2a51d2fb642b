"""The one place where shipments and orders are priced (spec §3 and §4).

Every strategy, the checker and the API price through this module. `order_methods` builds, for
one order, the table of which method each node may use and what it costs by billable weight;
`price_order` turns a chosen set of shipments into the plan's costs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from solver.current import HeldShipment, OrderCurrent
from solver.models import CostBreakdown, Order, OrderPlan, PlanLine, Settings, Shipment
from solver.network import Network

EARTH_RADIUS_KM = 6371.0088

# Method keys: the first three are parcel services in PARCEL_SERVICES order.
GROUND, EXPRESS, NEXT_DAY, SAME_DAY, PICKUP, TRANSFER = range(6)
METHOD_KEYS = ("ground", "express", "next_day", "same_day", "pickup", "transfer")
METHOD_OF_KEY = ("parcel", "parcel", "parcel", "same_day", "pickup", "transfer")
SERVICE_OF_KEY = ("ground", "express", "next_day", "same_day", "pickup", "ground")


def method_key(method: str, service: str) -> int | None:
    """The method key of a plan's (method, service) pair, or None if it names none."""
    for key in range(len(METHOD_KEYS)):
        if METHOD_OF_KEY[key] == method and SERVICE_OF_KEY[key] == service:
            return key
    return None


def haversine_km(
    lat1: float | np.ndarray,
    lon1: float | np.ndarray,
    lat2: float | np.ndarray,
    lon2: float | np.ndarray,
) -> np.ndarray:
    """Great-circle distance in km (spec: haversine, Earth radius 6371.0088 km); broadcasts."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0))))


def zone_of(network: Network, km: np.ndarray) -> np.ndarray:
    """Spec §3: the first zone whose `max_km >= d`; -1 beyond the last band."""
    idx = np.searchsorted(network.zone_max_km, km, side="left")
    return np.where(idx < len(network.zone_max_km), idx, -1)


def billable_kg(weight_kg: float) -> int:
    """Spec §3: `max(1, ceil(weight))`; a hair of float noise does not tip a band."""
    return max(1, math.ceil(round(weight_kg, 6)))


def promise_days(order: Order, settings: Settings) -> int:
    if order.promise_days is not None:
        return order.promise_days
    return settings.default_promise_days[order.service]


def courier_cost(settings: Settings, km: np.ndarray) -> np.ndarray:
    return np.asarray(settings.courier_base + settings.courier_per_km * km)


def weight_column(network: Network, kg: int) -> int:
    """Column of `OrderMethods.carrier` for a billable weight (see `order_methods`)."""
    return min(kg, network.max_kg + 1)


@dataclass(frozen=True)
class OrderMethods:
    """What each node may do for one order, and what it costs (spec §3).

    `carrier[m, n, kg]` is the carrier cost of method key `m` from node `n` for billable weight
    `kg` (nan: not allowed or no rate; see `weight_column`); `eta[m, n]` its days (-1: not
    allowed); `late_cost[m, n]` the late penalty that shipment would pay (spec §4).
    """

    km_to_customer: np.ndarray
    carrier: np.ndarray
    eta: np.ndarray
    late_cost: np.ndarray
    promise: int

    def allowed(self, key: int, node: int) -> bool:
        return bool(self.eta[key, node] >= 0)


def node_serves_order(network: Network, order: Order) -> np.ndarray:
    """Spec §5.3/§5.4: active nodes whose channels admit the order's channel."""
    return network.serves_channel(order.channel)


def order_weight_kg(network: Network, order: Order) -> int:
    """Billable weight of the whole order: no shipment of it can weigh more."""
    weight = sum(network.sku_weight[network.sku_index[line.sku]] * line.qty for line in order.lines)
    return billable_kg(float(weight))


def order_methods(network: Network, order: Order, heaviest_kg: int | None = None) -> OrderMethods:
    """Build the method table of spec §3 for one order over every node.

    Weight columns stop at `heaviest_kg` (default: the whole order's billable weight), so the
    table is small; `weight_column` indexes it for any shipment no heavier than that.

    In a re-plan (spec §7), a node where the order has locked units keeps the methods it had
    even if it is now inactive or out of the order's channel: those units ship from there
    whatever happens. The per-order solver sends no new units to such a node (it only takes
    nodes that serve the order), and the checker flags any that a plan sends.
    """
    heaviest = order_weight_kg(network, order) if heaviest_kg is None else heaviest_kg
    serves = node_serves_order(network, order)
    km, carrier, eta = _method_table(network, order, heaviest, serves)
    current = network.current.of(order.order_id) if network.current is not None else None
    if current is not None and current.locked_shipments:
        locked = [s.node for s in current.locked_shipments if eta[s.key, s.node] < 0]
        if locked:
            everywhere = np.ones(len(network.nodes), dtype=bool)
            _, carrier_there, eta_there = _method_table(network, order, heaviest, everywhere)
            carrier[:, locked] = carrier_there[:, locked]
            eta[:, locked] = eta_there[:, locked]
    promise = promise_days(order, network.settings)
    late_cost = network.settings.late_penalty_per_day * np.maximum(eta - promise, 0)
    late_cost = np.where(eta >= 0, late_cost, np.nan)
    return OrderMethods(km, carrier, eta, late_cost, promise)


def _method_table(
    network: Network, order: Order, heaviest: int, serves: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distances, carrier costs and etas of spec §3 when the nodes in `serves` may serve."""
    settings = network.settings
    n_nodes, top_kg = len(network.nodes), network.max_kg
    width = weight_column(network, heaviest) + 1
    ships = network.ships & serves
    proc = network.processing_days
    km = haversine_km(network.lat, network.lon, order.customer.lat, order.customer.lon)
    # Column top_kg + 1 (if the order reaches it) is "heavier than every rate row": only
    # couriers and pickup.
    carrier = np.full((len(METHOD_KEYS), n_nodes, width), np.nan)
    rated = min(width, top_kg + 1)
    eta = np.full((len(METHOD_KEYS), n_nodes), -1, dtype=np.int64)

    def parcel(key: int, service: int, allowed: np.ndarray, dist: np.ndarray) -> None:
        zone = zone_of(network, dist)
        ok = allowed & (zone >= 0)
        z = np.where(ok, zone, 0)
        days = network.transit_days[service, z]
        ok &= days >= 0
        carrier[key, ok, :rated] = network.rate_table[service, z[ok], :rated]
        eta[key][ok] = proc[ok] + days[ok]

    if order.service == "pickup":
        assert order.pickup_node is not None
        pickup_at = network.node_index[order.pickup_node]
        pickup_node = network.nodes[pickup_at]
        # The store must hand the order over: active, offering pickup, serving the channel.
        store_hands_over = bool(serves[pickup_at]) and pickup_node.pickup
        if store_hands_over:
            carrier[PICKUP, pickup_at, 1:] = 0.0
            eta[PICKUP, pickup_at] = proc[pickup_at]
            km_to_store = haversine_km(network.lat, network.lon, pickup_node.lat, pickup_node.lon)
            others = ships & (np.arange(n_nodes) != pickup_at)
            parcel(TRANSFER, GROUND, others, km_to_store)
    else:
        for service in (GROUND, EXPRESS, NEXT_DAY):
            parcel(service, service, ships, km)
        ok = network.same_day & serves & (km <= network.same_day_radius_km)
        carrier[SAME_DAY][ok] = courier_cost(settings, km[ok])[:, None]
        carrier[SAME_DAY][:, 0] = np.nan
        eta[SAME_DAY][ok] = 0
    return km, carrier, eta


@dataclass(frozen=True)
class ChosenShipment:
    """A shipment as a strategy decides it: node, method key and units per line id."""

    node: int
    key: int
    units: Mapping[str, int]


def price_shipment(
    network: Network,
    order: Order,
    methods: OrderMethods,
    chosen: ChosenShipment,
    held: HeldShipment | None = None,
) -> Shipment:
    """Spec §3: carrier + handling (per order + per unit) + dropship fee; eta and weight.

    `held` (a re-plan, §7): what the order held at that node; its locked units are marked on
    the lines (`locked`)."""
    node = network.nodes[chosen.node]
    by_id = {line.line_id: line for line in order.lines}
    locks = held.locked if held is not None else {}
    lines = tuple(
        PlanLine(line_id=lid, sku=by_id[lid].sku, qty=q, locked=_locked_of(locks, lid, q))
        for lid, q in chosen.units.items()
        if q
    )
    weight = sum(network.sku_weight[network.sku_index[pl.sku]] * pl.qty for pl in lines)
    kg = billable_kg(float(weight))
    units = sum(pl.qty for pl in lines)
    column = weight_column(network, kg)
    if column >= methods.carrier.shape[2]:  # heavier than the whole order: a broken plan
        methods = order_methods(network, order, heaviest_kg=kg)
    carrier = float(methods.carrier[chosen.key, chosen.node, column])
    return Shipment(
        node_id=node.node_id,
        method=METHOD_OF_KEY[chosen.key],  # type: ignore[arg-type]
        service=SERVICE_OF_KEY[chosen.key],
        eta_days=int(methods.eta[chosen.key, chosen.node]),
        lines=lines,
        billable_kg=kg,
        carrier_cost=carrier,
        handling_cost=node.handling_per_order + node.handling_per_unit * units,
        dropship_fee=node.dropship_fee,
    )


def _locked_of(locks: Mapping[str, int], line_id: str, qty: int) -> int | None:
    locked = min(locks.get(line_id, 0), qty)
    return locked or None


def order_breakdown(
    network: Network,
    order: Order,
    methods: OrderMethods,
    shipments: Sequence[Shipment],
    unfilled: Sequence[PlanLine],
    move: float | None = None,
) -> CostBreakdown:
    """Spec §4: shipments + split penalty + late penalty + unfilled penalty; in a re-plan
    (§7), the move penalty `move` too."""
    settings = network.settings
    late = sum(
        settings.late_penalty_per_day * max(0, s.eta_days - methods.promise) for s in shipments
    )
    unfilled_value = sum(network.sku_value[network.sku_index[u.sku]] * u.qty for u in unfilled)
    return CostBreakdown(
        carrier=sum(s.carrier_cost for s in shipments),
        handling=sum(s.handling_cost for s in shipments),
        dropship=sum(s.dropship_fee for s in shipments),
        split=settings.split_penalty * max(0, len(shipments) - 1),
        late=float(late),
        unfilled=float(settings.unfilled_penalty_factor * unfilled_value),
        move=move,
    )


def moved_units(current: OrderCurrent | None, chosen: Sequence[ChosenShipment]) -> int:
    """Spec §7: Σ over lines and nodes of max(0, units the current allocation takes from the
    node − units the new plan takes from it), locked units excluded. Units that were unfilled
    and are now shipped are never moved units."""
    if current is None:
        return 0
    new: dict[tuple[int, str], int] = {}
    for c in chosen:
        for lid, q in c.units.items():
            new[c.node, lid] = new.get((c.node, lid), 0) + q
    moved = 0
    for held in current.shipments:
        for lid, q in held.units.items():
            locked = held.locked.get(lid, 0)
            kept_beyond_lock = max(0, new.get((held.node, lid), 0) - locked)
            moved += max(0, q - locked - kept_beyond_lock)
    return moved


def move_cost(settings: Settings, moved: int) -> float:
    """Spec §7: `move_penalty_per_order` once if the order moved, plus `move_penalty_per_unit`
    per moved unit. The per-order solver encodes exactly this in its objective (a bonus per
    unit kept where it was held, the order's penalty unless everything stays)."""
    if moved <= 0:
        return 0.0
    return settings.move_penalty_per_order + settings.move_penalty_per_unit * moved


def unfilled_lines(order: Order, shipped: Mapping[str, int]) -> tuple[PlanLine, ...]:
    return tuple(
        PlanLine(line_id=line.line_id, sku=line.sku, qty=line.qty - shipped.get(line.line_id, 0))
        for line in order.lines
        if line.qty - shipped.get(line.line_id, 0) > 0
    )


def price_order(
    network: Network,
    order: Order,
    chosen: Sequence[ChosenShipment],
    methods: OrderMethods | None = None,
) -> OrderPlan:
    """Price a strategy's decision for one order into the plan format of spec §6.

    On a network that re-plans (spec §7) the order also pays its move penalty (`breakdown.move`,
    included in `cost`) and says how many units moved (`moved_units`)."""
    methods = methods or order_methods(network, order)
    replanning = network.current is not None
    current = network.current.of(order.order_id) if network.current is not None else None
    held = current.by_node if current is not None else {}
    shipments = tuple(
        price_shipment(network, order, methods, c, held.get(c.node))
        for c in sorted(chosen, key=lambda c: network.nodes[c.node].node_id)
    )
    shipped: dict[str, int] = {}
    for c in chosen:
        for lid, q in c.units.items():
            shipped[lid] = shipped.get(lid, 0) + q
    unfilled = unfilled_lines(order, shipped)
    moved = moved_units(current, chosen) if replanning else None
    move = move_cost(network.settings, moved) if moved is not None else None
    breakdown = order_breakdown(network, order, methods, shipments, unfilled, move)
    return OrderPlan(
        order_id=order.order_id,
        cost=round(breakdown.total, 2),
        shipments=shipments,
        unfilled=unfilled,
        breakdown=breakdown,
        moved_units=moved,
    )


# --------------------------------------------------------------------------- money in cents

_BREAKDOWN_PARTS = ("carrier", "handling", "dropship", "split", "late", "unfilled")
_SHIPMENT_AMOUNTS = {
    "carrier": "carrier_cost",
    "handling": "handling_cost",
    "dropship": "dropship_fee",
}


def to_cents(plan: OrderPlan) -> OrderPlan:
    """`plan` with every amount in whole cents, as answers show money (spec: two decimals).

    `cost` stays the priced total rounded to the cent; the breakdown's parts add up to it
    exactly, and each shipment's carrier, handling and dropship amounts add up to the
    breakdown's part of that name. Largest-remainder rounding: each amount is its priced value
    rounded down or up to the cent (so within a cent of it), the cents left over going to the
    amounts with the largest remainders. A plan with an amount that is not finite (a shipment
    with no rate) is returned as it is."""
    breakdown = plan.breakdown
    if breakdown is None or not math.isfinite(breakdown.total):
        return plan
    names = _BREAKDOWN_PARTS if breakdown.move is None else (*_BREAKDOWN_PARTS, "move")
    parts = dict(
        zip(
            names,
            _share_cents([getattr(breakdown, n) for n in names], round(plan.cost * 100)),
            strict=True,
        )
    )
    amounts: dict[str, list[int]] = {
        field: _share_cents([getattr(s, field) for s in plan.shipments], parts[part])
        for part, field in _SHIPMENT_AMOUNTS.items()
    }
    shipments = tuple(
        s.model_copy(update={field: cents[i] / 100 for field, cents in amounts.items()})
        for i, s in enumerate(plan.shipments)
    )
    return plan.model_copy(
        update={
            "cost": sum(parts.values()) / 100,
            "breakdown": CostBreakdown(**{n: c / 100 for n, c in parts.items()}),
            "shipments": shipments,
        }
    )


def _share_cents(amounts: Sequence[float], total_cents: int) -> list[int]:
    """Whole cents for each amount, summing to `total_cents` (largest remainder; ties go to the
    earlier amount). `total_cents` must lie between the sums of the amounts rounded down and up,
    as the cents of their rounded sum do."""
    exact = [round(a * 100, 6) for a in amounts]  # a hair of float noise is not a remainder
    cents = [math.floor(c) for c in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (cents[i] - exact[i], i))
    for i in by_remainder[: max(0, total_cents - sum(cents))]:
        cents[i] += 1
    return cents
