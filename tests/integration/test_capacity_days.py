"""A node's daily capacity holds under concurrent orders, and an order's capacity stays on the
day it was reserved: concurrent HTTP clients against the local stack (moto DynamoDB over HTTP),
and the orders handler called in process on a fixed clock (time-machine) for the days."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from functions.dal.capacity import CAPACITY_RETENTION_DAYS, capacity_use
from functions.dal.client import scan_all
from functions.dal.database import current_database
from functions.dal.orders import order_record
from functions.dal.reservations import CapacityDelta, RecordWrite, ReservationFailed, commit
from functions.dal.tables import TTL_ATTRIBUTE
from omniroute.local.stack import LocalStack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import handler_call, running_stack, stock_of

WORKERS = 4
CLIENTS = 12
DAILY_ORDERS = 3
"""max_orders_per_day of the raced node: below the plan attempts a request makes (4), so a
request that loses every race still gets an answer (backordered), never 409."""
NEAR_W1 = {"lat": 35.1, "lon": -89.9}  # Memphis, next to warehouse W1
RACED_SKU = "SKU-00131"
DATED_SKU = "SKU-00132"
DAY = dt.datetime(2031, 3, 14, 10, 0, tzinfo=dt.UTC)
"""The fixed clock's day D (a day no other test reserves on)."""
RETENTION_DAYS = 30


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """Four handler processes: four requests really run at once (like four Lambda containers)."""
    yield from running_stack(WORKERS)


def _only_at_w1(api: ApiClient, sku: str, units: int) -> None:
    rows = [{"node_id": n, "sku": sku, "on_hand": 0} for n in stock_of(api, sku) if n != "W1"]
    rows.append({"node_id": "W1", "sku": sku, "on_hand": units, "safety_stock": 0})
    reply = api.put("/v1/inventory", {"rows": rows})
    assert reply.status == 200, reply.body


def _order(order_id: str, sku: str, qty: int = 1) -> dict[str, Any]:
    line = {"line_id": "1", "sku": sku, "qty": qty}
    return {"order_id": order_id, "customer": NEAR_W1, "service": "ground", "lines": [line]}


