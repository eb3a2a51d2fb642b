"""Orders hold customer coordinates: with CLOSED_ORDER_RETENTION_DAYS (template parameter
ClosedOrderRetentionDays) a cancelled order gets the orders table's TTL attribute that many days
ahead, so DynamoDB deletes it then; without it the order is kept. The orders handler is called
in process with API Gateway events, against the local stack's DynamoDB over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from functions.dal.database import current_database
from functions.dal.orders import order_record
from functions.dal.tables import TTL_ATTRIBUTE
from omniroute.local.stack import LocalStack
from tests.integration.conftest import demo_orders, handler_call, running_stack


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    yield from running_stack(1)


def cancelled_record(order: dict) -> dict:
    handler_call("POST", "/v1/orders", "/v1/orders", order)
    oid = order["order_id"]
    handler_call("POST", f"/v1/orders/{oid}/cancel", "/v1/orders/{order_id}/cancel", order_id=oid)
    record = order_record(current_database(), oid)
    assert record is not None and record["status"] == "cancelled"
    return record


def test_a_cancelled_order_expires_after_the_retention_days(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLOSED_ORDER_RETENTION_DAYS", "30")
    order = {**demo_orders()[0], "order_id": "ttl-kept-30-days"}
    before = time.time()
    record = cancelled_record(order)
    expires = int(record[TTL_ATTRIBUTE["orders"]])
    assert int(before) + 30 * 86_400 <= expires <= time.time() + 30 * 86_400 + 1


def test_without_retention_days_a_cancelled_order_is_kept(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLOSED_ORDER_RETENTION_DAYS", raising=False)
    record = cancelled_record({**demo_orders()[1], "order_id": "ttl-kept-forever"})
    assert TTL_ATTRIBUTE["orders"] not in record


def test_an_open_order_never_expires(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLOSED_ORDER_RETENTION_DAYS", "30")
    order = {**demo_orders()[2], "order_id": "ttl-open-order"}
    handler_call("POST", "/v1/orders", "/v1/orders", order)
    record = order_record(current_database(), order["order_id"])
    assert record is not None and TTL_ATTRIBUTE["orders"] not in record
