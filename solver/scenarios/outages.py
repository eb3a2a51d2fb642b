"""A node that goes offline part-way through a day (the what-if change `outage_at`).

The day runs as it would live. The orders created before the outage are routed first (by the
scenario's strategy, with the node still there): they hold allocations by then, and those
created long enough before are picked (every unit locked where it is). At the outage, the
orders holding units at the node are re-planned by the reallocation workflow's own code,
`solver.replan.replan` (spec §7: locks kept, move penalties, on a snapshot of what is left with
every earlier reservation taken), so each moved order has its reason. The orders created after
the outage are then routed on what is left, without the node. The nodes stay offline for the
rest of the run.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from solver.checker import chosen_shipment
from solver.current import CurrentAllocation
from solver.current_reading import read_current
from solver.deadline import Deadline
from solver.models import Order, OrderPlan, Plan
from solver.network import Dataset, Network
from solver.planning import Progress, plan_dataset
from solver.pricing import price_order
from solver.replan import ReplanRequest, ReplanResult, replan, replan_network
from solver.replan.request import left_after


@dataclass(frozen=True)
class Outage:
    """Nodes going offline at a moment, and which earlier orders are picked by then."""

    node_ids: tuple[str, ...]
    at: dt.datetime
    """When the nodes go offline (UTC, like the orders' `created_at`)."""
    picked_after_hours: float | None = None
    """Orders created at least this many hours before `at` are picked: every unit locked."""

    @property
    def day(self) -> str:
        return self.at.date().isoformat()


def created(order: Order) -> dt.datetime | None:
    """The order's `created_at` as an aware datetime (UTC when it names no zone)."""
    if not order.created_at:
        return None
    try:
        when = dt.datetime.fromisoformat(order.created_at)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def offline(network: Network, node_ids: Sequence[str]) -> Network:
    """The network with those nodes inactive."""
    closing = set(node_ids)
    nodes = tuple(
        n.model_copy(update={"active": False}) if n.node_id in closing else n for n in network.nodes
    )
    return replace(network, nodes=nodes)


def routed_before(orders: Sequence[Order], at: dt.datetime) -> tuple[list[Order], list[Order]]:
    """The orders created before `at` (routed, holding an allocation), and the rest."""
    before: list[Order] = []
    after: list[Order] = []
    for order in orders:
        when = created(order)
        (before if when is not None and when < at else after).append(order)
    return before, after


def picked_plans(outage: Outage, orders: Sequence[Order], plan: Plan) -> list[OrderPlan]:
    """The plans `plan` gave the orders routed before the outage, the picked ones locked."""
    picked_by = None
    if outage.picked_after_hours is not None:
        picked_by = outage.at - dt.timedelta(hours=outage.picked_after_hours)
    by_id = {o.order_id: o for o in orders}
    plans: list[OrderPlan] = []
    for order_plan in plan.orders:
        when = created(by_id[order_plan.order_id])
        if picked_by is not None and when is not None and when <= picked_by:
            order_plan = _all_locked(order_plan)
        plans.append(order_plan)
    return plans


def held_by(
    network: Network, orders: Sequence[Order], plans: Sequence[OrderPlan]
) -> CurrentAllocation:
    """What `plans` of `orders` hold, as a current allocation (spec §7)."""
    current, problems = read_current(network, orders, plans, (), "outage", locks_must_fit=False)
    assert current is not None, problems  # plans of these orders on this network
    return current


def _all_locked(order_plan: OrderPlan) -> OrderPlan:
    shipments = tuple(
        s.model_copy(
            update={"lines": tuple(pl.model_copy(update={"locked": pl.qty}) for pl in s.lines)}
        )
        for s in order_plan.shipments
    )
    return order_plan.model_copy(update={"shipments": shipments})


@dataclass(frozen=True)
class OutageDay:
    plan: Plan
    """The day's plan: the orders routed before the outage as re-planned at it (spec §7; the
    ones without units at the nodes as they were), then the later ones."""
    current: CurrentAllocation
    """What the orders routed before the outage held."""
    network: Network
    """The network from the outage on (the nodes offline)."""
    seconds: float
    replanned: ReplanResult
    """What `solver.replan` did to the orders holding units at the nodes, and why."""


def plan_outage_day(
    name: str,
    network: Network,
    orders: Sequence[Order],
    strategy: str,
    outage: Outage,
    seconds: float | None = None,
    progress: Progress | None = None,
) -> OutageDay:
    """Plan a day whose outage falls after some of its orders (see the module): route the
    earlier ones, re-plan those holding units at the nodes with `solver.replan`, route the
    later ones on what is left."""
    started = time.monotonic()
    before, later = routed_before(orders, outage.at)
    first = plan_dataset(
        Dataset(f"{name}/before-outage", network, tuple(before)),
        strategy,
        Deadline(seconds),
        progress,
    )
    held_plans = picked_plans(outage, before, first)
    current = held_by(network, before, held_plans)
    after = offline(network, outage.node_ids)
    closing = {network.node_index[n] for n in outage.node_ids}
    in_scope = {
        o.order_id
        for o in before
        if (held := current.of(o.order_id)) and any(s.node in closing for s in held.shipments)
    }
    outcome = replan(
        ReplanRequest(
            after,
            [o for o in before if o.order_id in in_scope],
            [p for p in held_plans if p.order_id in in_scope],
            left=left_after(network, before, current),
            strategy=strategy,  # type: ignore[arg-type]  # checked by prepare_scenarios
            seconds=seconds,
            name=f"{name}/outage",
        )
    )
    assert outcome.result is not None, outcome.errors  # the request is made of its own plans
    result = outcome.result
    replanned = {p.order_id: p for p in result.plan.orders}
    now_held = held_by(
        network, before, [replanned.get(p.order_id, p) for p in held_plans]
    )  # the scope as re-planned, the others as they were
    rest_network, _ = replan_network(
        after, left_after(network, before, now_held), [], CurrentAllocation({})
    )
    rest = plan_dataset(
        Dataset(f"{name}/after-outage", rest_network, tuple(later)),
        strategy,
        Deadline(seconds),
        progress,
    )
    chosen = {p.order_id: p for p in (*held_plans, *rest.orders)} | replanned
    priced_on = after.with_current(current)
    order_plans = tuple(
        price_order(
            priced_on,
            o,
            tuple(chosen_shipment(network, o, s) for s in chosen[o.order_id].shipments),
        )
        for o in orders
    )
    kept = sum(p.cost for p in first.orders if p.order_id not in in_scope)
    plan = _day_plan(name, strategy, order_plans, (first, result.plan, rest), kept)
    notes = (
        _summary(outage, result),
        *(f"before the outage: {n}" for n in first.notes),
        *(f"re-plan at the outage: {n}" for n in result.notes),
        *(f"after the outage: {n}" for n in rest.notes),
    )
    plan = plan.model_copy(update={"notes": notes})
    return OutageDay(plan, current, after, time.monotonic() - started, result)


def _day_plan(
    name: str,
    strategy: str,
    order_plans: tuple[OrderPlan, ...],
    parts: tuple[Plan, Plan, Plan],
    kept_cost: float,
) -> Plan:
    """The day as one plan: its orders priced on the network after the outage with what the
    earlier ones held (spec §7). The bound is that of the re-plan and of the later orders
    plus what the kept orders cost: it holds for any plan that keeps the earlier routing."""
    _, replanned, rest = parts
    total = sum(p.breakdown.total for p in order_plans if p.breakdown is not None)
    moves = sum((p.breakdown.move or 0.0) for p in order_plans if p.breakdown is not None)
    bound = None
    if replanned.bound is not None and rest.bound is not None:
        bound = math.floor((kept_cost + replanned.bound + rest.bound) * 100) / 100
    works = [p.work for p in parts]
    return Plan(
        dataset=name,
        strategy=strategy,
        total_cost=round(total, 2),
        bound=bound,
        orders=order_plans,
        solve_seconds=round(sum(p.solve_seconds or 0.0 for p in parts), 3),
        move_cost=round(moves, 2),
        work=None if any(w is None for w in works) else sum(w or 0.0 for w in works),
        time_limit_hit=any(p.time_limit_hit for p in parts),
    )


def _summary(outage: Outage, result: ReplanResult) -> str:
    """What the re-plan at the outage did, in one line."""
    changes = result.orders
    moved = [c for c in changes if c.status == "moved"]
    reasons = Counter(c.reason.code for c in moved if c.reason is not None)
    backordered = sum(
        max(0, c.unfilled_units - sum(pl.qty for pl in c.before.unfilled))
        for c in changes
        if c.before is not None
    )
    why = ", ".join(f"{code} {n}" for code, n in sorted(reasons.items()))
    units = sum(c.moved_units for c in changes)
    return (
        f"outage of {', '.join(outage.node_ids)} at {outage.at:%Y-%m-%d %H:%M} UTC: "
        f"{_count(len(changes), 'order')} held units there; {len(moved)} moved"
        + (f" ({why})" if why else "")
        + f", {len(changes) - len(moved)} not; {_count(units, 'unit')} moved, "
        f"{backordered} more backordered"
    )


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def union(currents: Sequence[CurrentAllocation]) -> CurrentAllocation | None:
    """The current allocations of several days as one (their orders are distinct)."""
    if not currents:
        return None
    orders = {oid: held for c in currents for oid, held in c.orders.items()}
    fences = frozenset().union(*(c.fences for c in currents))
    return CurrentAllocation(orders, fences)
