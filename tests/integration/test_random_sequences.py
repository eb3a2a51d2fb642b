"""The accounting invariants on random sequences (issue 12, "Targets and tests"): concurrent
clients create, cancel and reject orders while feeds, adjustments and node changes (absolute
writes repeated with the same body among them) land between the rounds. After every round, for
every (SKU, node): `reserved` equals what live orders hold, and `on_hand` is what the feeds,
adjustments and rejects made it (a repeated feed is applied, never dropped as a duplicate); a
node is as its last write left it. Against the local stack (moto's DynamoDB over HTTP)."""

from __future__ import annotations

import copy
import random
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from functions.dal.database import current_database
from omniroute.local.stack import LocalStack
from tests.integration.api_client import ApiClient, Reply
from tests.integration.conftest import demo_orders, running_stack, shipped_units, stock_of
from tests.integration.reallocations import no_run_running

WORKERS = 3
CLIENTS = 4
ROUNDS = 5
OPERATIONS_PER_CLIENT = 5
SEED = 1212
CLIENT_ATTEMPTS = 5
"""Tries of one order by a client (see `_create`)."""
SKUS = ("SKU-00014", "SKU-00020", "SKU-00023", "SKU-00120", "SKU-00132", "SKU-00141")
"""The SKUs the sequences order (a few, so that orders, feeds and rejects meet on them)."""

Key = tuple[str, str]
"""(node_id, sku)."""


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    yield from running_stack(WORKERS)


class Ledger:
    """What on hand must be, from the writes that answered success (feeds set it, adjustments
    add to it, a reject writes the rejected units off at that node)."""

    def __init__(self, on_hand: dict[Key, int]) -> None:
        self.on_hand = dict(on_hand)
        self.lock = threading.Lock()
        self.actions: Counter[str] = Counter()

    def count(self, action: str) -> None:
        with self.lock:
            self.actions[action] += 1

    def write_off(self, key: Key, units: int) -> None:
        with self.lock:
            self.on_hand[key] -= units


def _stock(api: ApiClient) -> dict[Key, dict[str, int]]:
    return {(node, sku): row for sku in SKUS for node, row in stock_of(api, sku).items()}


def _random_order(rng: random.Random, order_id: str) -> dict[str, Any]:
    customer = rng.choice(demo_orders())["customer"]
    skus = rng.sample(SKUS, rng.randint(1, 3))
    lines = [
        {"line_id": str(n), "sku": sku, "qty": rng.randint(1, 3)}
        for n, sku in enumerate(skus, start=1)
    ]
    return copy.deepcopy(
        {"order_id": order_id, "customer": customer, "service": "ground", "lines": lines}
    )


def _client(
    url: str, client: int, round_: int, ledger: Ledger, orders: list[str], failed: list[str]
) -> None:
    try:
        _operations(url, client, round_, ledger, orders)
    except AssertionError as error:  # a thread's failure fails the test, not only the thread
        failed.append(f"client {client}, round {round_}: {error}")


def _operations(url: str, client: int, round_: int, ledger: Ledger, orders: list[str]) -> None:
    """One client's operations on its own orders (so it knows what each reject writes off)."""
    rng = random.Random(SEED * 1000 + round_ * 10 + client)
    api = ApiClient(url)
    mine: list[dict[str, Any]] = []
    for step in range(OPERATIONS_PER_CLIENT):
        action = rng.random()
        reserved = [plan for plan in mine if plan["status"] == "reserved" and plan["shipments"]]
        if action < 0.6 or not mine:
            order_id = f"r{round_}-c{client}-{step}"
            reply = _create(api, _random_order(rng, order_id), ledger)
            assert reply.status == 201, reply.body
            mine.append(reply.body)
            orders.append(order_id)
            ledger.count(reply.body["status"])
        elif action < 0.8 or not reserved:
            plan = rng.choice(mine)
            reply = api.post(f"/v1/orders/{plan['order_id']}/cancel")
            assert reply.status == 200 and reply.body["status"] == "cancelled", reply.body
            mine[mine.index(plan)] = reply.body
            ledger.count("cancel")
        else:
            plan = rng.choice(reserved)
            shipment = rng.choice(plan["shipments"])
            line = rng.choice(shipment["lines"])
            reply = api.post(
                f"/v1/orders/{plan['order_id']}/reject",
                {"node_id": shipment["node_id"], "lines": [{"line_id": line["line_id"]}]},
            )
            assert reply.status == 200, reply.body
            ledger.write_off((shipment["node_id"], line["sku"]), line["qty"])
            ledger.count("reject")
            mine[mine.index(plan)] = reply.body
    api.close()


