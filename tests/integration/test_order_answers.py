"""What order and stock answers say (issue 12): an order holding nothing says `backordered`
(finding 5), money is whole cents whose parts add up (finding 9), a rejected unit does not come
back as stock at the node that could not find it (finding 10), and stock reads show deficits
(finding 13). Against the local stack (moto DynamoDB over HTTP)."""

from __future__ import annotations

import copy
from typing import Any

from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders, shipped_units, stock_of

NEAR_W1 = {"lat": 35.1, "lon": -89.9}


def _cents(value: float) -> int:
    assert value == round(value, 2), f"{value!r} is not whole cents"  # as JSON prints it
    return round(value * 100)


def _no_stock_anywhere(api: ApiClient, sku: str) -> None:
    rows = [{"node_id": node, "sku": sku, "on_hand": 0} for node in stock_of(api, sku)]
    if rows:
        assert api.put("/v1/inventory", {"rows": rows}).status == 200


def _order(order_id: str, lines: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"order_id": order_id, "customer": NEAR_W1, "service": "ground", "lines": lines, **extra}


def test_an_order_with_every_unit_unfilled_is_backordered_and_holds_nothing(
    api: ApiClient,
) -> None:
    _no_stock_anywhere(api, "SKU-00149")
    before = stock_of(api, "SKU-00149")
    order = _order("all-unfilled", [{"line_id": "1", "sku": "SKU-00149", "qty": 2}])
    reply = api.post("/v1/orders", order)
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "backordered"
    assert reply.body["shipments"] == []
    assert reply.body["backordered"] == [{"line_id": "1", "sku": "SKU-00149", "qty": 2}]
    assert stock_of(api, "SKU-00149") == before
    assert api.get("/v1/orders/all-unfilled").body["status"] == "backordered"
    reject = api.post(
        "/v1/orders/all-unfilled/reject", {"node_id": "W1", "lines": [{"line_id": "1"}]}
    )
    assert reject.status == 409 and reject.body["code"] == "order_not_reserved"
    assert api.post("/v1/orders/all-unfilled/cancel").body["status"] == "cancelled"


def test_a_pickup_at_a_node_without_pickup_is_backordered(api: ApiClient) -> None:
    order = _order(
        "pickup-at-warehouse",
        [{"line_id": "1", "sku": "SKU-00010", "qty": 1}],
        service="pickup",
        pickup_node="W1",
    )
    reply = api.post("/v1/orders", order)
    assert reply.status == 201, reply.body
    assert reply.body["status"] == "backordered"
    assert reply.body["backordered"] == [{"line_id": "1", "sku": "SKU-00010", "qty": 1}]


def test_a_partly_filled_order_is_reserved_and_lists_what_is_backordered(api: ApiClient) -> None:
    _no_stock_anywhere(api, "SKU-00148")
    order = _order(
        "partly-filled",
        [
            {"line_id": "1", "sku": "SKU-00148", "qty": 1},
            {"line_id": "2", "sku": "SKU-00010", "qty": 1},
        ],
    )
    reply = api.post("/v1/orders", order)
    assert reply.status == 201, reply.body
    if reply.body["shipments"]:
        assert reply.body["status"] == "reserved"
        assert {"line_id": "1", "sku": "SKU-00148", "qty": 1} in reply.body["backordered"]
    assert reply.body["backordered"] == reply.body["unfilled"]


def test_every_amount_of_an_answer_is_cents_and_the_parts_add_up(api: ApiClient) -> None:
    # Same-day couriers cost courier_base + courier_per_km × km: rarely whole cents.
    same_day = [o for o in demo_orders() if o["service"] == "same_day"]
    assert same_day
    for raw in same_day + demo_orders()[150:160]:
        reply = api.post("/v1/orders", raw)
        assert reply.status == 201, reply.body
        body = reply.body
        parts = body["breakdown"]
        assert _cents(body["cost"]) == sum(_cents(v) for v in parts.values())
        for part, field in (
            ("carrier", "carrier_cost"),
            ("handling", "handling_cost"),
            ("dropship", "dropship_fee"),
        ):
            assert _cents(parts[part]) == sum(_cents(s[field]) for s in body["shipments"])


def test_a_rejected_unit_leaves_that_nodes_stock_until_a_feed_says_otherwise(
    api: ApiClient,
) -> None:
    raw = copy.deepcopy(demo_orders()[90])
    created = api.post("/v1/orders", raw)
    assert created.status == 201 and created.body["shipments"], created.body
    (node_id, sku), units = next(iter(shipped_units(created.body).items()))
    line_id = next(
        pl["line_id"]
        for s in created.body["shipments"]
        if s["node_id"] == node_id
        for pl in s["lines"]
        if pl["sku"] == sku
    )
    held = stock_of(api, sku)[node_id]
    reply = api.post(
        f"/v1/orders/{raw['order_id']}/reject",
        {"node_id": node_id, "lines": [{"line_id": line_id}]},
    )
    assert reply.status == 200, reply.body
    after = stock_of(api, sku)[node_id]
    assert after["reserved"] == held["reserved"] - units
    assert after["on_hand"] == held["on_hand"] - units
    assert after["available"] == held["available"]  # no phantom stock at the rejecting node
    feed = {"rows": [{"node_id": node_id, "sku": sku, "on_hand": held["on_hand"]}]}
    assert api.put("/v1/inventory", feed).status == 200
    assert stock_of(api, sku)[node_id]["available"] == held["available"] + units


def test_stock_reads_show_a_deficit_below_zero(api: ApiClient) -> None:
    sku = "SKU-00147"
    feed = {"rows": [{"node_id": n, "sku": sku, "on_hand": 0} for n in stock_of(api, sku)]}
    feed["rows"] = [r for r in feed["rows"] if r["node_id"] != "W1"]
    feed["rows"].append({"node_id": "W1", "sku": sku, "on_hand": 5})
    assert api.put("/v1/inventory", feed).status == 200
    order = _order("deficit-maker", [{"line_id": "1", "sku": sku, "qty": 3}])
    created = api.post("/v1/orders", order)
    assert created.status == 201 and created.body["status"] == "reserved", created.body
    lowered = {"rows": [{"node_id": "W1", "sku": sku, "on_hand": 1}]}
    assert api.put("/v1/inventory", lowered).status == 200
    level = stock_of(api, sku)["W1"]
    assert level["reserved"] == 3
    assert level["available"] == 1 - 3
    totals = api.get(f"/v1/inventory/{sku}").body["totals"]
    assert totals["available"] == sum(row["available"] for row in stock_of(api, sku).values())
