"""Per-process resources the handlers share: the `Store` and the idempotency persistence layer,
one per DynamoDB endpoint and table set (so a process that starts several local stacks, as the
tests do, never talks to a stale endpoint)."""

from __future__ import annotations

import os
import threading
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
)

from functions.dynamo import dynamodb_client, table_names
from functions.store import Store

_lock = threading.Lock()
_stores: dict[tuple[Any, ...], Store] = {}
_persistence: dict[tuple[Any, ...], DynamoDBPersistenceLayer] = {}

IDEMPOTENCY_TTL_SECONDS = 24 * 3600


def idempotency_config() -> IdempotencyConfig:
    """The key is the request's `key` field; its `payload` must match on a retry."""
    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )


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
            # Powertools configures a layer on its first call and marks it configured before
            # it has set the key expression: two first calls at once (threads of the local
            # server) could hash the wrong key. Configure it here, once, under the lock.
            layer.configure(idempotency_config(), operation)
            _persistence[key] = layer
        return layer