def _create(api: ApiClient, order: dict[str, Any], ledger: Ledger) -> Reply:
    """Create an order as a checkout client does: a 409 `stock_changed` (the service met
    reservation conflicts on every one of its `MAX_PLAN_ATTEMPTS` tries, and reserved nothing)
    is retried with the same body, as the API's answer says. With four clients on six SKUs it
    happened once in 14 full runs (session 5's run 14); the invariants after each round check
    that such an answer reserved nothing."""
    for _ in range(CLIENT_ATTEMPTS):
        reply = api.post("/v1/orders", order)
        if reply.status != 409 or reply.body.get("code") != "stock_changed":
            return reply
        ledger.count("stock_changed")
    return reply


def _absolute_writes(api: ApiClient, rng: random.Random, ledger: Ledger, round_: int) -> None:
    """Feeds (each sent twice, an adjustment between), an adjustment, a node closed, opened and
    closed with the same bodies, then opened: every write is applied, none dropped."""
    keys = sorted(ledger.on_hand)
    feed = {
        "rows": [
            {"node_id": node, "sku": sku, "on_hand": rng.randint(0, 6)}
            for node, sku in rng.sample(keys, 4)
        ]
    }
    for _ in range(2):
        assert api.put("/v1/inventory", feed).status == 200
        for row in feed["rows"]:
            ledger.on_hand[row["node_id"], row["sku"]] = row["on_hand"]
        node, sku = rng.choice([(row["node_id"], row["sku"]) for row in feed["rows"]])
        adjustment = {
            "adjustment_id": f"adj-{round_}-{node}-{sku}-{rng.random()}",
            "rows": [{"node_id": node, "sku": sku, "delta": 2}],
        }
        assert api.post("/v1/inventory/adjustments", adjustment).status == 200
        ledger.on_hand[node, sku] += 2
    assert _stock(api)[node, sku]["on_hand"] == ledger.on_hand[node, sku]
    node_id = rng.choice(sorted({node for node, _ in keys if node.startswith("S")}))
    for active in (False, True, False):
        assert api.put(f"/v1/nodes/{node_id}", {"active": active}).status == 200
        assert api.get(f"/v1/nodes/{node_id}").body["active"] is active
    assert api.put(f"/v1/nodes/{node_id}", {"active": True}).status == 200


def _held(api: ApiClient, orders: list[str]) -> Counter[Key]:
    held: Counter[Key] = Counter()
    for order_id in orders:
        plan = api.get(f"/v1/orders/{order_id}").body
        if plan["status"] == "reserved":
            held.update(shipped_units(plan))
    return held


def test_random_sequences_keep_reserved_and_on_hand_exact(stack: LocalStack) -> None:
    api = ApiClient(stack.url)
    db = current_database()
    ledger = Ledger({key: row["on_hand"] for key, row in _stock(api).items()})
    rng = random.Random(SEED)
    orders: list[str] = []
    failed: list[str] = []
    for round_ in range(ROUNDS):
        _absolute_writes(api, rng, ledger, round_)
        clients = [
            threading.Thread(target=_client, args=(stack.url, c, round_, ledger, orders, failed))
            for c in range(CLIENTS)
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        assert not failed, failed
        # The rejects, feeds and node changes start reallocations in the background (issue 11):
        # the books balance once those have finished (not only started: an empty event queue
        # says a run began, and its commits landing between the stock and the order reads
        # below made both look unbalanced).
        assert stack.events.wait_until_idle(timeout=120, check=lambda: no_run_running(db))
        stock = _stock(api)
        held = _held(api, orders)
        assert {k: row["reserved"] for k, row in stock.items() if row["reserved"]} == {
            k: units for k, units in held.items() if units and k[1] in SKUS
        }, f"round {round_}"
        assert {k: row["on_hand"] for k, row in stock.items()} == ledger.on_hand, f"round {round_}"
    assert len(orders) >= ROUNDS * CLIENTS
    assert ledger.actions["reserved"] and ledger.actions["cancel"] and ledger.actions["reject"]
    api.close()
