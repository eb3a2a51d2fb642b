"""Helpers for the reallocation tests and the drill: waiting for a run, and the invariants that
must hold after every trigger, read from DynamoDB itself (not from what the API says)."""

from __future__ import annotations

import json
import time
from typing import Any

from functions.dal.capacity import today
from functions.dal.client import scan_all
from functions.dal.database import Database
from functions.dal.network_config import network_config
from functions.dal.reallocation.fences import is_fenced
from functions.logic.orders.shipments import LOCKED_STATES, shipment_states
from tests.integration.api_client import ApiClient

OPEN = ("reserved", "backordered")


def run_ids(db: Database) -> list[str]:
    return sorted(r["reallocation_id"] for r in scan_all(db.client, db.table("reallocations")))


def no_run_running(db: Database) -> bool:
    """No reallocation is running. The event queues being empty only says every trigger was
    delivered, i.e. its run STARTED: the run's commits may still be landing."""
    return all(r["status"] != "running" for r in scan_all(db.client, db.table("reallocations")))


def wait_for_run(api: ApiClient, db: Database, prefix: str, timeout: float = 120) -> dict[str, Any]:
    """The first run whose id starts with `prefix`, once it is no longer running, with every
    order of its report."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [i for i in run_ids(db) if i.startswith(prefix)]
        if found:
            reply = api.get(f"/v1/reallocations/{found[0]}?limit=5000")
            assert reply.status == 200, reply.body
            if reply.body["status"] != "running":
                return all_orders(api, reply.body)
        time.sleep(0.25)
    raise TimeoutError(f"no finished reallocation {prefix}* within {timeout} s: {run_ids(db)}")


def all_orders(api: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    page = body.get("orders_page")
    if page is None:
        return body
    orders = list(body["orders"])
    while len(orders) < page["total"]:
        more = api.get(
            f"/v1/reallocations/{body['reallocation_id']}?offset={len(orders)}&limit=5000"
        )
        orders += more.body["orders"]
    return {**body, "orders": orders}


def order_records(db: Database) -> dict[str, dict[str, Any]]:
    return {r["order_id"]: r for r in scan_all(db.client, db.table("orders"))}


def held(records: dict[str, dict[str, Any]]) -> dict[tuple[str, str], int]:
    """(node, sku) -> units the open orders hold (unshipped shipments: what `reserved` counts)."""
    out: dict[tuple[str, str], int] = {}
    for record in records.values():
        if record.get("status") not in OPEN:
            continue
        order = json.loads(record["order"])
        sku_of = {line["line_id"]: line["sku"] for line in order["lines"]}
        states = shipment_states(record)
        for row in json.loads(record["chosen"]):
            if states.get(row["node_id"], {}).get("state") == "shipped":
                continue
            for line_id, qty in row["units"].items():
                key = (row["node_id"], sku_of[line_id])
                out[key] = out.get(key, 0) + int(qty)
    return out


def reserved_matches_orders(db: Database) -> bool:
    """Every stock level's `reserved` is exactly what the open orders hold there."""
    holding = held(order_records(db))
    for item in scan_all(db.client, db.table("stock")):
        for node_id, level in item.get("levels", {}).items():
            if int(level["reserved"]) != holding.get((node_id, item["sku"]), 0):
                return False
    return True


def check_invariants(
    db: Database, short_before: frozenset[tuple[str, str]] = frozenset()
) -> list[str]:
    """Every way the store breaks the reallocation invariants (an empty list: none):
    - `reserved` of a level is what the open orders hold, and `available` is on hand less
      safety less reserved;
    - no level over-reserved (available < 0), unless it was already short (`short_before`)
      and only locked units hold it;
    - today's capacity use within every node's limits;
    - no open allocation's unlocked units at an inactive node or a fenced (node, SKU)."""
    problems = []
    records = order_records(db)
    holding = held(records)
    now = time.time()
    fenced: set[tuple[str, str]] = set()
    for item in scan_all(db.client, db.table("stock")):
        for node_id, level in item.get("levels", {}).items():
            key = (node_id, item["sku"])
            if int(level["reserved"]) != holding.get(key, 0):
                problems.append(
                    f"{key}: reserved {level['reserved']}, orders hold {holding.get(key, 0)}"
                )
            if level["available"] != level["on_hand"] - level["safety"] - level["reserved"]:
                problems.append(f"{key}: available {level['available']} does not add up")
            if level["available"] < 0 and key not in short_before:
                problems.append(f"{key}: over-reserved (available {level['available']})")
            if is_fenced(level, now):
                fenced.add(key)
    config = network_config(db)
    day = today()
    for item in scan_all(db.client, db.table("capacity")):
        node = config.node(item["node_id"])
        if item["day"] != day or node is None:
            continue
        for name, limit in (
            ("orders", node.max_orders_per_day),
            ("units", node.max_units_per_day),
            ("same_day", node.same_day_capacity),
        ):
            if limit is not None and int(item.get(name, 0)) > limit:
                problems.append(f"{node.node_id}: {name} use {item.get(name)} over {limit}")
    for order_id, record in records.items():
        if record.get("status") not in OPEN:
            continue
        order = json.loads(record["order"])
        sku_of = {line["line_id"]: line["sku"] for line in order["lines"]}
        states = shipment_states(record)
        for row in json.loads(record["chosen"]):
            node_id = row["node_id"]
            if states.get(node_id, {}).get("state") in LOCKED_STATES:
                continue
            node = config.node(node_id)
            if node is None or not node.active:
                problems.append(f"{order_id}: holds unlocked units at inactive {node_id}")
            for line_id, qty in row["units"].items():
                if qty and (node_id, sku_of[line_id]) in fenced:
                    problems.append(f"{order_id}: holds {sku_of[line_id]} at fenced {node_id}")
    return problems


def execution_history(run_id: str) -> list[dict[str, Any]]:
    """The history events of the run's execution of the stack's reallocation state machine."""
    import boto3

    client = boto3.session.Session().client("stepfunctions")
    (machine,) = [
        m["stateMachineArn"]
        for m in client.list_state_machines()["stateMachines"]
        if m["name"].endswith("ReallocationStateMachine")
    ]
    arn = machine.replace(":stateMachine:", ":execution:") + f":{run_id}"
    events: list[dict[str, Any]] = client.get_execution_history(executionArn=arn, maxResults=1000)[
        "events"
    ]
    return events
