"""Read a current allocation (spec §7) against its dataset: every mismatch named at once.

A current allocation is a plan file (§6) whose shipment lines may carry `locked` units, plus
optional `fences` (Omniroute's extension). It must describe orders of the dataset: known orders,
nodes, lines and methods, no more units than an order line has, locks within what a shipment
carries, kits whole at one node, pickup shipments at the order's own pickup store, and locked
units that fit the stock and capacity (they cannot move). Costs in it are ignored: the re-plan
prices everything again. What the world did since (a node closed,
stock counted lower) is not a mismatch: that is what the re-plan is for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from solver.current import CurrentAllocation, HeldShipment, OrderCurrent
from solver.ledger import Ledger
from solver.models import Fence, Order, OrderPlan
from solver.network import Dataset, Network
from solver.planfile import read_plan
from solver.pricing import PICKUP, TRANSFER, ChosenShipment, method_key, order_methods


def read_current_file(path: Path, dataset: Dataset) -> tuple[CurrentAllocation | None, list[str]]:
    """The current allocation in `path` for `dataset`'s orders, or None and every problem."""
    plan, problems = read_plan(path)
    if plan is None:
        return None, problems
    return read_current(dataset.network, dataset.orders, plan.orders, plan.fences or (), path.name)


def read_current(
    network: Network,
    orders: Sequence[Order],
    order_plans: Iterable[OrderPlan],
    fences: Iterable[Fence] = (),
    source: str = "current allocation",
    locks_must_fit: bool = True,
) -> tuple[CurrentAllocation | None, list[str]]:
    """The current allocation of `orders` given as order plans (spec §6/§7), or None and every
    problem found, each naming `source`, the order, the shipment's node and the line.

    `locks_must_fit`: the locked units must fit the network's stock and capacity (a dataset
    and a plan of it); a live snapshot makes room for them instead (`replan_network`)."""
    by_id = {o.order_id: o for o in orders}
    problems: list[str] = []
    found: dict[str, OrderCurrent] = {}
    for k, order_plan in enumerate(order_plans):
        oid = order_plan.order_id
        order = by_id.get(oid)
        if order is None:
            problems.append(f"{source}: orders[{k}]: order {oid!r} is not an order of the dataset")
            continue
        if oid in found:
            problems.append(f"{source}: order {oid} is given more than once")
            continue
        current, mistakes = _order_current(network, order, order_plan, f"{source}: order {oid}")
        problems += mistakes
        found[oid] = current
    fenced: set[tuple[int, int]] = set()
    for k, fence in enumerate(fences):
        node = network.node_index.get(fence.node_id)
        sku = network.sku_index.get(fence.sku)
        if node is None:
            problems.append(f"{source}: fences[{k}]: unknown node {fence.node_id!r}")
        if sku is None:
            problems.append(f"{source}: fences[{k}]: unknown sku {fence.sku!r}")
        if node is not None and sku is not None:
            fenced.add((node, sku))
    if not problems and locks_must_fit:
        problems += _locks_over_limits(network, by_id, found, source)
    if problems:
        return None, problems
    return CurrentAllocation(found, frozenset(fenced)), []


def _locks_over_limits(
    network: Network, orders: dict[str, Order], found: dict[str, OrderCurrent], source: str
) -> list[str]:
    """Locked units never move, so together they must fit the stock and capacity there is
    (§5.1, §5.2); otherwise no re-plan can keep every rule."""
    ledger = Ledger.fresh(network)
    for oid, current in found.items():
        sku_by_line = {line.line_id: line.sku for line in orders[oid].lines}
        for s in current.locked_shipments:
            locked = {lid: q for lid, q in s.locked.items() if q}
            ledger.take(network, sku_by_line, ChosenShipment(s.node, s.key, locked))
    problems = []
    for n, k in zip(*np.nonzero(ledger.stock < 0), strict=True):
        there = int(network.available_stock()[n, k])
        problems.append(
            f"{source}: node {network.nodes[n].node_id}, sku {network.skus[k].sku}: "
            f"{there - int(ledger.stock[n, k])} units locked, {there} available"
        )
    for name, left, what in (
        ("max_orders_per_day", ledger.orders_left, "shipments with locked units"),
        ("max_units_per_day", ledger.units_left, "locked units"),
        ("same_day_capacity", ledger.same_day_left, "same-day shipments with locked units"),
    ):
        for n in np.flatnonzero(left < 0):
            limit = getattr(network.nodes[n], name)
            problems.append(
                f"{source}: node {network.nodes[n].node_id}: {limit - int(left[n])} {what}, "
                f"{name} {limit}"
            )
    return problems


