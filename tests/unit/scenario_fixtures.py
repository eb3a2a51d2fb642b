"""A small network as records, for scenario tests a reader can check by hand."""

from __future__ import annotations

from solver.loading import NetworkRecords
from solver.models import Customer, Order, OrderLine, Settings, Sku, StockRow
from solver.scenarios.changes import ScenarioInput
from tests.factories import ZONES, node, standard_rates, standard_transit

NEW_YORK = (40.7506, -73.9972)  # ZIP 10001
CHICAGO = (41.8858, -87.6181)


def records(**settings_kw) -> NetworkRecords:
    nodes = (
        node("W1", "warehouse", *NEW_YORK, max_orders_per_day=10, max_units_per_day=20),
        node("W2", "warehouse", *CHICAGO, max_orders_per_day=None),
        node("S1", "store", 40.76, -73.98, same_day_capacity=5),
        node("S2", "store", 40.70, -74.01),
        node("S3", "store", 41.88, -87.63, pickup=True),
        node("D1", "dark_store", 40.73, -73.99, same_day=True, same_day_radius_km=20.0),
    )
    skus = (
        Sku(sku="K1", weight_kg=1.0, unit_value=10.0),
        Sku(sku="K2", weight_kg=2.0, unit_value=20.0),
    )
    stock = tuple(
        StockRow(node_id=n.node_id, sku=s.sku, on_hand=10 + i, safety_stock=1)
        for i, n in enumerate(nodes)
        for s in skus
    )
    return NetworkRecords(
        nodes=nodes,
        skus=skus,
        stock=stock,
        zones=ZONES,
        rates=tuple(standard_rates()),
        transits=tuple(standard_transit()),
        settings=Settings(**settings_kw),
    )


def order(
    order_id: str,
    lat: float = 40.74,
    lon: float = -73.99,
    service: str = "ground",
    day: str = "2026-11-20",
    sku: str = "K1",
    qty: int = 1,
    **kw,
) -> Order:
    return Order(
        order_id=order_id,
        created_at=f"{day}T10:00:00Z",
        customer=Customer(lat=lat, lon=lon),
        service=service,
        lines=(OrderLine(line_id="1", sku=sku, qty=qty),),
        **kw,
    )


def scenario_input(orders: tuple[Order, ...] | None = None) -> ScenarioInput:
    if orders is None:
        services = ["ground"] * 6 + ["express"] * 2 + ["next_day"] * 2
        near_ny = [order(f"o-{i}", service=s, lat=40.7 + 0.01 * i) for i, s in enumerate(services)]
        elsewhere = [order("o-chi", *CHICAGO), order("o-pick", service="pickup", pickup_node="S1")]
        orders = (*near_ny, *elsewhere)
    return ScenarioInput(records(), orders)
