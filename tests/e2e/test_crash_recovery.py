"""The crash harness (issue 12, finding 1): the handler's process is killed at every step of
POST /v1/orders, cancel and reject, each for a small order (one transaction) and for a chunked
one (more than 99 writes): before its first AWS call, between every two, after the last and
after the handler returned. After recovery, by a retry of the same request or by the sweeper, no order is left
half-done: every order is wholly reserved or wholly released, and `reserved` equals what the
live orders hold for every (SKU, node), as capacity use equals what they use.

Kills go through the local stack's fault injection (`X-Omniroute-Fault`,
omniroute/local/faults.py). Each point gets its own order. Every killed request runs on a
worker whose network cache is cold (a replacement, or one whose config version the harness
moved), so the k-th call is the same call for every request of an operation.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from functions.dal.client import scan_all
from functions.dal.database import current_database
from functions.dal.network_config import bump_version_action, config_document
from omniroute.local import faults
from omniroute.local.stack import LocalStack, start_local_stack
from tests.integration.api_client import ApiClient, Reply

WORKERS = 4
NEAR_W1 = {"lat": 35.1, "lon": -89.9}  # Memphis, next to warehouse W1
BIG_LINES = 100
"""Lines of the chunked order: 100 stock items and a capacity item, more than one transaction
holds (99 deltas and the order record)."""
LEASE_SECONDS = 31.0
"""The local Lambda context gives each invocation 30 s: after that its idempotency record and
its order's pending change are free for a retry to take over."""

Request = tuple[str, str, Any]
"""(method, path, body)."""


def _lightest_skus(count: int) -> list[str]:
    from omniroute.local.stack import DEFAULT_DATASET

    with open(os.path.join(DEFAULT_DATASET, "skus.csv")) as handle:
        rows = [line.split(",") for line in handle.read().splitlines()[1:]]
    return [row[0] for row in sorted(rows, key=lambda r: (float(r[1]), r[0]))[:count]]


SKUS = _lightest_skus(BIG_LINES)


def _order(order_id: str, lines: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "customer": NEAR_W1,
        "service": "ground",
        "lines": [{"line_id": str(i), "sku": sku, "qty": 1} for i, sku in enumerate(SKUS[:lines])],
    }


@dataclass(frozen=True)
class Operation:
    """A request to kill: `lines` of the order it acts on; `prepare` creates that order first
    (cancel, reject); `request` is what is sent."""

    name: str
    lines: int
    request: Callable[[str], Request]
    prepare: bool


def _create(lines: int) -> Callable[[str], Request]:
    return lambda order_id: ("POST", "/v1/orders", _order(order_id, lines))


def _cancel(order_id: str) -> Request:
    return "POST", f"/v1/orders/{order_id}/cancel", None


def _reject(lines: int) -> Callable[[str], Request]:
    body = {"node_id": "W1", "lines": [{"line_id": str(i)} for i in range(lines)]}
    return lambda order_id: ("POST", f"/v1/orders/{order_id}/reject", body)


OPERATIONS = (
    Operation("create", 2, _create(2), prepare=False),
    Operation("create-big", BIG_LINES, _create(BIG_LINES), prepare=False),
    Operation("cancel", 2, _cancel, prepare=True),
    Operation("cancel-big", BIG_LINES, _cancel, prepare=True),
    Operation("reject", 2, _reject(2), prepare=True),
    Operation("reject-big", BIG_LINES, _reject(BIG_LINES), prepare=True),
)


@dataclass
class Point:
    operation: Operation
    fault: str
    order_id: str
    recovered_by: str
    killed: Reply | None = None
    retried: Reply | None = None


