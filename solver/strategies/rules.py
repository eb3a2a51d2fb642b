"""`nearest` and `priority`: the rules that commercial order-management systems ship.

Both ship by the order's own service and take stock node by node down a ranking; they differ
in the ranking, and `nearest` first looks for the nearest node that has the whole order.
Every rule of spec §5 is kept: stock and capacity left, kits whole, the shipment cap and the
split guard (a shipment under `min_shipment_value` is dropped and its units stay unfilled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.order_solver import Item, line_units, order_items
from solver.pricing import (
    GROUND,
    PICKUP,
    SAME_DAY,
    TRANSFER,
    ChosenShipment,
    OrderMethods,
    billable_kg,
    haversine_km,
    order_methods,
    weight_column,
)
from solver.strategies.base import BatchDecision, arrival_order

KIND_PRIORITY = {"warehouse": 0, "store": 1, "dark_store": 1, "vendor": 2}


def own_service_key(order: Order, methods: OrderMethods, ledger: Ledger, node: int) -> int | None:
    """The method a rule engine uses at `node`: the order's own service, else none."""
    if order.service == "pickup":
        key = PICKUP if methods.allowed(PICKUP, node) else TRANSFER
    elif order.service == "same_day":
        same_day_ok = methods.allowed(SAME_DAY, node) and ledger.same_day_left[node] > 0
        key = SAME_DAY if same_day_ok else GROUND
    else:
        key = ("ground", "express", "next_day").index(order.service)
    return key if methods.allowed(key, node) else None


def _distance_ranking(network: Network, order: Order, methods: OrderMethods) -> np.ndarray:
    if order.service == "pickup":
        assert order.pickup_node is not None
        store = network.nodes[network.node_index[order.pickup_node]]
        km = haversine_km(network.lat, network.lon, store.lat, store.lon)
    else:
        km = methods.km_to_customer
    return np.argsort(km, kind="stable")


def plan_nearest(network: Network, orders: Sequence[Order]) -> BatchDecision:
    return _plan_by_rule(network, orders, whole_order_first=True, by_kind=False)


def plan_priority(network: Network, orders: Sequence[Order]) -> BatchDecision:
    return _plan_by_rule(network, orders, whole_order_first=False, by_kind=True)


def _plan_by_rule(
    network: Network,
    orders: Sequence[Order],
    *,
    whole_order_first: bool,
    by_kind: bool,
) -> BatchDecision:
    ledger = Ledger.fresh(network)
    shipments: list[tuple[ChosenShipment, ...]] = [() for _ in orders]
    kind_rank = np.array([KIND_PRIORITY[n.kind] for n in network.nodes])
    for i in arrival_order(orders):
        order = orders[i]
        methods = order_methods(network, order)
        ranking = _distance_ranking(network, order, methods)
        if by_kind:
            ranking = ranking[np.argsort(kind_rank[ranking], kind="stable")]
        chosen = _route_by_ranking(network, order, methods, ledger, ranking, whole_order_first)
        sku_by_line = {line.line_id: line.sku for line in order.lines}
        for c in chosen:
            ledger.take(network, sku_by_line, c)
        shipments[i] = chosen
    return BatchDecision(shipments)


def _route_by_ranking(
    network: Network,
    order: Order,
    methods: OrderMethods,
    ledger: Ledger,
    ranking: np.ndarray,
    whole_order_first: bool,
) -> tuple[ChosenShipment, ...]:
    items = order_items(network, order)
    wanted = [it.qty for it in items]
    usable = [
        (int(n), key)
        for n in ranking
        if ledger.orders_left[n] > 0
        and (key := own_service_key(order, methods, ledger, int(n))) is not None
    ]
    if whole_order_first:
        for node, key in usable:
            if _fits(network, ledger, items, wanted, node, key, methods) == wanted:
                return (_shipment(items, wanted, node, key),)

    settings = network.settings
    left = list(wanted)
    parts: list[tuple[int, int, list[int]]] = []
    for node, key in usable:
        if not any(left):
            break
        if order.max_shipments is not None and len(parts) >= order.max_shipments:
            break
        take = _fits(network, ledger, items, left, node, key, methods)
        if any(take):
            parts.append((node, key, take))
            left = [a - b for a, b in zip(left, take, strict=True)]
    if len(parts) > 1 and settings.min_shipment_value > 0:

        def value(part: tuple[int, int, list[int]]) -> float:
            return sum(it.value * k for it, k in zip(items, part[2], strict=True))

        kept = [p for p in parts if value(p) >= settings.min_shipment_value - 1e-9]
        parts = kept or [max(parts, key=value)]  # one shipment alone needs no guard
    return tuple(_shipment(items, take, node, key) for node, key, take in parts)


def _fits(
    network: Network,
    ledger: Ledger,
    items: list[Item],
    wanted: list[int],
    node: int,
    key: int,
    methods: OrderMethods,
) -> list[int]:
    """Item units the node can add, item by item, keeping stock, units left and a rate."""
    stock: dict[int, int] = {}
    units_left = int(ledger.units_left[node])
    weight = 0.0
    take = []
    for it, want in zip(items, wanted, strict=True):
        k = want
        for s, q in it.sku_use:
            have = stock.setdefault(s, int(ledger.stock[node, s]))
            k = min(k, have // q)
        k = min(k, units_left // it.units if it.units else k)
        while k > 0 and _no_rate(network, methods, node, key, weight + it.weight * k):
            k -= 1
        for s, q in it.sku_use:
            stock[s] -= q * k
        units_left -= it.units * k
        weight += it.weight * k
        take.append(k)
    return take


def _no_rate(network: Network, methods: OrderMethods, node: int, key: int, weight: float) -> bool:
    col = weight_column(network, billable_kg(weight))
    return math.isnan(methods.carrier[key, node, col])


def _shipment(items: list[Item], take: list[int], node: int, key: int) -> ChosenShipment:
    return ChosenShipment(node=node, key=key, units=line_units(items, take))
