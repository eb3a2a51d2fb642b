"""Faults injected in the reallocation's tasks on the local stack: a DynamoDB error in the middle
of the commit, the worker killed in the middle of it, killed between chunks (after one chunk's
commit finished, before the task answered), and a commit that keeps failing. Step Functions
retries the task (the definition's Retry) or records the failure (its Catch); either way every
order ends wholly on its old allocation or wholly on its new one, never on both or neither:
what the stock reserves is exactly what the order records hold, and each order holds either
what it held before or what the re-plan gave it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from functions.dal.database import Database, current_database
from functions.dal.reallocation import records, storage
from omniroute.local.faults import Fault
from omniroute.local.stack import LocalStack, start_local_stack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders
from tests.integration.reallocations import (
    check_invariants,
    execution_history,
    order_records,
    reserved_matches_orders,
    wait_for_run,
)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    running = start_local_stack(workers=2, fault_injection=True)
    # Events stay on the bus: each test starts its run itself (with small chunks), so the run
    # a node's closing would start does not take the orders first.
    running.events.stop()
    api = ApiClient(running.url)
    for order in demo_orders():
        assert api.post("/v1/orders", order).status == 201
    api.close()
    yield running
    running.stop()


def planned_rows(run_id: str, chunks: int) -> dict[str, list[dict[str, Any]]]:
    """Per order of the run, the allocation its re-plan gave it (from the chunks' plan files)."""
    bucket = storage.reallocation_bucket()
    out = {}
    for n in range(chunks):
        key = storage.chunk_key(run_id, n, "plan")
        if storage.written(bucket, key):
            for entry in storage.read(bucket, key)["orders"]:
                out[entry["order_id"]] = entry["after"]["rows"]
    return out


def wholly_old_or_new(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], run: dict[str, Any]
) -> list[str]:
    """Orders whose allocation is neither what it was nor what the re-plan gave it."""
    record = records.get_record(current_database(), run["reallocation_id"]) or {}
    planned = planned_rows(run["reallocation_id"], int(record.get("chunks_total") or 0))

    def units(rows: list[dict[str, Any]]) -> dict[str, Any]:
        return {r["node_id"]: r["units"] for r in rows}

    wrong = []
    for order_id, rows in planned.items():
        held = units(json.loads(after[order_id]["chosen"]))
        if held not in (units(json.loads(before[order_id]["chosen"])), units(rows)):
            wrong.append(order_id)
    return wrong


