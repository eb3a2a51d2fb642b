"""The failure paths of the chunked commit (`functions/dal/reservations.py`) that the crash
harness (tests/e2e/test_crash_recovery.py: a kill at every step, then a retry after the lease or
the sweeper) and tests/integration/test_reservations.py (the last chunk fails) do not take: the
first chunk fails, the record already exists or moved on, a change is refused while another is
pending, an undo that two recoveries both try is applied once, and a retry inside the cut-short
change's deadline answers 409 `order_in_progress` with Retry-After.

Against the local stack's DynamoDB (moto over HTTP). A change is cut short in this process by
ending it with an exception that nothing catches at the transaction that would apply its second
chunk: what is left in DynamoDB is what a kill between the two chunks leaves."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from functions.dal import reservations
from functions.dal.capacity import capacity_use
from functions.dal.client import scan_all
from functions.dal.database import current_database
from functions.dal.orders import order_record
from functions.dal.reservations import (
    CHUNK_SIZE,
    CapacityDelta,
    Delta,
    RecordWrite,
    ReservationFailed,
    StockDelta,
    commit,
    hold_until,
    recover,
)
from functions.logic.orders.lifecycle import create_order
from omniroute.local.stack import LocalStack, start_local_stack
from solver.models import Order
from tests.e2e.test_crash_recovery import BIG_LINES, _lightest_skus
from tests.e2e.test_crash_recovery import _prepare_network as prepare_network
from tests.integration.api_client import ApiClient

SKUS = _lightest_skus(BIG_LINES)
"""Stocked at W1 and W2 by the fixture, with a rate band that carries them all in one parcel
(so a plan of them is quick): more SKUs than one transaction holds (CHUNK_SIZE = 99)."""
ON_HAND = 100_000
NEAR_W1 = {"lat": 35.1, "lon": -89.9}  # Memphis, next to warehouse W1
DAY = "2031-05-01"


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """Its own stack (the tests compare stock before and after), no sweeper in the background
    (a change cut short stays pending until a test recovers it)."""
    running = start_local_stack(workers=1, run_schedules=False)
    api = ApiClient(running.url)
    prepare_network(api)
    api.close()
    yield running
    running.stop()


class Killed(BaseException):
    """The process ended here (nothing in the code under test catches a BaseException)."""


@pytest.fixture()
def dies_before_second_chunk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """While active, a chunked commit stops just before its second chunk's transaction."""
    real = reservations._transact

    def transact(db: Any, actions: list[dict[str, Any]], token: str) -> None:
        if re.fullmatch(r"[0-9a-f]{32}:1", token):
            raise Killed(token)
        real(db, actions, token)

    monkeypatch.setattr(reservations, "_transact", transact)
    yield
    monkeypatch.setattr(reservations, "_transact", real)


def _stock(api: ApiClient) -> dict[str, dict[str, Any]]:
    """Every node's stock levels of every SKU (one scan of the stock table)."""
    db = current_database()
    return {item["sku"]: item["levels"] for item in scan_all(db.client, db.table("stock"))}


def _takes(count: int, first_units: int = 1) -> list[Delta]:
    """One unit of each of `count` SKUs at W1 (the first SKU: `first_units`) and W1's day."""
    deltas: list[Delta] = [StockDelta(sku, {"W1": 1}) for sku in SKUS[:count]]
    deltas[0] = StockDelta(SKUS[0], {"W1": first_units})
    deltas.append(CapacityDelta("W1", DAY, orders=1, units=count))
    return deltas


def _existing(order_id: str) -> dict[str, Any]:
    """A settled order record, version 1, holding nothing."""
    commit(
        current_database(), [], RecordWrite(order_id, {"status": "reserved", "version": 1}, True)
    )
    record = order_record(current_database(), order_id)
    assert record is not None
    return record


