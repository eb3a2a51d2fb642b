"""Idempotency records in DynamoDB: Powertools' persistence layer, one per operation and per
deployment (endpoint and table set), and the config every idempotent call uses."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
)

from functions.dal.client import dynamodb_client
from functions.dal.database import database_key
from functions.settings import current_settings

_lock = threading.Lock()
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


def idempotency_store(operation: str) -> DynamoDBPersistenceLayer:
    """One persistence layer per operation (Powertools configures a layer per decorated call)."""
    key = (*database_key(), operation)
    with _lock:
        layer = _persistence.get(key)
        if layer is None:
            layer = DynamoDBPersistenceLayer(
                table_name=current_settings().table("idempotency"),
                boto3_client=dynamodb_client(key[0]),
            )
            # Powertools configures a layer on its first call and marks it configured before
            # it has set the key expression: two first calls at once (threads of the local
            # server) could hash the wrong key. Configure it here, once, under the lock.
            layer.configure(idempotency_config(), operation)
            _persistence[key] = layer
        return layer
