"""Re-planning one chunk: its snapshot turned into the solver's re-plan request (spec §7: the
current allocation with its locks, what is left with every reservation taken, the fences) and
the solver's answer into the plan file the commit and the report read (`plan.json`).

- Network: the nodes and config as read, the stock of the chunk's SKUs. A dry run of
  `node-offline` treats the node as closed (it rehearses the outage without closing it).
- What is left (`Ledger`, not clipped at 0: a negative level is what a stock-short trigger
  reacts to): `available` per (node, SKU) as stored, and today's capacity left per node. An
  order reserved on an earlier day holds that day's capacity, not today's; committing it moves
  it to today (`committing.py`), so today's left is lowered by what such orders hold, and their
  units count as theirs to keep or give up within today's limits.
- Current allocation: each order's `chosen` with its shipments' locks (picked or shipped at that
  node: `logic/orders/shipments.py`) and its backorders as unfilled.
- Fences: the (node, SKU) fenced now (`levels.N.fenced_until`), plus the rejection's own pairs in
  a dry run (which writes no fence).
- Strategy: `optimal` (the batch optimiser) for every trigger but `stock-arrived`, which fills
  backorders oldest first: `myopic`, one order at a time in the scope's order (oldest first).
- An order routed away from a node that rejected it (`excluded`) is kept as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from functions.dal.order_inputs import order_network
from functions.dal.reallocation.fences import is_fenced
from functions.logic.reallocation.snapshot import Snapshot, SnapshotOrder
from functions.logic.reallocation.triggers import (
    NodeTrigger,
    RejectedTrigger,
    StockArrivedTrigger,
    Trigger,
)
from solver.ledger import Ledger
from solver.models import Fence, OrderPlan, PlanLine, Shipment
from solver.network import UNLIMITED, Network
from solver.pricing import METHOD_KEYS, METHOD_OF_KEY, SAME_DAY, SERVICE_OF_KEY, method_key
from solver.replan import MoveReason, ReplanRequest, replan
from solver.replan.request import ReplanStrategy


class ReplanRefused(ValueError):
    """The solver refused the chunk's request (the snapshot does not fit the network): a bug or
    data that changed shape, not a transient error."""


def plan_network(snapshot: Snapshot, trigger: Trigger, dry_run: bool) -> Network:
    """The network the chunk is re-planned (and committed) on."""
    config = snapshot.config
    if dry_run and isinstance(trigger, NodeTrigger) and trigger.kind == "node-offline":
        node = config.node(trigger.node_id)
        if node is not None and node.active:
            nodes = [
                n.model_copy(update={"active": False}) if n is node else n for n in config.nodes
            ]
            config = type(config).build(
                config.version, nodes, config.zones, config.rates, config.transits, config.settings
            )
    return order_network(config, snapshot.stock)


def _left(network: Network, snapshot: Snapshot) -> Ledger:
    stock = np.zeros((len(network.nodes), len(network.skus)), dtype=np.int64)
    for s, item in enumerate(snapshot.stock):
        for node_id, level in item.get("levels", {}).items():
            n = network.node_index.get(node_id)
            if n is not None:
                stock[n, s] = int(level["available"])
    earlier = _held_on_earlier_days(network, snapshot)
    left: dict[str, list[int]] = {"orders": [], "units": [], "same_day": []}
    for n, node in enumerate(network.nodes):
        use = snapshot.capacity.get(node.node_id, {})
        limits = {
            "orders": node.max_orders_per_day,
            "units": node.max_units_per_day,
            "same_day": node.same_day_capacity,
        }
        for name, limit in limits.items():
            if limit is None:
                left[name].append(int(UNLIMITED))
            else:
                left[name].append(limit - int(use.get(name, 0)) - earlier[name][n])
    return Ledger(
        stock=stock,
        orders_left=np.array(left["orders"], dtype=np.int64),
        units_left=np.array(left["units"], dtype=np.int64),
        same_day_left=np.array(left["same_day"], dtype=np.int64),
    )


def _held_on_earlier_days(network: Network, snapshot: Snapshot) -> dict[str, list[int]]:
    """Capacity the chunk's orders hold on days before today, per node (see the docstring)."""
    held = {name: [0] * len(network.nodes) for name in ("orders", "units", "same_day")}
    for o in snapshot.orders:
        if o.day == snapshot.day:
            continue
        for row in o.chosen:
            n = network.node_index[row["node_id"]]
            held["orders"][n] += 1
            held["units"][n] += sum(int(q) for q in row["units"].values())
            held["same_day"][n] += int(METHOD_KEYS.index(row["method"]) == SAME_DAY)
    return held


def _fences(snapshot: Snapshot, trigger: Trigger, dry_run: bool) -> list[Fence]:
    pairs = {
        (node_id, item["sku"])
        for item in snapshot.stock
        for node_id, level in item.get("levels", {}).items()
        if is_fenced(level, snapshot.taken_at)
    }
    if dry_run and isinstance(trigger, RejectedTrigger):
        pairs |= {(trigger.node_id, sku) for sku in trigger.skus}
    return [Fence(node_id=n, sku=s) for n, s in sorted(pairs)]


