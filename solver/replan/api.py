"""`replan`: re-decide the orders in scope against their current allocations (spec §7), and
say per order what changed and why, with the order to commit the changes in.

The reallocation workflow (functions/) calls this with a snapshot of the live data; nothing
here touches AWS. The plan itself is `solver.planning.plan_dataset` with `optimal` or `myopic`
on the network `replan_network` builds, so it is priced, checked and measured like any plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from solver.checker import chosen_shipment
from solver.current import CurrentAllocation, OrderCurrent
from solver.current_reading import read_current
from solver.deadline import Deadline
from solver.ledger import Ledger
from solver.models import Order, OrderPlan, Plan
from solver.network import Dataset, Network
from solver.planning import plan_dataset
from solver.pricing import ChosenShipment, price_order
from solver.replan.commits import CommitPlan, Resource, available_now, commit_plan, usage
from solver.replan.reasons import MoveReason, chosen_reason, forced_reason
from solver.replan.request import ReplanRequest, held_usage, left_after, replan_network

Status = Literal["kept", "changed", "moved"]


@dataclass(frozen=True)
class OrderChange:
    """What the re-plan does to one order in scope."""

    order_id: str
    status: Status
    """`kept`: the same shipments; `changed`: no unit moved, but something else did (a
    backorder filled, a method changed); `moved`: some held unit left its node."""
    before: OrderPlan | None
    """The current allocation priced on the network as it is now; if it cannot ship any more
    (an inactive node), priced as if its nodes were active. None for a new order."""
    after: OrderPlan
    moved_units: int
    filled_units: int
    """Units that were unfilled (backordered) and are now shipped."""
    unfilled_units: int
    reason: MoveReason | None
    """Why it moved (None unless `moved`)."""


@dataclass(frozen=True)
class ReplanResult:
    plan: Plan
    """The re-plan (spec §6/§7): `total_cost` includes `move_cost`; `bound` when proven."""
    orders: tuple[OrderChange, ...]
    commits: CommitPlan
    notes: tuple[str, ...]
    """What the solver wants known (limits raised to keep locked units, the strategy's notes)."""

    @property
    def bound(self) -> float | None:
        return self.plan.bound

    def changed(self) -> tuple[OrderChange, ...]:
        return tuple(c for c in self.orders if c.status != "kept")


@dataclass(frozen=True)
class ReplanOutcome:
    result: ReplanResult | None
    errors: tuple[str, ...] = ()


def replan(request: ReplanRequest) -> ReplanOutcome:
    """Re-plan the request's orders (see `ReplanRequest`); never raises for a request that
    does not match its network: `errors` names every problem instead."""
    current, errors = read_current(
        request.network,
        request.orders,
        request.current,
        request.fences,
        "request",
        locks_must_fit=request.left is None,
    )
    errors += _budget_errors(request)
    if current is None or errors:
        return ReplanOutcome(None, tuple(errors))
    free, notes = replan_network(request.network, request.left, request.orders, current)
    network = free.with_current(current)
    dataset = Dataset(request.name, network, tuple(request.orders))
    plan = plan_dataset(dataset, request.strategy, Deadline(request.seconds), work=request.work)
    afters = {p.order_id: p for p in plan.orders}
    decisions = {
        o.order_id: tuple(chosen_shipment(network, o, s) for s in afters[o.order_id].shipments)
        for o in request.orders
    }
    holdings = {o.order_id: _held_decision(current.of(o.order_id)) for o in request.orders}
    changes = {
        o.order_id: _deltas(
            usage(network, o, holdings[o.order_id]), usage(network, o, decisions[o.order_id])
        )
        for o in request.orders
        if _status(holdings[o.order_id], decisions[o.order_id], afters[o.order_id]) != "kept"
    }
    left = request.left
    if left is None:
        left = left_after(network, request.orders, current)
    commits = commit_plan(changes, [o.order_id for o in request.orders], available_now(free, left))
    short = _over_held(network, request.orders, current)
    taken: dict[Resource, list[str]] = {}
    for oid, deltas in changes.items():
        for r, amount in deltas.items():
            if amount > 0:
                taken.setdefault(r, []).append(oid)
    as_planned = _as_planned(network)
    out = []
    for o in request.orders:
        held = current.of(o.order_id)
        after = afters[o.order_id]
        status = _status(holdings[o.order_id], decisions[o.order_id], after)
        before = _before(network, as_planned, o, holdings[o.order_id]) if held else None
        reason = None
        if status == "moved" and held is not None:
            forced = forced_reason(network, o, held, short)
            penalty = after.breakdown.move or 0.0 if after.breakdown is not None else 0.0
            reason = (
                replace(forced, penalty=penalty)
                if forced
                else chosen_reason(
                    before,
                    after,
                    {r: -a for r, a in changes[o.order_id].items()},
                    {r: [x for x in who if x != o.order_id] for r, who in taken.items()},
                )
            )
        out.append(
            OrderChange(
                order_id=o.order_id,
                status=status,
                before=before,
                after=after,
                moved_units=after.moved_units or 0,
                filled_units=_filled(o, held, decisions[o.order_id]),
                unfilled_units=sum(pl.qty for pl in after.unfilled),
                reason=reason,
            )
        )
    return ReplanOutcome(ReplanResult(plan, tuple(out), commits, (*notes, *plan.notes)))


def _held_decision(held: OrderCurrent | None) -> tuple[ChosenShipment, ...]:
    if held is None:
        return ()
    return tuple(ChosenShipment(s.node, s.key, dict(s.units)) for s in held.shipments)


def _status(
    before: Sequence[ChosenShipment], after: Sequence[ChosenShipment], plan: OrderPlan
) -> Status:
    if (plan.moved_units or 0) > 0:
        return "moved"
    same = sorted((c.node, c.key, sorted(c.units.items())) for c in before) == sorted(
        (c.node, c.key, sorted(c.units.items())) for c in after
    )
    return "kept" if same else "changed"


def _deltas(before: dict[Resource, int], after: dict[Resource, int]) -> dict[Resource, int]:
    keys = sorted(set(before) | set(after))
    return {
        r: after.get(r, 0) - before.get(r, 0) for r in keys if after.get(r, 0) != before.get(r, 0)
    }


def _filled(order: Order, held: OrderCurrent | None, after: Sequence[ChosenShipment]) -> int:
    filled = 0
    for line in order.lines:
        was = sum(s.units.get(line.line_id, 0) for s in held.shipments) if held else 0
        now = sum(c.units.get(line.line_id, 0) for c in after)
        filled += max(0, now - was)
    return filled


def _over_held(
    network: Network, orders: Sequence[Order], current: CurrentAllocation
) -> dict[Resource, int]:
    """Per resource the current allocations together hold more of than the re-plan may use,
    by how much."""
    held = held_usage(network, orders, current)
    limits = Ledger.fresh(network)
    short: dict[Resource, int] = {}
    for n, s in zip(*np.nonzero(held.stock > limits.stock), strict=True):
        short["stock", network.nodes[n].node_id, network.skus[s].sku] = int(
            held.stock[n, s] - limits.stock[n, s]
        )
    for kind, used, limit in (
        ("orders", held.orders_left, limits.orders_left),
        ("units", held.units_left, limits.units_left),
        ("same_day", held.same_day_left, limits.same_day_left),
    ):
        for n in np.flatnonzero(used > limit):
            short[kind, network.nodes[n].node_id, ""] = int(used[n] - limit[n])
    return short


def _budget_errors(request: ReplanRequest) -> list[str]:
    """A time cap must be positive, a work budget not negative (NaN is neither)."""
    found = []
    if request.seconds is not None and not request.seconds > 0:
        found.append(f"request: seconds must be a positive number, not {request.seconds!r}")
    if request.work is not None and not request.work >= 0:
        found.append(f"request: work must be a number of work units >= 0, not {request.work!r}")
    return found


def _as_planned(network: Network) -> Network:
    """The network with every node active: what the current allocation cost when it was made."""
    return replace(
        network, nodes=tuple(n.model_copy(update={"active": True}) for n in network.nodes)
    )


def _before(
    network: Network, as_planned: Network, order: Order, held: Sequence[ChosenShipment]
) -> OrderPlan:
    priced = price_order(network, order, held)
    if priced.breakdown is not None and np.isfinite(priced.breakdown.total):
        return priced
    return price_order(as_planned, order, held)
