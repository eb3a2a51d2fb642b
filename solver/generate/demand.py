"""One day of orders: customers at ZIP centroids, order times, channels and services,
baskets of SKUs by popularity, kits, and the store each pickup order collects at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.generate.arrays import FloatArray, IntArray
from solver.generate.calibration import (
    BULKY_KG,
    CHANNEL_SHARES,
    CHANNELS,
    CUSTOMER_METRO_RADIUS_KM,
    GROUND_SERVICE,
    HOURLY_ORDER_WEIGHTS,
    KIT_SHARE,
    MARKETPLACE_CHANNEL,
    MARKETPLACE_GROUND_PROMISE_DAYS,
    MAX_LINES,
    MAX_SHIPMENTS_SHARE,
    METRO_CUSTOMER_SHARE,
    PICKUP_REACH_KM,
    PICKUP_SERVICE,
    QTY_SHARES,
    SAME_DAY_SERVICE,
    SERVICE_SHARES,
    SERVICES,
)
from solver.generate.catalogue import Catalogue
from solver.generate.locations import METROS, ZipTable, in_chunks, nearest_targets, zips_within
from solver.generate.placement import NodeDraft, coordinates
from solver.pricing import haversine_km


@dataclass
class OrderDay:
    """One day of orders as flat arrays; lines of order `i` are `line_start[i]:line_start[i+1]`."""

    created_seconds: IntArray
    customer_lat: FloatArray
    customer_lon: FloatArray
    channel: IntArray
    service: IntArray
    promise_days: IntArray  # -1 = null
    max_shipments: IntArray  # 0 = null
    line_start: IntArray
    line_sku: IntArray
    line_qty: IntArray
    kit_size: IntArray  # the first `kit_size` lines form "kit-1"; 0 = no kit
    pickup_node: IntArray  # node index, -1 = null

    @property
    def count(self) -> int:
        return len(self.service)


def draw_orders(
    table: ZipTable,
    metro_points: list[tuple[float, float]],
    nodes: list[NodeDraft],
    catalogue: Catalogue,
    count: int,
    streams: dict[str, np.random.Generator],
) -> OrderDay:
    rng = streams["customers"]
    lat, lon = _draw_customers(table, metro_points, count, rng)
    created = _draw_times(count, rng)
    channel = rng.choice(len(CHANNELS), size=count, p=CHANNEL_SHARES).astype(np.int64)
    service = _draw_services(nodes, lat, lon, channel, rng)
    promise = np.where(
        (channel == MARKETPLACE_CHANNEL) & (service == GROUND_SERVICE),
        MARKETPLACE_GROUND_PROMISE_DAYS,
        -1,
    ).astype(np.int64)
    capped = rng.random(count) < MAX_SHIPMENTS_SHARE
    max_shipments = np.where(capped, rng.integers(1, 3, count), 0).astype(np.int64)
    line_start, line_sku, line_qty, kit_size = _draw_baskets(catalogue, count, streams["baskets"])
    return OrderDay(
        created_seconds=created,
        customer_lat=lat,
        customer_lon=lon,
        channel=channel,
        service=service,
        promise_days=promise,
        max_shipments=max_shipments,
        line_start=line_start,
        line_sku=line_sku,
        line_qty=line_qty,
        kit_size=kit_size,
        pickup_node=np.full(count, -1, dtype=np.int64),
    )


def _draw_customers(
    table: ZipTable, metro_points: list[tuple[float, float]], count: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Customers at ZIP centroids: most in metros (by population), the rest anywhere."""
    weights = np.array([weight for _, _, weight in METROS])
    in_metro = rng.random(count) < METRO_CUSTOMER_SHARE
    metro = rng.choice(len(METROS), size=count, p=weights / weights.sum())
    pick = rng.random(count)
    zip_index = (pick * len(table.codes)).astype(np.int64)  # anywhere
    for m, point in enumerate(metro_points):
        mask = in_metro & (metro == m)
        candidates = zips_within(table, point, CUSTOMER_METRO_RADIUS_KM)
        zip_index[mask] = candidates[(pick[mask] * len(candidates)).astype(np.int64)]
    return table.lat[zip_index], table.lon[zip_index]


def _draw_times(count: int, rng: np.random.Generator) -> IntArray:
    """Seconds since midnight of the order day, following the daily curve, ascending."""
    hourly = np.array(HOURLY_ORDER_WEIGHTS)
    hour = rng.choice(24, size=count, p=hourly / hourly.sum())
    return np.sort(hour * 3600 + rng.integers(0, 3600, count)).astype(np.int64)


