"""The reallocation state machine's tasks (infra/reallocation-state-machine.asl.json), each
one Lambda call with an `action`; every task reads and writes S3 keys, never large payloads:

- `find`     {reallocation_id, bucket, trigger, dry_run} -> {chunks: [{chunk}], orders}:
             record the run, write the fences of a rejection, find the open orders in scope
             (oldest first), cut them into chunks (`scope.json`).
- `snapshot` {reallocation_id, bucket, chunk} -> {chunk, orders, skipped}: read the chunk's
             orders, stock, capacity and network right now (`chunks/<n>/snapshot.json`).
- `replan`   {reallocation_id, bucket, chunk} -> {chunk, changed, moved, bound}: re-plan the
             chunk with `solver.replan` (`chunks/<n>/plan.json`).
- `commit`   {reallocation_id, bucket, chunk, dry_run} -> {chunk, committed, skipped}: commit
             each changed order in its own transaction (cycles together), in the re-plan's
             order, guarded by the snapshot's versions (`chunks/<n>/commit.json`). A dry run
             commits nothing; nor does a node-offline run whose node is active again (its
             orders skipped as `node_reopened`: the reason for the moves is gone).
- `publish`  {reallocation_id, bucket, chunk, dry_run} -> {chunk, published}: one
             `OrderReallocated` event per committed order.
- `report`   {reallocation_id, bucket} -> {report_key, status}: the report (`report.json`),
             then (last) the run marked succeeded.
- `fail`     {reallocation_id, error, chunk?} -> {status}: record why the run failed.

Every task is safe to retry: `find` and `snapshot` rewrite their file; `replan` re-plans the
same snapshot; `commit` recognises the orders it already committed; `publish` sends a chunk's
events once (unless it died midway); `report` recomputes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.dal.database import Database, current_database
from functions.dal.network_config import node_now
from functions.dal.reallocation import records, storage
from functions.dal.reallocation.fences import fence
from functions.logic.reallocation.committing import CommitOutcome, OrderChange, commit_steps
from functions.logic.reallocation.publishing import publish_reallocated, reallocated_events
from functions.logic.reallocation.replanning import plan_network, replan_snapshot
from functions.logic.reallocation.reporting import build_report, summary
from functions.logic.reallocation.scope import chunks, orders_in_scope
from functions.logic.reallocation.snapshot import Snapshot, take_snapshot
from functions.logic.reallocation.triggers import (
    NodeTrigger,
    RejectedTrigger,
    Run,
    Trigger,
    parse_trigger,
)
from functions.logic.step_errors import step_error
from functions.settings import current_settings
from solver.models import OrderPlan


def _scope(bucket: str, reallocation_id: str) -> dict[str, Any]:
    scope: dict[str, Any] = storage.read(bucket, storage.scope_key(reallocation_id))
    return scope


def find(event: dict[str, Any], db: Database) -> dict[str, Any]:
    run = Run.model_validate(event)
    rid, trigger = run.reallocation_id, run.trigger
    records.create_record(db, rid, trigger.model_dump(mode="json"), run.dry_run)
    if isinstance(trigger, RejectedTrigger) and not run.dry_run:
        for sku in trigger.skus:
            fence(db, trigger.node_id, sku, trigger.fence_epoch())
    order_ids = orders_in_scope(db, trigger)
    parts = chunks(order_ids, run.chunk_orders or current_settings().reallocation_chunk_orders)
    storage.write(
        run.bucket,
        storage.scope_key(rid),
        {
            "reallocation_id": rid,
            "trigger": trigger.model_dump(mode="json"),
            "dry_run": run.dry_run,
            "order_ids": order_ids,
            "chunks": parts,
        },
    )
    records.set_scope(db, rid, len(order_ids), len(parts))
    return {"chunks": [{"chunk": n} for n in range(len(parts))], "orders": len(order_ids)}


def _trigger(scope: dict[str, Any]) -> Trigger:
    return parse_trigger(scope["trigger"])


def snapshot(event: dict[str, Any], db: Database) -> dict[str, Any]:
    rid, bucket, chunk = event["reallocation_id"], event["bucket"], int(event["chunk"])
    scope = _scope(bucket, rid)
    taken = take_snapshot(db, scope["chunks"][chunk])
    storage.write(bucket, storage.chunk_key(rid, chunk, "snapshot"), taken.as_json())
    return {"chunk": chunk, "orders": len(taken.orders), "skipped": len(taken.skipped)}


def _snapshot(bucket: str, rid: str, chunk: int) -> Snapshot:
    return Snapshot.from_json(storage.read(bucket, storage.chunk_key(rid, chunk, "snapshot")))


def replan(event: dict[str, Any], db: Database) -> dict[str, Any]:
    rid, bucket, chunk = event["reallocation_id"], event["bucket"], int(event["chunk"])
    scope = _scope(bucket, rid)
    taken = _snapshot(bucket, rid, chunk)
    plan = replan_snapshot(
        taken,
        _trigger(scope),
        bool(scope["dry_run"]),
        current_settings().reallocation_solve_seconds,
        current_settings().reallocation_solve_work,
    )
    storage.write(bucket, storage.chunk_key(rid, chunk, "plan"), plan)
    statuses = [o["status"] for o in plan["orders"]]
    return {
        "chunk": chunk,
        "changed": sum(s != "kept" for s in statuses),
        "moved": statuses.count("moved"),
        "bound": plan.get("bound"),
    }


def commit(event: dict[str, Any], db: Database) -> dict[str, Any]:
    rid, bucket, chunk = event["reallocation_id"], event["bucket"], int(event["chunk"])
    scope = _scope(bucket, rid)
    plan = storage.read(bucket, storage.chunk_key(rid, chunk, "plan"))
    changes = {
        o["order_id"]: OrderChange(
            o["order_id"],
            tuple(o["after"]["rows"]),
            OrderPlan.model_validate(o["after"]["plan"]),
            o.get("reason"),
        )
        for o in plan["orders"]
        if o["status"] != "kept"
    }
    outcomes: list[CommitOutcome]
    stopped = None if scope["dry_run"] else _stopped(db, rid, chunk, _trigger(scope))
    if scope["dry_run"]:
        outcomes = [CommitOutcome(i, "dry_run") for i in changes]
    elif stopped is not None:
        outcomes = [CommitOutcome(i, "skipped", stopped) for i in changes]
    else:
        taken = _snapshot(bucket, rid, chunk)
        network = plan_network(taken, _trigger(scope), dry_run=False)
        outcomes = commit_steps(db, taken, network, plan["steps"], changes, rid)
    storage.write(
        bucket,
        storage.chunk_key(rid, chunk, "commit"),
        {
            "dry_run": scope["dry_run"],
            "stopped": stopped,
            "outcomes": [o.__dict__ for o in outcomes],
        },
    )
    if not scope["dry_run"]:
        records.chunk_done(db, rid, chunk)
    return {
        "chunk": chunk,
        "committed": sum(o.result == "committed" for o in outcomes),
        "skipped": sum(o.result == "skipped" for o in outcomes),
    }


def _stopped(db: Database, rid: str, chunk: int, trigger: Trigger) -> str | None:
    """Why the run commits nothing more from this chunk on: a node-offline run whose node is
    active again (reopened with PUT /v1/nodes since the trigger), whose moves would only pay
    penalties. Decided once per chunk, before its first commit, and kept on the run's record
    (`records.decide_chunk`), so a retried commit keeps to it whatever the node does meanwhile:
    a chunk commits wholly by its plan or not at all. Chunks committed before the node
    reopened stay committed."""
    if not (isinstance(trigger, NodeTrigger) and trigger.kind == "node-offline"):
        return None
    node = node_now(db, trigger.node_id)
    stopped = None
    if node is not None and node.active:
        stopped = f"node_reopened: {trigger.node_id} is active again, so the run moves nothing more"
    return records.decide_chunk(db, rid, chunk, stopped)


def publish(event: dict[str, Any], db: Database) -> dict[str, Any]:
    rid, bucket, chunk = event["reallocation_id"], event["bucket"], int(event["chunk"])
    done = storage.read(bucket, storage.chunk_key(rid, chunk, "commit"))
    committed = {
        o["order_id"]: int(o["version"]) for o in done["outcomes"] if o["result"] == "committed"
    }
    if done["dry_run"] or not committed or not records.claim_publication(db, rid, chunk):
        return {"chunk": chunk, "published": 0}
    plan = storage.read(bucket, storage.chunk_key(rid, chunk, "plan"))
    sent = publish_reallocated(reallocated_events(rid, plan, committed))
    return {"chunk": chunk, "published": sent}


def report(event: dict[str, Any], db: Database) -> dict[str, Any]:
    rid, bucket = event["reallocation_id"], event["bucket"]
    scope = _scope(bucket, rid)
    run = records.get_record(db, rid) or {"reallocation_id": rid}
    if run.get("status") == records.SUCCEEDED:
        return {"report_key": run["report_key"], "status": records.SUCCEEDED}
    parts = [
        (
            storage.read(bucket, storage.chunk_key(rid, n, "plan")),
            storage.read(bucket, storage.chunk_key(rid, n, "commit")),
        )
        for n in range(len(scope["chunks"]))
    ]
    document = build_report({**run, "reallocation_id": rid}, scope, parts)
    document["status"] = records.SUCCEEDED
    key = storage.write(bucket, storage.report_key(rid), document)
    records.mark_succeeded(db, rid, summary(document), key)  # last
    return {"report_key": key, "status": records.SUCCEEDED}


def failure_reason(error: Any, chunk: Any = None) -> str:
    """Why the run failed, from the caught Step Functions error (and the chunk it hit)."""
    where = f"chunk {chunk}: " if chunk is not None else ""
    kind, cause = step_error(error)
    return where + (f"{kind}: {cause}" if cause else kind)


def fail(event: dict[str, Any], db: Database) -> dict[str, Any]:
    rid = event["reallocation_id"]
    records.mark_failed(db, rid, failure_reason(event.get("error"), event.get("chunk")))
    return {"status": (records.get_record(db, rid) or {}).get("status")}


ACTIONS: dict[str, Callable[[dict[str, Any], Database], dict[str, Any]]] = {
    "find": find,
    "snapshot": snapshot,
    "replan": replan,
    "commit": commit,
    "publish": publish,
    "report": report,
    "fail": fail,
}


def run_action(event: dict[str, Any]) -> dict[str, Any]:
    action = event.get("action")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    payload = {k: v for k, v in event.items() if k != "action"}
    return ACTIONS[str(action)](payload, current_database())
