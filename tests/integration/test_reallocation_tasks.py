"""The reallocation state machine's tasks, each called as the definition calls it: the payload
built from the definition's own Parameters (JSONPath into the state's input), the answer read
through its ResultSelector; against moto's DynamoDB and S3 over HTTP (a local stack whose event
rules are off, so nothing but the test starts a run)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.dal.database import current_database
from functions.dal.reallocation import records, storage
from functions.handlers.reallocation_worker import handler
from omniroute.local.events import LambdaContext
from omniroute.local.stack import LocalStack, start_local_stack
from tests.integration.api_client import ApiClient
from tests.integration.reallocations import check_invariants, order_records

ASL = Path(__file__).resolve().parents[2] / "infra" / "reallocation-state-machine.asl.json"


def states() -> dict[str, dict[str, Any]]:
    machine = json.loads(ASL.read_text())
    inner = machine["States"]["ReallocateChunks"]["ItemProcessor"]["States"]
    return {**machine["States"], **inner}


def resolve(template: Any, state_input: dict[str, Any], context: dict[str, Any]) -> Any:
    """A Parameters/ItemSelector/ResultSelector template applied as Step Functions applies it
    (the `$.a.b` and `$$.a.b` paths the definition uses)."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                root = context if value.startswith("$$") else state_input
                node: Any = root
                for part in value.lstrip("$").strip(".").split("."):
                    if part:
                        node = node[part]
                out[key[:-2]] = node
            else:
                out[key] = resolve(value, state_input, context)
        return out
    return template


def run_task(name: str, state_input: dict[str, Any], context: dict[str, Any] | None = None) -> Any:
    """Call the task `name` with the payload its definition builds; its ResultSelector's view."""
    state = states()[name]
    payload = resolve(state["Parameters"]["Payload"], state_input, context or {})
    answer = handler(payload, LambdaContext("ReallocationWorker"))
    json.dumps(answer)  # what Lambda returns must be JSON
    return resolve(state.get("ResultSelector") or {}, {"Payload": answer}, {})


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    running = start_local_stack(workers=1)
    running.events.stop()
    yield running
    running.stop()


def node_location(api: ApiClient, node_id: str) -> dict[str, float]:
    node = api.get(f"/v1/nodes/{node_id}").body
    return {"lat": node["lat"], "lon": node["lon"]}


@pytest.fixture(scope="module")
def swap(stack: LocalStack) -> dict[str, Any]:
    """Two orders of one unit of SKU-00001, A at S001 and B at S002, with no other unit of it
    anywhere: moving A to S002 and B to S001 only fits as one transaction."""
    api = ApiClient(stack.url)
    sku = "SKU-00001"
    levels = api.get(f"/v1/inventory/{sku}").body["nodes"]
    rows = [
        {"node_id": n["node_id"], "sku": sku, "on_hand": 0, "safety_stock": 0}
        for n in levels
        if n["node_id"] not in ("S001", "S002")
    ]
    rows += [{"node_id": n, "sku": sku, "on_hand": 1, "safety_stock": 0} for n in ("S001", "S002")]
    assert api.put("/v1/inventory", {"rows": rows}).status == 200
    placed = {}
    for order_id, node in (("swap-a", "S001"), ("swap-b", "S002")):
        order = {
            "order_id": order_id,
            "customer": node_location(api, node),
            "service": "ground",
            "lines": [{"line_id": "1", "sku": sku, "qty": 1}],
        }
        placed[order_id] = api.post("/v1/orders", order).body
    # Each holds one of the two units (which one is the router's choice).
    held = [[s["node_id"] for s in placed[o]["shipments"]] for o in ("swap-a", "swap-b")]
    assert sorted(held) == [["S001"], ["S002"]], held
    api.close()
    return placed


