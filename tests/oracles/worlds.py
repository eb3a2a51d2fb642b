"""Random worlds and orders calibrated to reach the hard paths of the model.

Most orders ship and many split (stock is spread thin over nodes near the customer), same-day
and pickup/transfer are common, split guards (`min_shipment_value`) and caps (`max_shipments`)
bind, kits occur, and batches compete for capacity and stock. `tests/oracles/test_paths.py`
measures how often each path occurs, so the sampling cannot silently go trivial.

Every draw goes through a `Draw`: `RandomDraw` for fixed-seed samples (the path figures),
`HypothesisDraw` inside a hypothesis test (its examples shrink to small reproductions).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from hypothesis import strategies as st

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
from tests.oracles.search import Limits, allocations
from tests.oracles.spec import SpecPricer, World

T = TypeVar("T")

CENTRE = (40.0, -74.0)
KM_PER_DEGREE = 111.2


class Draw(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...

    def chance(self, percent: int) -> bool: ...


class RandomDraw:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def chance(self, percent: int) -> bool:
        return self.rng.randrange(100) < percent


class HypothesisDraw:
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(list(options)))

    def chance(self, percent: int) -> bool:
        return self.data.draw(st.integers(0, 99)) < percent


@dataclass(frozen=True)
class Shape:
    """How big and how tight a world is."""

    nodes: tuple[int, int] = (3, 5)
    skus: tuple[int, int] = (2, 4)
    stock: tuple[int, int] = (1, 2)
    """On-hand units per node and SKU."""
    stocked: int = 65
    """Chance (%) that a node stocks a SKU at all."""
    tight_capacity: bool = False
    """Small `max_*_per_day` everywhere, for batches that compete."""


LOOSE = Shape()
TIGHT = Shape(tight_capacity=True)
BATCH = Shape(nodes=(4, 5), stock=(1, 3), tight_capacity=True)
"""A batch of 8–12 orders competes for this world's stock and capacity."""
SCATTERED = Shape(nodes=(3, 5), stock=(1, 3), stocked=40)
"""Each SKU at few nodes: orders of several lines split over nodes that each have a part."""
WIDE_SCATTERED = Shape(nodes=(4, 6), stock=(1, 3), stocked=35)
"""The same with more nodes: the enumeration's splits have more parts to put back together."""


ZONES = (Zone(zone="1", max_km=60), Zone(zone="2", max_km=250), Zone(zone="3", max_km=700))
OPEN_ZONES = (*ZONES[:2], Zone(zone="3", max_km=None))
ONE_ZONE = (Zone(zone="1", max_km=150),)
TRANSIT_DAYS = {"ground": (1, 3, 5), "express": (1, 2, 2), "next_day": (1, 1, 1)}
SERVICES = ("ground", "ground", "express", "next_day", "same_day", "same_day", "pickup", "pickup")


def plain_node(node_id: str, kind: str = "warehouse", **changes: object) -> Node:
    """A node at the centre that ships parcels and nothing else, handling 1.00 a shipment."""
    fields: dict = {
        "node_id": node_id,
        "kind": kind,
        "lat": CENTRE[0],
        "lon": CENTRE[1],
        "ships": True,
        "pickup": False,
        "same_day": False,
        "processing_days": 0,
        "handling_per_order": 1.0,
        "handling_per_unit": 0.0,
    }
    return Node(**{**fields, **changes})


def offset(km: float, bearing: float) -> tuple[float, float]:
    """A point `km` from the centre in the direction `bearing` (radians), roughly."""
    lat = CENTRE[0] + km * math.cos(bearing) / KM_PER_DEGREE
    lon = CENTRE[1] + km * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(CENTRE[0])))
    return round(lat, 4), round(lon, 4)


