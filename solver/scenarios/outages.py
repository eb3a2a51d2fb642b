"""A node that goes offline part-way through a day (the what-if change `outage_at`).

The orders routed before the outage hold allocations by then; they are re-planned against
those allocations (spec §7: locks, move penalties) on the network without the node, by the
same code as any re-plan (`solver.planning.plan_dataset` on a network that carries the current
allocation), together with the day's later orders, which hold nothing. Orders created long
enough before the outage are picked by then: their units are locked where they are. The nodes
stay offline for the rest of the run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from solver.current import CurrentAllocation
from solver.current_reading import read_current
from solver.deadline import Deadline
from solver.models import Order, OrderPlan, Plan
from solver.network import Dataset, Network
from solver.planning import Progress, plan_dataset


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


def held_before(
    network: Network, outage: Outage, orders: Sequence[Order], plan: Plan
) -> CurrentAllocation:
    """The allocation `plan` gave the orders routed before the outage, the picked ones locked."""
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
    current, problems = read_current(network, orders, plans, (), "outage", locks_must_fit=False)
    assert current is not None, problems  # a plan of these orders on this network
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
    """The day's plan: the re-plan of every order of the day (spec §7 for those routed before)."""
    current: CurrentAllocation
    """What the orders routed before the outage held."""
    network: Network
    """The network from the outage on (the nodes offline)."""
    seconds: float


def plan_outage_day(
    name: str,
    network: Network,
    orders: Sequence[Order],
    strategy: str,
    outage: Outage,
    seconds: float | None = None,
    progress: Progress | None = None,
) -> OutageDay:
    """Plan a day whose outage falls after some of its orders: those are planned first (on the
    network before the outage), then every order of the day is planned on the network without
    the nodes, the earlier ones against their allocation."""
    started = time.monotonic()
    before, _ = routed_before(orders, outage.at)
    first = plan_dataset(
        Dataset(f"{name}/before-outage", network, tuple(before)),
        strategy,
        Deadline(seconds),
        progress,
    )
    current = held_before(network, outage, before, first)
    after = offline(network, outage.node_ids)
    replanned = plan_dataset(
        Dataset(name, after.with_current(current), tuple(orders)),
        strategy,
        Deadline(seconds),
        progress,
    )
    return OutageDay(replanned, current, after, time.monotonic() - started)


def union(currents: Sequence[CurrentAllocation]) -> CurrentAllocation | None:
    """The current allocations of several days as one (their orders are distinct)."""
    if not currents:
        return None
    orders = {oid: held for c in currents for oid, held in c.orders.items()}
    fences = frozenset().union(*(c.fences for c in currents))
    return CurrentAllocation(orders, fences)