def test_a_first_chunk_that_fails_creates_nothing_and_takes_nothing(
    stack: LocalStack, api: ApiClient
) -> None:
    before, day_before = _stock(api), capacity_use(current_database(), "W1", DAY)
    deltas = _takes(len(SKUS), first_units=ON_HAND + 1)  # the first chunk's first take fails
    assert len(deltas) > CHUNK_SIZE
    record = RecordWrite("first-chunk-fails", {"status": "reserved", "version": 1}, True)
    with pytest.raises(ReservationFailed) as failure:
        commit(current_database(), deltas, record)
    assert failure.value.reason == "stock_changed"
    assert failure.value.details == [{"sku": SKUS[0], "nodes": ["W1"]}]
    assert order_record(current_database(), "first-chunk-fails") is None
    assert _stock(api) == before
    assert capacity_use(current_database(), "W1", DAY) == day_before


def _refused_and_unchanged(
    api: ApiClient, deltas: list[Delta], write: RecordWrite, reason: str
) -> None:
    """The commit is refused for `reason`, and the order's record and all stock are as before."""
    existing, before = order_record(current_database(), write.order_id), _stock(api)
    with pytest.raises(ReservationFailed) as failure:
        commit(current_database(), deltas, write)
    assert failure.value.reason == reason
    assert order_record(current_database(), write.order_id) == existing
    assert _stock(api) == before


def test_a_failed_chunk_of_a_change_to_an_existing_order_leaves_it_as_it_was(
    stack: LocalStack, api: ApiClient
) -> None:
    _existing("change-fails")
    deltas = _takes(len(SKUS))
    deltas[-2] = StockDelta(SKUS[-1], {"W1": ON_HAND + 1})  # in the second chunk
    write = RecordWrite("change-fails", {"status": "cancelled", "version": 2}, False, 1)
    _refused_and_unchanged(api, deltas, write, "stock_changed")


@pytest.mark.parametrize("count", [2, len(SKUS)], ids=["one-transaction", "chunked"])
def test_creating_an_order_that_exists_changes_nothing(
    stack: LocalStack, api: ApiClient, count: int
) -> None:
    _existing(f"exists-{count}")
    record = RecordWrite(f"exists-{count}", {"status": "reserved", "version": 1}, True)
    _refused_and_unchanged(api, _takes(count), record, "record_changed")


@pytest.mark.parametrize("count", [2, len(SKUS)], ids=["one-transaction", "chunked"])
def test_a_change_from_a_version_that_moved_on_changes_nothing(
    stack: LocalStack, api: ApiClient, count: int
) -> None:
    _existing(f"moved-on-{count}")
    write = RecordWrite(f"moved-on-{count}", {"status": "cancelled", "version": 2}, False, 0)
    _refused_and_unchanged(api, _takes(count), write, "record_changed")


def _order(order_id: str) -> Order:
    lines = [{"line_id": str(i), "sku": sku, "qty": 1} for i, sku in enumerate(SKUS)]
    return Order.model_validate(
        {"order_id": order_id, "customer": NEAR_W1, "service": "ground", "lines": lines}
    )


def _cut_short(order: Order, deadline: float) -> None:
    """Create `order` as the API would, ended between its first and second chunk, by an
    invocation whose deadline is `deadline` (epoch seconds)."""
    hold_until(deadline)
    try:
        with pytest.raises(Killed):
            create_order(current_database(), order)
    finally:
        hold_until(None)
    record = order_record(current_database(), order.order_id)
    assert record is not None and record["status"] == "pending"
    assert len(record["applied"]) == 1


@pytest.mark.usefixtures("dies_before_second_chunk")
def test_a_change_is_refused_while_another_is_pending(stack: LocalStack, api: ApiClient) -> None:
    existing = _existing("pending-elsewhere")
    write = RecordWrite("pending-elsewhere", {"status": "cancelled", "version": 2}, False, 1)
    before = _stock(api)
    with pytest.raises(Killed):
        commit(current_database(), _takes(len(SKUS)), write)
    pending = order_record(current_database(), "pending-elsewhere")
    assert pending is not None and "pending_op" in pending
    held = _stock(api)
    with pytest.raises(ReservationFailed) as failure:
        commit(current_database(), _takes(2), write)
    assert failure.value.reason == "record_changed"
    assert _stock(api) == held
    assert recover(current_database(), "pending-elsewhere") == "rollback"
    assert order_record(current_database(), "pending-elsewhere") == existing
    assert _stock(api) == before


