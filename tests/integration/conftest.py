"""One local stack (embedded moto DynamoDB over HTTP + the API) per test module."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from omniroute.local.events import LambdaContext, api_gateway_event
from omniroute.local.moto_server import MotoServer
from omniroute.local.stack import DEFAULT_DATASET, LocalStack, start_local_stack
from tests.integration.api_client import ApiClient

HANDLER_WORKERS = 2
"""Handler processes per test stack (each one request at a time, like a Lambda container)."""


def moto_endpoint() -> Iterator[str]:
    """moto's server on a free port, for as long as the generator runs (tests that need AWS
    services but not a whole local stack). The embedded one, which runs one request at a time:
    moto's own `ThreadedMotoServer` applies concurrent requests without a lock, so two
    transactions can interleave a condition check and an update (concurrent what-if starts
    passed their cap of 3 with 5 there), which DynamoDB never does."""
    server = MotoServer().start()
    yield server.url
    server.stop()


def aws_environment(endpoint: str) -> dict[str, str]:
    """Test credentials and moto's `endpoint` for DynamoDB and S3, as the handlers read them."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "DYNAMODB_ENDPOINT_URL": endpoint,
        "S3_ENDPOINT_URL": endpoint,
    }


def running_stack(workers: int = HANDLER_WORKERS) -> Iterator[LocalStack]:
    """A local stack with the demo dataset for as long as the generator runs."""
    running = start_local_stack(dataset=DEFAULT_DATASET, workers=workers)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    yield from running_stack()


@pytest.fixture()
def api(stack: LocalStack) -> Iterator[ApiClient]:
    client = ApiClient(stack.url)
    yield client
    client.close()


def handler_call(
    method: str,
    path: str,
    resource: str,
    body: object = None,
    function: str = "orders",
    **params: str,
) -> dict[str, Any]:
    """Call a handler (`functions.handlers.<function>`) in this process, so a test can fix its
    clock, with an API Gateway event; its DynamoDB is the local stack's, over HTTP. Asserts a
    200 or 201."""
    handler = importlib.import_module(f"functions.handlers.{function}").handler

    raw = json.dumps(body).encode() if body is not None else b""
    event = api_gateway_event(
        method, path, {"Content-Type": "application/json"}, raw, resource, params
    )
    reply = handler(event, LambdaContext())
    assert reply["statusCode"] in (200, 201), reply["body"]
    answer: dict[str, Any] = json.loads(reply["body"])
    return answer


def demo_orders() -> list[dict[str, Any]]:
    lines = Path(DEFAULT_DATASET, "orders.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def stock_of(api: ApiClient, sku: str) -> dict[str, dict[str, int]]:
    reply = api.get(f"/v1/inventory/{sku}")
    assert reply.status == 200, reply.body
    return {row["node_id"]: row for row in reply.body["nodes"]}


def shipped_units(plan: dict[str, Any]) -> dict[tuple[str, str], int]:
    """(node_id, sku) -> units, from a plan body."""
    out: dict[tuple[str, str], int] = {}
    for shipment in plan["shipments"]:
        for line in shipment["lines"]:
            key = (shipment["node_id"], line["sku"])
            out[key] = out.get(key, 0) + line["qty"]
    return out
