"""The DynamoDB table design: the single source of truth for the local stack, tests and SAM.

`TABLES` maps each logical table to its CreateTable arguments (minus TableName); template.yaml
declares the same keys and TTL, and a test compares the two. Why the keys are what they are is
in docs/dynamodb.md; in short:

- stock:       one item per SKU (`sku`), holding the SKU's weight and value and a map
               `levels` of node_id -> {on_hand, safety, reserved, available}. One order's stock
               is one BatchGetItem of its distinct SKUs, and a reservation is one conditional
               update per SKU (`levels.N.available >= :qty` for every node it takes from).
- capacity:    per node per day use (`node_id`, `day`): orders, units and same-day shipments
               reserved; conditions compare them with the node's limits.
- orders:      one item per order (`order_id`): the order, its plan, its allocations (what is
               reserved where, on which day) and its status. The sparse index `pending` holds
               only the orders with a change in progress (`pending_op`), which the sweeper
               reads to recover changes cut short (`reservations.recover`).
- nodes:       one item per node (`node_id`), the nodes.csv record.
- config:      one item per config document (`name`: rates, zones, transit, settings) and a
               `version` item bumped on every node or config change, so handlers cache the
               network and reload it only when the version moves.
- idempotency: Powertools' DynamoDBPersistenceLayer (key `id`, TTL `expiration`).
- scenarios:   one item per what-if job (`job_id`): status, progress (batches done/total), where
               its results are in S3 and, when it failed, why (`scenarios/job_records.py`).
- reallocations: one item per reallocation (`reallocation_id`, the execution's name): its
               trigger, status, per-chunk progress and summary; the report is in S3
               (`reallocation/records.py`).

The orders table has one sparse global secondary index, `open_orders` (hash `open_shard`, range
`routed_at`): only open orders carry `open_shard`, so the index lists exactly the allocations a
reallocation may re-decide, with the attributes it filters on (`order_index.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PAY_PER_REQUEST = "PAY_PER_REQUEST"
OPEN_ORDERS_INDEX = "open_orders"
OPEN_ORDERS_PROJECTION = (
    "status",
    "version",
    "alloc_nodes",
    "alloc_skus",
    "alloc_pairs",
    "backordered_skus",
    "created_at",
)
"""Attributes of an order record the `open_orders` index carries besides its keys."""


def _hash_key(name: str) -> dict[str, Any]:
    return {
        "KeySchema": [{"AttributeName": name, "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"}],
        "BillingMode": PAY_PER_REQUEST,
    }


TABLES: dict[str, dict[str, Any]] = {
    "stock": _hash_key("sku"),
    "capacity": {
        "KeySchema": [
            {"AttributeName": "node_id", "KeyType": "HASH"},
            {"AttributeName": "day", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "node_id", "AttributeType": "S"},
            {"AttributeName": "day", "AttributeType": "S"},
        ],
        "BillingMode": PAY_PER_REQUEST,
    },
    "orders": {
        **_hash_key("order_id"),
        "AttributeDefinitions": [
            {"AttributeName": "order_id", "AttributeType": "S"},
            {"AttributeName": "pending_op", "AttributeType": "S"},
            {"AttributeName": "open_shard", "AttributeType": "S"},
            {"AttributeName": "routed_at", "AttributeType": "S"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "pending",
                "KeySchema": [{"AttributeName": "pending_op", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            },
            {
                "IndexName": OPEN_ORDERS_INDEX,
                "KeySchema": [
                    {"AttributeName": "open_shard", "KeyType": "HASH"},
                    {"AttributeName": "routed_at", "KeyType": "RANGE"},
                ],
                "Projection": {
                    "ProjectionType": "INCLUDE",
                    "NonKeyAttributes": list(OPEN_ORDERS_PROJECTION),
                },
            },
        ],
    },
    "nodes": _hash_key("node_id"),
    "config": _hash_key("name"),
    "idempotency": _hash_key("id"),
    "scenarios": _hash_key("job_id"),
    "reallocations": _hash_key("reallocation_id"),
}
"""Logical table name -> CreateTable keyword arguments without TableName."""

TTL_ATTRIBUTE: dict[str, str] = {
    "idempotency": "expiration",
    "capacity": "expires_at",
    "orders": "expires_at",
}
"""Logical table name -> its TTL attribute (capacity-use items expire weeks after their day; a
closed order once CLOSED_ORDER_RETENTION_DAYS have passed, when that is set:
`dal/orders.closed_order_expiry`)."""


def create_tables(client: Any, names: Mapping[str, str]) -> None:
    """Create every table (logical -> physical name in `names`) and turn TTL on; waits."""
    existing = set(client.list_tables().get("TableNames", []))
    for logical, spec in TABLES.items():
        name = names[logical]
        if name in existing:
            continue
        client.create_table(TableName=name, **spec)
    for logical in TABLES:
        client.get_waiter("table_exists").wait(
            TableName=names[logical], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    for logical, attribute in TTL_ATTRIBUTE.items():
        ttl = client.describe_time_to_live(TableName=names[logical])["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            continue
        client.update_time_to_live(
            TableName=names[logical],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )
