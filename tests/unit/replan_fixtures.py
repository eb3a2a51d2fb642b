"""A small network where a reader can check the arithmetic of spec §7 by hand, and helpers to
state current allocations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from solver.current import CurrentAllocation
from solver.current_reading import read_current
from solver.models import (
    Customer,
    Fence,
    Order,
    OrderLine,
    OrderPlan,
    Plan,
    Settings,
    Sku,
    StockRow,
)
from solver.network import Dataset, Network
from solver.pricing import ChosenShipment, price_order
from tests.factories import network, node

# The customer is at (40.0, -74.0). W1 is 55.6 km away (zone 1), W2 222.4 km (zone 2), the
# store S1 11.1 km, the store S2 33.4 km.
NODES = [
    node("W1", lat=40.5, lon=-74.0),
    node("W2", lat=42.0, lon=-74.0),
    node("S1", "store", lat=40.1, lon=-74.0),
    node("S2", "store", lat=40.3, lon=-74.0),
]
SKUS = [Sku(sku="A", weight_kg=0.5, unit_value=10.0), Sku(sku="B", weight_kg=1.0, unit_value=20.0)]
STOCK = [
    StockRow(node_id=n, sku=s, on_hand=10) for n in ("W1", "W2", "S1", "S2") for s in ("A", "B")
]
W1, W2, S1, S2 = range(4)
PENALTIES = Settings(move_penalty_per_order=3.0, move_penalty_per_unit=0.5)


def small_network(settings: Settings = PENALTIES, **changes: Mapping[str, object]) -> Network:
    """The network, with node fields changed by node id (`W1={"active": False}`)."""
    nodes = [n.model_copy(update=dict(changes.get(n.node_id, {}))) for n in NODES]
    return network(nodes, SKUS, STOCK, settings)


def order(order_id: str, *lines: tuple[str, int], **kw: object) -> Order:
    return Order(
        order_id=order_id,
        customer=Customer(lat=40.0, lon=-74.0),
        service=kw.pop("service", "ground"),  # type: ignore[arg-type]
        lines=tuple(
            OrderLine(line_id=str(i + 1), sku=sku, qty=qty) for i, (sku, qty) in enumerate(lines)
        ),
        **kw,  # type: ignore[arg-type]
    )


def ship(node: int, key: int = 0, **units: int) -> ChosenShipment:
    """A shipment from `node` by method `key` carrying units per line id (`_1=2` is line 1)."""
    return ChosenShipment(node, key, {k.lstrip("_"): q for k, q in units.items()})


def order_plan(
    net: Network,
    o: Order,
    chosen: Sequence[ChosenShipment],
    locked: Mapping[tuple[int, str], int] | None = None,
) -> OrderPlan:
    """`o` planned as `chosen` (priced), lines marked `locked` per (node, line id)."""
    priced = price_order(net, o, chosen)
    if not locked:
        return priced
    shipments = []
    for s in priced.shipments:
        n = net.node_index[s.node_id]
        lines = tuple(
            pl.model_copy(update={"locked": locked.get((n, pl.line_id)) or None}) for pl in s.lines
        )
        shipments.append(s.model_copy(update={"lines": lines}))
    return priced.model_copy(update={"shipments": tuple(shipments)})


def allocation(
    net: Network,
    orders: Sequence[Order],
    plans: Sequence[OrderPlan],
    fences: Sequence[tuple[str, str]] = (),
) -> CurrentAllocation:
    found, problems = read_current(
        net, orders, plans, [Fence(node_id=n, sku=s) for n, s in fences], "test"
    )
    assert found is not None, problems
    return found


def replanning(
    net: Network,
    orders: Sequence[Order],
    plans: Sequence[OrderPlan],
    fences: Sequence[tuple[str, str]] = (),
) -> Dataset:
    """The dataset re-planning `orders` against their current `plans`."""
    current = allocation(net, orders, plans, fences)
    return Dataset("small", net.with_current(current), tuple(orders))


def as_plan(dataset: Dataset, plans: Sequence[OrderPlan], strategy: str = "test") -> Plan:
    """A plan file of these order plans (totals as `plan_dataset` writes them)."""
    total = sum(p.breakdown.total for p in plans if p.breakdown is not None)
    move = [p.breakdown.move or 0.0 for p in plans if p.breakdown is not None]
    return Plan(
        dataset=dataset.name,
        strategy=strategy,
        total_cost=round(total, 2),
        orders=tuple(plans),
        move_cost=None if dataset.network.current is None else round(sum(move), 2),
    )
