"""An order's life on live data: create it (plan and reserve atomically), read it, cancel it
(release exactly what it holds), and re-route the lines a node rejects.

If stock changed between the read and the commit, the order is re-read and re-planned up to
`MAX_PLAN_ATTEMPTS` times, then the caller gets a `Conflict` with the reason.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.dal.database import Database
from functions.dal.network_config import network_config
from functions.dal.order_inputs import read_order_inputs
from functions.dal.orders import (
    chosen_from_rows,
    closed_order_expiry,
    order_record,
    record_attributes,
)
from functions.dal.reservations import (
    CapacityDelta,
    Delta,
    RecordWrite,
    ReservationFailed,
    StockDelta,
    commit,
    is_stale,
    recover,
)
from functions.logic.errors import Conflict, InProgress, Invalid, field_error, not_found
from functions.logic.orders.planning import (
    Planned,
    held_status,
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
KEPT_REQUEST_IDS = 20
"""Ids of the last requests that changed an order, kept on its record (`reject_lines`)."""


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
        body = plan_body(planned, order, held_status(planned.chosen), (), version=1)
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
                existing = _existing_order(db, order)
                if existing is not None:
                    return existing
                continue  # a change cut short was just undone: plan again
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


def _existing_order(db: Database, order: Order) -> OrderChange | None:
    """The order as it stands when creating it found a record: the same order (a retry)
    answers its current state; None when a change cut short was recovered (create again)."""
    record = _settled(db, order.order_id)
    if record is None:
        return None
    if Order.model_validate_json(record["order"]) != order:
        raise Conflict(
            "order_exists",
            f"order {order.order_id!r} already exists with different content",
            [field_error("order_id", "already used by another order")],
        )
    return OrderChange(_answer(record))


def _settled(db: Database, order_id: str) -> dict[str, Any] | None:
    """The order's record with no change in progress: a change whose invocation is over (it
    was cut short) is recovered first; one still running answers 409 with when to retry."""
    for _ in range(MAX_PLAN_ATTEMPTS):
        record = order_record(db, order_id)
        if record is None or "pending_op" not in record:
            return record
        if not is_stale(record):
            wait = max(1, math.ceil(float(record["pending_until"]) - time.time()))
            raise InProgress(
                "order_in_progress",
                f"order {order_id!r} is being changed by another request; retry in {wait} s",
                retry_after=wait,
            )
        recover(db, order_id)
    raise InProgress(
        "order_in_progress", f"order {order_id!r} keeps changing; retry", retry_after=1
    )


def _answer(record: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(record["plan"])
    body["status"] = record["status"]
    return body


def changed_since(db: Database, order_id: str, version: Any) -> dict[str, Any] | None:
    """The order's current answer if it is no longer at `version` (the version an earlier
    answer described), else None: a replayed answer must not describe a state that is gone."""
    record = order_record(db, order_id)
    if record is None or "plan" not in record or "pending_op" in record:
        return None
    if record.get("version") == version:
        return None
    return get_order(db, order_id)


def get_order(db: Database, order_id: str) -> dict[str, Any]:
    """The order as it stands. A change in progress shows the state before it; an order still
    being created (nothing to show yet) answers 409 `order_in_progress`. Reading never
    recovers a change (a GET writes nothing)."""
    record = order_record(db, order_id)
    if record is None:
        raise not_found("order", order_id)
    if "plan" not in record:
        raise InProgress(
            "order_in_progress", f"order {order_id!r} is being created; retry", retry_after=1
        )
    return _answer(record)


def _stored(db: Database, order_id: str) -> tuple[dict[str, Any], Order, dict[str, Any]]:
    record = _settled(db, order_id)
    if record is None or "plan" not in record:
        raise not_found("order", order_id)
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
        attributes = {
            "status": "cancelled",
            "plan": json.dumps(body),
            "version": version,
            **closed_order_expiry(),  # kept CLOSED_ORDER_RETENTION_DAYS, then TTL deletes it
        }
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
    db: Database,
    order_id: str,
    node_id: str,
    lines: Sequence[tuple[str, int | None]],
    request_id: str,
) -> OrderChange:
    """A node cannot fulfil some lines: release those units there and re-route them on fresh
    data, never back to that node (nor to any node that rejected this order before).

    `request_id` names the request (its idempotency key): the record keeps the last
    `KEPT_REQUEST_IDS`, so a retry of a reject that was applied (its answer lost with its
    process) answers the order as it is instead of refusing the lines it no longer holds."""
    conflicts = 0
    for _ in range(MAX_PLAN_ATTEMPTS):
        record, order, _ = _stored(db, order_id)
        applied_requests = json.loads(record.get("requests", "[]"))
        if request_id in applied_requests:
            return OrderChange(_answer(record))
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
        named, released = _released_units(order, at_node, lines)
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
        new_body = plan_body(planned, order, held_status(merged), excluded, version)
        new_body["day"] = record["day"]
        off = _written_off(order, named, node_id, inputs.stock_items)
        deltas = _reroute_deltas(network, order, chosen, merged, record["day"], off)
        attributes = record_attributes(order, new_body, network, merged, record["day"])
        attributes["requests"] = json.dumps([*applied_requests, request_id][-KEPT_REQUEST_IDS:])
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
) -> tuple[dict[str, int], dict[str, int]]:
    """(the units the node says it cannot ship, every unit released there): a kit ships whole,
    so rejecting one member releases the whole kit at that node."""
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
    named = dict(released)
    groups = {line.group for line in order.lines if line.line_id in released and line.group}
    for line in order.lines:
        if line.group in groups and held.get(line.line_id):
            released[line.line_id] = held[line.line_id]
    return named, released


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


def _written_off(
    order: Order,
    rejected: Mapping[str, int],
    node_id: str,
    stock_items: Sequence[Mapping[str, Any]],
) -> dict[str, dict[str, int]]:
    """sku -> {node: units}: what a node rejected leaves its on hand (it could not find them),
    so they do not become available there again until a feed sets on hand. Never more than the
    node has on hand (a feed may already have lowered it)."""
    on_hand = {
        item["sku"]: int(item.get("levels", {}).get(node_id, {}).get("on_hand", 0))
        for item in stock_items
    }
    units: dict[str, int] = {}
    for line in order.lines:
        units[line.sku] = units.get(line.sku, 0) + rejected.get(line.line_id, 0)
    out = {}
    for sku, qty in units.items():
        off = min(qty, max(0, on_hand.get(sku, 0)))
        if off:
            out[sku] = {node_id: off}
    return out


def _reroute_deltas(
    network: Network,
    order: Order,
    before: Sequence[ChosenShipment],
    after: Sequence[ChosenShipment],
    day: str,
    written_off: Mapping[str, Mapping[str, int]],
) -> list[Delta]:
    """The difference between two reservations of one order, as deltas, with the units
    `written_off` at a node that rejected them."""
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
        StockDelta(
            sku, {n: q for n, q in stock.get(sku, {}).items() if q}, written_off.get(sku, {})
        )
        for sku in sorted({*stock, *written_off})
    ]
    for n, (orders, units, same_day) in sorted(use.items()):
        node = network.nodes[n]
        limits = (node.max_orders_per_day, node.max_units_per_day, node.same_day_capacity)
        deltas.append(CapacityDelta(node.node_id, day, orders, units, same_day, limits))
    return deltas
