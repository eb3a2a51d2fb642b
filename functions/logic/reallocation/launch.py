"""Starting a reallocation and reading one.

A run is one execution of the reallocation state machine (infra/reallocation-state-machine.asl
.json), named after its trigger (`triggers.reallocation_id`): the launcher records the run
(`running`, so GET answers at once) and starts the execution; the same trigger again (an event
delivered twice, a retried request) finds the record and the execution already there and
starts nothing. A launcher that died between the two is retried and starts the execution then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from functions.dal.database import Database
from functions.dal.network_config import config_version, network_config
from functions.dal.reallocation import executions, records, storage
from functions.dal.stock import stock_items
from functions.logic.errors import Invalid, field_error, not_found
from functions.logic.reallocation.triggers import (
    ManualTrigger,
    NodeTrigger,
    RejectedTrigger,
    Run,
    ScheduledTrigger,
    Scope,
    StockArrivedTrigger,
    StockShortTrigger,
    Trigger,
    from_event,
    iso,
    parse_trigger,
    reallocation_id,
)
from functions.settings import SettingsError, current_settings

REPORT_ORDERS = 200
"""Orders of a report shown per page by default (`GET ...?offset=&limit=`)."""


def start(
    db: Database, trigger: Trigger, dry_run: bool, chunk_orders: int | None = None
) -> dict[str, Any]:
    """Record the run and start its execution (once per trigger)."""
    settings = current_settings()
    arn = settings.reallocation_state_machine_arn
    if not arn:
        raise SettingsError("REALLOCATION_STATE_MACHINE_ARN is not set: no workflow to start")
    rid = reallocation_id(trigger, dry_run)
    run = Run(
        reallocation_id=rid,
        bucket=storage.reallocation_bucket(),
        trigger=trigger,
        dry_run=dry_run,
        chunk_orders=chunk_orders,
    )
    created = records.create_record(db, rid, trigger.model_dump(mode="json"), dry_run)
    started = executions.start_named(arn, rid, run.model_dump(mode="json"))
    return {
        "reallocation_id": rid,
        "status": "running" if created or started else "already_started",
        "trigger": trigger.model_dump(mode="json"),
        "dry_run": dry_run,
        "links": {"self": f"/v1/reallocations/{rid}"},
    }


def start_from_event(db: Database, event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The runs an EventBridge event (a rule's target gets the whole event) starts."""
    settings = current_settings()
    triggers = from_event(dict(event), settings.fence_minutes, settings.reoptimise_window_minutes)
    return [start(db, trigger, dry_run=False) for trigger in triggers]


# --------------------------------------------------------------------------- by hand


def requested_trigger(
    db: Database, trigger: Mapping[str, Any] | None, scope: Mapping[str, Any] | None, key: str
) -> Trigger:
    """The trigger a `POST /v1/reallocations` names: a scope (manual), or a trigger kind with
    what the caller did not say filled in (the node's config version, a change id, the fence's
    end, the schedule's time), so that the same request names the same run."""
    if (trigger is None) == (scope is None):
        raise Invalid(
            "invalid_request",
            "give either a scope or a trigger",
            [field_error("scope", "exactly one of scope and trigger is required")],
        )
    if scope is not None:
        return parse_trigger({"kind": "manual", "scope": dict(scope), "request_id": key})
    assert trigger is not None
    raw = dict(trigger)
    kind = raw.get("kind")
    settings = current_settings()
    now = dt.datetime.now(dt.UTC)
    if kind in ("node-offline", "node-capacity"):
        raw.setdefault("version", config_version(db))
    elif kind in ("stock-short", "stock-arrived"):
        raw.setdefault("change_id", key)
    elif kind == "rejected":
        raw.setdefault("fence_until", iso(now + dt.timedelta(minutes=settings.fence_minutes)))
    elif kind == "scheduled":
        raw.setdefault("window_minutes", settings.reoptimise_window_minutes)
        raw.setdefault("at", iso(now.replace(second=0, microsecond=0)))
    elif kind == "manual":
        raw.setdefault("request_id", key)
    return parse_trigger(raw)


def check_references(db: Database, trigger: Trigger) -> None:
    """Unknown nodes or SKUs in a trigger: `Invalid` naming each field."""
    nodes: list[tuple[str, str]] = []
    skus: list[tuple[str, str]] = []
    if isinstance(trigger, NodeTrigger):
        nodes.append(("trigger.node_id", trigger.node_id))
    elif isinstance(trigger, StockShortTrigger):
        for i, pair in enumerate(trigger.pairs):
            nodes.append((f"trigger.pairs[{i}].node_id", pair.node_id))
            skus.append((f"trigger.pairs[{i}].sku", pair.sku))
    elif isinstance(trigger, RejectedTrigger):
        nodes.append(("trigger.node_id", trigger.node_id))
        skus += [(f"trigger.skus[{i}]", s) for i, s in enumerate(trigger.skus)]
    elif isinstance(trigger, StockArrivedTrigger):
        skus += [(f"trigger.skus[{i}]", s) for i, s in enumerate(trigger.skus)]
    elif isinstance(trigger, ManualTrigger):
        scope: Scope = trigger.scope
        nodes += [(f"scope.nodes[{i}]", n) for i, n in enumerate(scope.nodes)]
        skus += [(f"scope.skus[{i}]", s) for i, s in enumerate(scope.skus)]
    else:
        assert isinstance(trigger, ScheduledTrigger)
    config = network_config(db)
    errors = [field_error(path, f"unknown node {n!r}") for path, n in nodes if not config.node(n)]
    if skus:
        known = stock_items(db, {s for _, s in skus})
        errors += [field_error(path, f"unknown SKU {s!r}") for path, s in skus if s not in known]
    if errors:
        raise Invalid("unknown_reference", "the trigger names unknown nodes or SKUs", errors)


# --------------------------------------------------------------------------- reading


def describe(
    db: Database, reallocation_id: str, offset: int = 0, limit: int = REPORT_ORDERS
) -> dict[str, Any]:
    """A run: its status and progress; once succeeded its report (`orders` paged)."""
    record = records.get_record(db, reallocation_id)
    if record is None:
        raise not_found("reallocation", reallocation_id)
    done = record.get("chunks_done") or set()
    answer: dict[str, Any] = {
        "reallocation_id": reallocation_id,
        "status": record["status"],
        "trigger": record.get("trigger"),
        "dry_run": bool(record.get("dry_run")),
        "created_at": record.get("created_at"),
        "updated_at": record.get("updated_at"),
        "progress": {
            "orders_in_scope": int(record.get("orders_in_scope") or 0),
            "chunks_done": len(done),
            "chunks_total": int(record.get("chunks_total") or 0),
        },
    }
    if record["status"] == records.FAILED:
        answer["error"] = record.get("failure_reason")
    if record["status"] == records.SUCCEEDED:
        report = storage.read(storage.reallocation_bucket(), record["report_key"])
        orders = report.pop("orders", [])
        report.pop("reallocation_id", None)
        answer.update(report)
        answer["orders"] = orders[offset : offset + limit]
        answer["orders_page"] = {"offset": offset, "limit": limit, "total": len(orders)}
    return answer
