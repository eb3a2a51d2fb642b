"""The network's nodes: warehouses at DC hubs, stores and dark stores around metros, dropship
vendors in industrial suburbs, each with its fixed traits (costs, services, channels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.generate.arrays import FloatArray, IntArray
from solver.generate.calibration import DARK_STORE_METRO_RADIUS_KM, STORE_METRO_RADIUS_KM
from solver.generate.locations import (
    METROS,
    VENDOR_SITES,
    WAREHOUSE_HUBS,
    ZipTable,
    nearest_targets,
    zip_point,
    zips_within,
)


@dataclass
class NodeDraft:
    """A node being built; capacities and `active` are filled in after the orders are drawn."""

    node_id: str
    kind: str
    lat: float
    lon: float
    ships: bool
    pickup: bool
    same_day: bool
    same_day_radius_km: float = 0.0
    processing_days: int = 1
    handling_per_order: float = 0.0
    handling_per_unit: float = 0.0
    dropship_fee: float = 0.0
    max_orders_per_day: int | None = None
    max_units_per_day: int | None = None
    same_day_capacity: int | None = None
    active: bool = True
    channels: str = ""
    zip_code: str = ""
    size: float = 1.0
    """Relative share of stock among nodes of its kind (not written)."""
    assortment_depth: float = 1.0
    """Fraction of SKUs, most popular first, the node stocks (stores, dark stores)."""


def apportion(total: int, weights: FloatArray) -> IntArray:
    """Split `total` in proportion to `weights` by largest remainder (deterministic)."""
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    by_remainder = np.argsort(-(quotas - counts), kind="stable")
    counts[by_remainder[: total - int(counts.sum())]] += 1
    return counts


def _warehouse_count(stores: int) -> int:
    return 3 + int(stores >= 40) + int(stores >= 100) + int(stores >= 200)


def _dark_store_count(stores: int) -> int:
    return max(1, round(stores / 15))


def _vendor_count(skus: int) -> int:
    return min(8, 3 + skus // 1000)


def place_nodes(
    table: ZipTable,
    metro_points: list[tuple[float, float]],
    stores: int,
    skus: int,
    rng: np.random.Generator,
) -> list[NodeDraft]:
    """Warehouses, stores, dark stores and vendors, in that order, with their fixed traits."""
    warehouses = _place_warehouses(_warehouse_count(stores), metro_points, rng)
    store_nodes = _place_stores(table, metro_points, stores, rng)
    taken = {node.zip_code for node in store_nodes}
    dark_stores = _place_dark_stores(table, metro_points, _dark_store_count(stores), taken, rng)
    vendors = _place_vendors(_vendor_count(skus), rng)
    return warehouses + store_nodes + dark_stores + vendors


def _place_warehouses(
    count: int, metro_points: list[tuple[float, float]], rng: np.random.Generator
) -> list[NodeDraft]:
    """DCs at logistics hubs, the cheapest picks; each sized by the metros nearest to it."""
    nodes = []
    for number, (_, code) in enumerate(WAREHOUSE_HUBS[:count], start=1):
        lat, lon = zip_point(code)
        nodes.append(
            NodeDraft(
                f"W{number}",
                "warehouse",
                lat,
                lon,
                ships=True,
                pickup=False,
                same_day=False,
                processing_days=1,
                handling_per_order=round(float(rng.uniform(1.6, 2.4)), 2),
                handling_per_unit=round(float(rng.uniform(0.2, 0.35)), 2),
                zip_code=code,
            )
        )
    metro_lat = np.array([p[0] for p in metro_points])
    metro_lon = np.array([p[1] for p in metro_points])
    nearest, _ = nearest_targets(
        metro_lat, metro_lon, np.array([n.lat for n in nodes]), np.array([n.lon for n in nodes])
    )
    population = np.array([weight for _, _, weight in METROS])
    catchment = np.bincount(nearest, weights=population, minlength=count)
    for node, served in zip(nodes, catchment, strict=True):
        node.size = float(served / population.sum()) + 0.05
    return nodes


def _place_stores(
    table: ZipTable, metro_points: list[tuple[float, float]], count: int, rng: np.random.Generator
) -> list[NodeDraft]:
    """Stores at distinct ZIP centroids near metro anchors, more stores in bigger metros."""
    per_metro = apportion(count, np.array([weight for _, _, weight in METROS]))
    width = max(3, len(str(count)))
    nodes: list[NodeDraft] = []
    taken: set[str] = set()  # neighbouring metros (Washington, Baltimore) overlap
    for point, how_many in zip(metro_points, per_metro, strict=True):
        if how_many == 0:
            continue
        nearby = zips_within(table, point, STORE_METRO_RADIUS_KM)
        free = np.array([i for i in nearby if table.codes[i] not in taken], dtype=np.int64)
        candidates = free if len(free) >= how_many else nearby
        chosen = rng.choice(candidates, size=how_many, replace=how_many > len(candidates))
        for zip_index in chosen:
            taken.add(table.codes[zip_index])
            number = len(nodes) + 1
            nodes.append(
                NodeDraft(
                    f"S{number:0{width}d}",
                    "store",
                    float(table.lat[zip_index]),
                    float(table.lon[zip_index]),
                    ships=True,
                    pickup=True,
                    same_day=False,
                    zip_code=table.codes[zip_index],
                )
            )
    _give_store_traits(nodes, rng)
    return nodes


def _give_store_traits(nodes: list[NodeDraft], rng: np.random.Generator) -> None:
    """Ship-from-store for most, same-day for a minority, costlier picks than a DC."""
    count = len(nodes)
    ships = rng.random(count) < 0.85
    same_day = np.zeros(count, dtype=bool)
    same_day[rng.choice(count, size=max(1, round(0.2 * count)), replace=False)] = True
    radius = rng.uniform(25.0, 40.0, count)
    slow = rng.random(count) < 0.15
    per_order = rng.uniform(3.5, 5.5, count)
    per_unit = rng.uniform(0.6, 1.0, count)
    size = rng.uniform(0.6, 1.4, count)
    depth = rng.uniform(0.2, 0.4, count)
    web_and_app = np.zeros(count, dtype=bool)
    web_and_app[rng.choice(count, size=max(1, round(0.08 * count)), replace=False)] = True
    for i, node in enumerate(nodes):
        node.ships = bool(ships[i])
        node.same_day = bool(same_day[i])
        node.same_day_radius_km = round(float(radius[i]), 1) if same_day[i] else 0.0
        node.processing_days = 2 if slow[i] else 1
        node.handling_per_order = round(float(per_order[i]), 2)
        node.handling_per_unit = round(float(per_unit[i]), 2)
        node.size = float(size[i])
        node.assortment_depth = float(depth[i])
        node.channels = "web;app" if web_and_app[i] else ""


def _place_dark_stores(
    table: ZipTable,
    metro_points: list[tuple[float, float]],
    count: int,
    taken: set[str],
    rng: np.random.Generator,
) -> list[NodeDraft]:
    """Micro-fulfilment sites in the urban cores of the biggest metros (one per metro first)."""
    by_size = np.argsort([-weight for _, _, weight in METROS], kind="stable")
    width = max(2, len(str(count)))
    nodes = []
    for number in range(1, count + 1):
        point = metro_points[by_size[(number - 1) % len(by_size)]]
        candidates = [
            i
            for i in zips_within(table, point, DARK_STORE_METRO_RADIUS_KM)
            if table.codes[i] not in taken
        ] or list(zips_within(table, point, DARK_STORE_METRO_RADIUS_KM))
        zip_index = int(candidates[int(rng.integers(len(candidates)))])
        taken.add(table.codes[zip_index])
        nodes.append(
            NodeDraft(
                f"D{number:0{width}d}",
                "dark_store",
                float(table.lat[zip_index]),
                float(table.lon[zip_index]),
                ships=True,
                pickup=False,
                same_day=True,
                same_day_radius_km=round(float(rng.uniform(30.0, 50.0)), 1),
                processing_days=0,
                handling_per_order=round(float(rng.uniform(2.5, 3.5)), 2),
                handling_per_unit=round(float(rng.uniform(0.35, 0.6)), 2),
                zip_code=table.codes[zip_index],
                assortment_depth=float(rng.uniform(0.08, 0.15)),
            )
        )
    return nodes


def _place_vendors(count: int, rng: np.random.Generator) -> list[NodeDraft]:
    """Dropship vendors: slow, charge a fee per shipment, some sell only through the web shop."""
    sites = rng.choice(len(VENDOR_SITES), size=count, replace=False)
    web_only = set(rng.choice(count, size=max(1, round(0.3 * count)), replace=False).tolist())
    nodes = []
    for number, site in enumerate(sites, start=1):
        code = VENDOR_SITES[int(site)][1]
        lat, lon = zip_point(code)
        nodes.append(
            NodeDraft(
                f"V{number}",
                "vendor",
                lat,
                lon,
                ships=True,
                pickup=False,
                same_day=False,
                processing_days=int(rng.integers(2, 4)),
                dropship_fee=round(float(rng.uniform(3.5, 7.5)), 2),
                channels="web" if number - 1 in web_only else "",
                zip_code=code,
            )
        )
    return nodes


def indices_of(nodes: list[NodeDraft], kind: str) -> IntArray:
    return np.array([i for i, node in enumerate(nodes) if node.kind == kind], dtype=np.int64)


def coordinates(nodes: list[NodeDraft], indices: IntArray) -> tuple[FloatArray, FloatArray]:
    return (
        np.array([nodes[i].lat for i in indices], dtype=np.float64),
        np.array([nodes[i].lon for i in indices], dtype=np.float64),
    )
