"""Inventory feeds, node and config changes, and the API's own documentation."""

from __future__ import annotations

import re

from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders, shipped_units, stock_of

NEAR_W1 = {"lat": 35.1, "lon": -89.9}


def test_absolute_levels_keep_what_is_reserved(api: ApiClient) -> None:
    raw = demo_orders()[60]
    created = api.post("/v1/orders", raw)
    assert created.status == 201 and created.body["shipments"]
    (node_id, sku), units = next(iter(shipped_units(created.body).items()))
    level = stock_of(api, sku)[node_id]
    reply = api.put(
        "/v1/inventory",
        {
            "rows": [
                {
                    "node_id": node_id,
                    "sku": sku,
                    "on_hand": level["on_hand"] + 10,
                    "safety_stock": 2,
                }
            ]
        },
    )
    assert reply.status == 200 and reply.body == {"applied_rows": 1, "skus": 1}
    after = stock_of(api, sku)[node_id]
    assert after["reserved"] == level["reserved"] >= units
    assert after["on_hand"] == level["on_hand"] + 10
    assert after["available"] == level["on_hand"] + 10 - 2 - level["reserved"]


def test_new_stock_at_a_node_and_adjustments_apply_once(api: ApiClient) -> None:
    sku = "SKU-00150"
    reply = api.put("/v1/inventory", {"rows": [{"node_id": "W2", "sku": sku, "on_hand": 4}]})
    assert reply.status == 200
    assert stock_of(api, sku)["W2"]["available"] == 4
    adjustment = {
        "adjustment_id": "cycle-count-7",
        "rows": [{"node_id": "W2", "sku": sku, "delta": 3}],
    }
    first = api.post("/v1/inventory/adjustments", adjustment)
    again = api.post("/v1/inventory/adjustments", adjustment)
    assert first.status == again.status == 200 and again.raw == first.raw
    assert stock_of(api, sku)["W2"]["on_hand"] == 7
    minus = {"adjustment_id": "damaged-1", "rows": [{"node_id": "W2", "sku": sku, "delta": -2}]}
    assert api.post("/v1/inventory/adjustments", minus).status == 200
    assert stock_of(api, sku)["W2"]["on_hand"] == 5


def test_inventory_by_node_totals(api: ApiClient) -> None:
    body = api.get("/v1/inventory/SKU-00010").body
    assert body["totals"]["on_hand"] == sum(n["on_hand"] for n in body["nodes"])
    for node in body["nodes"]:
        assert node["available"] == node["on_hand"] - node["safety_stock"] - node["reserved"]


def _only_at_w1_and_w3(api: ApiClient, sku: str) -> None:
    rows = [{"node_id": n, "sku": sku, "on_hand": 0} for n in stock_of(api, sku)]
    rows = [r for r in rows if r["node_id"] not in ("W1", "W3")]
    rows += [
        {"node_id": "W1", "sku": sku, "on_hand": 50},
        {"node_id": "W3", "sku": sku, "on_hand": 50},
    ]
    assert api.put("/v1/inventory", {"rows": rows}).status == 200


def _order(order_id: str, sku: str) -> dict:
    line = {"line_id": "1", "sku": sku, "qty": 1}
    return {"order_id": order_id, "customer": NEAR_W1, "service": "ground", "lines": [line]}


def test_a_closed_node_ships_nothing_until_reopened(api: ApiClient) -> None:
    sku = "SKU-00120"
    _only_at_w1_and_w3(api, sku)
    assert api.post("/v1/orders", _order("near-1", sku)).body["shipments"][0]["node_id"] == "W1"
    closed = api.put("/v1/nodes/W1", {"active": False})
    assert closed.status == 200 and closed.body["active"] is False
    plan = api.post("/v1/orders", _order("near-2", sku)).body
    assert all(s["node_id"] != "W1" for s in plan["shipments"])
    assert api.put("/v1/nodes/W1", {"active": True}).status == 200
    assert api.post("/v1/orders", _order("near-3", sku)).body["shipments"][0]["node_id"] == "W1"


def test_capacity_limit_is_respected(api: ApiClient) -> None:
    sku = "SKU-00121"
    _only_at_w1_and_w3(api, sku)
    # No order a day: full whatever today's use is (and whatever day "today" is by then).
    assert api.put("/v1/nodes/W1", {"max_orders_per_day": 0}).status == 200
    plan = api.post("/v1/orders", _order("cap-1", sku)).body
    assert all(s["node_id"] != "W1" for s in plan["shipments"])
    assert api.put("/v1/nodes/W1", {"max_orders_per_day": None}).status == 200
    assert api.get("/v1/nodes/W1").body["max_orders_per_day"] is None


def test_settings_change_prices_the_next_order(api: ApiClient) -> None:
    raw = dict(demo_orders()[70], order_id="settings-probe")
    before = api.post("/v1/promise", {"customer": raw["customer"], "lines": raw["lines"]}).body
    reply = api.put("/v1/config/settings", {"late_penalty_per_day": 60.0})
    assert reply.status == 200
    after = api.post("/v1/promise", {"customer": raw["customer"], "lines": raw["lines"]}).body
    assert after != before
    assert (
        api.put(
            "/v1/config/settings", {"late_penalty_per_day": 6.0, "min_shipment_value": 5.0}
        ).status
        == 200
    )
    assert (
        api.post("/v1/promise", {"customer": raw["customer"], "lines": raw["lines"]}).body == before
    )


def test_valid_zones_are_accepted(api: ApiClient) -> None:
    zones = [
        {"zone": str(i), "max_km": km}
        for i, km in enumerate([80, 240, 480, 960, 1600, 2400, 3200], 1)
    ]
    zones.append({"zone": "8", "max_km": None})
    reply = api.put("/v1/config/zones", {"rows": zones})
    assert reply.status == 200, reply.body


def test_openapi_lists_every_route(api: ApiClient) -> None:
    document = api.get("/openapi.json").body
    paths = set(document["paths"])
    assert {
        "/v1/promise",
        "/v1/orders",
        "/v1/orders/{order_id}",
        "/v1/orders/{order_id}/cancel",
        "/v1/orders/{order_id}/reject",
        "/v1/inventory",
        "/v1/inventory/adjustments",
        "/v1/inventory/{sku}",
        "/v1/nodes/{node_id}",
        "/v1/config/{name}",
    } <= paths


def test_swagger_ui_loads_nothing_from_the_network(api: ApiClient) -> None:
    page = api.get("/docs")
    assert page.status == 200
    html = page.raw.decode()
    assert not re.search(r"""(src|href)=['"]?(https?:)?//""", html)
    for asset in re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html):
        reply = api.get("/" + asset.lstrip("/"))
        assert reply.status == 200 and len(reply.raw) > 10_000
