"""`generate_dataset`: draw a network and a day of orders, size stock and capacity, write the
files. Each concern draws from its own random stream (see `STREAMS`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solver.generate.catalogue import build_catalogue
from solver.generate.demand import assign_pickup_nodes, draw_orders
from solver.generate.locations import METROS, load_zip_table, zip_point
from solver.generate.outage import choose_outage
from solver.generate.placement import place_nodes
from solver.generate.sizing import size_capacities, stock_network
from solver.generate.writers import write_dataset_files

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
    zip_table = load_zip_table()
    metro_points = [zip_point(code) for _, code, _ in METROS]

    nodes = place_nodes(zip_table, metro_points, stores, skus, streams["network"])
    catalogue = build_catalogue(skus, streams["catalogue"])
    day = draw_orders(zip_table, metro_points, nodes, catalogue, orders, streams)
    demanded_units = int(day.line_qty.sum())

    size_capacities(nodes, day, demanded_units, tight, streams["capacity"])
    stock = stock_network(nodes, catalogue, demanded_units, tight, streams["stock"])
    inactive = choose_outage(nodes, day, streams["outage"]) if outage else []
    for index in inactive:
        nodes[index].active = False
    day.pickup_node = assign_pickup_nodes(nodes, day)

    out_dir.mkdir(parents=True, exist_ok=True)
    write_dataset_files(out_dir, nodes, catalogue, stock, day)

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
