"""`outage`: the nodes switched off (the busiest warehouse and a few stores)."""

from __future__ import annotations

import numpy as np

from solver.generate.demand import OrderDay
from solver.generate.locations import nearest_targets
from solver.generate.placement import NodeDraft, coordinates, indices_of


def choose_outage(nodes: list[NodeDraft], day: OrderDay, rng: np.random.Generator) -> list[int]:
    """The warehouse nearest to the most customers, and about 5% of stores (at least one)."""
    warehouses = indices_of(nodes, "warehouse")
    nearest, _ = nearest_targets(
        day.customer_lat, day.customer_lon, *coordinates(nodes, warehouses)
    )
    busiest = int(warehouses[np.bincount(nearest, minlength=len(warehouses)).argmax()])
    stores = indices_of(nodes, "store")
    closed = rng.choice(stores, size=max(1, round(0.05 * len(stores))), replace=False)
    return sorted([busiest, *(int(i) for i in closed)])