def draw_rates(draw: Draw, zones: Sequence[Zone] = ZONES) -> list[Rate]:
    """Weight bands per service and zone; sometimes the heaviest band is missing (no rate)."""
    bands = draw.pick([(1, 2.5, 5, 10, 20), (2, 5, 10, 30), (1, 3, 6, 15)])
    rates = []
    for s, factor in (("ground", 1.0), ("express", 1.8), ("next_day", 2.6)):
        for z in range(len(zones)):
            top = len(bands) - (1 if draw.chance(15) else 0)
            for b, kg in enumerate(bands[:top]):
                cost = round(factor * (4 + 2 * z + 1.5 * b) + draw.integer(0, 100) / 100, 2)
                rates.append(Rate(service=s, zone=str(z + 1), max_kg=kg, cost=cost))
    return rates


def draw_world(draw: Draw, shape: Shape = LOOSE) -> World:
    n_nodes = draw.integer(*shape.nodes)
    nodes = []
    for i in range(n_nodes):
        kind = draw.pick(["warehouse", "store", "store", "vendor", "vendor", "dark_store"])
        near = kind in ("store", "dark_store")
        km = draw.integer(0, 40) if near else draw.integer(20, 300)
        lat, lon = offset(km, draw.integer(0, 359) * math.pi / 180)
        tight = shape.tight_capacity
        nodes.append(
            Node(
                node_id=f"N{i}",
                kind=kind,
                lat=lat,
                lon=lon,
                ships=draw.chance(50 if kind == "store" else 90),
                pickup=kind == "store" and draw.chance(85),
                same_day=near and draw.chance(70),
                same_day_radius_km=float(draw.pick([15, 30, 50, 80])),
                processing_days=draw.integer(0, 2),
                handling_per_order=draw.integer(50, 400) / 100,
                handling_per_unit=draw.integer(0, 120) / 100,
                dropship_fee=draw.integer(100, 400) / 100 if kind == "vendor" else 0.0,
                max_orders_per_day=draw.pick(
                    [1, 2, 3, None] if tight else [None, None, None, 0, 1]
                ),
                max_units_per_day=draw.pick([2, 3, 5, None] if tight else [None, None, 1, 2, 4]),
                same_day_capacity=draw.pick([0, 1, 2] if tight else [None, None, 0, 1]),
                active=draw.chance(92),
                channels=draw.pick([(), (), (), ("web",), ("web", "app")]),
            )
        )
    skus = [
        Sku(
            sku=f"K{j}",
            weight_kg=draw.pick([0.3, 0.8, 1.25, 1.6, 3.5, 6.0]),
            unit_value=draw.integer(1500, 9000) / 100,
        )
        for j in range(draw.integer(*shape.skus))
    ]
    stock = []
    for n in nodes:
        for s in skus:
            if draw.chance(shape.stocked):
                on_hand = draw.integer(*shape.stock)
                safety = 1 if on_hand and draw.chance(15) else 0
                stock.append(
                    StockRow(node_id=n.node_id, sku=s.sku, on_hand=on_hand, safety_stock=safety)
                )
    settings = Settings(
        split_penalty=float(draw.pick([0, 1, 3, 6])),
        late_penalty_per_day=float(draw.pick([0, 3, 6])),
        unfilled_penalty_factor=draw.pick([1.0, 1.5, 2.0]),
        min_shipment_value=_draw_guard(draw, skus),
        courier_base=draw.integer(300, 700) / 100,
        courier_per_km=draw.integer(10, 60) / 100,
    )
    # Mostly three bounded zones; sometimes an open last one, sometimes a single zone.
    zones = draw.pick([ZONES, ZONES, ZONES, ZONES, ZONES, OPEN_ZONES, OPEN_ZONES, ONE_ZONE])
    transits = [
        Transit(service=s, zone=str(z + 1), days=days[z] if z or draw.chance(80) else 0)
        for s, days in TRANSIT_DAYS.items()
        for z in range(len(zones))
    ]
    return World(
        tuple(nodes),
        tuple(skus),
        tuple(stock),
        zones,
        tuple(draw_rates(draw, zones)),
        tuple(transits),
        settings,
    )


