"""The realistic dataset generator writes the files of spec §1, reproducibly and plausibly."""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from pathlib import Path

import pytest

from solver.generate import GenerationSummary, generate_dataset

SIZES = {"orders": 300, "stores": 30, "skus": 200}
FILES = (
    "nodes.csv",
    "skus.csv",
    "inventory.csv",
    "zones.csv",
    "rates.csv",
    "transit.csv",
    "settings.json",
    "orders.jsonl",
)
COLUMNS = {
    "nodes.csv": [
        "node_id",
        "kind",
        "lat",
        "lon",
        "ships",
        "pickup",
        "same_day",
        "same_day_radius_km",
        "processing_days",
        "handling_per_order",
        "handling_per_unit",
        "dropship_fee",
        "max_orders_per_day",
        "max_units_per_day",
        "same_day_capacity",
        "active",
        "channels",
    ],
    "skus.csv": ["sku", "weight_kg", "unit_value"],
    "inventory.csv": ["node_id", "sku", "on_hand", "safety_stock"],
    "zones.csv": ["zone", "max_km"],
    "rates.csv": ["service", "zone", "max_kg", "cost"],
    "transit.csv": ["service", "zone", "days"],
}
ORDER_KEYS = [
    "order_id",
    "created_at",
    "channel",
    "customer",
    "service",
    "pickup_node",
    "promise_days",
    "max_shipments",
    "lines",
]
SETTINGS_KEYS = {
    "split_penalty",
    "late_penalty_per_day",
    "unfilled_penalty_factor",
    "min_shipment_value",
    "courier_base",
    "courier_per_km",
    "move_penalty_per_order",
    "move_penalty_per_unit",
    "default_promise_days",
}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_orders(folder: Path) -> list[dict]:
    with (folder / "orders.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def available_units(folder: Path) -> int:
    return sum(
        int(r["on_hand"]) - int(r["safety_stock"]) for r in read_csv(folder, "inventory.csv")
    )


def demanded_units(folder: Path) -> int:
    return sum(line["qty"] for order in read_orders(folder) for line in order["lines"])


def generate(folder: Path, seed: int = 7, **flags: bool) -> GenerationSummary:
    return generate_dataset(folder, seed=seed, **SIZES, **flags)


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tight")
    generate(folder, tight=True)
    return folder


@pytest.fixture(scope="module")
def tight_outage(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerationSummary]:
    folder = tmp_path_factory.mktemp("tight_outage")
    return folder, generate(folder, tight=True, outage=True)


def test_same_seed_writes_byte_identical_files(tight: Path, tmp_path: Path) -> None:
    generate(tmp_path, tight=True)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (tight / name).read_bytes(), name


def test_different_seeds_give_different_data(tight: Path, tmp_path: Path) -> None:
    generate(tmp_path, seed=8, tight=True)
    for name in ("nodes.csv", "skus.csv", "inventory.csv", "orders.jsonl"):
        assert (tmp_path / name).read_bytes() != (tight / name).read_bytes(), name


def test_every_file_has_the_spec_columns(tight: Path) -> None:
    assert sorted(p.name for p in tight.iterdir()) == sorted(FILES)
    for name, columns in COLUMNS.items():
        with (tight / name).open(encoding="utf-8") as handle:
            assert handle.readline().rstrip("\n").split(",") == columns, name
    settings = json.loads((tight / "settings.json").read_text())
    assert set(settings) == SETTINGS_KEYS
    assert set(settings["default_promise_days"]) == {
        "ground",
        "express",
        "next_day",
        "same_day",
        "pickup",
    }
    for order in read_orders(tight):
        assert list(order) == ORDER_KEYS
        assert list(order["customer"]) == ["lat", "lon"]
        for line in order["lines"]:
            assert list(line) == ["line_id", "sku", "qty", "group"]


def test_ids_are_unique(tight: Path) -> None:
    for name, key in (("nodes.csv", "node_id"), ("skus.csv", "sku")):
        ids = [row[key] for row in read_csv(tight, name)]
        assert len(ids) == len(set(ids)), name
    stock_keys = [(r["node_id"], r["sku"]) for r in read_csv(tight, "inventory.csv")]
    assert len(stock_keys) == len(set(stock_keys))
    orders = read_orders(tight)
    assert len({o["order_id"] for o in orders}) == len(orders) == SIZES["orders"]
    for order in orders:
        line_ids = [line["line_id"] for line in order["lines"]]
        skus = [line["sku"] for line in order["lines"]]
        assert len(set(line_ids)) == len(line_ids)
        assert len(set(skus)) == len(skus), "no SKU twice in one order"


def test_network_has_every_kind_of_node(tight: Path) -> None:
    nodes = read_csv(tight, "nodes.csv")
    kinds = Counter(n["kind"] for n in nodes)
    assert kinds["store"] == SIZES["stores"]
    assert 3 <= kinds["warehouse"] <= 6
    assert 3 <= kinds["vendor"] <= 8
    assert kinds["dark_store"] >= 1
    for node in nodes:
        if node["kind"] == "vendor":
            assert float(node["dropship_fee"]) > 0
            assert node["pickup"] == node["same_day"] == "false"
        if node["kind"] == "dark_store":
            assert node["same_day"] == "true" and node["same_day_capacity"]


def test_inventory_and_orders_name_known_nodes_and_skus(tight: Path) -> None:
    node_ids = {n["node_id"] for n in read_csv(tight, "nodes.csv")}
    skus = {s["sku"] for s in read_csv(tight, "skus.csv")}
    for row in read_csv(tight, "inventory.csv"):
        assert row["node_id"] in node_ids and row["sku"] in skus
        assert int(row["on_hand"]) > 0
        assert 0 <= int(row["safety_stock"]) <= int(row["on_hand"])
    for order in read_orders(tight):
        for line in order["lines"]:
            assert line["sku"] in skus
            assert line["qty"] >= 1


def test_pickup_orders_collect_at_the_nearest_open_pickup_store(tight_outage) -> None:
    folder, _ = tight_outage
    nodes = {n["node_id"]: n for n in read_csv(folder, "nodes.csv")}
    open_pickup_stores = [
        n
        for n in nodes.values()
        if n["kind"] == "store" and n["pickup"] == "true" and n["active"] == "true"
    ]
    pickup_orders = [o for o in read_orders(folder) if o["service"] == "pickup"]
    assert pickup_orders
    for order in pickup_orders:
        store = nodes[order["pickup_node"]]
        assert store["kind"] == "store" and store["pickup"] == "true"
        assert store["active"] == "true"
        lat, lon = order["customer"]["lat"], order["customer"]["lon"]
        chosen = haversine_km(lat, lon, float(store["lat"]), float(store["lon"]))
        nearest = min(
            haversine_km(lat, lon, float(s["lat"]), float(s["lon"])) for s in open_pickup_stores
        )
        assert chosen <= nearest + 1e-6


def test_only_pickup_orders_name_a_pickup_node(tight: Path) -> None:
    for order in read_orders(tight):
        assert (order["pickup_node"] is not None) == (order["service"] == "pickup")


def demand_within_stock(folder: Path) -> float:
    """Share of the day's ordered units that the network's available stock of their SKU
    covers (Σ_sku min(demand, stock) / Σ demand): the fill stock alone allows."""
    stock: Counter[str] = Counter()
    for row in read_csv(folder, "inventory.csv"):
        stock[row["sku"]] += int(row["on_hand"]) - int(row["safety_stock"])
    demand: Counter[str] = Counter()
    for order in read_orders(folder):
        for line in order["lines"]:
            demand[line["sku"]] += line["qty"]
    return sum(min(units, stock[sku]) for sku, units in demand.items()) / sum(demand.values())


def test_loose_stock_covers_the_day_as_retailers_run_it_and_tight_stock_runs_short(
    tight: Path, tmp_path: Path
) -> None:
    """Base stock per SKU for a 97 % service level (loose) or 70 % / 90 % (tight head / tail):
    docs/calibration.md."""
    generate(tmp_path, tight=False)
    loose = demand_within_stock(tmp_path)
    assert loose >= 0.96
    assert 0.88 <= demand_within_stock(tight) < loose


def test_tight_and_loose_share_network_and_orders(tight: Path, tmp_path: Path) -> None:
    generate(tmp_path, tight=False)
    assert (tmp_path / "orders.jsonl").read_bytes() == (tight / "orders.jsonl").read_bytes()
    assert (tmp_path / "skus.csv").read_bytes() == (tight / "skus.csv").read_bytes()
    locations = [
        {n["node_id"]: (n["lat"], n["lon"]) for n in read_csv(f, "nodes.csv")}
        for f in (tmp_path, tight)
    ]
    assert locations[0] == locations[1]


def test_outage_switches_off_the_busiest_warehouse_and_a_few_stores(tight: Path, tight_outage):
    folder, summary = tight_outage
    before = read_csv(tight, "nodes.csv")
    after = read_csv(folder, "nodes.csv")
    assert all(n["active"] == "true" for n in before)
    inactive = [n for n in after if n["active"] == "false"]
    assert tuple(n["node_id"] for n in inactive) == summary.inactive_nodes
    assert Counter(n["kind"] for n in inactive) == {
        "warehouse": 1,
        "store": max(1, round(0.05 * SIZES["stores"])),
    }

    warehouses = [n for n in before if n["kind"] == "warehouse"]
    nearest_counts: Counter[str] = Counter()
    for order in read_orders(tight):
        lat, lon = order["customer"]["lat"], order["customer"]["lon"]
        nearest = min(
            warehouses, key=lambda w: haversine_km(lat, lon, float(w["lat"]), float(w["lon"]))
        )
        nearest_counts[nearest["node_id"]] += 1
    busiest = nearest_counts.most_common(1)[0][0]
    assert [n["node_id"] for n in inactive if n["kind"] == "warehouse"] == [busiest]

    # Nothing else changes: same nodes (but `active`), stock, tables and customers.
    for b, a in zip(before, after, strict=True):
        assert {**b, "active": ""} == {**a, "active": ""}
    for name in FILES[1:7]:
        assert (tight / name).read_bytes() == (folder / name).read_bytes(), name
    for b, a in zip(read_orders(tight), read_orders(folder), strict=True):
        assert {**b, "pickup_node": None} == {**a, "pickup_node": None}


def test_zones_ascend_and_the_last_is_open(tight: Path) -> None:
    zones = read_csv(tight, "zones.csv")
    limits = [float(z["max_km"]) for z in zones[:-1]]
    assert limits == sorted(limits) and len(set(limits)) == len(limits)
    assert zones[-1]["max_km"] == ""


def test_rates_rise_with_zone_weight_and_speed(tight: Path) -> None:
    cost = {
        (r["service"], r["zone"], float(r["max_kg"])): float(r["cost"])
        for r in read_csv(tight, "rates.csv")
    }
    zones = [z["zone"] for z in read_csv(tight, "zones.csv")]
    bands = sorted({kg for _, _, kg in cost})
    services = ("ground", "express", "next_day")
    for service in services:
        for zone in zones:
            by_weight = [cost[service, zone, kg] for kg in bands]
            assert by_weight == sorted(by_weight)
        for kg in bands:
            by_zone = [cost[service, zone, kg] for zone in zones]
            assert by_zone == sorted(by_zone)
    for zone in zones:
        for kg in bands:
            by_speed = [cost[s, zone, kg] for s in services]
            assert by_speed == sorted(by_speed)
    transit = {(r["service"], r["zone"]) for r in read_csv(tight, "transit.csv")}
    assert transit == {(s, z) for s in services for z in zones}


def test_orders_follow_the_day_in_order(tight: Path) -> None:
    stamps = [o["created_at"] for o in read_orders(tight)]
    assert stamps == sorted(stamps)
    assert all(s.startswith("2026-11-20T") and s.endswith("Z") for s in stamps)


def test_kit_lines_share_a_group(tmp_path: Path) -> None:
    generate_dataset(tmp_path, orders=3000, stores=30, skus=200, seed=3)
    kits = [o for o in read_orders(tmp_path) if any(line["group"] for line in o["lines"])]
    assert kits
    for order in kits:
        groups = Counter(line["group"] for line in order["lines"] if line["group"])
        assert all(count >= 2 for count in groups.values())
