"""Realistic synthetic datasets (spec §1–§4): a US omnichannel network and one day of orders.

Every node and customer sits at a real ZIP-code centroid from the offline `zipcodes` package:
distribution centres at logistics hubs, stores and dark stores around large metros, dropship
vendors in industrial suburbs. Demand is long-tail (Zipf over SKUs). `tight` sizes stock and
capacity close to demand so that orders compete for them; `outage` switches off the busiest
warehouse and about 5% of stores and changes nothing else. Same seed ⇒ byte-identical files.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import zipcodes

from solver.models import Node
from solver.pricing import haversine_km

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

ORDER_DAY = "2026-11-20"

# (metro, anchor ZIP, weight ≈ metro population in millions). Coordinates come from `zipcodes`.
METROS: tuple[tuple[str, str, float], ...] = (
    ("New York", "10001", 19.5),
    ("Los Angeles", "90012", 12.8),
    ("Chicago", "60601", 9.4),
    ("Dallas", "75201", 7.9),
    ("Houston", "77002", 7.3),
    ("Washington", "20001", 6.3),
    ("Philadelphia", "19103", 6.2),
    ("Atlanta", "30303", 6.2),
    ("Miami", "33130", 6.1),
    ("Phoenix", "85003", 5.0),
    ("Boston", "02108", 4.9),
    ("San Francisco", "94103", 4.6),
    ("Detroit", "48226", 4.3),
    ("Seattle", "98101", 4.0),
    ("Minneapolis", "55401", 3.7),
    ("San Diego", "92101", 3.3),
    ("Tampa", "33602", 3.3),
    ("Denver", "80202", 3.0),
    ("Baltimore", "21201", 2.8),
    ("St. Louis", "63101", 2.8),
    ("Charlotte", "28202", 2.7),
    ("San Antonio", "78205", 2.6),
    ("Portland", "97204", 2.5),
    ("Sacramento", "95814", 2.4),
    ("Pittsburgh", "15222", 2.4),
    ("Austin", "78701", 2.4),
    ("Las Vegas", "89101", 2.3),
    ("Cincinnati", "45202", 2.3),
    ("Kansas City", "64106", 2.2),
    ("Columbus", "43215", 2.1),
    ("Indianapolis", "46204", 2.1),
    ("Cleveland", "44113", 2.1),
    ("Nashville", "37203", 2.0),
    ("Jacksonville", "32202", 1.7),
    ("Milwaukee", "53202", 1.6),
    ("Raleigh", "27601", 1.4),
    ("Memphis", "38103", 1.3),
    ("Louisville", "40202", 1.3),
    ("New Orleans", "70112", 1.3),
    ("Salt Lake City", "84101", 1.3),
    ("Tucson", "85701", 1.05),
    ("Fresno", "93721", 1.0),
    ("Omaha", "68102", 0.97),
    ("Albuquerque", "87102", 0.92),
)

# Distribution-centre hubs, in the order a growing network opens them.
WAREHOUSE_HUBS: tuple[tuple[str, str], ...] = (
    ("Memphis TN", "38118"),
    ("Reno NV", "89502"),
    ("Allentown PA", "18106"),
    ("Fort Worth TX", "76177"),
    ("Atlanta GA", "30336"),
    ("Groveport OH", "43125"),
)

# Industrial suburbs where dropship vendors keep their stock.
VENDOR_SITES: tuple[tuple[str, str], ...] = (
    ("Ontario CA", "91761"),
    ("Elk Grove Village IL", "60007"),
    ("Secaucus NJ", "07094"),
    ("High Point NC", "27260"),
    ("Dalton GA", "30720"),
    ("Grand Rapids MI", "49512"),
    ("Grand Prairie TX", "75050"),
    ("Kent WA", "98032"),
    ("Miami FL", "33166"),
)

# The 48 contiguous states and DC: one parcel network, no ocean freight.
_CONTIGUOUS_STATE_CODES = (
    "AL AZ AR CA CO CT DE DC FL GA ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM "
    "NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
)
CONTIGUOUS_STATES = frozenset(_CONTIGUOUS_STATE_CODES.split())

# Carrier distance bands, like UPS/FedEx zones; `None` = no limit.
ZONES: tuple[tuple[str, float | None], ...] = (
    ("1", 80.0),
    ("2", 240.0),
    ("3", 480.0),
    ("4", 960.0),
    ("5", 1450.0),
    ("6", 2250.0),
    ("7", 2900.0),
    ("8", None),
)
WEIGHT_BANDS_KG: tuple[int, ...] = (1, 2, 3, 5, 10, 20, 30, 50, 70)
TRANSIT_DAYS: dict[str, tuple[int, ...]] = {
    "ground": (1, 2, 3, 3, 4, 5, 5, 6),
    "express": (1, 1, 2, 2, 2, 2, 2, 2),
    "next_day": (1, 1, 1, 1, 1, 1, 1, 1),
}

SETTINGS: dict[str, Any] = {
    "split_penalty": 4.0,
    "late_penalty_per_day": 6.0,
    "unfilled_penalty_factor": 1.0,
    "min_shipment_value": 5.0,
    "courier_base": 7.0,
    "courier_per_km": 0.9,
    "default_promise_days": {"ground": 5, "express": 2, "next_day": 1, "same_day": 0, "pickup": 2},
}

NODE_COLUMNS: tuple[str, ...] = tuple(Node.model_fields)
"""nodes.csv columns in the spec's order (the model declares them in that order)."""

