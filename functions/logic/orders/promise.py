"""Delivery options for a cart and a destination, as a checkout page shows them: per service
(and per pickup store nearby) the cheapest plan now, its cost to us, the earliest delivery day
and where it ships from. Reserves nothing."""

from __future__ import annotations

from typing import Any

from functions.dal.database import Database
from functions.dal.order_inputs import OrderInputs, read_order_inputs
from functions.logic.orders.planning import check_order, plan_on
from solver.models import Order
from solver.network import Network
from solver.pricing import haversine_km

PROMISE_PICKUP_STORES = 3
"""Nearest pickup stores a promise lists."""
PROMISE_PICKUP_RADIUS_KM = 80.0


def promise(db: Database, order: Order) -> dict[str, Any]:
    """Delivery options for a cart and destination: per service, the cheapest plan now (cost to
    us, earliest delivery day, where it ships from). Reserves nothing."""
    skus = [line.sku for line in order.lines]
    inputs = read_order_inputs(db, skus)
    check_order(order, inputs)
    network = inputs.network
    stores = _pickup_stores_near(network, order)
    if stores:
        inputs = read_order_inputs(db, skus, stores)
        network = inputs.network
    options = []
    for service in ("ground", "express", "next_day", "same_day"):
        variant = order.model_copy(
            update={"service": service, "pickup_node": None, "promise_days": None}
        )
        options.append(_option(inputs, variant, service, None))
    for node_id in stores:
        variant = order.model_copy(
            update={"service": "pickup", "pickup_node": node_id, "promise_days": None}
        )
        options.append(_option(inputs, variant, "pickup", node_id))
    return {"options": options}


def _option(
    inputs: OrderInputs, order: Order, service: str, pickup_node: str | None
) -> dict[str, Any]:
    planned = plan_on(inputs, order)
    plan = planned.plan
    shipped = sum(pl.qty for s in plan.shipments for pl in s.lines)
    return {
        "service": service,
        "pickup_node": pickup_node,
        "available": not plan.unfilled and bool(plan.shipments),
        "cost": plan.cost,
        "delivery_days": max((s.eta_days for s in plan.shipments), default=None),
        "ships_from": [s.node_id for s in plan.shipments],
        "units_shipped": shipped,
        "units_unfilled": sum(u.qty for u in plan.unfilled),
    }


def _pickup_stores_near(network: Network, order: Order) -> list[str]:
    km = haversine_km(network.lat, network.lon, order.customer.lat, order.customer.lon)
    near = [
        (float(km[i]), node.node_id)
        for i, node in enumerate(network.nodes)
        if node.pickup and node.active and km[i] <= PROMISE_PICKUP_RADIUS_KM
    ]
    return [node_id for _, node_id in sorted(near)[:PROMISE_PICKUP_STORES]]
