"""How much each node can ship in a day and how much stock it holds: sized from the day's
demand, close to it when `tight` (orders compete), with room to spare when loose."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from solver.generate.arrays import BoolArray, FloatArray, IntArray
from solver.generate.calibration import (
    DARK_STORE_SHELF_CAP,
    DARK_STORE_UNITS_PER_ORDER,
    DC_CARRIES,
    DC_SIZE_SPREAD,
    HEAD_FRACTION,
    LOOSE_DARK_STORE_MIN_ORDERS,
    LOOSE_DARK_STORE_ORDERS_SHARE,
    LOOSE_SERVICE_LEVEL,
    LOOSE_STORE_MIN_ORDERS,
    LOOSE_STORE_ORDERS,
    QTY_SHARES,
    SAFETY_STOCK_SHARES,
    STOCK_SHARE_BY_KIND,
    STORE_SHELF_CAP,
    STORE_UNITS_PER_ORDER,
    TIGHT_DARK_STORE_MIN_ORDERS,
    TIGHT_DARK_STORE_MIN_SAME_DAY,
    TIGHT_DARK_STORE_ORDERS_SHARE,
    TIGHT_DARK_STORE_SAME_DAY_SHARE,
    TIGHT_DARK_STORE_SPREAD,
    TIGHT_DC_MIN_ORDERS,
    TIGHT_DC_ORDERS_SHARE,
    TIGHT_DC_UNITS_ALLOWANCE,
    TIGHT_HEAD_SERVICE_LEVEL,
    TIGHT_STORE_MIN_ORDERS,
    TIGHT_STORE_ORDERS,
    TIGHT_STORE_SAME_DAY_SHARE,
    TIGHT_TAIL_SERVICE_LEVEL,
    VENDOR_CARRIES,
    VENDOR_STOCK_WEIGHT,
)
from solver.generate.catalogue import Catalogue
from solver.generate.demand import OrderDay
from solver.generate.placement import NodeDraft, indices_of


@dataclass(frozen=True)
class Stock:
    """Units per SKU and node, as inventory.csv will hold them."""

    on_hand: IntArray  # [sku, node]
    safety_stock: IntArray  # [sku, node]


def size_capacities(
    nodes: list[NodeDraft],
    day: OrderDay,
    demanded_units: int,
    tight: bool,
    rng: np.random.Generator,
) -> None:
    """Daily capacities. Tight: about one day of orders in total, so nodes compete for work.

    Store figures scale with orders per store, so a small dataset is as tight as a big one.
    """
    orders = day.count
    units_per_order = demanded_units / orders
    warehouses = indices_of(nodes, "warehouse")
    stores = indices_of(nodes, "store")
    dark_stores = indices_of(nodes, "dark_store")
    for i in warehouses:
        share = rng.uniform(*DC_SIZE_SPREAD)
        if tight:
            max_orders = max(
                TIGHT_DC_MIN_ORDERS,
                math.ceil(TIGHT_DC_ORDERS_SHARE * orders / len(warehouses) * share),
            )
            nodes[i].max_orders_per_day = max_orders
            nodes[i].max_units_per_day = math.ceil(
                max_orders * units_per_order * rng.uniform(*TIGHT_DC_UNITS_ALLOWANCE)
            )
    orders_per_store = orders / len(stores)
    for i in stores:
        if tight:
            max_orders = max(
                TIGHT_STORE_MIN_ORDERS, round(orders_per_store * rng.uniform(*TIGHT_STORE_ORDERS))
            )
        else:
            max_orders = max(
                LOOSE_STORE_MIN_ORDERS, round(orders_per_store * rng.uniform(*LOOSE_STORE_ORDERS))
            )
        nodes[i].max_orders_per_day = max_orders
        nodes[i].max_units_per_day = math.ceil(max_orders * rng.uniform(*STORE_UNITS_PER_ORDER))
        if nodes[i].same_day:
            nodes[i].same_day_capacity = (
                max(1, round(TIGHT_STORE_SAME_DAY_SHARE * max_orders))
                if tight
                else max(1, max_orders // 2)
            )
    for i in dark_stores:
        if tight:
            spread = rng.uniform(*TIGHT_DARK_STORE_SPREAD)
            max_orders = max(
                TIGHT_DARK_STORE_MIN_ORDERS,
                round(TIGHT_DARK_STORE_ORDERS_SHARE * orders / len(dark_stores) * spread),
            )
            same_day_capacity = max(
                TIGHT_DARK_STORE_MIN_SAME_DAY, round(TIGHT_DARK_STORE_SAME_DAY_SHARE * max_orders)
            )
        else:
            max_orders = max(
                LOOSE_DARK_STORE_MIN_ORDERS,
                round(LOOSE_DARK_STORE_ORDERS_SHARE * orders / len(dark_stores)),
            )
            same_day_capacity = max_orders
        nodes[i].max_orders_per_day = max_orders
        nodes[i].max_units_per_day = math.ceil(max_orders * DARK_STORE_UNITS_PER_ORDER)
        nodes[i].same_day_capacity = same_day_capacity


def _stock_targets(catalogue: Catalogue, demanded_units: int, tight: bool) -> IntArray:
    """Units of each SKU in the whole network, set as retailers set base stock: the forecast
    (its popularity × the day's units) plus safety stock for a service level, the chance that
    the day's demand for the SKU stays within its stock.

    A SKU's demand is compound Poisson (lines of 1–3 units), approximated as normal with
    variance = forecast × E[qty²] / E[qty]. Loose: `LOOSE_SERVICE_LEVEL` for every SKU (and
    at least one unit). Tight: the popular head at `TIGHT_HEAD_SERVICE_LEVEL` (below half: it
    is stocked below its forecast, as in a peak week), the tail at `TIGHT_TAIL_SERVICE_LEVEL`.
    """
    forecast = catalogue.popularity * demanded_units
    head = catalogue.rank < HEAD_FRACTION * len(catalogue.rank)
    if tight:
        z = np.where(head, _z(TIGHT_HEAD_SERVICE_LEVEL), _z(TIGHT_TAIL_SERVICE_LEVEL))
    else:
        z = np.full(len(forecast), _z(LOOSE_SERVICE_LEVEL))
    quantity = np.arange(1, len(QTY_SHARES) + 1)
    dispersion = float((quantity**2 * QTY_SHARES).sum() / (quantity * QTY_SHARES).sum())
    targets = np.ceil(forecast + z * np.sqrt(dispersion * forecast)).clip(min=0).astype(np.int64)
    return targets if tight else np.maximum(targets, 1)


def _z(service_level: float) -> float:
    return NormalDist().inv_cdf(service_level)


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


def stock_network(
    nodes: list[NodeDraft],
    catalogue: Catalogue,
    demanded_units: int,
    tight: bool,
    rng: np.random.Generator,
) -> Stock:
    """Spread each SKU's units over the nodes that carry it.

    DCs carry nearly everything; stores and dark stores the popular head, a few units each;
    vendors mostly the long tail. Units a store cannot shelve go back to the SKU's main DC.
    """
    sku_count, node_count = len(catalogue.sku_ids), len(nodes)
    targets = _stock_targets(catalogue, demanded_units, tight)
    head = catalogue.rank < HEAD_FRACTION * sku_count
    kinds = np.array([node.kind for node in nodes])
    size = np.array([node.size for node in nodes])
    depth = np.array([node.assortment_depth for node in nodes])
    warehouses, vendors = np.flatnonzero(kinds == "warehouse"), np.flatnonzero(kinds == "vendor")
    shelves = np.flatnonzero((kinds == "store") | (kinds == "dark_store"))

    carries = np.zeros((sku_count, node_count), dtype=bool)
    carries[:, warehouses] = (
        rng.random((sku_count, len(warehouses))) < np.where(head, *DC_CARRIES)[:, None]
    )
    vendor_of = np.where(
        rng.random(sku_count) < np.where(head, *VENDOR_CARRIES),
        vendors[rng.integers(0, len(vendors), sku_count)],
        -1,
    )
    has_vendor = vendor_of >= 0
    carries[np.flatnonzero(has_vendor), vendor_of[has_vendor]] = True
    biggest_dc = warehouses[np.argmax(size[warehouses])]
    orphan = ~carries[:, warehouses].any(axis=1) & ~has_vendor
    carries[orphan, biggest_dc] = True
    carries[:, shelves] = catalogue.rank[:, None] < depth[None, shelves] * sku_count

    weight = np.zeros((sku_count, node_count))
    for kind, share in STOCK_SHARE_BY_KIND.items():
        columns = np.flatnonzero(kinds == kind)
        weight[:, columns] = share * size[columns] / size[columns].sum()
    weight[:, vendors] = np.where(head, *VENDOR_STOCK_WEIGHT)[:, None]
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
    safety = rng.choice(3, size=displayed.shape, p=SAFETY_STOCK_SHARES)
    safety_stock[:, stores] = np.where(displayed, safety, 0)
    return Stock(on_hand=on_hand + safety_stock, safety_stock=safety_stock)


def _home_node(
    carries: BoolArray, size: FloatArray, warehouses: IntArray, vendor_of: IntArray
) -> IntArray:
    """Per SKU, the biggest DC that carries it, else its vendor."""
    dc_size = np.where(carries[:, warehouses], size[warehouses][None, :], -1.0)
    best_dc = warehouses[dc_size.argmax(axis=1)]
    return np.where(dc_size.max(axis=1) > 0, best_dc, vendor_of).astype(np.int64)