SERVICES: tuple[str, ...] = ("ground", "express", "next_day", "same_day", "pickup")
SERVICE_SHARES: tuple[float, ...] = (0.70, 0.12, 0.05, 0.05, 0.08)
GROUND, SAME_DAY, PICKUP = 0, 3, 4
CHANNELS: tuple[str, ...] = ("web", "app", "marketplace")
CHANNEL_SHARES: tuple[float, ...] = (0.70, 0.22, 0.08)
MARKETPLACE = 2
MARKETPLACE_GROUND_PROMISE_DAYS = 4  # marketplaces impose their own, shorter delivery SLA
MAX_LINES = 10
QTY_SHARES: tuple[float, ...] = (0.85, 0.11, 0.04)  # qty 1, 2, 3
BULKY_KG = 10.0  # nobody orders two sofas
KIT_SHARE = 0.03  # of multi-line orders
MAX_SHIPMENTS_SHARE = 0.02
# Orders per hour of the day (local e-commerce curve: quiet night, evening peak).
# fmt: off
HOURLY_ORDER_WEIGHTS: tuple[float, ...] = (
    0.9, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4.2, 4.6,
    5.0, 5.0, 4.8, 4.7, 4.8, 5.2, 5.8, 6.5, 7.0, 6.6, 5.0, 2.5,
)
# fmt: on

ZIPF_EXPONENT = 1.1
HEAD_FRACTION = 0.3  # the popular head, by popularity rank
METRO_CUSTOMER_SHARE = 0.85
CUSTOMER_METRO_RADIUS_KM = 50.0
STORE_METRO_RADIUS_KM = 40.0
DARK_STORE_METRO_RADIUS_KM = 15.0
PICKUP_REACH_KM = 60.0  # farther than this from every store, a customer does not pick up
STORE_SHELF_CAP = 8  # units of a SKU a store holds for ship-from-store, before safety stock
DARK_STORE_SHELF_CAP = 15

