"""Repositories over the tables of `functions/tables.py`: reads for one order (batched), the
network config (cached by version), orders, nodes, config documents and the dataset loader.

Writes that reserve or release stock and capacity live in `reservations.py`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from functions.catalog import (
    CONFIG_NAMES,
    VERSION_KEY,
    ConfigCache,
    NetworkConfig,
    config_from_items,
    limited_nodes_with_stock,
    node_item,
    order_ledger,
    order_network,
    stock_level,
)
from functions.dynamo import (
    batch_get,
    decode_item,
    dumps,
    dynamodb_client,
    encode,
    encode_item,
    scan_all,
    table_names,
)
from solver.ledger import Ledger
from solver.models import PARCEL_SERVICES, Node
from solver.network import Dataset, Network

CAPACITY_RETENTION_DAYS = 35
"""Capacity-use items expire (TTL) this long after their day."""


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def capacity_expiry(day: str) -> int:
    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    return int((start + dt.timedelta(days=CAPACITY_RETENTION_DAYS)).timestamp())


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


class Store:
    """The DynamoDB tables of one deployment (names from the environment by default)."""

    def __init__(self, client: Any | None = None, names: Mapping[str, str] | None = None) -> None:
        self.client = client or dynamodb_client()
        self.names = dict(names or table_names())
        self._cache = ConfigCache()

    def table(self, logical: str) -> str:
        return self.names[logical]

    # ----------------------------------------------------------------------- config

    def network_config(self, version: int | None = None) -> NetworkConfig:
        """The cached config if `version` (read by the caller) matches, else a fresh read."""
        if version is None:
            version = self.config_version()
        cached = self._cache.get(version)
        if cached is not None:
            return cached
        nodes = scan_all(self.client, self.table("nodes"))
        docs = batch_get(self.client, {self.table("config"): [{"name": n} for n in CONFIG_NAMES]})
        config = config_from_items(version, nodes, docs[self.table("config")])
        self._cache.put(config)
        return config

    def config_version(self) -> int:
        response = self.client.get_item(
            TableName=self.table("config"), Key=encode_item(VERSION_KEY), ConsistentRead=True
        )
        return int(decode_item(response.get("Item", {})).get("version", 0))

    def bump_version_action(self) -> dict[str, Any]:
        """A transaction action that moves the config version (invalidates every cache)."""
        return {
            "Update": {
                "TableName": self.table("config"),
                "Key": encode_item(VERSION_KEY),
                "UpdateExpression": "ADD version :one",
                "ExpressionAttributeValues": {":one": encode(1)},
            }
        }

    def config_document(self, name: str) -> Any:
        response = self.client.get_item(
            TableName=self.table("config"), Key=encode_item({"name": name}), ConsistentRead=True
        )
        item = decode_item(response.get("Item", {}))
        return json.loads(item["document"]) if "document" in item else None

    def put_config_document(self, name: str, document: Any) -> None:
        """Replace one config document and move the version, atomically."""
        self.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table("config"),
                        "Item": encode_item({"name": name, "document": dumps(document)}),
                    }
                },
                self.bump_version_action(),
            ]
        )

    def put_node(self, node: Node, expected: Node | None) -> None:
        """Write a node record; with `expected`, only if the stored one is still that record."""
        put: dict[str, Any] = {
            "TableName": self.table("nodes"),
            "Item": encode_item(node_item(node)),
        }
        if expected is not None:
            put["ConditionExpression"] = "active = :active AND kind = :kind"
            put["ExpressionAttributeValues"] = {
                ":active": encode(expected.active),
                ":kind": encode(expected.kind),
            }
        self.client.transact_write_items(TransactItems=[{"Put": put}, self.bump_version_action()])

    # ----------------------------------------------------------------------- per-order reads

    def read_order_inputs(
        self, skus: Iterable[str], extra_nodes: Iterable[str] = (), day: str | None = None
    ) -> OrderInputs:
        """Stock of the order's SKUs and the config version in ONE BatchGetItem; then today's
        capacity use of the capacity-limited nodes that could ship (one more BatchGetItem)."""
        day = day or today()
        wanted = sorted(set(skus))
        stock_table, config_table = self.table("stock"), self.table("config")
        first = batch_get(
            self.client,
            {stock_table: [{"sku": sku} for sku in wanted], config_table: [VERSION_KEY]},
        )
        version_items = first.get(config_table, [])
        version = int(version_items[0].get("version", 0)) if version_items else 0
        config = self.network_config(version)
        by_sku = {item["sku"]: item for item in first.get(stock_table, [])}
        stock_items = tuple(by_sku[sku] for sku in wanted if sku in by_sku)
        capacity_nodes = limited_nodes_with_stock(config, stock_items, extra_nodes)
        capacity_table = self.table("capacity")
        capacity_items: tuple[dict[str, Any], ...] = ()
        if capacity_nodes:
            keys = [{"node_id": node_id, "day": day} for node_id in capacity_nodes]
            capacity_items = tuple(batch_get(self.client, {capacity_table: keys})[capacity_table])
        network = order_network(config, stock_items)
        ledger = order_ledger(network, stock_items, capacity_items)
        return OrderInputs(config, day, stock_items, capacity_items, network, ledger)

    def stock_update(
        self,
        sku: str,
        sets: Sequence[str],
        conditions: Sequence[str],
        names: Mapping[str, str],
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        """UpdateItem arguments for a SKU's stock item: SET clauses under all `conditions`."""
        return {
            "TableName": self.table("stock"),
            "Key": encode_item({"sku": sku}),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": dict(names),
            "ExpressionAttributeValues": dict(values),
        }

    def stock_items(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        table = self.table("stock")
        found = batch_get(self.client, {table: [{"sku": sku} for sku in sorted(set(skus))]})
        return {item["sku"]: item for item in found[table]}

    def capacity_use(self, node_id: str, day: str) -> dict[str, int]:
        response = self.client.get_item(
            TableName=self.table("capacity"),
            Key=encode_item({"node_id": node_id, "day": day}),
            ConsistentRead=True,
        )
        item = decode_item(response.get("Item", {}))
        return {key: int(item.get(key, 0)) for key in ("orders", "units", "same_day")}

    # ----------------------------------------------------------------------- orders

    def order_record(self, order_id: str) -> dict[str, Any] | None:
        response = self.client.get_item(
            TableName=self.table("orders"),
            Key=encode_item({"order_id": order_id}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return decode_item(item) if item else None


# --------------------------------------------------------------------------- dataset loader


def rate_rows(network: Network) -> list[dict[str, Any]]:
    """The network's rate table as rate rows: one band per run of equal cost by whole kg.

    Billable weights are whole kg (spec §3), so these rows price every shipment exactly as the
    rows the dataset was loaded from."""
    rows = []
    for s, service in enumerate(PARCEL_SERVICES):
        for zone in network.zones:
            z = network.zone_index[zone.zone]
            costs = network.rate_table[s, z, 1:]
            for kg in range(1, len(costs) + 1):
                cost = costs[kg - 1]
                if cost != cost:  # nan: no rate for this weight
                    continue
                last_of_band = kg == len(costs) or costs[kg] != cost
                if last_of_band:
                    rows.append(
                        {"service": service, "zone": zone.zone, "max_kg": kg, "cost": float(cost)}
                    )
    return rows


def transit_rows(network: Network) -> list[dict[str, Any]]:
    return [
        {"service": service, "zone": zone.zone, "days": int(days)}
        for s, service in enumerate(PARCEL_SERVICES)
        for zone in network.zones
        if (days := network.transit_days[s, network.zone_index[zone.zone]]) >= 0
    ]


def _batch_write(client: Any, table: str, items: Sequence[Mapping[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        pending = [
            {"PutRequest": {"Item": encode_item(item)}} for item in items[start : start + 25]
        ]
        request = {table: pending}
        while request:
            response = client.batch_write_item(RequestItems=request)
            request = response.get("UnprocessedItems") or {}


def load_dataset_into(store: Store, dataset: Dataset) -> None:
    """Put a dataset's network (nodes, SKUs with stock, config) into the tables.

    Stock levels are written as loaded (nothing reserved); existing items are overwritten."""
    network = dataset.network
    client = store.client
    _batch_write(client, store.table("nodes"), [node_item(node) for node in network.nodes])
    stock_items = []
    for s, sku in enumerate(network.skus):
        levels = {
            node.node_id: stock_level(int(network.on_hand[n, s]), int(network.safety_stock[n, s]))
            for n, node in enumerate(network.nodes)
            if network.on_hand[n, s] or network.safety_stock[n, s]
        }
        stock_items.append({**sku.model_dump(mode="json"), "levels": levels})
    _batch_write(client, store.table("stock"), stock_items)
    documents = {
        "zones": [zone.model_dump(mode="json") for zone in network.zones],
        "rates": rate_rows(network),
        "transit": transit_rows(network),
        "settings": network.settings.model_dump(mode="json"),
    }
    _batch_write(
        client,
        store.table("config"),
        [{"name": name, "document": dumps(doc)} for name, doc in documents.items()],
    )
    client.update_item(**store.bump_version_action()["Update"])