@dataclass
class Harness:
    stack: LocalStack
    calls: dict[str, list[str]] = field(default_factory=dict)
    points: list[Point] = field(default_factory=list)
    swept: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each phase (shown with `pytest -s`)."""

    def phase(self, name: str, started: float) -> float:
        now = time.monotonic()
        self.seconds[name] = round(now - started, 1)
        print(f"crash harness: {name} {self.seconds[name]} s", file=sys.stderr)
        return now


def _send(stack: LocalStack, request: Request, fault: str | None = None) -> Reply:
    client = ApiClient(stack.url)
    try:
        method, path, body = request
        headers = {faults.FAULT_HEADER: fault} if fault else {}
        return client.call(method, path, body, headers=headers)
    finally:
        client.close()


def _cold_caches() -> None:
    """Move the config version (from here, not through a worker, which would cache the new
    one): every worker reads nodes and config again on its next order."""
    db = current_database()
    db.client.transact_write_items(TransactItems=[bump_version_action(db)])


def _prepare_network(api: ApiClient) -> None:
    """Stock of the order's SKUs at W1 and W2 only, no capacity limits there, and a rate band
    that carries the chunked order in one shipment (so a reject at W1 moves all of it)."""
    for node in ("W1", "W2", "W3"):
        limits = {"max_orders_per_day": None, "max_units_per_day": None}
        assert api.put(f"/v1/nodes/{node}", limits).status == 200
    nodes = [line.split(",")[0] for line in _dataset_lines("nodes.csv")]
    rows = [
        {"node_id": node, "sku": sku, "on_hand": 100_000 if node in ("W1", "W2") else 0}
        for node in nodes
        for sku in SKUS
    ]
    assert api.put("/v1/inventory", {"rows": rows}).status == 200
    rates = config_document(current_database(), "rates")
    heavy = {}
    for row in rates:
        key = (row["service"], row["zone"])
        if key not in heavy or row["max_kg"] > heavy[key]["max_kg"]:
            heavy[key] = row
    extra = [{**row, "max_kg": 200, "cost": row["cost"] + 10} for row in heavy.values()]
    assert api.put("/v1/config/rates", {"rows": [*rates, *extra]}).status == 200


def _dataset_lines(name: str) -> list[str]:
    from omniroute.local.stack import DEFAULT_DATASET

    with open(os.path.join(DEFAULT_DATASET, name)) as handle:
        return handle.read().splitlines()[1:]


def _prepared_order(api: ApiClient, order_id: str, lines: int) -> None:
    reply = api.post("/v1/orders", _order(order_id, lines))
    assert reply.status == 201 and reply.body["status"] == "reserved", reply.body
    assert all(s["node_id"] == "W1" for s in reply.body["shipments"]), reply.body


def _fault_points(calls: int) -> list[str]:
    """Before the first call, between every two (just after one answered: the next is not sent,
    the same state as just before it), after the last, and after the handler returned."""
    between = [f"kill-after-call={k}" for k in range(1, calls + 1)]
    return ["kill-before-call=1", *between, "kill-after-handler"]


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    stack = start_local_stack(workers=WORKERS, fault_injection=True, run_schedules=False)
    # No reallocation triggers: a reject would fence its (node, SKU) and route the next orders
    # elsewhere (issue 11); this harness needs every order at W1.
    stack.events.stop()
    api = ApiClient(stack.url)
    try:
        _prepare_network(api)
        run = Harness(stack)
        started = time.monotonic()
        # Each operation's AWS calls, on a cold worker cache (as every killed request runs).
        for op in OPERATIONS:
            order_id = f"calls-{op.name}"
            if op.prepare:
                _prepared_order(api, order_id, op.lines)
            _cold_caches()
            reply = _send(stack, op.request(order_id))
            assert reply.status in (200, 201), (op.name, reply.body)
            run.calls[op.name] = reply.headers[faults.CALLS_HEADER].split(",")
        started = run.phase("calls of each operation", started)
        for op in OPERATIONS:
            for i, fault in enumerate(_fault_points(len(run.calls[op.name]))):
                order_id = f"{op.name}-{fault.removeprefix('kill-').replace('=', '-')}"
                by = "retry" if i % 2 else "sweeper"
                run.points.append(Point(op, fault, order_id, by))
        with ThreadPoolExecutor(WORKERS) as pool:
            list(
                pool.map(
                    lambda p: _prepared_order(ApiClient(stack.url), p.order_id, p.operation.lines),
                    [p for p in run.points if p.operation.prepare],
                )
            )
        started = run.phase("orders to cancel and reject", started)
        # Every request a kill: no worker serves two, so each one's cache is cold.
        _cold_caches()
        with ThreadPoolExecutor(WORKERS) as pool:
            killed = pool.map(
                lambda p: _send(stack, p.operation.request(p.order_id), p.fault), run.points
            )
            for point, reply in zip(run.points, killed, strict=True):
                point.killed = reply
        started = last_kill = run.phase(f"{len(run.points)} kills", started)
        time.sleep(max(0.0, LEASE_SECONDS - (time.monotonic() - last_kill)))
        started = run.phase("waiting for the leases", started)
        for point in run.points:
            if point.recovered_by == "retry":
                point.retried = _send(stack, point.operation.request(point.order_id))
        started = run.phase("retries", started)
        os.environ["PENDING_RECOVERY_SECONDS"] = "0"
        try:
            assert stack.schedules is not None
            run.swept = stack.schedules.run_now("SweeperFunction")
        finally:
            del os.environ["PENDING_RECOVERY_SECONDS"]
        run.phase("sweeper pass", started)
        yield run
    finally:
        api.close()
        stack.stop()


# --------------------------------------------------------------------------- what is checked


def _records() -> list[dict[str, Any]]:
    db = current_database()
    return scan_all(db.client, db.table("orders"))


HOLDING = {"reserved"}
"""Statuses of an order that holds stock and capacity (backordered and cancelled hold none)."""


def _held(records: list[dict[str, Any]]) -> tuple[Counter[tuple[str, str]], Counter[Any]]:
    """(what live orders hold: (sku, node) -> units; what they use: (node, day, counter) -> n)."""
    stock: Counter[tuple[str, str]] = Counter()
    capacity: Counter[Any] = Counter()
    for record in records:
        if record.get("status") not in HOLDING:
            continue
        sku_of = {line["line_id"]: line["sku"] for line in json.loads(record["order"])["lines"]}
        for shipment in json.loads(record["chosen"]):
            node, units = shipment["node_id"], shipment["units"]
            for line_id, qty in units.items():
                stock[sku_of[line_id], node] += qty
            capacity[node, record["day"], "orders"] += 1
            capacity[node, record["day"], "units"] += sum(units.values())
            capacity[node, record["day"], "same_day"] += shipment["method"] == "same_day"
    return stock, capacity


def test_every_step_of_every_operation_was_killed(harness: Harness) -> None:
    for op in OPERATIONS:
        calls = harness.calls[op.name]
        assert "dynamodb:TransactWriteItems" in calls, op.name
        points = [p for p in harness.points if p.operation is op]
        assert len(points) == len(calls) + 2
    big = harness.calls["create-big"]
    assert big.count("dynamodb:TransactWriteItems") >= 4  # begin, two chunks, finish
    assert harness.calls["reject-big"].count("dynamodb:TransactWriteItems") >= 6  # 2+2 chunks
    for point in harness.points:
        assert point.killed is not None and point.killed.status == 502, point.fault
        assert point.killed.body["code"] == "handler_crashed"


def test_after_recovery_no_order_is_left_half_done(harness: Harness) -> None:
    assert not [r["order_id"] for r in _records() if "pending_op" in r or "recovery" in r]
    assert not harness.swept["failed"]
    swept_ids = set(harness.swept["recovered"])
    assert swept_ids <= {p.order_id for p in harness.points if p.recovered_by == "sweeper"}
    assert {"forward", "rollback"} <= set(harness.swept["recovered"].values())


def test_reserved_equals_what_live_orders_hold_for_every_sku_and_node(harness: Harness) -> None:
    held, _ = _held(_records())
    db = current_database()
    for item in scan_all(db.client, db.table("stock")):
        for node, level in item.get("levels", {}).items():
            assert level["reserved"] == held.get((item["sku"], node), 0), (item["sku"], node)
            assert level["available"] == level["on_hand"] - level["safety"] - level["reserved"]


def test_capacity_use_equals_what_live_orders_use(harness: Harness) -> None:
    _, used = _held(_records())
    db = current_database()
    for item in scan_all(db.client, db.table("capacity")):
        for counter in ("orders", "units", "same_day"):
            key = (item["node_id"], item["day"], counter)
            assert int(item.get(counter, 0)) == used.get(key, 0), key


def test_each_order_is_wholly_what_its_operation_made_it_or_wholly_as_before(
    harness: Harness,
) -> None:
    records = {r["order_id"]: r for r in _records()}
    for point in harness.points:
        record = records.get(point.order_id)
        name = point.operation.name
        if name.startswith("create"):
            if record is not None:  # created whole, or (rolled back) not at all
                assert record["status"] == "reserved", point.fault
                assert sum(len(s["units"]) for s in json.loads(record["chosen"])) == (
                    point.operation.lines
                )
            continue
        assert record is not None, point.fault
        if name.startswith("cancel"):
            assert record["status"] in ("cancelled", "reserved"), point.fault
        else:
            chosen = json.loads(record["chosen"])
            nodes = {s["node_id"] for s in chosen}
            assert nodes in ({"W1"}, {"W2"}), (point.fault, nodes)  # all moved, or none
            assert ("W1" in json.loads(record["excluded"])) == (nodes == {"W2"})


def test_a_retry_after_a_crash_answers_what_the_request_asked_for(harness: Harness) -> None:
    retried = [p for p in harness.points if p.recovered_by == "retry"]
    assert retried
    for point in retried:
        reply = point.retried
        assert reply is not None
        assert reply.status in (200, 201), (point.operation.name, point.fault, reply.body)
        name = point.operation.name
        if name.startswith("create"):
            assert reply.body["status"] == "reserved"
        elif name.startswith("cancel"):
            assert reply.body["status"] == "cancelled"
        else:
            assert "W1" in reply.body["excluded_nodes"]
            assert {s["node_id"] for s in reply.body["shipments"]} == {"W2"}


def test_a_retry_after_the_sweeper_answers_what_the_request_asked_for(harness: Harness) -> None:
    for point in harness.points:
        if point.recovered_by != "sweeper":
            continue
        reply = _send(harness.stack, point.operation.request(point.order_id))
        assert reply.status in (200, 201), (point.operation.name, point.fault, reply.body)
    test_reserved_equals_what_live_orders_hold_for_every_sku_and_node(harness)
    test_capacity_use_equals_what_live_orders_use(harness)