def test_an_undo_that_two_recoveries_try_is_applied_once(
    stack: LocalStack,
    api: ApiClient,
    dies_before_second_chunk: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    order = _order("undone-once")
    before = _stock(api)
    _cut_short(order, deadline=time.time() - 1)
    read_before_the_undo = order_record(current_database(), "undone-once")
    assert read_before_the_undo is not None
    # The first recovery dies just after its undo of the first chunk: the record is still
    # pending (rolling back), the chunk's mark gone.
    transact = reservations._transact

    def dies_after_undo(db: Any, actions: list[dict[str, Any]], token: str) -> None:
        transact(db, actions, token)
        if token.startswith("undo:"):
            raise Killed(token)

    monkeypatch.setattr(reservations, "_transact", dies_after_undo)
    with pytest.raises(Killed):
        recover(current_database(), "undone-once")
    monkeypatch.setattr(reservations, "_transact", transact)
    midway = order_record(current_database(), "undone-once")
    assert midway is not None and midway["recovery"] == "rollback" and not midway.get("applied")
    assert _stock(api) == before
    # A second recovery that read the record before that undo tries the same undo: its guard
    # (the chunk's mark must still be there) refuses it, and the rollback finishes.
    reads = iter([{**read_before_the_undo, "recovery": "rollback"}])
    real_read = reservations.order_record
    monkeypatch.setattr(
        reservations, "order_record", lambda db, oid: next(reads, None) or real_read(db, oid)
    )
    assert recover(current_database(), "undone-once") == "rollback"
    assert order_record(current_database(), "undone-once") is None
    assert _stock(api) == before


def test_recoveries_running_at_once_undo_a_change_once(
    stack: LocalStack, api: ApiClient, dies_before_second_chunk: None
) -> None:
    order = _order("undone-by-four")
    before = _stock(api)
    _cut_short(order, deadline=time.time() - 1)
    directions: list[str | None] = []
    start = threading.Barrier(4)

    def recovery() -> None:
        start.wait()
        directions.append(recover(current_database(), order.order_id))

    threads = [threading.Thread(target=recovery) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(directions) <= {"rollback", None} and "rollback" in directions
    assert order_record(current_database(), order.order_id) is None
    assert _stock(api) == before


def test_a_retry_within_the_deadline_answers_order_in_progress_then_after_it_creates(
    stack: LocalStack, api: ApiClient, dies_before_second_chunk: None
) -> None:
    before = _stock(api)
    running, over = _order("still-running"), _order("deadline-passed")
    _cut_short(running, deadline=time.time() + 600)
    _cut_short(over, deadline=time.time() - 1)

    retry = api.post("/v1/orders", running.model_dump(mode="json"))
    assert retry.status == 409 and retry.body["code"] == "order_in_progress", retry.body
    assert 500 <= int(retry.headers["Retry-After"]) <= 600
    shown = api.get("/v1/orders/still-running")
    assert shown.status == 409 and shown.body["code"] == "order_in_progress"
    record = order_record(current_database(), "still-running")
    assert record is not None and "recovery" not in record  # nobody touched it

    retry = api.post("/v1/orders", over.model_dump(mode="json"))
    assert retry.status == 201 and retry.body["status"] == "reserved", retry.body
    record = order_record(current_database(), "deadline-passed")
    assert record is not None and "pending_op" not in record

    assert recover(current_database(), "still-running") == "rollback"
    held = {
        (sku, node): level["reserved"]
        for sku, levels in before.items()
        for node, level in levels.items()
    }
    for shipment in retry.body["shipments"]:
        for line in shipment["lines"]:
            held[line["sku"], shipment["node_id"]] += line["qty"]
    after = _stock(api)
    assert {key: after[key[0]][key[1]]["reserved"] for key in held} == held
