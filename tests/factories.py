"""Small networks and orders built in code, for tests a reader can check by hand or by search."""

from __future__ import annotations

import random

from solver.models import (
    Customer,
    Node,
    Order,
    OrderLine,
    Rate,
    Settings,
    Sku,
    StockRow,
    Transit,
    Zone,
)
from solver.network import Network, build_network

ZONES = (Zone(zone="1", max_km=100), Zone(zone="2", max_km=500), Zone(zone="3", max_km=None))
WEIGHT_BANDS = (1, 2, 5, 10)


def standard_rates() -> list[Rate]:
    rates = []
    for s, factor in (("ground", 1.0), ("express", 2.0), ("next_day", 3.0)):
        for z in range(3):
            for b, kg in enumerate(WEIGHT_BANDS):
                rates.append(
                    Rate(
                        service=s,
                        zone=str(z + 1),
                        max_kg=kg,
                        cost=round(factor * (5 + 2 * z + 1.5 * b), 2),
                    )
                )
    return rates


def standard_transit() -> list[Transit]:
    days = {"ground": (1, 3, 5), "express": (1, 2, 2), "next_day": (1, 1, 1)}
    return [
        Transit(service=s, zone=str(z + 1), days=d[z]) for s, d in days.items() for z in range(3)
    ]


def node(
    node_id: str, kind: str = "warehouse", lat: float = 40.0, lon: float = -74.0, **kw
) -> Node:
    base = dict(
        node_id=node_id,
        kind=kind,
        lat=lat,
        lon=lon,
        ships=True,
        pickup=kind == "store",
        same_day=False,
        same_day_radius_km=0.0,
        processing_days=1,
        handling_per_order=2.0,
        handling_per_unit=0.5,
        dropship_fee=0.0,
        active=True,
    )
    base.update(kw)
    return Node(**base)


def network(nodes, skus, stock, settings: Settings | None = None) -> Network:
    return build_network(
        nodes, skus, stock, ZONES, standard_rates(), standard_transit(), settings or Settings()
    )


def random_network(rng: random.Random, n_nodes: int = 4, n_skus: int = 3, **settings_kw) -> Network:
    kinds = ["warehouse", "store", "vendor", "dark_store"]
    nodes = []
    for i in range(n_nodes):
        kind = rng.choice(kinds)
        nodes.append(
            node(
                f"N{i}",
                kind,
                lat=40 + rng.uniform(-4, 4),
                lon=-74 + rng.uniform(-4, 4),
                ships=rng.random() < 0.9,
                pickup=kind == "store",
                same_day=kind in ("dark_store", "store") and rng.random() < 0.6,
                same_day_radius_km=rng.choice([50.0, 150.0, 400.0]),
                processing_days=rng.randint(0, 2),
                handling_per_order=round(rng.uniform(0.5, 5), 2),
                handling_per_unit=round(rng.uniform(0, 1.5), 2),
                dropship_fee=round(rng.uniform(1, 4), 2) if kind == "vendor" else 0.0,
                max_orders_per_day=rng.choice([None, None, 1, 2, 5]),
                max_units_per_day=rng.choice([None, None, 2, 4, 8]),
                same_day_capacity=rng.choice([None, 0, 1, 3]),
                active=rng.random() < 0.9,
                channels=rng.choice([(), (), ("web",), ("web", "app")]),
            )
        )
    skus = [
        Sku(
            sku=f"K{j}",
            weight_kg=round(rng.choice([0.3, 0.8, 1.6, 3.5, 7.0]), 2),
            unit_value=round(rng.uniform(3, 60), 2),
        )
        for j in range(n_skus)
    ]
    stock = [
        StockRow(
            node_id=n.node_id,
            sku=s.sku,
            on_hand=rng.randint(0, 4),
            safety_stock=rng.choice([0, 0, 1]),
        )
        for n in nodes
        for s in skus
        if rng.random() < 0.7
    ]
    settings = Settings(
        split_penalty=rng.choice([0.0, 4.0, 10.0]),
        late_penalty_per_day=rng.choice([0.0, 6.0]),
        unfilled_penalty_factor=rng.choice([0.5, 1.0, 2.0]),
        min_shipment_value=rng.choice([0.0, 0.0, 20.0]),
        **settings_kw,
    )
    return network(nodes, skus, stock, settings)


def random_order(
    rng: random.Random, net: Network, order_id: str = "o-1", max_lines: int = 3
) -> Order:
    n_lines = rng.randint(1, min(max_lines, len(net.skus)))
    skus = rng.sample([s.sku for s in net.skus], n_lines)
    kit = n_lines >= 2 and rng.random() < 0.25
    lines = tuple(
        OrderLine(
            line_id=str(i + 1),
            sku=sku,
            qty=rng.randint(1, 3),
            group="kit" if kit and i < 2 else None,
        )
        for i, sku in enumerate(skus)
    )
    service = rng.choice(["ground", "ground", "express", "next_day", "same_day", "pickup"])
    stores = [n.node_id for n in net.nodes if n.kind == "store"]
    if service == "pickup" and not stores:
        service = "ground"
    return Order(
        order_id=order_id,
        customer=Customer(lat=40 + rng.uniform(-5, 5), lon=-74 + rng.uniform(-5, 5)),
        service=service,
        pickup_node=rng.choice(stores) if service == "pickup" else None,
        channel=rng.choice([None, "web", "app", "marketplace"]),
        max_shipments=rng.choice([None, None, None, 1, 2]),
        promise_days=rng.choice([None, None, 0, 3]),
        lines=lines,
    )