def _draw_services(
    nodes: list[NodeDraft],
    lat: FloatArray,
    lon: FloatArray,
    channel: IntArray,
    rng: np.random.Generator,
) -> IntArray:
    """The service mix; same-day and pickup only where a node can offer them, else ground.

    Marketplace orders are never collected in store. Reach is judged on every node, active or
    not, so that `outage` leaves the service of every order as it is.
    """
    service = rng.choice(len(SERVICES), size=len(lat), p=SERVICE_SHARES).astype(np.int64)
    service[(service == PICKUP_SERVICE) & (channel == MARKETPLACE_CHANNEL)] = GROUND_SERVICE
    same_day_nodes = np.array([i for i, n in enumerate(nodes) if n.same_day], dtype=np.int64)
    radius = np.array([nodes[i].same_day_radius_km for i in same_day_nodes])
    node_lat, node_lon = coordinates(nodes, same_day_nodes)
    wants_same_day = np.flatnonzero(service == SAME_DAY_SERVICE)
    reachable = np.zeros(len(wants_same_day), dtype=bool)
    for part in in_chunks(len(wants_same_day)):
        who = wants_same_day[part]
        d = haversine_km(lat[who, None], lon[who, None], node_lat[None, :], node_lon[None, :])
        reachable[part] = (d <= radius[None, :]).any(axis=1)
    service[wants_same_day[~reachable]] = GROUND_SERVICE

    pickup_nodes = np.array([i for i, n in enumerate(nodes) if n.pickup], dtype=np.int64)
    wants_pickup = np.flatnonzero(service == PICKUP_SERVICE)
    _, distance = nearest_targets(
        lat[wants_pickup], lon[wants_pickup], *coordinates(nodes, pickup_nodes)
    )
    service[wants_pickup[distance > PICKUP_REACH_KM]] = GROUND_SERVICE
    return service


def _draw_baskets(
    catalogue: Catalogue, count: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Lines per order (mostly one), SKUs by popularity without repeats, quantities, kits."""
    max_lines = min(MAX_LINES, len(catalogue.sku_ids))
    # 60% one line, 25% two, the remaining 15% spread geometrically over 3..MAX_LINES.
    long_tail = 0.6 ** np.arange(MAX_LINES - 2)
    line_weights = np.concatenate([[0.60, 0.25], 0.15 * long_tail / long_tail.sum()])
    line_weights = line_weights[:max_lines] / line_weights[:max_lines].sum()
    lines_per_order = rng.choice(max_lines, size=count, p=line_weights) + 1
    line_start = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lines_per_order, out=line_start[1:])

    cumulative = np.cumsum(catalogue.popularity)
    last = len(cumulative) - 1

    def draw_pool(size: int) -> list[int]:
        drawn = np.searchsorted(cumulative, rng.random(size), side="right")
        return np.minimum(drawn, last).tolist()

    # Draw SKUs with replacement and skip repeats within an order; refill the pool when dry.
    pool = draw_pool(int(line_start[-1] * 1.3) + 64)
    position = 0
    line_sku = np.empty(int(line_start[-1]), dtype=np.int64)
    for order in range(count):
        chosen: list[int] = []
        while len(chosen) < lines_per_order[order]:
            if position == len(pool):
                pool, position = draw_pool(len(pool)), 0
            sku = pool[position]
            position += 1
            if sku not in chosen:
                chosen.append(sku)
        line_sku[line_start[order] : line_start[order + 1]] = chosen

    qty = rng.choice(len(QTY_SHARES), size=len(line_sku), p=QTY_SHARES) + 1
    qty = np.where(catalogue.weight_kg[line_sku] >= BULKY_KG, 1, qty).astype(np.int64)

    is_kit = (rng.random(count) < KIT_SHARE) & (lines_per_order >= 2)
    multi_line = np.flatnonzero(lines_per_order >= 2)
    if not is_kit.any() and len(multi_line) > 0:
        is_kit[rng.choice(multi_line)] = True  # small datasets still exercise kits
    kit_size = np.where(is_kit, rng.integers(2, np.clip(lines_per_order, 2, 3) + 1), 0).astype(
        np.int64
    )
    return line_start, line_sku, qty, kit_size


def assign_pickup_nodes(nodes: list[NodeDraft], day: OrderDay) -> IntArray:
    """Each pickup order collects at the nearest active store that offers pickup."""
    pickup_node = np.full(day.count, -1, dtype=np.int64)
    open_stores = np.array(
        [i for i, n in enumerate(nodes) if n.kind == "store" and n.pickup and n.active],
        dtype=np.int64,
    )
    wants_pickup = np.flatnonzero(day.service == PICKUP_SERVICE)
    nearest, _ = nearest_targets(
        day.customer_lat[wants_pickup],
        day.customer_lon[wants_pickup],
        *coordinates(nodes, open_stores),
    )
    pickup_node[wants_pickup] = open_stores[nearest]
    return pickup_node
