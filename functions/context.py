"""Per-process resources the handlers share: the `Store` and the idempotency persistence layer,
one per DynamoDB endpoint and table set (so a process that starts several local stacks, as the
tests do, never talks to a stale endpoint)."""

from __future__ import annotations

import os
import threading
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from functions.dynamo import dynamodb_client, table_names
from functions.store import Store

_lock = threading.Lock()
_stores: dict[tuple[Any, ...], Store] = {}
_persistence: dict[tuple[Any, ...], DynamoDBPersistenceLayer] = {}


def _key() -> tuple[Any, ...]:
    return (os.environ.get("DYNAMODB_ENDPOINT_URL"), tuple(sorted(table_names().items())))


def current_store() -> Store:
    key = _key()
    with _lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = Store(dynamodb_client(key[0]), table_names())
        return store


def idempotency_store(operation: str) -> DynamoDBPersistenceLayer:
    """One persistence layer per operation (Powertools configures a layer per decorated call)."""
    key = (*_key(), operation)
    with _lock:
        layer = _persistence.get(key)
        if layer is None:
            layer = DynamoDBPersistenceLayer(
                table_name=table_names()["idempotency"], boto3_client=dynamodb_client(key[0])
            )
            _persistence[key] = layer
        return layer
