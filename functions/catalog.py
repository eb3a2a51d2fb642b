"""The network as stored in DynamoDB, turned back into the solver's `Network` and `Ledger`.

Nodes and config (zones, rates, transit, settings) change rarely, so a `NetworkConfig` is cached
per Lambda container and reloaded only when the `version` item of the config table moves (it is
read in the same BatchGetItem as the order's stock). Stock and capacity use are read fresh for
every order: `order_network` and `order_ledger` build the per-order inputs of
`solver.order_solver.solve_order` from those items.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solver.ledger import Ledger
from solver.models import Node, Rate, Settings, Sku, Transit, Zone
from solver.network import UNLIMITED, Network, build_network

CONFIG_NAMES = ("zones", "rates", "transit", "settings")
VERSION_KEY = {"name": "version"}


@dataclass(frozen=True)
class NetworkConfig:
    """Everything but stock: nodes and the config documents, with the version they were read at.

    `base` is a network without SKUs whose rate/transit/zone arrays are shared by every
    per-order network (they take a few ms to build, so they are built once per version)."""

    version: int
    nodes: tuple[Node, ...]
    zones: tuple[Zone, ...]
    rates: tuple[Rate, ...]
    transits: tuple[Transit, ...]
    settings: Settings
    base: Network

    @classmethod
    def build(
        cls,
        version: int,
        nodes: Sequence[Node],
        zones: Sequence[Zone],
        rates: Sequence[Rate],
        transits: Sequence[Transit],
        settings: Settings,
    ) -> NetworkConfig:
        ordered = tuple(sorted(nodes, key=lambda n: n.node_id))
        base = build_network(ordered, [], [], zones, rates, transits, settings)
        return cls(version, ordered, tuple(zones), tuple(rates), tuple(transits), settings, base)

    def node(self, node_id: str) -> Node | None:
        index = self.base.node_index.get(node_id)
        return None if index is None else self.nodes[index]


def config_from_items(
    version: int, node_items: Iterable[Mapping[str, Any]], config_items: Iterable[Mapping[str, Any]]
) -> NetworkConfig:
    docs = {
        item["name"]: json.loads(item["document"]) for item in config_items if "document" in item
    }
    return NetworkConfig.build(
        version,
        [node_from_item(item) for item in node_items],
        [Zone.model_validate(row) for row in docs.get("zones", [])],
        [Rate.model_validate(row) for row in docs.get("rates", [])],
        [Transit.model_validate(row) for row in docs.get("transit", [])],
        Settings.model_validate(docs.get("settings", {})),
    )


def node_item(node: Node) -> dict[str, Any]:
    return node.model_dump(mode="json")


def node_from_item(item: Mapping[str, Any]) -> Node:
    fields = {k: v for k, v in item.items() if k in Node.model_fields}
    fields["channels"] = tuple(fields.get("channels") or ())
    return Node.model_validate(fields)


# --------------------------------------------------------------------------- stock items


def sku_from_item(item: Mapping[str, Any]) -> Sku:
    return Sku(sku=item["sku"], weight_kg=item["weight_kg"], unit_value=item["unit_value"])


def stock_level(on_hand: int, safety: int, reserved: int = 0) -> dict[str, int]:
    """A node's entry in a stock item's `levels` map; `available` may be negative when on hand
    dropped below what is reserved (the solver sees max(0, available))."""
    return {
        "on_hand": on_hand,
        "safety": safety,
        "reserved": reserved,
        "available": on_hand - safety - reserved,
    }


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
    """Stock left (stored `available`, never below 0) and today's capacity left per node."""
    stock = np.zeros((len(network.nodes), len(network.skus)), dtype=np.int64)
    for s, item in enumerate(stock_items):
        for node_id, level in item.get("levels", {}).items():
            n = network.node_index.get(node_id)
            if n is not None:
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


class ConfigCache:
    """The last `NetworkConfig` read, shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._config: NetworkConfig | None = None

    def get(self, version: int) -> NetworkConfig | None:
        with self._lock:
            config = self._config
        return config if config is not None and config.version == version else None

    def put(self, config: NetworkConfig) -> None:
        with self._lock:
            if self._config is None or config.version >= self._config.version:
                self._config = config
