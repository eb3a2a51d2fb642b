"""What a reallocation asks the solver (`ReplanRequest`), and the network it re-plans on.

The live system knows what is left now, with every open reservation taken (the orders in
scope included); spec §7 lets the re-plan use that plus what the orders in scope hold.
`replan_network` builds the network whose full stock and capacity is exactly that, so every
strategy, the checker and the KPIs work on it unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from solver.current import CurrentAllocation
from solver.ledger import Ledger
from solver.models import Fence, Order, OrderPlan
from solver.network import UNLIMITED, Network
from solver.pricing import SAME_DAY

ReplanStrategy = Literal["optimal", "myopic"]


@dataclass(frozen=True)
class ReplanRequest:
    """A re-plan of the orders in scope: the network as it is, those orders, what they hold,
    what is left now, the fences, the strategy and its budget."""

    network: Network
    """The network as stored (nodes, SKUs, on hand and safety stock, carriers, settings)."""
    orders: Sequence[Order]
    """The orders in scope: only these are re-decided."""
    current: Sequence[OrderPlan]
    """Their current allocations (spec §6/§7; lines may carry `locked`); costs are ignored. An
    order without one holds nothing."""
    left: Ledger | None = None
    """What is left now with every open reservation taken, those of the orders in scope
    included, not clipped at 0. None: the network's full stock and capacity, nothing reserved
    (a dataset and a plan of it, as `omniroute plan --current` has them)."""
    fences: Sequence[Fence] = ()
    strategy: ReplanStrategy = "optimal"
    seconds: float | None = None
    """Wall-clock cap on the solve: a safety net that stops a search running late (the plan
    then says `time_limit_hit`, and may differ from run to run)."""
    work: float | None = None
    """Work units `optimal` may spend (`solver.deadline.Budget`; about a second of the
    reference machine each): the same request and work give the same re-plan on any machine,
    whatever its load. None: what `seconds` buys (`solver.planning.search_work`), or no limit
    without `seconds`."""
    name: str = "reallocation"


def held_usage(network: Network, orders: Sequence[Order], current: CurrentAllocation) -> Ledger:
    """What the current allocation takes, as a ledger of amounts (stock and capacity used)."""
    used = Ledger(
        stock=np.zeros_like(network.on_hand),
        orders_left=np.zeros(len(network.nodes), dtype=np.int64),
        units_left=np.zeros(len(network.nodes), dtype=np.int64),
        same_day_left=np.zeros(len(network.nodes), dtype=np.int64),
    )
    for order in orders:
        held = current.of(order.order_id)
        if held is None:
            continue
        for s in held.shipments:
            for line in order.lines:
                used.stock[s.node, network.sku_index[line.sku]] += s.units.get(line.line_id, 0)
            used.orders_left[s.node] += 1
            used.units_left[s.node] += sum(s.units.values())
            used.same_day_left[s.node] += s.key == SAME_DAY
    return used


def left_after(network: Network, orders: Sequence[Order], current: CurrentAllocation) -> Ledger:
    """What is left of the network's full stock and capacity once the current allocation is
    taken: what the live system shows (`ReplanRequest.left`) for a dataset and a plan of it."""
    fresh, held = Ledger.fresh(network), held_usage(network, orders, current)
    return Ledger(
        fresh.stock - held.stock,
        fresh.orders_left - held.orders_left,
        fresh.units_left - held.units_left,
        fresh.same_day_left - held.same_day_left,
    )


def locked_usage(network: Network, orders: Sequence[Order], current: CurrentAllocation) -> Ledger:
    """What the locked units alone take (they cannot move)."""
    locks_only = CurrentAllocation(
        {
            oid: replace(
                held,
                shipments=tuple(
                    replace(s, units={k: q for k, q in s.locked.items() if q})
                    for s in held.locked_shipments
                ),
            )
            for oid, held in current.orders.items()
        }
    )
    return held_usage(network, orders, locks_only)


def replan_network(
    network: Network,
    left: Ledger | None,
    orders: Sequence[Order],
    current: CurrentAllocation,
) -> tuple[Network, list[str]]:
    """The network the re-plan may use in full: what is `left` plus what the orders in scope
    hold (spec §7: released and taken again), never below what their locked units take; and
    the notes saying where the locks needed more than that. Without `left`, the network as
    it is."""
    if left is None:
        return network, []
    held = held_usage(network, orders, current)
    locks = locked_usage(network, orders, current)
    notes: list[str] = []
    stock = np.maximum(left.stock + held.stock, 0)
    short = locks.stock > stock
    for n, s in zip(*np.nonzero(short), strict=True):
        notes.append(
            f"node {network.nodes[n].node_id}, sku {network.skus[s].sku}: {int(locks.stock[n, s])}"
            f" units locked but {int(stock[n, s])} left; the re-plan keeps them there"
        )
    stock = np.maximum(stock, locks.stock)
    nodes = []
    for n, node in enumerate(network.nodes):
        limits: dict[str, int | None] = {}
        for name, left_of, used, locked in (
            ("max_orders_per_day", left.orders_left, held.orders_left, locks.orders_left),
            ("max_units_per_day", left.units_left, held.units_left, locks.units_left),
            ("same_day_capacity", left.same_day_left, held.same_day_left, locks.same_day_left),
        ):
            if getattr(node, name) is None or left_of[n] >= UNLIMITED // 2:
                limits[name] = None
                continue
            limit = max(0, int(left_of[n] + used[n]))
            if locked[n] > limit:
                notes.append(
                    f"node {node.node_id}: {int(locked[n])} locked against {name} {limit} left;"
                    " the re-plan keeps them there"
                )
                limit = int(locked[n])
            limits[name] = limit
        nodes.append(node.model_copy(update=limits))
    free = replace(
        network,
        nodes=tuple(nodes),
        on_hand=stock.astype(network.on_hand.dtype),
        safety_stock=np.zeros_like(network.safety_stock),
        current=None,
    )
    return free, notes