def _order_current(
    network: Network, order: Order, order_plan: OrderPlan, where: str
) -> tuple[OrderCurrent, list[str]]:
    problems: list[str] = []
    lines = {line.line_id: line for line in order.lines}
    held_of_line: dict[str, int] = {}
    shipments: list[HeldShipment] = []
    nodes_seen: set[str] = set()
    for shipment in order_plan.shipments:
        at = f"{where} shipment from {shipment.node_id}"
        node = network.node_index.get(shipment.node_id)
        if node is None:
            problems.append(f"{at}: unknown node {shipment.node_id!r}")
        if shipment.node_id in nodes_seen:
            problems.append(f"{at}: the order has another shipment from that node")
        nodes_seen.add(shipment.node_id)
        key = method_key(shipment.method, shipment.service)
        if key is None:
            problems.append(
                f"{at}: method {shipment.method!r} with service {shipment.service!r} names no "
                "method of §3"
            )
        elif (key in (PICKUP, TRANSFER)) != (order.service == "pickup"):
            problems.append(
                f"{at}: a {order.service} order cannot ship by {shipment.method}"
                + (" (only pickup or transfer)" if order.service == "pickup" else "")
            )
        elif key == PICKUP and shipment.node_id != order.pickup_node:
            problems.append(
                f"{at}: a pickup at {shipment.node_id}, but the order's pickup_node is "
                f"{order.pickup_node} (§7: it never changes)"
            )
        if not shipment.lines:
            problems.append(f"{at}: carries no units")
        units: dict[str, int] = {}
        locked: dict[str, int] = {}
        for pl in shipment.lines:
            line = lines.get(pl.line_id)
            if line is None:
                problems.append(f"{at} line {pl.line_id}: the order has no such line")
                continue
            if pl.sku != line.sku:
                problems.append(
                    f"{at} line {pl.line_id}: sku {pl.sku}, the order line is {line.sku}"
                )
            if pl.line_id in units:
                problems.append(f"{at} line {pl.line_id}: listed twice in the shipment")
            if pl.locked is not None and pl.locked > pl.qty:
                problems.append(f"{at} line {pl.line_id}: locked {pl.locked} > qty {pl.qty}")
            units[pl.line_id] = units.get(pl.line_id, 0) + pl.qty
            locked[pl.line_id] = min(pl.qty, locked.get(pl.line_id, 0) + (pl.locked or 0))
            held_of_line[pl.line_id] = held_of_line.get(pl.line_id, 0) + pl.qty
        if node is not None and key is not None:
            shipments.append(HeldShipment(node, key, units, locked))
    for pl in order_plan.unfilled:
        if pl.locked:
            problems.append(f"{where} unfilled line {pl.line_id}: unfilled units cannot be locked")
    for line_id, held in held_of_line.items():
        line = lines.get(line_id)
        if line is not None and held > line.qty:
            problems.append(
                f"{where} line {line_id}: holds {held} units, the line's qty is {line.qty}"
            )
    problems += _kit_problems(network, order, shipments, where)
    shipments = whole_kits_locked(order, shipments)
    problems += _unpriceable_locks(network, order, shipments, where)
    return OrderCurrent(order.order_id, tuple(shipments)), problems


def whole_kits_locked(order: Order, shipments: list[HeldShipment]) -> list[HeldShipment]:
    """A kit travels whole (§5.3), so a lock on any of its lines locks all of them there."""
    kits: dict[str, list[str]] = {}
    for line in order.lines:
        if line.group:
            kits.setdefault(line.group, []).append(line.line_id)
    out = []
    for s in shipments:
        locked = dict(s.locked)
        for members in kits.values():
            if any(locked.get(m) for m in members):
                locked.update({m: s.units.get(m, 0) for m in members})
        out.append(HeldShipment(s.node, s.key, s.units, locked))
    return out


def _kit_problems(
    network: Network, order: Order, shipments: Sequence[HeldShipment], where: str
) -> list[str]:
    """§5.3: a kit's lines are held whole, together, at one node (or not at all)."""
    kits: dict[str, list[str]] = {}
    for line in order.lines:
        if line.group:
            kits.setdefault(line.group, []).append(line.line_id)
    qty = {line.line_id: line.qty for line in order.lines}
    problems = []
    for group, members in kits.items():
        holding = [s for s in shipments if any(s.units.get(m) for m in members)]
        if not holding:
            continue
        whole = len(holding) == 1 and all(holding[0].units.get(m, 0) == qty[m] for m in members)
        if not whole:
            nodes = ", ".join(network.nodes[s.node].node_id for s in holding)
            problems.append(f"{where} kit {group!r}: not held whole at one node (held at {nodes})")
    return problems


def _unpriceable_locks(
    network: Network, order: Order, shipments: Sequence[HeldShipment], where: str
) -> list[str]:
    """Locked units ship from their node by their method whatever happens, so that method
    must exist there for the order (§3), inactive or not."""
    locked = [s for s in shipments if s.has_locks]
    if not locked:
        return []
    allocation = CurrentAllocation({order.order_id: OrderCurrent(order.order_id, tuple(shipments))})
    methods = order_methods(network.with_current(allocation), order)
    return [
        f"{where} shipment from {network.nodes[s.node].node_id}: its locked units go by a method "
        f"the node cannot use for this order (no rate, zone or permission)"
        for s in locked
        if not methods.allowed(s.key, s.node)
    ]
