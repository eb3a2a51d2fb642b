"""The DynamoDB client every access goes through: retries and timeouts, table names, batched
reads, and the error codes of failed calls.

Throttling and transient errors are retried by botocore's `standard` retry mode (exponential
backoff with full jitter); `retry_with_backoff` adds the same policy around whole operations that
botocore does not retry (a transaction cancelled by a conflicting transaction, unprocessed keys).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from functions.dal.codec import decode_item, encode_item
from functions.settings import current_settings

T = TypeVar("T")

BATCH_GET_LIMIT = 100
"""Keys one BatchGetItem accepts."""
TRANSACTION_LIMIT = 100
"""Actions one TransactWriteItems accepts."""


def boto_config() -> Config:
    """Retries (standard mode: backoff with full jitter) and timeouts for every call.

    A call not answered within DYNAMODB_READ_TIMEOUT seconds (default 5) is retried. The local
    stack raises it: its embedded DynamoDB serves one request at a time, and a retried
    conditional write that had in fact succeeded fails its own condition (Powertools would then
    report the request as already in progress)."""
    return Config(
        retries={"mode": "standard", "max_attempts": 8},
        connect_timeout=2,
        read_timeout=current_settings().dynamodb_read_timeout,
        max_pool_connections=50,
    )


_client_lock = threading.Lock()
_clients: dict[str | None, Any] = {}


def dynamodb_client(endpoint_url: str | None = None) -> Any:
    """One low-level client per endpoint (boto3 clients are thread-safe); the endpoint defaults
    to DYNAMODB_ENDPOINT_URL (set by the local stack, absent on AWS)."""
    endpoint = endpoint_url or current_settings().dynamodb_endpoint_url
    with _client_lock:
        client = _clients.get(endpoint)
        if client is None:
            session = boto3.session.Session()
            client = session.client("dynamodb", endpoint_url=endpoint, config=boto_config())
            _clients[endpoint] = client
        return client


def table_names() -> dict[str, str]:
    """Logical -> physical names of the tables the environment names (`ORDERS_TABLE`, ...)."""
    return current_settings().table_names()


# --------------------------------------------------------------------------- retries


def backoff_delay(attempt: int, base: float = 0.02, cap: float = 1.0) -> float:
    """Full-jitter exponential backoff (AWS architecture blog): uniform in [0, min(cap, b·2^n)]."""
    return random.uniform(0.0, min(cap, base * 2**attempt))


def retry_with_backoff(
    operation: Callable[[], T],
    should_retry: Callable[[Exception], bool],
    attempts: int = 6,
) -> T:
    """Run `operation`, retrying errors `should_retry` accepts with jittered backoff."""
    for attempt in range(attempts):
        try:
            return operation()
        except Exception as error:
            if attempt == attempts - 1 or not should_retry(error):
                raise
            time.sleep(backoff_delay(attempt))
    raise AssertionError("unreachable")


class ConditionFailed(Exception):
    """A conditional write found the item changed since it was read: re-read and try again."""


def error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    return ""


def cancellation_codes(error: Exception) -> list[str]:
    """Per-action reason codes of a cancelled transaction ('None' where that action was fine)."""
    if not isinstance(error, ClientError):
        return []
    reasons = error.response.get("CancellationReasons") or []
    if reasons:
        return [str(r.get("Code", "None")) for r in reasons]
    # Some emulators put the reasons only in the message: "... [None, ConditionalCheckFailed]".
    message = str(error.response.get("Error", {}).get("Message", ""))
    if "[" in message and "]" in message:
        inside = message[message.rindex("[") + 1 : message.rindex("]")]
        return [part.strip() for part in inside.split(",")]
    return []


# --------------------------------------------------------------------------- batched reads


def batch_get(
    client: Any, keys_by_table: Mapping[str, Iterable[Mapping[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Every item for the given keys, in as few BatchGetItem calls as the 100-key limit allows,
    re-asking for UnprocessedKeys with backoff. Missing items are simply absent."""
    pending: list[tuple[str, dict[str, Any]]] = [
        (table, encode_item(key)) for table, keys in keys_by_table.items() for key in keys
    ]
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in keys_by_table}
    attempt = 0
    while pending:
        chunk, pending = pending[:BATCH_GET_LIMIT], pending[BATCH_GET_LIMIT:]
        request: dict[str, dict[str, Any]] = {}
        for table, key in chunk:
            request.setdefault(table, {"Keys": [], "ConsistentRead": True})["Keys"].append(key)
        response = client.batch_get_item(RequestItems=request)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(decode_item(item) for item in items)
        unprocessed = response.get("UnprocessedKeys") or {}
        if unprocessed:
            pending = [
                (table, key) for table, spec in unprocessed.items() for key in spec["Keys"]
            ] + pending
            time.sleep(backoff_delay(attempt))
            attempt += 1
    return found


def scan_all(client: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a (small) table, page by page."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    while True:
        page = client.scan(**kwargs)
        items.extend(decode_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