def _race(stack: LocalStack, orders: list[dict[str, Any]]) -> list[Any]:
    """Send every order at once, each from its own client and connection."""
    replies: list[Any] = [None] * len(orders)
    start = threading.Barrier(len(orders))

    def client(i: int) -> None:
        own = ApiClient(stack.url)
        start.wait()
        replies[i] = own.post("/v1/orders", orders[i])
        own.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(orders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def test_concurrent_orders_on_a_node_with_k_orders_a_day_reserve_exactly_k(
    stack: LocalStack, api: ApiClient
) -> None:
    _only_at_w1(api, RACED_SKU, 100)  # stock is plenty: capacity is what binds
    limits = {"max_orders_per_day": DAILY_ORDERS, "max_units_per_day": None}
    assert api.put("/v1/nodes/W1", limits).status == 200
    orders = [_order(f"k-race-{i}", RACED_SKU) for i in range(CLIENTS)]
    replies = _race(stack, orders)

    assert [r.status for r in replies] == [201] * CLIENTS, [r.body for r in replies]
    statuses = Counter(r.body["status"] for r in replies)
    assert statuses == {"reserved": DAILY_ORDERS, "backordered": CLIENTS - DAILY_ORDERS}
    # Read on the day each answer names (not "today": the race may straddle midnight UTC).
    for day in {r.body["day"] for r in replies}:
        reserved = [r.body for r in replies if r.body["day"] == day and r.body["shipments"]]
        assert all(p["shipments"][0]["node_id"] == "W1" for p in reserved)
        use = capacity_use(current_database(), "W1", day)
        assert use == {"orders": len(reserved), "units": len(reserved), "same_day": 0}
    assert stock_of(api, RACED_SKU)["W1"]["reserved"] == DAILY_ORDERS
    assert api.put("/v1/nodes/W1", {"max_orders_per_day": None}).status == 200


@pytest.mark.parametrize("counter", [0, 1, 2], ids=["orders", "units", "same_day"])
def test_the_transaction_refuses_a_take_beyond_the_days_limit(
    stack: LocalStack, counter: int
) -> None:
    """The planner reads capacity before it commits; the commit's own condition is what holds
    when another order took the last slot in between (here: the slot was taken by a commit the
    planner never saw)."""
    node_id, day = "S001", f"2031-04-0{counter + 1}"
    limits: list[int | None] = [None, None, None]
    limits[counter] = DAILY_ORDERS

    def take(order_id: str) -> None:
        amounts = [0, 0, 0]
        amounts[counter] = 1
        delta = CapacityDelta(node_id, day, *amounts, limits=(limits[0], limits[1], limits[2]))
        record = RecordWrite(order_id, {"status": "reserved", "version": 1}, creating=True)
        commit(current_database(), [delta], record)

    for i in range(DAILY_ORDERS):
        take(f"slot-{counter}-{i}")
    with pytest.raises(ReservationFailed) as refused:
        take(f"slot-{counter}-over")
    assert refused.value.reason == "stock_changed"
    assert refused.value.details == [{"node_id": node_id, "day": day, "capacity": True}]
    use = capacity_use(current_database(), node_id, day)
    assert list(use.values())[counter] == DAILY_ORDERS
    assert order_record(current_database(), f"slot-{counter}-over") is None


def _capacity_items(node_id: str) -> dict[str, dict[str, Any]]:
    db = current_database()
    return {
        item["day"]: item
        for item in scan_all(db.client, db.table("capacity"))
        if item["node_id"] == node_id
    }


def test_cancel_on_the_next_day_releases_the_day_it_was_reserved(
    stack: LocalStack, api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    _only_at_w1(api, DATED_SKU, 10)
    day, next_day = DAY.date().isoformat(), (DAY + dt.timedelta(days=1)).date().isoformat()
    order = _order("dated-order", DATED_SKU, qty=2)
    with time_machine.travel(DAY, tick=False):
        placed = handler_call("POST", "/v1/orders", "/v1/orders", order)
    assert placed["day"] == day and placed["shipments"][0]["node_id"] == "W1"
    assert capacity_use(current_database(), "W1", day) == {"orders": 1, "units": 2, "same_day": 0}

    monkeypatch.setenv("CLOSED_ORDER_RETENTION_DAYS", str(RETENTION_DAYS))
    cancelled_at = DAY + dt.timedelta(days=1)
    with time_machine.travel(cancelled_at, tick=False):
        oid = order["order_id"]
        path, resource = f"/v1/orders/{oid}/cancel", "/v1/orders/{order_id}/cancel"
        assert handler_call("POST", path, resource, order_id=oid)["status"] == "cancelled"
        node = handler_call(
            "GET", "/v1/nodes/W1", "/v1/nodes/{node_id}", function="admin", node_id="W1"
        )

    zero = {"orders": 0, "units": 0, "same_day": 0}
    assert capacity_use(current_database(), "W1", day) == zero
    assert capacity_use(current_database(), "W1", next_day) == zero
    assert node["capacity_use"] == {"day": next_day, **zero}
    assert stock_of(api, DATED_SKU)["W1"]["reserved"] == 0
    record = order_record(current_database(), oid)
    assert record is not None
    expires = int(cancelled_at.timestamp()) + RETENTION_DAYS * 86_400
    assert int(record[TTL_ATTRIBUTE["orders"]]) == expires
    kept_until = dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
    kept_until += dt.timedelta(days=CAPACITY_RETENTION_DAYS)
    item = _capacity_items("W1")[day]
    assert int(item[TTL_ATTRIBUTE["capacity"]]) == int(kept_until.timestamp())