def _draw_guard(draw: Draw, skus: Sequence[Sku]) -> float:
    """A split guard: none, round figures, or right at a SKU's value (a shipment of one unit
    of it then passes exactly, or misses by a cent)."""
    value = draw.pick(skus).unit_value
    return float(draw.pick([0, 0, 0, 20, 40, 70, value, round(value + 0.01, 2)]))


def draw_order(
    draw: Draw,
    world: World,
    order_id: str = "o-1",
    lines: tuple[int, int] = (1, 3),
    qty: tuple[int, int] = (1, 4),
    most_allocations: int = 6000,
) -> Order:
    """An order whose every plan the exhaustive search can walk (`most_allocations`)."""
    pricer = SpecPricer(world)
    limits = Limits.fresh(pricer)
    while True:
        order = _draw_order(draw, world, order_id, lines, qty)
        if allocations(pricer, order, limits) <= most_allocations:
            return order
        lines = (1, max(1, lines[1] - 1))


def draw_batch(draw: Draw) -> tuple[World, list[Order]]:
    """A world of `BATCH` shape and 8–12 small orders that compete for it."""
    world = draw_world(draw, BATCH)
    orders = [
        draw_order(draw, world, f"o-{i}", lines=(1, 2), qty=(1, 3), most_allocations=800)
        for i in range(draw.integer(8, 12))
    ]
    return world, orders


def _draw_order(
    draw: Draw, world: World, order_id: str, lines: tuple[int, int], qty: tuple[int, int]
) -> Order:
    skus = [s.sku for s in world.skus]
    n_lines = draw.integer(lines[0], min(lines[1], len(skus)))
    chosen: list[str] = []
    for _ in range(n_lines):  # now and then two lines of one SKU
        chosen.append(draw.pick(skus if draw.chance(10) else [s for s in skus if s not in chosen]))
    kit = n_lines >= 2 and draw.chance(20)
    # A kit of the first two lines; then sometimes the third line is a kit of its own.
    groups = ["kit", "kit", "kit-b" if draw.chance(30) else None] if kit else [None] * 3
    order_lines = tuple(
        OrderLine(
            line_id=str(i + 1),
            sku=sku,
            qty=draw.integer(1, 2) if groups[i] else draw.integer(*qty),
            group=groups[i],
        )
        for i, sku in enumerate(chosen)
    )
    service = draw.pick(SERVICES)
    stores = [n.node_id for n in world.nodes if n.kind == "store"]
    handing_over = [n.node_id for n in world.nodes if n.kind == "store" and n.pickup and n.active]
    if handing_over and draw.chance(90):
        stores = handing_over
    if service == "pickup" and not stores:
        service = "ground"
    lat, lon = offset(draw.integer(0, 30), draw.integer(0, 359) * math.pi / 180)
    return Order(
        order_id=order_id,
        customer=Customer(lat=lat, lon=lon),
        service=service,
        pickup_node=draw.pick(stores) if service == "pickup" else None,
        channel=draw.pick([None, None, "web", "app"]),
        max_shipments=draw.pick([None, None, None, 1, 2]),
        promise_days=draw.pick([None, None, None, 0, 2]),
        lines=order_lines,
    )


def fixed_sample(shape: Shape, seed: int) -> tuple[World, Order]:
    """One order of the fixed samples (`paths.py` counts their paths): a calibrated order; in a
    `SCATTERED` (or `WIDE_SCATTERED`) world an order of 2–3 lines without a cap, which the
    enumeration of the per-order solver often settles as a split."""
    draw = RandomDraw(seed)
    world = draw_world(draw, shape)
    if shape is SCATTERED:
        order = draw_order(draw, world, lines=(2, 3), qty=(1, 3))
        return world, order.model_copy(update={"max_shipments": None})
    if shape is WIDE_SCATTERED:
        order = draw_order(draw, world, lines=(2, 3), qty=(1, 4))
        return world, order.model_copy(update={"max_shipments": None})
    return world, draw_order(draw, world)
