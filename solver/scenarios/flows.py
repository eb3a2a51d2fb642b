"""Where a plan's units go, summarised for a map: units per node and destination cell.

A destination is the customer (parcel, same-day) or the pickup store (transfer); store pickup
stays at the node. Destinations are snapped to a grid of `CELL_DEGREES` so a map of 20k orders
draws a few thousand lines, not one per shipment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from solver.models import Order, Plan
from solver.network import Network

CELL_DEGREES = 0.5


@dataclass(frozen=True)
class Flow:
    node_id: str
    to_lat: float
    to_lon: float
    units: int


def _cell(value: float) -> float:
    return round(round(value / CELL_DEGREES) * CELL_DEGREES, 4)


def plan_flows(network: Network, orders: Sequence[Order], plans: Iterable[Plan]) -> list[Flow]:
    """Units shipped from each node to each destination cell, over all `plans`."""
    by_id = {o.order_id: o for o in orders}
    units: Counter[tuple[str, float, float]] = Counter()
    for plan in plans:
        for order_plan in plan.orders:
            order = by_id[order_plan.order_id]
            for shipment in order_plan.shipments:
                if shipment.method == "pickup":
                    continue
                if shipment.method == "transfer" and order.pickup_node in network.node_index:
                    store = network.nodes[network.node_index[order.pickup_node]]
                    lat, lon = store.lat, store.lon
                else:
                    lat, lon = order.customer.lat, order.customer.lon
                qty = sum(line.qty for line in shipment.lines)
                units[(shipment.node_id, _cell(lat), _cell(lon))] += qty
    return [Flow(node, lat, lon, qty) for (node, lat, lon), qty in sorted(units.items())]
