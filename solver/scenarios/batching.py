"""Cut a scenario's orders into daily batches and carry stock from one day to the next.

Capacity is per day (spec §5.2: `max_*_per_day`), so each day is planned as its own batch with
fresh capacity. Stock is not: the network of day d+1 has the on-hand stock day d left. Days of
one scenario are therefore planned in sequence; different scenarios are independent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from solver.models import Node, Order, Plan
from solver.network import Network
from solver.scenarios.demand import order_day

UNDATED = "undated"
"""Batch of the orders without a readable `created_at` date; planned after the dated days."""


@dataclass(frozen=True)
class DayBatch:
    day: str
    """ISO date (YYYY-MM-DD), or `undated`."""
    orders: tuple[Order, ...]


def daily_batches(orders: Sequence[Order]) -> list[DayBatch]:
    """One batch per calendar day of `created_at`, in date order; orders keep their sequence."""
    by_day: dict[str, list[Order]] = {}
    for order in orders:
        day = order_day(order)
        by_day.setdefault(UNDATED if day is None else day.isoformat(), []).append(order)
    days = sorted(by_day, key=lambda d: (d == UNDATED, d))
    return [DayBatch(day, tuple(by_day[day])) for day in days]


def shipped_units(network: Network, plan: Plan) -> np.ndarray:
    """Units the plan ships, per [node, sku] (the shape of `network.on_hand`)."""
    shipped = np.zeros_like(network.on_hand)
    for order_plan in plan.orders:
        for shipment in order_plan.shipments:
            n = network.node_index[shipment.node_id]
            for line in shipment.lines:
                shipped[n, network.sku_index[line.sku]] += line.qty
    return shipped


def carry_stock(network: Network, plan: Plan) -> Network:
    """The network of the next day: on hand less what `plan` shipped (never below 0).

    Safety stock is untouched: a strategy never takes it, so on hand stays at or above it."""
    on_hand = np.maximum(network.on_hand - shipped_units(network, plan), 0)
    return replace(network, on_hand=on_hand)


def _times(limit: int | None, days: int) -> int | None:
    return None if limit is None else limit * days


def period_network(network: Network, days: int) -> Network:
    """The network with each daily limit multiplied by `days`: the capacity of the whole
    period, against which the KPIs of a several-day run measure node utilisation."""
    if days == 1:
        return network

    def scaled(node: Node) -> Node:
        return node.model_copy(
            update={
                "max_orders_per_day": _times(node.max_orders_per_day, days),
                "max_units_per_day": _times(node.max_units_per_day, days),
                "same_day_capacity": _times(node.same_day_capacity, days),
            }
        )

    return replace(network, nodes=tuple(scaled(n) for n in network.nodes))
