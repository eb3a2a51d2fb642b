"""Reservations never oversell, large orders reserve in chunks, and a failed chunk leaves
nothing reserved: against the local stack (moto DynamoDB over HTTP), with concurrent clients."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.dal.capacity import capacity_use
from functions.dal.database import current_database
from functions.dal.orders import order_record
from functions.dal.reservations import (
    CapacityDelta,
    RecordWrite,
    ReservationFailed,
    StockDelta,
    commit,
)
from omniroute.local.stack import DEFAULT_DATASET, LocalStack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import running_stack, shipped_units, stock_of

CLIENTS = 16
WORKERS = 4


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """Four handler processes: four requests really run at once (like four Lambda containers)."""
    yield from running_stack(WORKERS)


SCARCE_UNITS = 5
NEAR_W1 = {"lat": 35.1, "lon": -89.9}  # Memphis, next to warehouse W1


def _only_stock_at(api: ApiClient, sku: str, node_id: str, units: int) -> None:
    """Leave `units` available of `sku` at `node_id` and none anywhere else."""
    rows = [
        {"node_id": other, "sku": sku, "on_hand": 0, "safety_stock": 0}
        for other in stock_of(api, sku)
        if other != node_id
    ]
    rows.append({"node_id": node_id, "sku": sku, "on_hand": units, "safety_stock": 0})
    reply = api.put("/v1/inventory", {"rows": rows})
    assert reply.status == 200, reply.body


def _order(order_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {"order_id": order_id, "customer": NEAR_W1, "service": "ground", "lines": lines}


def _most_valuable_sku() -> str:
    """Worth shipping rather than leaving unfilled (unfilled units cost their value, spec §4)."""
    with Path(DEFAULT_DATASET, "skus.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return max(rows, key=lambda row: float(row["unit_value"]))["sku"]


def test_concurrent_orders_reserve_exactly_the_available_units(
    stack: LocalStack, api: ApiClient
) -> None:
    sku = _most_valuable_sku()
    _only_stock_at(api, sku, "W1", SCARCE_UNITS)
    replies: list[Any] = [None] * CLIENTS
    start = threading.Barrier(CLIENTS)

    def client(i: int) -> None:
        own = ApiClient(stack.url)  # its own connection
        start.wait()
        replies[i] = own.post(
            "/v1/orders", _order(f"race-{i}", [{"line_id": "1", "sku": sku, "qty": 1}])
        )
        own.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # Every caller gets a clear answer: a plan (shipped or unfilled) or a 409 with a reason.
    assert all(r.status in (201, 409) for r in replies), [r.body for r in replies]
    plans = [r.body for r in replies if r.status == 201]
    for r in replies:
        if r.status == 409:
            assert r.body["code"] == "stock_changed"
    shipped = sum(sum(shipped_units(p).values()) for p in plans)
    unfilled = sum(u["qty"] for p in plans for u in p["unfilled"])
    assert shipped == SCARCE_UNITS
    assert shipped + unfilled == len(plans)
    level = stock_of(api, sku)["W1"]
    assert level["reserved"] == SCARCE_UNITS
    assert level["available"] == 0
    assert all(
        row["available"] >= 0 and row["reserved"] >= 0 for row in stock_of(api, sku).values()
    )


def _skus_with_stock(api: ApiClient, count: int) -> list[tuple[str, str]]:
    """(sku, node) pairs, one per SKU, each with at least one unit available."""
    out = []
    for n in range(1, 151):
        sku = f"SKU-{n:05d}"
        rows = stock_of(api, sku)
        node = next((node for node, row in rows.items() if row["available"] > 0), None)
        if node is not None:
            out.append((sku, node))
        if len(out) == count:
            break
    assert len(out) == count
    return out


def test_an_order_of_more_than_100_writes_reserves_and_cancels_exactly(api: ApiClient) -> None:
    picks = _skus_with_stock(api, 120)
    before = {sku: stock_of(api, sku) for sku, _ in picks}
    lines = [{"line_id": str(i), "sku": sku, "qty": 1} for i, (sku, _) in enumerate(picks)]
    order = _order("big-order", lines)
    reply = api.post("/v1/orders", order)
    assert reply.status == 201, reply.body
    taken = shipped_units(reply.body)
    assert sum(taken.values()) + sum(u["qty"] for u in reply.body["unfilled"]) == 120
    assert len(taken) > 100  # more stock writes than one transaction holds
    for (node_id, sku), units in taken.items():
        level = stock_of(api, sku)[node_id]
        assert level["reserved"] == before[sku][node_id]["reserved"] + units
    record = order_record(current_database(), "big-order")
    assert record is not None and record["status"] == "reserved"
    assert "pending_op" not in record and "applied" not in record
    assert api.post("/v1/orders/big-order/cancel").status == 200
    assert {sku: stock_of(api, sku) for sku, _ in picks} == before


def test_a_failed_chunk_leaves_nothing_reserved(stack: LocalStack, api: ApiClient) -> None:
    picks = _skus_with_stock(api, 130)
    before = {sku: stock_of(api, sku) for sku, _ in picks}
    capacity_before = api.get("/v1/nodes/W1").body["capacity_use"]
    deltas: list[Any] = [StockDelta(sku, {node: 1}) for sku, node in picks[:-1]]
    last_sku, last_node = picks[-1]
    # The last chunk asks for more than there is: its condition fails after two chunks commit.
    deltas.append(StockDelta(last_sku, {last_node: 10_000}))
    deltas.insert(
        0, CapacityDelta("W1", capacity_before["day"], orders=1, units=3, limits=(None, None, None))
    )
    record = RecordWrite("half-done", {"status": "reserved", "version": 1}, creating=True)
    with pytest.raises(ReservationFailed) as failure:
        commit(current_database(), deltas, record)
    assert failure.value.reason == "stock_changed"
    assert failure.value.details == [{"sku": last_sku, "nodes": [last_node]}]
    assert {sku: stock_of(api, sku) for sku, _ in picks} == before
    day = capacity_before.pop("day")  # the day read, not a fresh "today" (midnight may pass)
    assert capacity_use(current_database(), "W1", day) == capacity_before
    assert order_record(current_database(), "half-done") is None


def test_a_failed_transaction_creates_nothing(api: ApiClient) -> None:
    """The stock condition fails; the capacity item and the order record the same transaction
    would have created do not exist afterwards (the embedded DynamoDB rolls back per item)."""
    sku, node = _skus_with_stock(api, 1)[0]
    before = stock_of(api, sku)
    day = "2031-01-01"
    deltas: list[Any] = [
        StockDelta(sku, {node: 10_000}),
        CapacityDelta(node, day, orders=1, units=10_000, limits=(None, None, None)),
    ]
    record = RecordWrite("doomed", {"status": "reserved", "version": 1}, creating=True)
    with pytest.raises(ReservationFailed):
        commit(current_database(), deltas, record)
    assert stock_of(api, sku) == before
    assert capacity_use(current_database(), node, day) == {"orders": 0, "units": 0, "same_day": 0}
    assert order_record(current_database(), "doomed") is None
