"""What one order is planned on, read right before planning: the stock of its SKUs and the
config version in ONE BatchGetItem, then today's capacity use of the capacity-limited nodes
that could ship it; turned into the per-order `Network` and `Ledger` that
`solver.order_solver.solve_order` takes.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from functions.dal.capacity import today
from functions.dal.client import batch_get
from functions.dal.network_config import VERSION_KEY, NetworkConfig, network_config
from functions.dal.reallocation.fences import is_fenced
from solver.ledger import Ledger
from solver.models import Sku
from solver.network import UNLIMITED, Network

if TYPE_CHECKING:
    from functions.dal.database import Database


@dataclass(frozen=True)
class OrderInputs:
    """What one order is planned on: read together, right before planning."""

    config: NetworkConfig
    day: str
    stock_items: tuple[dict[str, Any], ...]
    capacity_items: tuple[dict[str, Any], ...]
    network: Network
    ledger: Ledger

    @property
    def known_skus(self) -> set[str]:
        return {item["sku"] for item in self.stock_items}


def read_order_inputs(
    db: Database, skus: Iterable[str], extra_nodes: Iterable[str] = (), day: str | None = None
) -> OrderInputs:
    """Stock of the order's SKUs and the config version in ONE BatchGetItem; then today's
    capacity use of the capacity-limited nodes that could ship (one more BatchGetItem)."""
    day = day or today()
    wanted = sorted(set(skus))
    stock_table, config_table = db.table("stock"), db.table("config")
    first = batch_get(
        db.client,
        {stock_table: [{"sku": sku} for sku in wanted], config_table: [VERSION_KEY]},
    )
    version_items = first.get(config_table, [])
    version = int(version_items[0].get("version", 0)) if version_items else 0
    config = network_config(db, version)
    by_sku = {item["sku"]: item for item in first.get(stock_table, [])}
    stock_items = tuple(by_sku[sku] for sku in wanted if sku in by_sku)
    capacity_nodes = limited_nodes_with_stock(config, stock_items, extra_nodes)
    capacity_table = db.table("capacity")
    capacity_items: tuple[dict[str, Any], ...] = ()
    if capacity_nodes:
        keys = [{"node_id": node_id, "day": day} for node_id in capacity_nodes]
        capacity_items = tuple(batch_get(db.client, {capacity_table: keys})[capacity_table])
    network = order_network(config, stock_items)
    ledger = order_ledger(network, stock_items, capacity_items)
    return OrderInputs(config, day, stock_items, capacity_items, network, ledger)


def sku_from_item(item: Mapping[str, Any]) -> Sku:
    return Sku(sku=item["sku"], weight_kg=item["weight_kg"], unit_value=item["unit_value"])


def order_network(config: NetworkConfig, stock_items: Sequence[Mapping[str, Any]]) -> Network:
    """The network restricted to the SKUs read for one order (pricing needs nothing else)."""
    base = config.base
    skus = tuple(sku_from_item(item) for item in stock_items)
    on_hand = np.zeros((len(config.nodes), len(skus)), dtype=np.int64)
    safety = np.zeros_like(on_hand)
    for s, item in enumerate(stock_items):
        for node_id, level in item.get("levels", {}).items():
            n = base.node_index.get(node_id)
            if n is not None:
                on_hand[n, s] = level["on_hand"]
                safety[n, s] = level["safety"]
    return Network(
        nodes=base.nodes,
        skus=skus,
        zones=base.zones,
        settings=base.settings,
        node_index=base.node_index,
        sku_index={sku.sku: i for i, sku in enumerate(skus)},
        zone_index=base.zone_index,
        zone_max_km=base.zone_max_km,
        rate_table=base.rate_table,
        transit_days=base.transit_days,
        on_hand=on_hand,
        safety_stock=safety,
    )


def _left(limit: int | None, used: int) -> int:
    return int(UNLIMITED) if limit is None else max(0, limit - used)


def order_ledger(
    network: Network,
    stock_items: Sequence[Mapping[str, Any]],
    capacity_items: Iterable[Mapping[str, Any]],
) -> Ledger:
    """Stock left (stored `available`, never below 0; none where a fence stands) and today's
    capacity left per node."""
    stock = np.zeros((len(network.nodes), len(network.skus)), dtype=np.int64)
    now = time.time()
    for s, item in enumerate(stock_items):
        for node_id, level in item.get("levels", {}).items():
            n = network.node_index.get(node_id)
            if n is not None and not is_fenced(level, now):
                stock[n, s] = max(0, int(level["available"]))
    used = {item["node_id"]: item for item in capacity_items}
    orders_left, units_left, same_day_left = [], [], []
    for node in network.nodes:
        use = used.get(node.node_id, {})
        orders_left.append(_left(node.max_orders_per_day, int(use.get("orders", 0))))
        units_left.append(_left(node.max_units_per_day, int(use.get("units", 0))))
        same_day_left.append(_left(node.same_day_capacity, int(use.get("same_day", 0))))
    return Ledger(
        stock=stock,
        orders_left=np.array(orders_left, dtype=np.int64),
        units_left=np.array(units_left, dtype=np.int64),
        same_day_left=np.array(same_day_left, dtype=np.int64),
    )


def limited_nodes_with_stock(
    config: NetworkConfig, stock_items: Sequence[Mapping[str, Any]], extra: Iterable[str] = ()
) -> list[str]:
    """Nodes whose capacity use must be read for an order: those with a capacity limit that
    hold available stock of one of its SKUs (no other node can ship it), plus `extra`."""
    wanted = set(extra)
    for item in stock_items:
        for node_id, level in item.get("levels", {}).items():
            if level["available"] > 0:
                wanted.add(node_id)
    out = []
    for node_id in sorted(wanted):
        node = config.node(node_id)
        if node is not None and (
            node.max_orders_per_day is not None
            or node.max_units_per_day is not None
            or node.same_day_capacity is not None
        ):
            out.append(node_id)
    return out