def run_input(rid: str, trigger: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
    return {
        "reallocation_id": rid,
        "bucket": storage.reallocation_bucket(),
        "trigger": trigger,
        "dry_run": dry_run,
        "chunk_orders": 1,
    }


def test_each_task_takes_what_the_definition_passes_and_answers_what_it_selects(
    stack: LocalStack, swap: dict[str, Any]
) -> None:
    db = current_database()
    rid = "manual-tasks-1"
    trigger = {"kind": "manual", "scope": {"order_ids": ["swap-a", "swap-b"]}, "request_id": "t1"}
    top = run_input(rid, trigger, dry_run=True)
    found = run_task("FindAffected", top)
    assert found == {"chunks": [{"chunk": 0}, {"chunk": 1}], "orders": 2}
    item_selector = json.loads(ASL.read_text())["States"]["ReallocateChunks"]["ItemSelector"]
    for entry in found["chunks"]:
        item = resolve(item_selector, top, {"Map": {"Item": {"Value": entry}}})
        assert item == {"reallocation_id": rid, "bucket": top["bucket"], "dry_run": True, **entry}
        assert run_task("Snapshot", item) == {"orders": 1, "skipped": 0}
        replanned = run_task("Replan", item)
        assert set(replanned) == {"changed", "moved", "bound"}
        assert run_task("Commit", item) == {"committed": 0, "skipped": 0}  # a dry run
        assert run_task("Publish", item) == {"published": 0}
    report = run_task("WriteReport", top)
    assert report == {"report_key": storage.report_key(rid), "status": "succeeded"}
    record = records.get_record(db, rid)
    assert record is not None and record["status"] == "succeeded"
    assert record["summary"]["orders_considered"] == 2
    failed = handler(
        {"action": "fail", "reallocation_id": rid, "error": {"Error": "X", "Cause": "y"}},
        LambdaContext("ReallocationWorker"),
    )
    assert failed == {"status": "succeeded"}  # a succeeded run stays succeeded


ANSWER_ONLY = ("alternative", "state")
"""Fields of a shipment in the API's answer that a plan file (spec §6) does not have."""


def plan_file(rid: str, snapshot: dict[str, Any], moves: dict[str, str], steps: list[list[str]]):
    """A chunk's plan.json moving each order of `moves` to the node named (as the re-plan
    writes it)."""
    entries = []
    for o in snapshot["orders"]:
        order_id = o["order"]["order_id"]
        body = o["body"]
        target = moves.get(order_id)
        if target is None:
            entries.append(
                {
                    "order_id": order_id,
                    "version": o["version"],
                    "status": "kept",
                    "before": {"rows": o["chosen"], "plan": body, "routed": body},
                    "after": {"rows": o["chosen"], "plan": body},
                    "reason": None,
                }
            )
            continue
        after_plan = {
            **{k: body[k] for k in ("order_id", "cost", "unfilled", "breakdown")},
            "shipments": [
                {
                    **{k: v for k, v in body["shipments"][0].items() if k not in ANSWER_ONLY},
                    "node_id": target,
                }
            ],
        }
        entries.append(
            {
                "order_id": order_id,
                "version": o["version"],
                "status": "moved",
                "before": {"rows": o["chosen"], "plan": body, "routed": body},
                "after": {
                    "rows": [{"node_id": target, "method": "ground", "units": {"1": 1}}],
                    "plan": after_plan,
                },
                "moved_units": 1,
                "filled_units": 0,
                "unfilled_units": 0,
                "newly_unfilled_units": 0,
                "locked_units": 0,
                "reason": {"code": "saving", "message": "test", "saving": 9.0, "penalty": 3.5},
            }
        )
    return {"strategy": "optimal", "bound": None, "orders": entries, "steps": steps, "skipped": []}


@pytest.mark.parametrize(
    ("movers", "steps", "committed"),
    [
        (["swap-a"], [["swap-a"]], 0),  # A alone: B still holds the unit A wants
        (["swap-a", "swap-b"], [["swap-a", "swap-b"]], 2),  # the swap, as one transaction
    ],
)
def test_a_cycle_commits_only_as_one_transaction(
    stack: LocalStack,
    swap: dict[str, Any],
    movers: list[str],
    steps: list[list[str]],
    committed: int,
) -> None:
    db = current_database()
    rid = f"manual-cycle-{committed}"
    before = order_records(db)
    trigger = {"kind": "manual", "scope": {"order_ids": ["swap-a", "swap-b"]}, "request_id": rid}
    top = run_input(rid, trigger)
    top["chunk_orders"] = 10
    assert run_task("FindAffected", top)["orders"] == 2
    item = {"reallocation_id": rid, "bucket": top["bucket"], "dry_run": False, "chunk": 0}
    run_task("Snapshot", item)
    bucket = top["bucket"]
    snapshot = storage.read(bucket, storage.chunk_key(rid, 0, "snapshot"))
    here = {o["order"]["order_id"]: o["chosen"][0]["node_id"] for o in snapshot["orders"]}
    swapped = {"swap-a": here["swap-b"], "swap-b": here["swap-a"]}
    moves = {o: swapped[o] for o in movers}
    storage.write(bucket, storage.chunk_key(rid, 0, "plan"), plan_file(rid, snapshot, moves, steps))
    answer = run_task("Commit", item)
    assert answer == {"committed": committed, "skipped": len(movers) - committed}
    after = order_records(db)
    for order_id in ("swap-a", "swap-b"):
        node = json.loads(after[order_id]["chosen"])[0]["node_id"]
        assert node == (moves[order_id] if committed else here[order_id])
        if not committed:
            assert after[order_id] == before[order_id]  # wholly old
    assert check_invariants(db) == []
    # The task retried (a crash after it committed) finds its orders committed and does nothing.
    assert run_task("Commit", item) == answer
    assert order_records(db) == after
    outcomes = storage.read(bucket, storage.chunk_key(rid, 0, "commit"))["outcomes"]
    if not committed:
        assert all(o["reason"].startswith("stock_changed") for o in outcomes)


def test_an_order_changed_since_the_snapshot_is_skipped_and_the_others_committed(
    stack: LocalStack, swap: dict[str, Any]
) -> None:
    db = current_database()
    api = ApiClient(stack.url)
    rid = "manual-changed-1"
    ids = sorted(o for o, r in order_records(db).items() if r["status"] == "reserved")[:2]
    trigger = {"kind": "manual", "scope": {"order_ids": ids}, "request_id": rid}
    top = {**run_input(rid, trigger), "chunk_orders": 10}
    run_task("FindAffected", top)
    item = {"reallocation_id": rid, "bucket": top["bucket"], "dry_run": False, "chunk": 0}
    run_task("Snapshot", item)
    run_task("Replan", item)
    plan = storage.read(top["bucket"], storage.chunk_key(rid, 0, "plan"))
    changed = [o["order_id"] for o in plan["orders"] if o["status"] != "kept"]
    # A node picks one of them in between: its version moves.
    first = json.loads(order_records(db)[ids[0]]["chosen"])[0]["node_id"]
    event = {"event_id": "late-pick", "type": "picked"}
    assert api.post(f"/v1/orders/{ids[0]}/shipments/{first}/events", event).status == 200
    answer = run_task("Commit", item)
    outcomes = storage.read(top["bucket"], storage.chunk_key(rid, 0, "commit"))["outcomes"]
    by_id = {o["order_id"]: o for o in outcomes}
    if ids[0] in changed:
        assert by_id[ids[0]]["result"] == "skipped"
        assert by_id[ids[0]]["reason"].startswith("changed_since_snapshot")
    assert answer["committed"] == len([i for i in changed if i != ids[0]])
    assert check_invariants(db) == []
    api.close()


def replan_with_work(
    rid: str, order_ids: list[str], work: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """The plan.json of a dry run over `order_ids` whose worker has REALLOCATION_SOLVE_WORK
    `work`."""
    monkeypatch.setenv("REALLOCATION_SOLVE_WORK", work)
    trigger = {"kind": "manual", "scope": {"order_ids": order_ids}, "request_id": rid}
    top = {**run_input(rid, trigger, dry_run=True), "chunk_orders": 10}
    run_task("FindAffected", top)
    item = {"reallocation_id": rid, "bucket": top["bucket"], "dry_run": True, "chunk": 0}
    run_task("Snapshot", item)
    run_task("Replan", item)
    return storage.read(top["bucket"], storage.chunk_key(rid, 0, "plan"))


def test_the_replan_task_searches_for_the_work_budget_of_its_settings(
    stack: LocalStack, swap: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ["swap-a", "swap-b"]
    tight = replan_with_work("manual-work-tight", ids, "0.0001", monkeypatch)
    roomy = replan_with_work("manual-work-roomy", ids, "30", monkeypatch)
    for plan in (tight, roomy):
        assert plan["strategy"] == "optimal"
        assert plan["time_limit_hit"] is False  # the seconds cap (60) is only a safety net
        assert 0 < plan["work"] <= 30
    # Too little work for the search over every candidate plan, which the roomy budget runs.
    assert not any(note.startswith("master MIP") for note in tight["notes"])
    assert "master MIP: optimal over the columns" in roomy["notes"]


def test_a_node_offline_run_whose_node_reopens_before_its_commit_moves_nothing(
    stack: LocalStack,
) -> None:
    """A node closes, the run re-plans its orders away, the node reopens before the
    commit: the reason for the moves is gone, so the commit skips every change (node_reopened),
    the report says why, and every order and stock level is as it was, a retried commit too."""
    db = current_database()
    api = ApiClient(stack.url)
    placed = []
    for k in range(3):
        order = {
            "order_id": f"reopen-{k}",
            "customer": node_location(api, "W1"),
            "service": "ground",
            "lines": [{"line_id": "1", "sku": "SKU-00002", "qty": 1 + k}],
        }
        reply = api.post("/v1/orders", order)
        assert reply.status == 201, reply.body
        placed.append(reply.body)
    node = placed[0]["shipments"][0]["node_id"]
    assert api.put(f"/v1/nodes/{node}", {"active": False}).status == 200
    rid = f"node-offline-{node}-reopen"
    trigger = {"kind": "node-offline", "node_id": node, "version": 1}
    top = {**run_input(rid, trigger), "chunk_orders": 10}
    assert run_task("FindAffected", top)["orders"] >= 1
    item = {"reallocation_id": rid, "bucket": top["bucket"], "dry_run": False, "chunk": 0}
    run_task("Snapshot", item)
    assert run_task("Replan", item)["moved"] >= 1  # planned away from the closed node
    assert api.put(f"/v1/nodes/{node}", {"active": True}).status == 200
    before = order_records(db)

    answer = run_task("Commit", item)
    assert answer == {"committed": 0, "skipped": answer["skipped"]} and answer["skipped"] >= 1
    assert run_task("Commit", item) == answer  # a retry keeps to the decision
    assert order_records(db) == before
    assert check_invariants(db) == []
    assert run_task("Publish", item) == {"published": 0}
    run_task("WriteReport", top)
    report = api.get(f"/v1/reallocations/{rid}").body
    assert report["status"] == "succeeded"
    assert report["stopped"].startswith(f"node_reopened: {node} is active again")
    assert report["orders_moved"] == 0 and report["orders_skipped"] == answer["skipped"]
    assert all(s["reason"].startswith("node_reopened") for s in report["skipped"])
    assert report["cost_after"] == report["cost_before"]
    api.close()