def close_and_run(
    stack: LocalStack, node: str, faults: list[tuple[str, Fault]], chunk_orders: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    api = ApiClient(stack.url)
    db = current_database()
    for action, fault in faults:
        stack.machines.inject_task_fault(action, fault)
    before = order_records(db)
    started = api.post(
        "/v1/reallocations",
        {"trigger": {"kind": "node-offline", "node_id": node}, "chunk_orders": chunk_orders},
    )
    assert started.status == 202, started.body
    run = wait_for_run(api, db, started.body["reallocation_id"], timeout=300)
    after = order_records(db)
    api.close()
    return before, after, run


def failed_attempts(run_id: str) -> list[str]:
    """Task attempts of the run's execution that failed (and were retried or caught)."""
    events = execution_history(run_id)
    return [
        str(e.get("taskFailedEventDetails", {}).get("error"))
        for e in events
        if e["type"] == "TaskFailed"
    ]


def assert_consistent(db: Database, before: Any, after: Any, run: dict[str, Any]) -> None:
    assert check_invariants(db) == []
    assert wholly_old_or_new(before, after, run) == []


@pytest.mark.parametrize(
    ("node", "fault"),
    [
        # The commit task reads scope and plan from S3 (calls 1-2), the node (3: is it still
        # offline?), records that the chunk commits (4), reads the snapshot (5), then commits
        # one transaction per changed order.
        ("W1", Fault("error-at-call", 8)),  # DynamoDB fails at the third order's commit
        ("W2", Fault("after-call", 7)),  # the worker dies right after the second went through
        ("W3", Fault("before-call", 8)),  # ... or right before the third is sent
    ],
)
def test_a_fault_mid_commit_is_retried_and_leaves_every_order_old_or_new(
    stack: LocalStack, node: str, fault: Fault
) -> None:
    api = ApiClient(stack.url)
    assert api.put(f"/v1/nodes/{node}", {"active": False}).status == 200
    api.close()
    db = current_database()
    before, after, run = close_and_run(stack, node, [("commit", fault)], chunk_orders=4)
    assert run["status"] == "succeeded", run
    assert run["chunks"] >= 2
    expected = "ClientError" if fault.point == "error-at-call" else "Runtime.ExitError"
    assert failed_attempts(run["reallocation_id"]) == [expected]  # the fault, then a retry
    assert_consistent(db, before, after, run)


def test_killed_between_chunks_the_next_attempt_goes_on_where_it_stopped(stack: LocalStack) -> None:
    db = current_database()
    api = ApiClient(stack.url)
    assert api.put("/v1/nodes/S001", {"active": False}).status == 200
    api.close()
    faults = [("commit", Fault("after-handler")), ("snapshot", Fault("before-call", 1))]
    before, after, run = close_and_run(stack, "S001", faults, chunk_orders=1)
    assert run["status"] == "succeeded", run
    assert failed_attempts(run["reallocation_id"]) == ["Runtime.ExitError"] * 2
    assert_consistent(db, before, after, run)


def test_a_commit_that_keeps_failing_is_recorded_and_leaves_orders_whole(stack: LocalStack) -> None:
    db = current_database()
    api = ApiClient(stack.url)
    records = order_records(db)
    node = max(
        ("S002", "S003", "S004", "S005", "S006"),
        key=lambda n: sum(
            any(r["node_id"] == n for r in json.loads(x["chosen"])) for x in records.values()
        ),
    )
    assert api.put(f"/v1/nodes/{node}", {"active": False}).status == 200
    faults = [("commit", Fault("error-at-call", 8))] * 4  # the first try and its 3 retries
    before, after, run = close_and_run(stack, node, faults, chunk_orders=100)
    assert run["status"] == "failed"
    assert "InternalServerError" in run["error"], run["error"]
    assert failed_attempts(run["reallocation_id"]) == ["ClientError"] * 4
    assert reserved_matches_orders(db)
    # Orders not committed still hold the closed node (the run failed): nothing else is off.
    assert all("inactive" in problem for problem in check_invariants(db))
    assert wholly_old_or_new(before, after, run) == []
    api.close()


def busiest_open_node(db: Database) -> str:
    """The active node holding the most open orders (the earlier tests closed theirs)."""
    held: dict[str, int] = {}
    for record in order_records(db).values():
        if record["status"] in ("reserved", "backordered"):
            for row in json.loads(record["chosen"]):
                held[row["node_id"]] = held.get(row["node_id"], 0) + 1
    return max(held, key=lambda n: (held[n], n))


@pytest.mark.parametrize("action", ["find", "snapshot", "replan", "publish", "report"])
def test_the_worker_killed_after_any_task_did_its_work_is_retried_and_orders_stay_whole(
    stack: LocalStack, action: str
) -> None:
    """The worst moment to die: the task's work is done (files written, run updated, events
    sent) but Step Functions never hears of it; the retry must find it done or redo it."""
    db = current_database()
    api = ApiClient(stack.url)
    node = busiest_open_node(db)
    assert api.put(f"/v1/nodes/{node}", {"active": False}).status == 200
    api.close()
    before, after, run = close_and_run(stack, node, [(action, Fault("after-handler"))], 3)
    assert run["status"] == "succeeded", run
    assert failed_attempts(run["reallocation_id"]) == ["Runtime.ExitError"]
    assert run["orders_moved"] + run["orders_changed"] > 0, run
    assert_consistent(db, before, after, run)
