"""An order's life on live data: create it (plan and reserve atomically), read it, cancel it
(release exactly what it holds), and re-route the lines a node rejects.

If stock changed between the read and the commit, the order is re-read and re-planned up to
`MAX_PLAN_ATTEMPTS` times, then the caller gets a `Conflict` with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.dal.database import Database
from functions.dal.network_config import network_config
from functions.dal.order_inputs import read_order_inputs
from functions.dal.orders import chosen_from_rows, order_record, record_attributes
from functions.dal.reservations import (
    CapacityDelta,
    Delta,
    RecordWrite,
    ReservationFailed,
    StockDelta,
    commit,
)
from functions.logic.errors import Conflict, Invalid, field_error, not_found
from functions.logic.orders.planning import (
    Planned,
    plan_body,
    plan_on,
    plan_order,
    reservation_deltas,
)
from functions.logic.orders.shipments import unshipped_rows
from functions.logic.reallocation import signals
from solver.models import Order, OrderLine
from solver.network import Network
from solver.pricing import SAME_DAY, ChosenShipment, price_order

MAX_PLAN_ATTEMPTS = 4
"""Reads + plans + commits tried before answering 409 `stock_changed`."""


@dataclass(frozen=True)
class OrderChange:
    """What a state-changing call did to an order: its answer body; `created` when this call
    created it (not a retry); the plan and the reservation conflicts met, for metrics."""

    body: dict[str, Any]
    created: bool = False
    planned: Planned | None = None
    conflicts: int = 0


# --------------------------------------------------------------------------- orders


def create_order(db: Database, order: Order) -> OrderChange:
    """Plan and reserve a new order; the same order again answers with its stored plan."""
    conflicts = 0
    last: ReservationFailed | None = None
    for _ in range(MAX_PLAN_ATTEMPTS):
        planned = plan_order(db, order)
        body = plan_body(planned, order, "reserved", (), version=1)
        network, day = planned.inputs.network, planned.inputs.day
        deltas = reservation_deltas(network, order, planned.chosen, day)
        record = RecordWrite(
            order.order_id,
            record_attributes(order, body, network, planned.chosen, day),
            creating=True,
        )
        try:
            commit(db, deltas, record)
        except ReservationFailed as failure:
            if failure.reason == "record_changed":
                return _existing_order(db, order)
            conflicts += 1
            last = failure
            continue
        return OrderChange(body, created=True, planned=planned, conflicts=conflicts)
    raise Conflict(
        "stock_changed",
        f"stock or capacity kept changing while reserving ({MAX_PLAN_ATTEMPTS} tries); "
        "nothing is reserved, retry later",
        last.details if last else [],
    )


def _existing_order(db: Database, order: Order) -> OrderChange:
    record = order_record(db, order.order_id)
    if record is None or record.get("status") == "pending":
        raise Conflict("order_in_progress", f"order {order.order_id!r} is being written; retry")
    if Order.model_validate_json(record["order"]) != order:
        raise Conflict(
            "order_exists",
            f"order {order.order_id!r} already exists with different content",
            [field_error("order_id", "already used by another order")],
        )
    return OrderChange(json.loads(record["plan"]))


def get_order(db: Database, order_id: str) -> dict[str, Any]:
    record = order_record(db, order_id)
    if record is None or "plan" not in record:
        raise not_found("order", order_id)
    body: dict[str, Any] = json.loads(record["plan"])
    body["status"] = record["status"]
    return body


def _stored(db: Database, order_id: str) -> tuple[dict[str, Any], Order, dict[str, Any]]:
    record = order_record(db, order_id)
    if record is None or "plan" not in record:
        raise not_found("order", order_id)
    if "pending_op" in record:
        raise Conflict("order_in_progress", f"order {order_id!r} is being changed; retry")
    return record, Order.model_validate_json(record["order"]), json.loads(record["plan"])


def cancel_order(db: Database, order_id: str) -> OrderChange:
    """Release everything the order holds (exactly what was reserved, on the day reserved)."""
    for _ in range(MAX_PLAN_ATTEMPTS):
        record, order, body = _stored(db, order_id)
        if record["status"] == "cancelled":
            return OrderChange(body)
        network = network_config(db).base
        chosen = chosen_from_rows(network, unshipped_rows(record))  # shipped: nothing held
        deltas = reservation_deltas(network, order, chosen, record["day"], sign=-1)
        version = int(record["version"]) + 1
        body = {**body, "status": "cancelled", "version": version}
        attributes = {"status": "cancelled", "plan": json.dumps(body), "version": version}
        closed = RecordWrite(
            order_id, attributes, False, int(record["version"]), removes=("open_shard",)
        )
        try:
            commit(db, deltas, closed)
        except ReservationFailed:
            continue
        return OrderChange(body)
    raise Conflict("order_changed", f"order {order_id!r} kept changing; retry")


def reject_lines(
    db: Database, order_id: str, node_id: str, lines: Sequence[tuple[str, int | None]]
) -> OrderChange:
    """A node cannot fulfil some lines: release those units there and re-route them on fresh
    data, never back to that node (nor to any node that rejected this order before)."""
    conflicts = 0
    for _ in range(MAX_PLAN_ATTEMPTS):
        record, order, _ = _stored(db, order_id)
        if record["status"] != "reserved":
            raise Conflict("order_not_reserved", f"order {order_id!r} is {record['status']}")
        extra = [order.pickup_node] if order.pickup_node else []
        inputs = read_order_inputs(db, (line.sku for line in order.lines), extra)
        network = inputs.network
        if node_id not in network.node_index:
            raise Invalid(
                "unknown_reference",
                f"unknown node {node_id!r}",
                [field_error("node_id", f"unknown node {node_id!r}")],
            )
        chosen = chosen_from_rows(network, json.loads(record["chosen"]))
        at_node = next((c for c in chosen if network.nodes[c.node].node_id == node_id), None)
        released = _released_units(order, at_node, lines)
        kept = _without(chosen, at_node, released)
        excluded = sorted({*json.loads(record["excluded"]), node_id})
        sub_order = _sub_order(order, released)
        new_chosen: list[ChosenShipment] = []
        if sub_order is not None:
            sub = plan_on(inputs, sub_order, excluded)
            new_chosen = list(sub.chosen)
        merged = _merge(kept, new_chosen)
        plan = price_order(network, order, merged)
        planned = Planned(inputs, tuple(merged), plan, 0.0)
        version = int(record["version"]) + 1
        new_body = plan_body(planned, order, "reserved", excluded, version)
        new_body["day"] = record["day"]
        deltas = _reroute_deltas(network, order, chosen, merged, record["day"])
        attributes = record_attributes(order, new_body, network, merged, record["day"])
        try:
            commit(db, deltas, RecordWrite(order_id, attributes, False, int(record["version"])))
        except ReservationFailed:
            conflicts += 1
            continue
        rejected = {line.sku for line in order.lines if released.get(line.line_id)}
        signals.lines_rejected(order_id, node_id, rejected, version)  # fence + re-plan
        return OrderChange(new_body, planned=planned, conflicts=conflicts)
    raise Conflict("stock_changed", f"stock kept changing while re-routing {order_id!r}; retry")


def _released_units(
    order: Order, at_node: ChosenShipment | None, lines: Sequence[tuple[str, int | None]]
) -> dict[str, int]:
    held = dict(at_node.units) if at_node else {}
    errors: list[dict[str, Any]] = []
    released: dict[str, int] = {}
    for i, (line_id, qty) in enumerate(lines):
        if held.get(line_id, 0) <= 0:
            errors.append(
                field_error(
                    f"lines[{i}].line_id", f"line {line_id!r} is not shipped from this node"
                )
            )
            continue
        if qty is not None and qty > held[line_id]:
            errors.append(
                field_error(
                    f"lines[{i}].qty",
                    f"only {held[line_id]} units of line {line_id!r} ship from this node",
                )
            )
            continue
        released[line_id] = released.get(line_id, 0) + (qty if qty is not None else held[line_id])
    if errors:
        raise Invalid("invalid_reject", "some lines cannot be rejected at this node", errors)
    # A kit ships whole: rejecting one member re-routes the whole kit from this node.
    groups = {line.group for line in order.lines if line.line_id in released and line.group}
    for line in order.lines:
        if line.group in groups and held.get(line.line_id):
            released[line.line_id] = held[line.line_id]
    return released


def _without(
    chosen: Sequence[ChosenShipment], at_node: ChosenShipment | None, released: Mapping[str, int]
) -> list[ChosenShipment]:
    out = []
    for c in chosen:
        if c is at_node:
            left = {lid: q - released.get(lid, 0) for lid, q in c.units.items()}
            left = {lid: q for lid, q in left.items() if q > 0}
            if left:
                out.append(ChosenShipment(c.node, c.key, left))
        else:
            out.append(c)
    return out


def _sub_order(order: Order, released: Mapping[str, int]) -> Order | None:
    lines = [
        OrderLine(line_id=line.line_id, sku=line.sku, qty=released[line.line_id], group=line.group)
        for line in order.lines
        if released.get(line.line_id)
    ]
    if not lines:
        return None
    return order.model_copy(update={"lines": tuple(lines), "max_shipments": None})


def _merge(kept: Sequence[ChosenShipment], added: Sequence[ChosenShipment]) -> list[ChosenShipment]:
    """One shipment per node: units re-routed to a node already shipping join its shipment."""
    by_node = {c.node: c for c in kept}
    for c in added:
        if c.node in by_node:
            old = by_node[c.node]
            units = dict(old.units)
            for lid, q in c.units.items():
                units[lid] = units.get(lid, 0) + q
            by_node[c.node] = ChosenShipment(old.node, old.key, units)
        else:
            by_node[c.node] = c
    return list(by_node.values())


def _reroute_deltas(
    network: Network,
    order: Order,
    before: Sequence[ChosenShipment],
    after: Sequence[ChosenShipment],
    day: str,
) -> list[Delta]:
    """The difference between two reservations of one order, as deltas."""
    sku_of = {line.line_id: line.sku for line in order.lines}
    stock: dict[str, dict[str, int]] = {}
    use: dict[int, list[int]] = {}
    for sign, shipments in ((-1, before), (1, after)):
        for c in shipments:
            node_id = network.nodes[c.node].node_id
            counts = use.setdefault(c.node, [0, 0, 0])
            counts[0] += sign
            counts[2] += sign if c.key == SAME_DAY else 0
            for lid, q in c.units.items():
                by_node = stock.setdefault(sku_of[lid], {})
                by_node[node_id] = by_node.get(node_id, 0) + sign * q
                counts[1] += sign * q
    deltas: list[Delta] = [
        StockDelta(sku, {n: q for n, q in units.items() if q})
        for sku, units in sorted(stock.items())
    ]
    for n, (orders, units, same_day) in sorted(use.items()):
        node = network.nodes[n]
        limits = (node.max_orders_per_day, node.max_units_per_day, node.same_day_capacity)
        deltas.append(CapacityDelta(node.node_id, day, orders, units, same_day, limits))
    return deltas
