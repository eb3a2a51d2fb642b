"""Order records (table `orders`, one item per order): the order, its plan, what it holds where
(`chosen`: node, method and units per shipment), the day it was reserved on, the nodes it must
avoid, its status and version. Written only by `reservations.commit`, with the stock and
capacity it holds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from functions.dal.codec import decode_item, encode_item
from functions.dal.order_index import index_attributes
from functions.dal.tables import TTL_ATTRIBUTE
from functions.settings import current_settings
from solver.models import Order
from solver.network import Network
from solver.pricing import METHOD_KEYS, ChosenShipment

if TYPE_CHECKING:
    from functions.dal.database import Database

PENDING_INDEX = "pending"
"""The orders table's sparse index of records with a change in progress (`dal/tables.py`)."""


def order_record(db: Database, order_id: str) -> dict[str, Any] | None:
    response = db.client.get_item(
        TableName=db.table("orders"),
        Key=encode_item({"order_id": order_id}),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return decode_item(item) if item else None


def pending_order_ids(db: Database) -> list[str]:
    """Ids of the orders with a change in progress: a Scan of the sparse `pending` index (it
    holds only them, so it stays small however many orders there are)."""
    kwargs: dict[str, Any] = {"TableName": db.table("orders"), "IndexName": PENDING_INDEX}
    ids: list[str] = []
    while True:
        page = db.client.scan(**kwargs)
        ids.extend(decode_item(item)["order_id"] for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return ids
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def chosen_rows(network: Network, chosen: Iterable[ChosenShipment]) -> list[dict[str, Any]]:
    return [
        {
            "node_id": network.nodes[c.node].node_id,
            "method": METHOD_KEYS[c.key],
            "units": dict(c.units),
        }
        for c in chosen
    ]


def chosen_from_rows(network: Network, rows: Iterable[Mapping[str, Any]]) -> list[ChosenShipment]:
    return [
        ChosenShipment(
            network.node_index[r["node_id"]], METHOD_KEYS.index(r["method"]), dict(r["units"])
        )
        for r in rows
    ]


def record_attributes(
    order: Order, body: dict[str, Any], network: Network, chosen: Iterable[ChosenShipment], day: str
) -> dict[str, Any]:
    """The record's attributes for an order answered with `body`, holding `chosen` on `day`
    (with the `open_orders` index attributes, `order_index.py`)."""
    chosen = list(chosen)
    return {
        "status": body["status"],
        "order": order.model_dump_json(),
        "plan": json.dumps(body),
        "chosen": json.dumps(chosen_rows(network, chosen)),
        "day": day,
        "excluded": json.dumps(body["excluded_nodes"]),
        "version": body["version"],
        **index_attributes(order, network, chosen, body.get("unfilled", ())),
    }


def closed_order_expiry(now: float | None = None) -> dict[str, int]:
    """The TTL attribute for a record that has just closed (cancelled): when
    CLOSED_ORDER_RETENTION_DAYS is set, the epoch second DynamoDB may delete it from; else
    nothing (the order is kept)."""
    days = current_settings().closed_order_retention_days
    if not days:
        return {}
    return {TTL_ATTRIBUTE["orders"]: int((time.time() if now is None else now) + days * 86_400)}
