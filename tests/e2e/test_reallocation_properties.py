"""Invariants after every trigger, on random sequences of orders, rejects, picks, feeds, node
changes and schedules on the local stack (hypothesis draws the sequences):

- no stock level or capacity counter over-reserved, and `reserved` is what the orders hold;
- no open allocation's unlocked units at an inactive node or at a fenced (node, SKU);
- locked (picked) units never move;
- orders outside every run's scope, and not touched by the step itself, unchanged byte for byte;
- replaying each run's trigger changes nothing.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.dal.database import Database, current_database
from functions.dal.reallocation import storage
from functions.dal.stock import stock_items
from omniroute.local.stack import LocalStack, start_local_stack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders
from tests.integration.reallocations import check_invariants, order_records, run_ids

STORES = [f"S{n:03d}" for n in range(1, 16)]
STEP = st.one_of(
    st.tuples(st.just("order"), st.integers(0, 199)),
    st.tuples(st.just("reject"), st.integers(0, 500)),
    st.tuples(st.just("pick"), st.integers(0, 500)),
    st.tuples(st.just("feed"), st.integers(0, 500), st.integers(-3, 3)),
    st.tuples(st.just("close"), st.sampled_from(STORES)),
    st.tuples(st.just("open"), st.sampled_from(STORES)),
    st.tuples(st.just("cut"), st.sampled_from(STORES)),
    st.tuples(st.just("schedule")),
)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    running = start_local_stack(workers=2)
    api = ApiClient(running.url)
    for order in demo_orders()[:120]:
        assert api.post("/v1/orders", order).status == 201
    api.close()
    yield running
    running.stop()


class World:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.api = ApiClient(stack.url)
        self.db: Database = current_database()
        self.placed = 0

    def open_orders(self) -> list[dict[str, Any]]:
        records = order_records(self.db)
        return [r for _, r in sorted(records.items()) if r["status"] == "reserved"]

    def apply(self, step: tuple[Any, ...]) -> set[str]:
        """Do one step; the orders it changes itself (not through a reallocation)."""
        kind = step[0]
        if kind == "order":
            order = copy.deepcopy(demo_orders()[step[1]])
            self.placed += 1
            order["order_id"] = f"p-{self.placed}-{order['order_id']}"
            assert self.api.post("/v1/orders", order).status == 201
            return {order["order_id"]}
        if kind in ("reject", "pick"):
            # A shipment not picked yet (a node does not reject what it has picked).
            candidates = [
                (r, row)
                for r in self.open_orders()
                for row in json.loads(r["chosen"])
                if json.loads(r.get("shipments") or "{}").get(row["node_id"], {}).get("state")
                not in ("picked", "shipped")
            ]
            if not candidates:
                return set()
            record, row = candidates[step[1] % len(candidates)]
            if kind == "pick":
                path = f"/v1/orders/{record['order_id']}/shipments/{row['node_id']}/events"
                reply = self.api.post(path, {"event_id": f"pick-{time.time()}", "type": "picked"})
            else:
                line = next(iter(row["units"]))
                body = {"node_id": row["node_id"], "lines": [{"line_id": line}]}
                reply = self.api.post(f"/v1/orders/{record['order_id']}/reject", body)
            assert reply.status in (200, 409), reply.body  # 409: e.g. a picked shipment
            return {record["order_id"]}
        if kind == "feed":
            levels = [
                (node_id, item["sku"], level)
                for item in stock_items(
                    self.db, {s for r in self.open_orders() for s in r["alloc_skus"]}
                ).values()
                for node_id, level in sorted(item["levels"].items())
                if level["reserved"] > 0
            ]
            if levels:
                node_id, sku, level = sorted(levels, key=lambda x: x[:2])[step[1] % len(levels)]
                on_hand = max(0, level["reserved"] + level["safety"] + step[2])
                row = {
                    "node_id": node_id,
                    "sku": sku,
                    "on_hand": on_hand,
                    "safety_stock": level["safety"],
                }
                assert self.api.put("/v1/inventory", {"rows": [row]}).status == 200
            return set()
        if kind in ("close", "open"):
            assert self.api.put(f"/v1/nodes/{step[1]}", {"active": kind == "open"}).status == 200
            return set()
        if kind == "cut":
            use = self.api.get(f"/v1/nodes/{step[1]}").body["capacity_use"]["orders"]
            assert (
                self.api.put(f"/v1/nodes/{step[1]}", {"max_orders_per_day": max(0, use - 1)}).status
                == 200
            )
            return set()
        assert self.stack.schedules is not None
        self.stack.schedules.run_now("ReallocationTriggerFunction")
        return set()

    def settle(self) -> list[dict[str, Any]]:
        """Wait until every event is delivered and every run finished; the runs."""
        assert self.stack.events.wait_until_idle(timeout=120)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            runs = [self.api.get(f"/v1/reallocations/{i}").body for i in run_ids(self.db)]
            if all(r["status"] != "running" for r in runs):
                return runs
            time.sleep(0.25)
        raise TimeoutError("a reallocation did not finish")

    def scope(self, run_id: str) -> set[str]:
        key = storage.scope_key(run_id)
        return set(storage.read(storage.reallocation_bucket(), key)["order_ids"])


def locked(records: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Any]:
    out = {}
    for order_id, r in records.items():
        states = json.loads(r.get("shipments") or "{}")
        for row in json.loads(r["chosen"]):
            if states.get(row["node_id"], {}).get("state") in ("picked", "shipped"):
                out[order_id, row["node_id"]] = row["units"]
    return out


@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=3, max_size=5))
def test_invariants_hold_after_every_trigger(
    stack: LocalStack, steps: list[tuple[Any, ...]]
) -> None:
    world = World(stack)
    world.settle()
    for step in steps:
        before = order_records(world.db)
        runs_before = set(run_ids(world.db))
        short_before = frozenset(
            (node_id, item["sku"])
            for item in stock_items(
                world.db, {s for r in before.values() for s in r.get("alloc_skus", [])}
            ).values()
            for node_id, level in item["levels"].items()
            if level["available"] < 0
        )
        touched = world.apply(step)
        runs = [r for r in world.settle() if r["reallocation_id"] not in runs_before]
        after = order_records(world.db)
        problems = [p for p in check_invariants(world.db) if "over-reserved" not in p]
        problems += [p for p in check_invariants(world.db, short_before) if "over-reserved" in p]
        assert problems == [], (step, problems)
        for key, units in locked(before).items():
            assert locked(after).get(key) == units, (step, key)
        in_scope = (
            set().union(*(world.scope(r["reallocation_id"]) for r in runs)) if runs else set()
        )
        changed = {o for o in before if before[o] != after.get(o)}
        assert changed <= in_scope | touched, (step, sorted(changed - in_scope - touched))
        for run in runs:
            assert run["status"] == "succeeded", run
            again = world.api.post(
                "/v1/reallocations", {"trigger": run["trigger"], "dry_run": run["dry_run"]}
            )
            assert again.status == 202 and again.body["status"] == "already_started", again.body
        assert order_records(world.db) == after, step