def current_plan(snap: SnapshotOrder) -> OrderPlan:
    """The order's current allocation as a §7 plan: its shipments with locks, its backorders as
    unfilled (costs are re-priced by the solver)."""
    sku_of = {line.line_id: line.sku for line in snap.order.lines}
    shipments = []
    for row in snap.chosen:
        key = METHOD_KEYS.index(row["method"])
        locked = snap.shipments.get(row["node_id"], {}).get("state") in ("picked", "shipped")
        lines = tuple(
            PlanLine(line_id=lid, sku=sku_of[lid], qty=int(q), locked=int(q) if locked else None)
            for lid, q in row["units"].items()
            if q
        )
        shipments.append(
            Shipment(
                node_id=row["node_id"],
                method=METHOD_OF_KEY[key],  # type: ignore[arg-type]
                service=SERVICE_OF_KEY[key],
                eta_days=0,
                lines=lines,
                billable_kg=0,
                carrier_cost=0.0,
                handling_cost=0.0,
            )
        )
    unfilled = tuple(PlanLine.model_validate(u) for u in snap.body.get("unfilled", []))
    return OrderPlan(
        order_id=snap.order.order_id, cost=0.0, shipments=tuple(shipments), unfilled=unfilled
    )


def rows_of(plan: OrderPlan) -> list[dict[str, Any]]:
    """A plan's shipments as `chosen` rows: node, method key, units per line."""
    rows = []
    for shipment in plan.shipments:
        key = method_key(shipment.method, shipment.service)
        assert key is not None, shipment
        rows.append(
            {
                "node_id": shipment.node_id,
                "method": METHOD_KEYS[key],
                "units": {line.line_id: line.qty for line in shipment.lines},
            }
        )
    return rows


def _locked_units(plan: OrderPlan) -> int:
    return sum(line.locked or 0 for s in plan.shipments for line in s.lines)


def _unfilled(plan: OrderPlan | None) -> int:
    return sum(u.qty for u in plan.unfilled) if plan is not None else 0


def replan_snapshot(
    snapshot: Snapshot, trigger: Trigger, dry_run: bool, seconds: float, work: float | None
) -> dict[str, Any]:
    """Re-plan the chunk with `work` units of `optimal` (None: what `seconds` buys), capped at
    `seconds`; the plan file (`plan.json`) the commit and the report read."""
    network = plan_network(snapshot, trigger, dry_run)
    orders = [o.order for o in snapshot.orders]
    current = [current_plan(o) for o in snapshot.orders]
    strategy: ReplanStrategy = "myopic" if isinstance(trigger, StockArrivedTrigger) else "optimal"
    request = ReplanRequest(
        network=network,
        orders=orders,
        current=current,
        left=_left(network, snapshot),
        fences=_fences(snapshot, trigger, dry_run),
        strategy=strategy,
        seconds=seconds,
        work=work,
    )
    outcome = replan(request)
    if outcome.result is None:
        raise ReplanRefused("; ".join(outcome.errors[:20]))
    result = outcome.result
    by_id = {o.order.order_id: o for o in snapshot.orders}
    current_by_id = {p.order_id: p for p in current}
    entries = []
    for change in result.orders:
        snap = by_id[change.order_id]
        after_rows = rows_of(change.after)
        status = change.status
        reason = _reason(change.reason)
        excluded = sorted({r["node_id"] for r in after_rows} & set(snap.excluded))
        if status != "kept" and excluded:
            status, after_rows = "kept", list(snap.chosen)
            reason = {"code": "excluded_node", "message": f"kept: {excluded} rejected it"}
        entries.append(
            {
                "order_id": change.order_id,
                "version": snap.version,
                "status": status,
                "before": {
                    "rows": list(snap.chosen),
                    "plan": _dump(change.before),
                    "routed": dict(snap.body),
                },
                "after": {"rows": after_rows, "plan": _dump(change.after)},
                "moved_units": change.moved_units if status != "kept" else 0,
                "filled_units": change.filled_units if status != "kept" else 0,
                "unfilled_units": change.unfilled_units,
                "newly_unfilled_units": max(
                    0, _unfilled(change.after) - _unfilled(current_by_id[change.order_id])
                )
                if status != "kept"
                else 0,
                "locked_units": _locked_units(current_by_id[change.order_id]),
                "reason": reason,
            }
        )
    return {
        "strategy": strategy,
        "bound": result.bound,
        "total_cost": result.plan.total_cost,
        "move_cost": result.plan.move_cost,
        "seconds": result.plan.solve_seconds,
        "work": result.plan.work,
        "time_limit_hit": result.plan.time_limit_hit,
        "notes": list(result.plan.notes),
        "orders": entries,
        "steps": [list(step.order_ids) for step in result.commits.steps],
        "waits_for": _waits_for(result.commits.waits_for),
        "skipped": list(snapshot.skipped),
        "fences": [f.model_dump() for f in request.fences],
    }


def _dump(plan: OrderPlan | None) -> dict[str, Any] | None:
    return None if plan is None else plan.model_dump(mode="json")


def _reason(reason: MoveReason | None) -> dict[str, Any] | None:
    if reason is None:
        return None
    return {
        "code": reason.code,
        "message": reason.message,
        "nodes": list(reason.nodes),
        "skus": list(reason.skus),
        "saving": reason.saving,
        "penalty": reason.penalty,
    }


def _waits_for(waits: Mapping[str, Mapping[str, Sequence[Any]]]) -> dict[str, Any]:
    return {
        order: {other: [list(r) for r in resources] for other, resources in needs.items()}
        for order, needs in waits.items()
    }
