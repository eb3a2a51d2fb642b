"""POST /v1/orders and friends against the local stack (moto DynamoDB over HTTP)."""

from __future__ import annotations

import copy

from omniroute.local.stack import DEFAULT_DATASET
from solver.ledger import Ledger
from solver.loading import load_dataset
from solver.models import Order
from solver.order_solver import solve_order
from solver.planfile import order_plan_data
from solver.pricing import price_order, to_cents
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders, shipped_units, stock_of


def test_order_plan_is_the_per_order_optimum_on_live_data(api: ApiClient) -> None:
    dataset = load_dataset(DEFAULT_DATASET).dataset
    assert dataset is not None
    for raw in demo_orders()[:5]:
        order = Order.model_validate(raw)
        network = dataset.network
        expected = price_order(
            network, order, solve_order(network, order, Ledger.fresh(network)).chosen
        )
        reply = api.post("/v1/orders", raw)
        assert reply.status == 201, reply.body
        assert reply.body["cost"] == expected.cost
        assert reply.body["status"] == "reserved"
        assert reply.body["breakdown"] == order_plan_data(to_cents(expected))["breakdown"]
        for shipment in reply.body["shipments"]:
            alternative = shipment["alternative"]
            assert alternative["without_node"] == shipment["node_id"]
            assert shipment["node_id"] not in alternative["ships_from"]
            # The plan is optimal, so no alternative is cheaper.
            assert alternative["cost"] >= reply.body["cost"] - 1e-9


def test_retry_returns_the_same_body_and_reserves_once(api: ApiClient) -> None:
    raw = demo_orders()[10]
    before = {line["sku"]: stock_of(api, line["sku"]) for line in raw["lines"]}
    first = api.post("/v1/orders", raw)
    second = api.post("/v1/orders", raw)
    assert first.status == 201
    assert second.status == first.status
    assert second.raw == first.raw
    taken = shipped_units(first.body)
    for (node_id, sku), units in taken.items():
        after = stock_of(api, sku)[node_id]
        assert after["reserved"] == before[sku][node_id]["reserved"] + units
        assert after["available"] == before[sku][node_id]["available"] - units


def test_same_order_id_with_another_body_is_refused(api: ApiClient) -> None:
    raw = demo_orders()[11]
    assert api.post("/v1/orders", raw).status == 201
    changed = copy.deepcopy(raw)
    changed["lines"][0]["qty"] += 1
    reply = api.post("/v1/orders", changed)
    assert reply.status == 422
    assert reply.body["code"] == "idempotency_key_reused"


def test_idempotency_key_header_names_the_request(api: ApiClient) -> None:
    raw = copy.deepcopy(demo_orders()[12])
    first = api.post("/v1/orders", raw, headers={"Idempotency-Key": "checkout-123"})
    again = api.post("/v1/orders", raw, headers={"Idempotency-Key": "checkout-123"})
    assert first.status == 201 and again.raw == first.raw


def test_get_order_returns_its_plan(api: ApiClient) -> None:
    raw = demo_orders()[13]
    created = api.post("/v1/orders", raw)
    reply = api.get(f"/v1/orders/{raw['order_id']}")
    assert reply.status == 200
    assert reply.body["shipments"] == created.body["shipments"]
    assert api.get("/v1/orders/no-such-order").status == 404


def test_cancel_returns_stock_exactly(api: ApiClient) -> None:
    raw = demo_orders()[14]
    skus = {line["sku"] for line in raw["lines"]}
    before = {sku: stock_of(api, sku) for sku in skus}
    created = api.post("/v1/orders", raw)
    assert created.status == 201 and created.body["shipments"]
    assert any(stock_of(api, sku) != before[sku] for sku in skus)
    cancelled = api.post(f"/v1/orders/{raw['order_id']}/cancel")
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert {sku: stock_of(api, sku) for sku in skus} == before
    # Cancelling again changes nothing.
    assert api.post(f"/v1/orders/{raw['order_id']}/cancel").status == 200
    assert {sku: stock_of(api, sku) for sku in skus} == before
    assert api.get(f"/v1/orders/{raw['order_id']}").body["status"] == "cancelled"


def test_reject_reroutes_the_lines_never_back_to_that_node(api: ApiClient) -> None:
    raw = next(o for o in demo_orders()[20:] if len(o["lines"]) >= 2)
    created = api.post("/v1/orders", raw)
    assert created.status == 201
    shipment = created.body["shipments"][0]
    node_id = shipment["node_id"]
    line = shipment["lines"][0]
    before = stock_of(api, line["sku"])[node_id]
    reply = api.post(
        f"/v1/orders/{raw['order_id']}/reject",
        {"node_id": node_id, "lines": [{"line_id": line["line_id"]}], "reason": "not found"},
    )
    assert reply.status == 200, reply.body
    assert node_id in reply.body["excluded_nodes"]
    after = stock_of(api, line["sku"])[node_id]
    assert after["reserved"] == before["reserved"] - line["qty"]
    rerouted = [
        (s["node_id"], pl["qty"])
        for s in reply.body["shipments"]
        for pl in s["lines"]
        if pl["line_id"] == line["line_id"]
    ]
    assert all(n != node_id for n, _ in rerouted)
    unfilled = sum(u["qty"] for u in reply.body["unfilled"] if u["line_id"] == line["line_id"])
    assert sum(q for _, q in rerouted) + unfilled == line["qty"]
    # What the re-routed units took is reserved at their new nodes.
    for new_node, qty in rerouted:
        assert stock_of(api, line["sku"])[new_node]["reserved"] >= qty
    # Rejecting a line the node no longer ships names the field.
    again = api.post(
        f"/v1/orders/{raw['order_id']}/reject",
        {"node_id": node_id, "lines": [{"line_id": line["line_id"]}], "reason": "again"},
    )
    assert again.status == 422
    assert again.body["errors"][0]["path"] == "lines[0].line_id"


def test_promise_lists_options_and_reserves_nothing(api: ApiClient) -> None:
    raw = demo_orders()[40]
    skus = {line["sku"] for line in raw["lines"]}
    before = {sku: stock_of(api, sku) for sku in skus}
    reply = api.post("/v1/promise", {"customer": raw["customer"], "lines": raw["lines"]})
    assert reply.status == 200, reply.body
    services = [o["service"] for o in reply.body["options"]]
    assert services[:4] == ["ground", "express", "next_day", "same_day"]
    for option in reply.body["options"]:
        assert option["cost"] >= 0
        assert option["units_shipped"] + option["units_unfilled"] == sum(
            line["qty"] for line in raw["lines"]
        )
    assert {sku: stock_of(api, sku) for sku in skus} == before
