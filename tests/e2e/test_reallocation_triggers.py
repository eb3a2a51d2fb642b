"""Every reallocation trigger on the local stack, as it fires there: a change through the API
puts an event on the bus, the template's rule (matched by moto's EventBridge) invokes the
launcher, which starts the reallocation state machine (the deployed definition, in moto's Step
Functions, its tasks our handlers). After each: the invariants hold (nothing over-reserved, no
open allocation at an inactive node or a fenced (node, SKU), locked units where they were),
orders outside the scope are unchanged byte for byte, and replaying the trigger changes nothing.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from functions.dal.database import Database, current_database
from functions.dal.stock import stock_items
from omniroute.cli import app
from omniroute.local.stack import DEFAULT_DATASET, LocalStack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders
from tests.integration.reallocations import (
    check_invariants,
    order_records,
    run_ids,
    wait_for_run,
)

TRIGGER_FUNCTION = "ReallocationTriggerFunction"


@pytest.fixture(scope="module")
def routed(stack: LocalStack) -> dict[str, Any]:
    api = ApiClient(stack.url)
    for order in demo_orders():
        reply = api.post("/v1/orders", order)
        assert reply.status == 201, reply.body
    api.close()
    return {"orders": len(demo_orders())}


@pytest.fixture
def api(stack: LocalStack, routed: dict[str, Any]) -> Iterator[ApiClient]:
    client = ApiClient(stack.url)
    yield client
    client.close()


@pytest.fixture
def db(stack: LocalStack) -> Database:
    return current_database()


def settle(stack: LocalStack) -> None:
    """Every event delivered (a run started by one is then waited for by the test)."""
    assert stack.events.wait_until_idle(timeout=60)


def valuable_sku_at_a_warehouse() -> tuple[str, str]:
    """The demo's most valuable SKU that a warehouse stocks, and that warehouse (derived: the
    demo's numbers change with its calibration)."""
    demo = Path(DEFAULT_DATASET)
    with (demo / "nodes.csv").open() as nodes, (demo / "skus.csv").open() as skus:
        warehouses = {r["node_id"] for r in csv.DictReader(nodes) if r["kind"] == "warehouse"}
        value = {r["sku"]: float(r["unit_value"]) for r in csv.DictReader(skus)}
    with (demo / "inventory.csv").open() as inventory:
        stocked = [(r["sku"], r["node_id"]) for r in csv.DictReader(inventory)]
    return max(
        ((sku, node) for sku, node in stocked if node in warehouses),
        key=lambda pair: (value[pair[0]], pair),
    )


def holding(record: dict[str, Any], node_id: str) -> dict[str, int]:
    for row in json.loads(record["chosen"]):
        if row["node_id"] == node_id:
            return dict(row["units"])
    return {}


def unchanged_outside(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], scope: set[str]
) -> list[str]:
    return [o for o in before if o not in scope and before[o] != after[o]]


