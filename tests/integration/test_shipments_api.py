"""The shipment lifecycle through the API on the local stack (moto's DynamoDB over HTTP):
reserved -> released -> picked -> shipped, reported by the node; idempotent, out-of-order safe;
shipped units leave on hand and reserved together; backorders shown on the order."""

from __future__ import annotations

import copy
from typing import Any

from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders, stock_of


def place(api: ApiClient, order_id: str) -> dict[str, Any]:
    order = copy.deepcopy(demo_orders()[0])
    order["order_id"] = order_id
    reply = api.post("/v1/orders", order)
    assert reply.status == 201, reply.body
    return reply.body  # type: ignore[no-any-return]


def report(api: ApiClient, order_id: str, node: str, event_id: str, kind: str) -> Any:
    return api.post(
        f"/v1/orders/{order_id}/shipments/{node}/events", {"event_id": event_id, "type": kind}
    )


def test_a_new_order_lists_each_shipment_reserved_and_its_backorders(api: ApiClient) -> None:
    body = place(api, "ship-new")
    assert {s["state"] for s in body["shipments"]} == {"reserved"}
    assert body["backordered"] == body["unfilled"]


def test_states_only_move_forward_whatever_order_reports_arrive_in(api: ApiClient) -> None:
    body = place(api, "ship-order")
    node = body["shipments"][0]["node_id"]
    assert report(api, "ship-order", node, "e-2", "picked").body["state"] == "picked"
    late = report(api, "ship-order", node, "e-1", "released")
    assert late.status == 200 and late.body["state"] == "picked"
    got = api.get("/v1/orders/ship-order").body
    assert [s["state"] for s in got["shipments"] if s["node_id"] == node] == ["picked"]


def test_a_repeated_report_changes_nothing(api: ApiClient) -> None:
    body = place(api, "ship-twice")
    node = body["shipments"][0]["node_id"]
    first = report(api, "ship-twice", node, "e-1", "released")
    again = report(api, "ship-twice", node, "e-1", "released")
    assert again.status == 200 and again.body == first.body
    other_key = api.post(
        f"/v1/orders/ship-twice/shipments/{node}/events",
        {"event_id": "e-1", "type": "released"},
        headers={"Idempotency-Key": "another-key"},
    )
    assert other_key.body["version"] == first.body["version"]  # the event id was seen


def test_shipped_units_leave_on_hand_and_reserved_and_cancel_releases_only_the_rest(
    api: ApiClient,
) -> None:
    body = place(api, "ship-out")
    shipment = body["shipments"][0]
    node, line = shipment["node_id"], shipment["lines"][0]
    before = stock_of(api, line["sku"])[node]
    assert report(api, "ship-out", node, "e-1", "shipped").body["state"] == "shipped"
    after = stock_of(api, line["sku"])[node]
    shipped = sum(x["qty"] for x in shipment["lines"] if x["sku"] == line["sku"])
    assert after["on_hand"] == before["on_hand"] - shipped
    assert after["reserved"] == before["reserved"] - shipped
    assert after["available"] == before["available"]
    others = {(s["node_id"], x["sku"]): x["qty"] for s in body["shipments"][1:] for x in s["lines"]}
    held = {key: stock_of(api, key[1])[key[0]]["reserved"] for key in others}
    assert api.post("/v1/orders/ship-out/cancel").status == 200
    assert stock_of(api, line["sku"])[node]["reserved"] == after["reserved"]  # not again
    for key, qty in others.items():
        assert stock_of(api, key[1])[key[0]]["reserved"] == held[key] - qty


def test_a_report_for_a_node_the_order_does_not_ship_from_is_refused(api: ApiClient) -> None:
    body = place(api, "ship-elsewhere")
    used = {s["node_id"] for s in body["shipments"]}
    other = next(n for n in ("W1", "W2", "W3", "S001", "S002") if n not in used)
    reply = report(api, "ship-elsewhere", other, "e-1", "picked")
    assert reply.status == 409 and reply.body["code"] == "no_shipment_at_node"
    assert sorted(used)[0] in reply.body["message"]


def test_reports_on_a_cancelled_or_unknown_order_are_refused(api: ApiClient) -> None:
    body = place(api, "ship-cancelled")
    node = body["shipments"][0]["node_id"]
    assert api.post("/v1/orders/ship-cancelled/cancel").status == 200
    assert report(api, "ship-cancelled", node, "e-1", "picked").body["code"] == "order_cancelled"
    assert report(api, "no-such-order", node, "e-1", "picked").status == 404


def test_a_bad_report_names_the_field(api: ApiClient) -> None:
    body = place(api, "ship-bad")
    node = body["shipments"][0]["node_id"]
    reply = report(api, "ship-bad", node, "e-1", "teleported")
    assert reply.status == 422
    assert any("type" in e["path"] for e in reply.body["errors"])
