"""Planning an order on live data: the exact per-order optimum on the stock and capacity read
right before (`solver.order_solver.solve_order`), priced by `solver.pricing.price_order`; the
answer body with each shipment's next-best alternative; and the stock and capacity deltas that
reserve (or release) a plan.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from functions.dal.database import Database
from functions.dal.order_index import backordered_rows
from functions.dal.order_inputs import OrderInputs, read_order_inputs
from functions.dal.reservations import CapacityDelta, Delta, StockDelta
from functions.logic.errors import Invalid, from_load_errors
from solver.loading import validate_order
from solver.models import Order, OrderPlan
from solver.network import Network
from solver.order_solver import solve_order
from solver.planfile import order_plan_data
from solver.pricing import SAME_DAY, ChosenShipment, price_order, to_cents

ALTERNATIVES_MAX_LINES = 20
"""Orders with more lines get no per-shipment alternative (`null`): each one is a re-solve."""


@dataclass(frozen=True)
class Planned:
    inputs: OrderInputs
    chosen: tuple[ChosenShipment, ...]
    plan: OrderPlan
    solve_seconds: float


def check_order(order: Order, inputs: OrderInputs) -> None:
    errors = validate_order(order, inputs.network, "body", None)
    if errors:
        raise Invalid(
            "unknown_reference",
            "the order names unknown SKUs or nodes",
            from_load_errors(errors),
        )


def plan_on(inputs: OrderInputs, order: Order, excluded: Collection[str] = ()) -> Planned:
    """The exact cheapest plan for `order` on `inputs`, never using the `excluded` nodes."""
    network = inputs.network
    check_order(order, inputs)
    banned = [network.node_index[n] for n in excluded if n in network.node_index]
    started = time.perf_counter()
    solution = solve_order(network, order, inputs.ledger, excluded_nodes=banned)
    solve_seconds = time.perf_counter() - started
    plan = price_order(network, order, solution.chosen)
    return Planned(inputs, solution.chosen, plan, solve_seconds)


def plan_order(db: Database, order: Order, excluded: Collection[str] = ()) -> Planned:
    extra = [order.pickup_node] if order.pickup_node else []
    inputs = read_order_inputs(db, (line.sku for line in order.lines), extra)
    return plan_on(inputs, order, excluded)


def alternatives(planned: Planned, order: Order, excluded: Collection[str]) -> dict[str, Any]:
    """Why each node: the order's best plan without it (re-solved, priced by pricing.py)."""
    network, out = planned.inputs.network, {}
    if len(order.lines) > ALTERNATIVES_MAX_LINES:
        return {}
    for shipment in planned.plan.shipments:
        without = [*excluded, shipment.node_id]
        banned = [network.node_index[n] for n in without if n in network.node_index]
        solution = solve_order(network, order, planned.inputs.ledger, excluded_nodes=banned)
        other = price_order(network, order, solution.chosen)
        out[shipment.node_id] = {
            "without_node": shipment.node_id,
            "cost": other.cost,
            "extra_cost": round(other.cost - planned.plan.cost, 2),
            "ships_from": [s.node_id for s in other.shipments],
            "unfilled_units": sum(u.qty for u in other.unfilled),
        }
    return out


def plan_body(
    planned: Planned,
    order: Order,
    status: str,
    excluded: Collection[str],
    version: int,
) -> dict[str, Any]:
    """The spec §6 order plan (shipments, unfilled, cost) with breakdown, every amount in cents
    (`solver.pricing.to_cents`) and, per shipment, the next-best alternative."""
    plan = order_plan_data(to_cents(planned.plan))
    why = alternatives(planned, order, excluded)
    for shipment in plan["shipments"]:
        shipment["alternative"] = why.get(shipment["node_id"])
        shipment["state"] = "reserved"  # then released, picked, shipped (orders/shipments.py)
    return {
        "order_id": order.order_id,
        "status": status,
        "day": planned.inputs.day,
        "version": version,
        "excluded_nodes": sorted(excluded),
        **plan,
        # Agreement 2: units left unfilled are backordered on the order, filled when stock
        # arrives (a reallocation, docs/reallocation.md).
        "backordered": backordered_rows(plan["unfilled"]),
    }


def held_status(chosen: Collection[ChosenShipment]) -> str:
    """`reserved` when the plan holds a unit, `backordered` when it holds none (every unit
    unfilled): the order statuses of agreement 2 (docs/dynamodb.md)."""
    held = any(q > 0 for c in chosen for q in c.units.values())
    return "reserved" if held else "backordered"


def reservation_deltas(
    network: Network, order: Order, chosen: Iterable[ChosenShipment], day: str, sign: int = 1
) -> list[Delta]:
    """Stock per SKU item and capacity per node-day for chosen shipments (sign -1: release)."""
    sku_of = {line.line_id: line.sku for line in order.lines}
    stock: dict[str, dict[str, int]] = {}
    deltas: list[Delta] = []
    for c in chosen:
        node = network.nodes[c.node]
        units = 0
        for line_id, qty in c.units.items():
            if qty:
                by_node = stock.setdefault(sku_of[line_id], {})
                by_node[node.node_id] = by_node.get(node.node_id, 0) + sign * qty
                units += qty
        deltas.append(
            CapacityDelta(
                node.node_id,
                day,
                orders=sign,
                units=sign * units,
                same_day=sign if c.key == SAME_DAY else 0,
                limits=(node.max_orders_per_day, node.max_units_per_day, node.same_day_capacity),
            )
        )
    deltas[:0] = [StockDelta(sku, units) for sku, units in sorted(stock.items())]
    return deltas