# Independent random streams, so that a change in one concern (e.g. `outage`, `tight`)
# leaves the draws of every other concern untouched.
STREAMS: tuple[str, ...] = (
    "network",
    "catalogue",
    "customers",
    "baskets",
    "capacity",
    "stock",
    "outage",
)


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate_dataset` wrote."""

    out_dir: Path
    warehouses: int
    stores: int
    dark_stores: int
    vendors: int
    skus: int
    orders: int
    order_lines: int
    demanded_units: int
    stock_units: int
    """Σ on_hand over inventory.csv."""
    available_units: int
    """Σ (on_hand − safety_stock): what a plan may allocate."""
    inactive_nodes: tuple[str, ...] = ()
    """Nodes switched off by `outage`, in nodes.csv order."""

    @property
    def nodes_by_kind(self) -> dict[str, int]:
        return {
            "warehouse": self.warehouses,
            "store": self.stores,
            "dark_store": self.dark_stores,
            "vendor": self.vendors,
        }


@dataclass(frozen=True)
class _ZipTable:
    """STANDARD, active ZIP codes of the contiguous US, sorted by code."""

    codes: list[str]
    lat: FloatArray
    lon: FloatArray


@dataclass
class _Node:
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


@dataclass(frozen=True)
class _Catalogue:
    sku_ids: list[str]
    weight_kg: FloatArray
    unit_value: FloatArray
    rank: IntArray
    """Popularity rank of each SKU, 0 = best seller (not the id order)."""
    popularity: FloatArray
    """Probability that an order line is this SKU."""


@dataclass
class _Orders:
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


@dataclass(frozen=True)
class _Stock:
    on_hand: IntArray  # [sku, node]
    safety_stock: IntArray  # [sku, node]


def generate_dataset(
    out_dir: Path,
    *,
    orders: int,
    stores: int,
    skus: int,
    seed: int,
    tight: bool = False,
    outage: bool = False,
) -> GenerationSummary:
    """Write a realistic dataset (the files of spec §1) into `out_dir` and summarise it."""
    if orders < 1 or stores < 1 or skus < 1:
        raise ValueError(f"orders, stores and skus must be >= 1 (got {orders}, {stores}, {skus})")
    streams = dict(zip(STREAMS, np.random.default_rng(seed).spawn(len(STREAMS)), strict=True))
    zip_table = _load_zip_table()
    metro_points = [_zip_point(code) for _, code, _ in METROS]

    nodes = _build_network(zip_table, metro_points, stores, skus, streams["network"])
    catalogue = _build_catalogue(skus, streams["catalogue"])
    day = _draw_orders(zip_table, metro_points, nodes, catalogue, orders, streams)
    demanded_units = int(day.line_qty.sum())

    _size_capacities(nodes, day, demanded_units, tight, streams["capacity"])
    stock = _stock_network(nodes, catalogue, demanded_units, tight, streams["stock"])
    inactive = _choose_outage(nodes, day, streams["outage"]) if outage else []
    for index in inactive:
        nodes[index].active = False
    day.pickup_node = _assign_pickup_nodes(nodes, day)

    out_dir.mkdir(parents=True, exist_ok=True)
    _write_nodes(out_dir / "nodes.csv", nodes)
    _write_skus(out_dir / "skus.csv", catalogue)
    _write_inventory(out_dir / "inventory.csv", nodes, catalogue, stock)
    _write_zones(out_dir / "zones.csv")
    _write_rates(out_dir / "rates.csv")
    _write_transit(out_dir / "transit.csv")
    _write_settings(out_dir / "settings.json")
    _write_orders(out_dir / "orders.jsonl", day, nodes, catalogue)

    kinds = [node.kind for node in nodes]
    return GenerationSummary(
        out_dir=out_dir,
        warehouses=kinds.count("warehouse"),
        stores=kinds.count("store"),
        dark_stores=kinds.count("dark_store"),
        vendors=kinds.count("vendor"),
        skus=skus,
        orders=orders,
        order_lines=len(day.line_sku),
        demanded_units=demanded_units,
        stock_units=int(stock.on_hand.sum()),
        available_units=int((stock.on_hand - stock.safety_stock).sum()),
        inactive_nodes=tuple(nodes[index].node_id for index in sorted(inactive)),
    )


# ---------------------------------------------------------------------------------------------
# Geography


def _load_zip_table() -> _ZipTable:
    rows = sorted(
        (z["zip_code"], float(z["lat"]), float(z["long"]))
        for z in zipcodes.list_all()
        if z["zip_code_type"] == "STANDARD" and z["active"] and z["state"] in CONTIGUOUS_STATES
    )
    return _ZipTable(
        codes=[code for code, _, _ in rows],
        lat=np.array([lat for _, lat, _ in rows]),
        lon=np.array([lon for _, _, lon in rows]),
    )


def _zip_point(code: str) -> tuple[float, float]:
    matches = zipcodes.matching(code)
    if not matches:
        raise LookupError(f"ZIP code {code} is not in the zipcodes package")
    return float(matches[0]["lat"]), float(matches[0]["long"])


def _zips_within(table: _ZipTable, point: tuple[float, float], radius_km: float) -> IntArray:
    distance = haversine_km(point[0], point[1], table.lat, table.lon)
    return np.flatnonzero(distance <= radius_km).astype(np.int64)


def _chunks(count: int, size: int = 4096) -> Iterator[slice]:
    for start in range(0, count, size):
        yield slice(start, min(start + size, count))


def _nearest(
    lat: FloatArray, lon: FloatArray, target_lat: FloatArray, target_lon: FloatArray
) -> tuple[IntArray, FloatArray]:
    """Index of and distance to the nearest target of each point (first one on ties)."""
    index = np.zeros(len(lat), dtype=np.int64)
    distance = np.full(len(lat), np.inf)
    if len(target_lat) == 0:
        return index, distance
    for part in _chunks(len(lat)):
        d = haversine_km(lat[part, None], lon[part, None], target_lat[None, :], target_lon[None, :])
        index[part] = d.argmin(axis=1)
        distance[part] = d[np.arange(d.shape[0]), index[part]]
    return index, distance


def _apportion(total: int, weights: FloatArray) -> IntArray:
    """Split `total` in proportion to `weights` by largest remainder (deterministic)."""
    quotas = total * weights / weights.sum()
    counts = np.floor(quotas).astype(np.int64)
    by_remainder = np.argsort(-(quotas - counts), kind="stable")
    counts[by_remainder[: total - int(counts.sum())]] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# The network


def _warehouse_count(stores: int) -> int:
    return 3 + int(stores >= 40) + int(stores >= 100) + int(stores >= 200)


def _dark_store_count(stores: int) -> int:
    return max(1, round(stores / 15))


def _vendor_count(skus: int) -> int:
    return min(8, 3 + skus // 1000)


def _build_network(
    table: _ZipTable,
    metro_points: list[tuple[float, float]],
    stores: int,
    skus: int,
    rng: np.random.Generator,
) -> list[_Node]:
    """Warehouses, stores, dark stores and vendors, in that order, with their fixed traits."""
    warehouses = _place_warehouses(_warehouse_count(stores), metro_points, rng)
    store_nodes = _place_stores(table, metro_points, stores, rng)
    taken = {node.zip_code for node in store_nodes}
    dark_stores = _place_dark_stores(table, metro_points, _dark_store_count(stores), taken, rng)
    vendors = _place_vendors(_vendor_count(skus), rng)
    return warehouses + store_nodes + dark_stores + vendors


def _place_warehouses(
    count: int, metro_points: list[tuple[float, float]], rng: np.random.Generator
) -> list[_Node]:
    """DCs at logistics hubs, the cheapest picks; each sized by the metros nearest to it."""
    nodes = []
    for number, (_, code) in enumerate(WAREHOUSE_HUBS[:count], start=1):
        lat, lon = _zip_point(code)
        nodes.append(
            _Node(
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
    nearest, _ = _nearest(
        metro_lat, metro_lon, np.array([n.lat for n in nodes]), np.array([n.lon for n in nodes])
    )
    population = np.array([weight for _, _, weight in METROS])
    catchment = np.bincount(nearest, weights=population, minlength=count)
    for node, served in zip(nodes, catchment, strict=True):
        node.size = float(served / population.sum()) + 0.05
    return nodes


def _place_stores(
    table: _ZipTable, metro_points: list[tuple[float, float]], count: int, rng: np.random.Generator
) -> list[_Node]:
    """Stores at distinct ZIP centroids near metro anchors, more stores in bigger metros."""
    per_metro = _apportion(count, np.array([weight for _, _, weight in METROS]))
    width = max(3, len(str(count)))
    nodes: list[_Node] = []
    taken: set[str] = set()  # neighbouring metros (Washington, Baltimore) overlap
    for point, how_many in zip(metro_points, per_metro, strict=True):
        if how_many == 0:
            continue
        nearby = _zips_within(table, point, STORE_METRO_RADIUS_KM)
        free = np.array([i for i in nearby if table.codes[i] not in taken], dtype=np.int64)
        candidates = free if len(free) >= how_many else nearby
        chosen = rng.choice(candidates, size=how_many, replace=how_many > len(candidates))
        for zip_index in chosen:
            taken.add(table.codes[zip_index])
            number = len(nodes) + 1
            nodes.append(
                _Node(
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


def _give_store_traits(nodes: list[_Node], rng: np.random.Generator) -> None:
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
    table: _ZipTable,
    metro_points: list[tuple[float, float]],
    count: int,
    taken: set[str],
    rng: np.random.Generator,
) -> list[_Node]:
    """Micro-fulfilment sites in the urban cores of the biggest metros (one per metro first)."""
    by_size = np.argsort([-weight for _, _, weight in METROS], kind="stable")
    width = max(2, len(str(count)))
    nodes = []
    for number in range(1, count + 1):
        point = metro_points[by_size[(number - 1) % len(by_size)]]
        candidates = [
            i
            for i in _zips_within(table, point, DARK_STORE_METRO_RADIUS_KM)
            if table.codes[i] not in taken
        ] or list(_zips_within(table, point, DARK_STORE_METRO_RADIUS_KM))
        zip_index = int(candidates[int(rng.integers(len(candidates)))])
        taken.add(table.codes[zip_index])
        nodes.append(
            _Node(
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


def _place_vendors(count: int, rng: np.random.Generator) -> list[_Node]:
    """Dropship vendors: slow, charge a fee per shipment, some sell only through the web shop."""
    sites = rng.choice(len(VENDOR_SITES), size=count, replace=False)
    web_only = set(rng.choice(count, size=max(1, round(0.3 * count)), replace=False).tolist())
    nodes = []
    for number, site in enumerate(sites, start=1):
        code = VENDOR_SITES[int(site)][1]
        lat, lon = _zip_point(code)
        nodes.append(
            _Node(
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


def _indices_of(nodes: list[_Node], kind: str) -> IntArray:
    return np.array([i for i, node in enumerate(nodes) if node.kind == kind], dtype=np.int64)


def _coordinates(nodes: list[_Node], indices: IntArray) -> tuple[FloatArray, FloatArray]:
    return (
        np.array([nodes[i].lat for i in indices], dtype=np.float64),
        np.array([nodes[i].lon for i in indices], dtype=np.float64),
    )


# ---------------------------------------------------------------------------------------------
# The catalogue


def _build_catalogue(count: int, rng: np.random.Generator) -> _Catalogue:
    """SKUs with log-normal weights (a bulky minority) and values; Zipf popularity."""
    bulky = rng.random(count) < 0.07
    weight = np.where(
        bulky, rng.lognormal(math.log(15.0), 0.35, count), rng.lognormal(0.0, 0.9, count)
    )
    weight = np.round(np.clip(weight, 0.05, 68.0), 2)
    # Heavier goods tend to cost more; the log-normal spread dominates.
    log_value = math.log(30.0) + rng.normal(0.0, 0.8, count) + 0.25 * np.log(weight)
    value = np.round(np.clip(np.exp(log_value), 1.99, 2500.0), 2)
    rank = rng.permutation(count).astype(np.int64)
    popularity = (rank + 1.0) ** -ZIPF_EXPONENT
    width = max(5, len(str(count)))
    return _Catalogue(
        sku_ids=[f"SKU-{i:0{width}d}" for i in range(1, count + 1)],
        weight_kg=weight,
        unit_value=value,
        rank=rank,
        popularity=popularity / popularity.sum(),
    )


# ---------------------------------------------------------------------------------------------
# The orders


def _draw_orders(
    table: _ZipTable,
    metro_points: list[tuple[float, float]],
    nodes: list[_Node],
    catalogue: _Catalogue,
    count: int,
    streams: dict[str, np.random.Generator],
) -> _Orders:
    rng = streams["customers"]
    lat, lon = _draw_customers(table, metro_points, count, rng)
    created = _draw_times(count, rng)
    channel = rng.choice(len(CHANNELS), size=count, p=CHANNEL_SHARES).astype(np.int64)
    service = _draw_services(nodes, lat, lon, channel, rng)
    promise = np.where(
        (channel == MARKETPLACE) & (service == GROUND), MARKETPLACE_GROUND_PROMISE_DAYS, -1
    ).astype(np.int64)
    capped = rng.random(count) < MAX_SHIPMENTS_SHARE
    max_shipments = np.where(capped, rng.integers(1, 3, count), 0).astype(np.int64)
    line_start, line_sku, line_qty, kit_size = _draw_baskets(catalogue, count, streams["baskets"])
    return _Orders(
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
    table: _ZipTable, metro_points: list[tuple[float, float]], count: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Customers at ZIP centroids: most in metros (by population), the rest anywhere."""
    weights = np.array([weight for _, _, weight in METROS])
    in_metro = rng.random(count) < METRO_CUSTOMER_SHARE
    metro = rng.choice(len(METROS), size=count, p=weights / weights.sum())
    pick = rng.random(count)
    zip_index = (pick * len(table.codes)).astype(np.int64)  # anywhere
    for m, point in enumerate(metro_points):
        mask = in_metro & (metro == m)
        candidates = _zips_within(table, point, CUSTOMER_METRO_RADIUS_KM)
        zip_index[mask] = candidates[(pick[mask] * len(candidates)).astype(np.int64)]
    return table.lat[zip_index], table.lon[zip_index]


def _draw_times(count: int, rng: np.random.Generator) -> IntArray:
    """Seconds since midnight of the order day, following the daily curve, ascending."""
    hourly = np.array(HOURLY_ORDER_WEIGHTS)
    hour = rng.choice(24, size=count, p=hourly / hourly.sum())
    return np.sort(hour * 3600 + rng.integers(0, 3600, count)).astype(np.int64)


def _draw_services(
    nodes: list[_Node],
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
    service[(service == PICKUP) & (channel == MARKETPLACE)] = GROUND
    same_day_nodes = np.array([i for i, n in enumerate(nodes) if n.same_day], dtype=np.int64)
    radius = np.array([nodes[i].same_day_radius_km for i in same_day_nodes])
    node_lat, node_lon = _coordinates(nodes, same_day_nodes)
    wants_same_day = np.flatnonzero(service == SAME_DAY)
    reachable = np.zeros(len(wants_same_day), dtype=bool)
    for part in _chunks(len(wants_same_day)):
        who = wants_same_day[part]
        d = haversine_km(lat[who, None], lon[who, None], node_lat[None, :], node_lon[None, :])
        reachable[part] = (d <= radius[None, :]).any(axis=1)
    service[wants_same_day[~reachable]] = GROUND

    pickup_nodes = np.array([i for i, n in enumerate(nodes) if n.pickup], dtype=np.int64)
    wants_pickup = np.flatnonzero(service == PICKUP)
    _, distance = _nearest(lat[wants_pickup], lon[wants_pickup], *_coordinates(nodes, pickup_nodes))
    service[wants_pickup[distance > PICKUP_REACH_KM]] = GROUND
    return service


def _draw_baskets(
    catalogue: _Catalogue, count: int, rng: np.random.Generator
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


# ---------------------------------------------------------------------------------------------
# Capacity, stock and outages


def _size_capacities(
    nodes: list[_Node], day: _Orders, demanded_units: int, tight: bool, rng: np.random.Generator
) -> None:
    """Daily capacities. Tight: about one day of orders in total, so nodes compete for work.

    Store figures scale with orders per store, so a small dataset is as tight as a big one.
    """
    orders = day.count
    units_per_order = demanded_units / orders
    warehouses = _indices_of(nodes, "warehouse")
    stores = _indices_of(nodes, "store")
    dark_stores = _indices_of(nodes, "dark_store")
    for i in warehouses:
        share = rng.uniform(0.85, 1.15)
        if tight:
            max_orders = max(5, math.ceil(0.85 * orders / len(warehouses) * share))
            nodes[i].max_orders_per_day = max_orders
            nodes[i].max_units_per_day = math.ceil(
                max_orders * units_per_order * rng.uniform(1.0, 1.2)
            )
    orders_per_store = orders / len(stores)
    for i in stores:
        if tight:
            max_orders = max(3, round(orders_per_store * rng.uniform(0.04, 0.16)))
        else:
            max_orders = max(20, round(orders_per_store * rng.uniform(0.5, 1.2)))
        nodes[i].max_orders_per_day = max_orders
        nodes[i].max_units_per_day = math.ceil(max_orders * rng.uniform(1.8, 2.4))
        if nodes[i].same_day:
            nodes[i].same_day_capacity = (
                max(1, round(0.3 * max_orders)) if tight else max(1, max_orders // 2)
            )
    for i in dark_stores:
        if tight:
            max_orders = max(5, round(0.05 * orders / len(dark_stores) * rng.uniform(0.8, 1.2)))
            same_day_capacity = max(3, round(0.7 * max_orders))
        else:
            max_orders = max(50, round(0.15 * orders / len(dark_stores)))
            same_day_capacity = max_orders
        nodes[i].max_orders_per_day = max_orders
        nodes[i].max_units_per_day = math.ceil(max_orders * 2.2)
        nodes[i].same_day_capacity = same_day_capacity


def _stock_targets(
    catalogue: _Catalogue, demanded_units: int, tight: bool, rng: np.random.Generator
) -> IntArray:
    """Units of each SKU in the whole network, from forecast (popularity) demand.

    Tight: the total is 0.9–1.1 × the day's demand and the popular head is covered below its
    forecast; loose: 3–5 × demand.
    """
    forecast = catalogue.popularity * demanded_units
    head = catalogue.rank < HEAD_FRACTION * len(catalogue.rank)
    ratio = rng.uniform(0.9, 1.1) if tight else rng.uniform(3.0, 5.0)
    head_cover = rng.uniform(0.75, 0.85) if tight else ratio * rng.uniform(0.85, 0.95)
    tail_forecast = forecast[~head].sum()
    tail_cover = (
        (ratio * demanded_units - head_cover * forecast[head].sum()) / tail_forecast
        if tail_forecast > 0
        else ratio
    )
    cover = np.where(head, head_cover, max(tail_cover, head_cover))
    targets = _round_preserving_total(forecast * cover, rng)
    return targets if tight else np.maximum(targets, 2)


def _round_preserving_total(values: FloatArray, rng: np.random.Generator) -> IntArray:
    """Round down, then round up a random few (likelier for larger fractions) to keep the sum."""
    floor = np.floor(values)
    fraction = values - floor
    missing = round(float(values.sum() - floor.sum()))
    rounded = floor.astype(np.int64)
    if missing > 0:
        up = rng.choice(len(values), size=missing, replace=False, p=fraction / fraction.sum())
        rounded[up] += 1
    return rounded


def _stock_network(
    nodes: list[_Node],
    catalogue: _Catalogue,
    demanded_units: int,
    tight: bool,
    rng: np.random.Generator,
) -> _Stock:
    """Spread each SKU's units over the nodes that carry it.

    DCs carry nearly everything; stores and dark stores the popular head, a few units each;
    vendors mostly the long tail. Units a store cannot shelve go back to the SKU's main DC.
    """
    sku_count, node_count = len(catalogue.sku_ids), len(nodes)
    targets = _stock_targets(catalogue, demanded_units, tight, rng)
    head = catalogue.rank < HEAD_FRACTION * sku_count
    kinds = np.array([node.kind for node in nodes])
    size = np.array([node.size for node in nodes])
    depth = np.array([node.assortment_depth for node in nodes])
    warehouses, vendors = np.flatnonzero(kinds == "warehouse"), np.flatnonzero(kinds == "vendor")
    shelves = np.flatnonzero((kinds == "store") | (kinds == "dark_store"))

    carries = np.zeros((sku_count, node_count), dtype=bool)
    carries[:, warehouses] = (
        rng.random((sku_count, len(warehouses))) < np.where(head, 0.97, 0.75)[:, None]
    )
    vendor_of = np.where(
        rng.random(sku_count) < np.where(head, 0.05, 0.45),
        vendors[rng.integers(0, len(vendors), sku_count)],
        -1,
    )
    has_vendor = vendor_of >= 0
    carries[np.flatnonzero(has_vendor), vendor_of[has_vendor]] = True
    biggest_dc = warehouses[np.argmax(size[warehouses])]
    orphan = ~carries[:, warehouses].any(axis=1) & ~has_vendor
    carries[orphan, biggest_dc] = True
    carries[:, shelves] = catalogue.rank[:, None] < depth[None, shelves] * sku_count

    kind_weight = {"warehouse": 0.55, "store": 0.30, "dark_store": 0.05}
    weight = np.zeros((sku_count, node_count))
    for kind, share in kind_weight.items():
        columns = np.flatnonzero(kinds == kind)
        weight[:, columns] = share * size[columns] / size[columns].sum()
    weight[:, vendors] = np.where(head, 0.2, 0.6)[:, None]
    weight = np.where(carries, weight, 0.0)
    stocked = targets > 0
    on_hand = np.zeros((sku_count, node_count), dtype=np.int64)
    on_hand[stocked] = rng.multinomial(
        targets[stocked], weight[stocked] / weight[stocked].sum(axis=1, keepdims=True)
    )

    shelf_cap = np.where(kinds == "dark_store", DARK_STORE_SHELF_CAP, STORE_SHELF_CAP)[shelves]
    overflow = np.maximum(on_hand[:, shelves] - shelf_cap[None, :], 0)
    on_hand[:, shelves] -= overflow
    home = _home_node(carries, size, warehouses, vendor_of)
    np.add.at(on_hand, (np.arange(sku_count), home), overflow.sum(axis=1))

    safety_stock = np.zeros_like(on_hand)
    stores = np.flatnonzero(kinds == "store")
    displayed = on_hand[:, stores] > 0
    safety = rng.choice(3, size=displayed.shape, p=(0.5, 0.3, 0.2))
    safety_stock[:, stores] = np.where(displayed, safety, 0)
    return _Stock(on_hand=on_hand + safety_stock, safety_stock=safety_stock)


def _home_node(
    carries: BoolArray, size: FloatArray, warehouses: IntArray, vendor_of: IntArray
) -> IntArray:
    """Per SKU, the biggest DC that carries it, else its vendor."""
    dc_size = np.where(carries[:, warehouses], size[warehouses][None, :], -1.0)
    best_dc = warehouses[dc_size.argmax(axis=1)]
    return np.where(dc_size.max(axis=1) > 0, best_dc, vendor_of).astype(np.int64)


def _choose_outage(nodes: list[_Node], day: _Orders, rng: np.random.Generator) -> list[int]:
    """The warehouse nearest to the most customers, and about 5% of stores (at least one)."""
    warehouses = _indices_of(nodes, "warehouse")
    nearest, _ = _nearest(day.customer_lat, day.customer_lon, *_coordinates(nodes, warehouses))
    busiest = int(warehouses[np.bincount(nearest, minlength=len(warehouses)).argmax()])
    stores = _indices_of(nodes, "store")
    closed = rng.choice(stores, size=max(1, round(0.05 * len(stores))), replace=False)
    return sorted([busiest, *(int(i) for i in closed)])


def _assign_pickup_nodes(nodes: list[_Node], day: _Orders) -> IntArray:
    """Each pickup order collects at the nearest active store that offers pickup."""
    pickup_node = np.full(day.count, -1, dtype=np.int64)
    open_stores = np.array(
        [i for i, n in enumerate(nodes) if n.kind == "store" and n.pickup and n.active],
        dtype=np.int64,
    )
    wants_pickup = np.flatnonzero(day.service == PICKUP)
    nearest, _ = _nearest(
        day.customer_lat[wants_pickup],
        day.customer_lon[wants_pickup],
        *_coordinates(nodes, open_stores),
    )
    pickup_node[wants_pickup] = open_stores[nearest]
    return pickup_node


# ---------------------------------------------------------------------------------------------
# Writing the files


def _csv_writer(handle: Any) -> Any:
    return csv.writer(handle, lineterminator="\n")


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _limit(value: int | None) -> str:
    return "" if value is None else str(value)


def _write_nodes(path: Path, nodes: list[_Node]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(NODE_COLUMNS)
        for n in nodes:
            writer.writerow(
                [
                    n.node_id,
                    n.kind,
                    f"{n.lat:.4f}",
                    f"{n.lon:.4f}",
                    _flag(n.ships),
                    _flag(n.pickup),
                    _flag(n.same_day),
                    f"{n.same_day_radius_km:.1f}",
                    n.processing_days,
                    f"{n.handling_per_order:.2f}",
                    f"{n.handling_per_unit:.2f}",
                    f"{n.dropship_fee:.2f}",
                    _limit(n.max_orders_per_day),
                    _limit(n.max_units_per_day),
                    _limit(n.same_day_capacity),
                    _flag(n.active),
                    n.channels,
                ]
            )


def _write_skus(path: Path, catalogue: _Catalogue) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["sku", "weight_kg", "unit_value"])
        for sku, weight, value in zip(
            catalogue.sku_ids, catalogue.weight_kg, catalogue.unit_value, strict=True
        ):
            writer.writerow([sku, f"{weight:.2f}", f"{value:.2f}"])


def _write_inventory(path: Path, nodes: list[_Node], catalogue: _Catalogue, stock: _Stock) -> None:
    """Rows with stock only, by node (file order) then SKU."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["node_id", "sku", "on_hand", "safety_stock"])
        for column, node in enumerate(nodes):
            for sku in np.flatnonzero(stock.on_hand[:, column]):
                writer.writerow(
                    [
                        node.node_id,
                        catalogue.sku_ids[sku],
                        int(stock.on_hand[sku, column]),
                        int(stock.safety_stock[sku, column]),
                    ]
                )


def _write_zones(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["zone", "max_km"])
        for zone, max_km in ZONES:
            writer.writerow([zone, "" if max_km is None else f"{max_km:.0f}"])


def _parcel_rate(service: str, zone_number: int, max_kg: int) -> float:
    """A monotone rate card: dearer with distance, weight and speed (ground 1 kg ≈ 8.50–14.10)."""
    ground = 8.5 + 0.8 * (zone_number - 1) + (0.45 + 0.2 * (zone_number - 1)) * (max_kg - 1)
    step = (zone_number - 1) / (len(ZONES) - 1)
    multiplier = {"ground": 1.0, "express": 2.0 + 0.5 * step, "next_day": 3.0 + 1.0 * step}
    return round(ground * multiplier[service], 2)


def _write_rates(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["service", "zone", "max_kg", "cost"])
        for service in TRANSIT_DAYS:
            for zone_number, (zone, _) in enumerate(ZONES, start=1):
                for max_kg in WEIGHT_BANDS_KG:
                    rate = _parcel_rate(service, zone_number, max_kg)
                    writer.writerow([service, zone, max_kg, f"{rate:.2f}"])


def _write_transit(path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = _csv_writer(handle)
        writer.writerow(["service", "zone", "days"])
        for service, days_by_zone in TRANSIT_DAYS.items():
            for (zone, _), days in zip(ZONES, days_by_zone, strict=True):
                writer.writerow([service, zone, days])


def _write_settings(path: Path) -> None:
    path.write_text(json.dumps(SETTINGS, indent=2) + "\n", encoding="utf-8")


def _timestamp(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{ORDER_DAY}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def _write_orders(path: Path, day: _Orders, nodes: list[_Node], catalogue: _Catalogue) -> None:
    """One JSON object a line (spec §2), streamed; absent optional fields are `null`."""
    width = max(6, len(str(day.count)))
    with path.open("w", encoding="utf-8") as handle:
        for i in range(day.count):
            start, end = int(day.line_start[i]), int(day.line_start[i + 1])
            kit_size = int(day.kit_size[i])
            lines = [
                {
                    "line_id": str(number),
                    "sku": catalogue.sku_ids[day.line_sku[start + number - 1]],
                    "qty": int(day.line_qty[start + number - 1]),
                    "group": "kit-1" if number <= kit_size else None,
                }
                for number in range(1, end - start + 1)
            ]
            pickup = int(day.pickup_node[i])
            order = {
                "order_id": f"o-{i + 1:0{width}d}",
                "created_at": _timestamp(int(day.created_seconds[i])),
                "channel": CHANNELS[day.channel[i]],
                "customer": {"lat": float(day.customer_lat[i]), "lon": float(day.customer_lon[i])},
                "service": SERVICES[day.service[i]],
                "pickup_node": nodes[pickup].node_id if pickup >= 0 else None,
                "promise_days": int(day.promise_days[i]) if day.promise_days[i] >= 0 else None,
                "max_shipments": int(day.max_shipments[i]) if day.max_shipments[i] > 0 else None,
                "lines": lines,
            }
            handle.write(json.dumps(order) + "\n")
