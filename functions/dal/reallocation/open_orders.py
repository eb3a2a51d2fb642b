"""The open orders a reallocation may re-decide: the sparse `open_orders` index of the orders
table (keys and projection in `tables.py`, attributes in `order_index.py`), one Query per
shard, optionally within a `routed_at` window; and the full records of chosen orders.

Filtering by node or SKU happens here in Python on the projected attributes: a DynamoDB filter
expression is applied after the read and saves no capacity, and this way a scope of any size
(hundreds of (node, SKU) pairs) needs no expression of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from functions.dal.client import batch_get
from functions.dal.codec import decode_item, encode
from functions.dal.database import Database
from functions.dal.order_index import OPEN_SHARDS
from functions.dal.tables import OPEN_ORDERS_INDEX

OPEN_STATUSES = ("reserved", "backordered")


def open_entries(
    db: Database, routed_after: str | None = None, routed_before: str | None = None
) -> Iterator[dict[str, Any]]:
    """Index entries of every open order (routed within the window, when given)."""
    for shard in range(OPEN_SHARDS):
        condition = "open_shard = :shard"
        values: dict[str, Any] = {":shard": encode(str(shard))}
        if routed_after is not None and routed_before is not None:
            condition += " AND routed_at BETWEEN :after AND :before"
            values.update({":after": encode(routed_after), ":before": encode(routed_before)})
        elif routed_after is not None:
            condition += " AND routed_at >= :after"
            values[":after"] = encode(routed_after)
        elif routed_before is not None:
            condition += " AND routed_at <= :before"
            values[":before"] = encode(routed_before)
        arguments: dict[str, Any] = {
            "TableName": db.table("orders"),
            "IndexName": OPEN_ORDERS_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
        }
        while True:
            page = db.client.query(**arguments)
            for item in page.get("Items", []):
                entry = decode_item(item)
                if entry.get("status") in OPEN_STATUSES:
                    yield entry
            if "LastEvaluatedKey" not in page:
                break
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def order_records(db: Database, order_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Full order records (strongly consistent), by id; missing ones are absent."""
    table = db.table("orders")
    found = batch_get(db.client, {table: [{"order_id": i} for i in sorted(set(order_ids))]})
    return {item["order_id"]: item for item in found[table]}


def capacity_items(
    db: Database, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Capacity use items by (node_id, day); a node-day nobody used is absent."""
    if not keys:
        return {}
    table = db.table("capacity")
    found = batch_get(db.client, {table: [{"node_id": n, "day": d} for n, d in sorted(set(keys))]})
    return {(item["node_id"], item["day"]): item for item in found[table]}