def test_closing_a_node_re_sources_its_orders_keeps_locks_and_touches_nothing_else(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    records = order_records(db)
    at_node = {o for o, r in records.items() if holding(r, "W3") and r["status"] == "reserved"}
    assert len(at_node) >= 5
    locked = sorted(at_node)[0]
    assert (
        api.post(
            f"/v1/orders/{locked}/shipments/W3/events", {"event_id": "p-1", "type": "picked"}
        ).status
        == 200
    )
    before = order_records(db)
    assert api.put("/v1/nodes/W3", {"active": False}).status == 200
    run = wait_for_run(api, db, "node-offline-W3-")
    assert run["status"] == "succeeded", run
    after = order_records(db)
    assert check_invariants(db) == []
    assert holding(after[locked], "W3") == holding(before[locked], "W3")  # locked: stays
    for order_id in at_node - {locked}:
        assert holding(after[order_id], "W3") == {}, order_id
    reasons = {o["order_id"]: o["reason"] for o in run["orders"]}
    assert all(reasons[o]["code"] == "node_inactive" for o in at_node - {locked})
    assert unchanged_outside(before, after, at_node) == []
    assert run["orders_considered"] == len(at_node)

    # The same event again (EventBridge delivers at least once): one run, nothing changes.
    event = {
        "detail-type": "NodeChanged",
        "source": "omniroute",
        "time": "2026-12-01T10:00:00Z",
        "detail": {
            "node_id": "W3",
            "version": run["trigger"]["version"],
            "changes": ["deactivated"],
        },
    }
    runs = run_ids(db)
    assert stack.events.deliver(TRIGGER_FUNCTION, event)
    settle(stack)
    assert run_ids(db) == runs
    assert order_records(db) == after
    assert api.put("/v1/nodes/W3", {"active": True}).status == 200  # opening is no trigger
    settle(stack)
    assert run_ids(db) == runs


def test_stock_below_what_is_reserved_is_re_sourced(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    records = order_records(db)
    pair = next(
        (row["node_id"], sku)
        for r in sorted(records.values(), key=lambda r: r["order_id"])
        if r["status"] == "reserved" and not r.get("shipments")
        for row in json.loads(r["chosen"])
        if row["node_id"].startswith("S")
        for sku in r["alloc_skus"]
        if f"{row['node_id']}\t{sku}" in r["alloc_pairs"]
    )
    level = stock_items(db, [pair[1]])[pair[1]]["levels"][pair[0]]
    feed = {"node_id": pair[0], "sku": pair[1], "on_hand": level["reserved"] - 1, "safety_stock": 0}
    assert api.put("/v1/inventory", {"rows": [feed]}).status == 200
    run = wait_for_run(api, db, "stock-short-")
    assert run["status"] == "succeeded", run
    assert stock_items(db, [pair[1]])[pair[1]]["levels"][pair[0]]["available"] >= 0
    assert check_invariants(db) == []
    assert {o["reason"]["code"] for o in run["orders"] if o["status"] == "moved"} <= {
        "stock_short",
        "saving",
        "made_room",
    }


def test_a_rejection_fences_the_sku_there_and_moves_the_other_orders_off_it(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    records = order_records(db)
    by_pair: dict[str, list[str]] = {}
    for order_id, r in sorted(records.items()):
        if r["status"] == "reserved" and not r.get("shipments"):
            for pair in r["alloc_pairs"]:
                by_pair.setdefault(pair, []).append(order_id)
    pair, holders = next((p, o) for p, o in sorted(by_pair.items()) if len(o) >= 2)
    node_id, sku = pair.split("\t")
    rejecting = holders[0]
    order = json.loads(records[rejecting]["order"])
    line = next(x["line_id"] for x in order["lines"] if x["sku"] == sku)
    reply = api.post(
        f"/v1/orders/{rejecting}/reject", {"node_id": node_id, "lines": [{"line_id": line}]}
    )
    assert reply.status == 200, reply.body
    run = wait_for_run(api, db, f"rejected-{rejecting}-")
    assert run["status"] == "succeeded", run
    level = stock_items(db, [sku])[sku]["levels"][node_id]
    assert level["fenced_until"] > dt.datetime.now(dt.UTC).timestamp() + 60 * 60
    after = order_records(db)
    for other in holders[1:]:
        units = holding(after[other], node_id)
        skus = {x["line_id"]: x["sku"] for x in json.loads(after[other]["order"])["lines"]}
        assert not any(skus[lid] == sku for lid in units), other
    assert check_invariants(db) == []
    # Routing sees the fence too: a new order for that SKU next to the node goes elsewhere.
    node = api.get(f"/v1/nodes/{node_id}").body
    new = {
        "order_id": "after-fence",
        "customer": {"lat": node["lat"], "lon": node["lon"]},
        "service": "ground",
        "lines": [{"line_id": "1", "sku": sku, "qty": 1}],
    }
    placed = api.post("/v1/orders", new).body
    assert node_id not in {s["node_id"] for s in placed["shipments"]}


def test_stock_arriving_fills_backorders_oldest_first(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    sku, near = valuable_sku_at_a_warehouse()
    levels = stock_items(db, [sku])[sku]["levels"]
    rows = [
        {
            "node_id": n,
            "sku": sku,
            "on_hand": lv["reserved"] + lv["safety"],
            "safety_stock": lv["safety"],
        }
        for n, lv in sorted(levels.items())
    ]
    assert api.put("/v1/inventory", {"rows": rows}).status == 200  # nothing available left
    settle(stack)
    base = copy.deepcopy(demo_orders()[0])
    # Both customers next to the warehouse: shipping the unit costs less than leaving it.
    where = api.get(f"/v1/nodes/{near}").body
    base["customer"] = {"lat": where["lat"], "lon": where["lon"]}
    placed = {}
    for order_id, created in (
        ("bo-newer", "2026-11-20T15:00:00Z"),
        ("bo-older", "2026-11-20T09:00:00Z"),
    ):
        order = {
            **base,
            "order_id": order_id,
            "created_at": created,
            "lines": [{"line_id": "1", "sku": sku, "qty": 1}],
            "max_shipments": None,
        }
        placed[order_id] = api.post("/v1/orders", order).body
        assert placed[order_id]["backordered"] == [{"line_id": "1", "sku": sku, "qty": 1}]
    adjustment = {"adjustment_id": "arrival-1", "rows": [{"node_id": near, "sku": sku, "delta": 1}]}
    assert api.post("/v1/inventory/adjustments", adjustment).status == 200
    run = wait_for_run(api, db, "stock-arrived-")
    assert run["status"] == "succeeded", run
    assert run["strategy"] == "myopic" and run["backordered_units_filled"] == 1, run
    older = api.get("/v1/orders/bo-older").body
    newer = api.get("/v1/orders/bo-newer").body
    assert older["status"] == "reserved" and older["backordered"] == []
    assert newer["backordered"] == [{"line_id": "1", "sku": sku, "qty": 1}]
    assert check_invariants(db) == []


def test_a_capacity_cut_moves_orders_until_the_node_fits(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    views = [api.get(f"/v1/nodes/W{n}").body for n in (1, 2)]
    node = max(views, key=lambda v: v["capacity_use"]["orders"])
    used = node["capacity_use"]["orders"]
    assert used >= 3
    reply = api.put(f"/v1/nodes/{node['node_id']}", {"max_orders_per_day": used - 2})
    assert reply.status == 200
    run = wait_for_run(api, db, f"node-capacity-{node['node_id']}-")
    assert run["status"] == "succeeded", run
    assert api.get(f"/v1/nodes/{node['node_id']}").body["capacity_use"]["orders"] <= used - 2
    assert check_invariants(db) == []


def test_the_schedule_re_optimises_recent_orders_and_no_order_moves_for_less_than_its_penalty(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    assert stack.schedules is not None
    assert stack.schedules.run_now(TRIGGER_FUNCTION)["started"]
    run = wait_for_run(api, db, "scheduled-")
    assert run["status"] == "succeeded", run
    assert run["orders_considered"] > 0
    for order in run["orders"]:
        reason = order["reason"] or {}
        if reason.get("code") == "saving":
            assert reason["saving"] > reason["penalty"], order
    assert check_invariants(db) == []


def test_a_dry_run_reports_and_changes_nothing(
    stack: LocalStack, api: ApiClient, db: Database
) -> None:
    before = order_records(db)
    stock_before = stock_items(db, {s for r in before.values() for s in r.get("alloc_skus", [])})
    reply = api.post(
        "/v1/reallocations",
        {"trigger": {"kind": "node-offline", "node_id": "W1"}, "dry_run": True},
    )
    assert reply.status == 202, reply.body
    assert reply.body["reallocation_id"].endswith("-dry-run")
    run = wait_for_run(api, db, reply.body["reallocation_id"])
    assert run["status"] == "succeeded" and run["dry_run"] is True
    assert run["orders_moved"] > 0  # what closing W1 would move
    assert all(o["result"] == "dry_run" for o in run["orders"])
    assert order_records(db) == before
    assert stock_items(db, stock_before) == stock_before
    assert api.get("/v1/nodes/W1").body["active"] is True


def test_the_command_line_runs_a_trigger_on_the_stack_and_prints_the_report(
    stack: LocalStack, routed: dict[str, Any]
) -> None:
    result = CliRunner().invoke(
        app,
        [
            "reallocate",
            "--trigger",
            "node-offline",
            "--node",
            "W2",
            "--dry-run",
            "--url",
            stack.url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dry run: nothing changed" in result.output
    assert "considered" in result.output and "carrier" in result.output


def test_a_bad_request_names_the_field(api: ApiClient) -> None:
    unknown = api.post("/v1/reallocations", {"trigger": {"kind": "node-offline", "node_id": "X9"}})
    assert unknown.status == 422
    assert [e["path"] for e in unknown.body["errors"]] == ["trigger.node_id"]
    empty = api.post("/v1/reallocations", {"scope": {}})
    assert empty.status == 422 and "all" in empty.body["errors"][0]["message"]
    both = api.post("/v1/reallocations", {"scope": {"all": True}, "trigger": {"kind": "scheduled"}})
    assert both.status == 422
    assert api.get("/v1/reallocations/no-such-run").status == 404
