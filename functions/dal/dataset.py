"""Putting a dataset into the tables: nodes, SKUs with their stock, config documents (the local
stack loads its demo this way; docs/deploy.md loads one into a deployed stack)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from functions.dal.codec import dumps, encode_item
from functions.dal.network_config import bump_version_action, node_item
from functions.dal.stock import stock_level
from solver.models import PARCEL_SERVICES
from solver.network import Dataset, Network

if TYPE_CHECKING:
    from functions.dal.database import Database


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


def load_dataset_into(db: Database, dataset: Dataset) -> None:
    """Put a dataset's network (nodes, SKUs with stock, config) into the tables.

    Stock levels are written as loaded (nothing reserved); existing items are overwritten."""
    network = dataset.network
    client = db.client
    _batch_write(client, db.table("nodes"), [node_item(node) for node in network.nodes])
    stock_items = []
    for s, sku in enumerate(network.skus):
        levels = {
            node.node_id: stock_level(int(network.on_hand[n, s]), int(network.safety_stock[n, s]))
            for n, node in enumerate(network.nodes)
            if network.on_hand[n, s] or network.safety_stock[n, s]
        }
        stock_items.append({**sku.model_dump(mode="json"), "levels": levels})
    _batch_write(client, db.table("stock"), stock_items)
    documents = {
        "zones": [zone.model_dump(mode="json") for zone in network.zones],
        "rates": rate_rows(network),
        "transit": transit_rows(network),
        "settings": network.settings.model_dump(mode="json"),
    }
    _batch_write(
        client,
        db.table("config"),
        [{"name": name, "document": dumps(doc)} for name, doc in documents.items()],
    )
    client.update_item(**bump_version_action(db)["Update"])
