"""Bad requests get a 4xx naming each bad field; nothing a caller sends produces a 500."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from functions.api.limits import MAX_BODY_BYTES, MAX_ORDER_LINES
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders


def _order(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(demo_orders()[0])
    order["order_id"] = "bad-order"
    order.update(changes)
    return order


def _line(**changes: Any) -> dict[str, Any]:
    return {"line_id": "1", "sku": "SKU-00001", "qty": 1, **changes}


def _paths(body: dict[str, Any]) -> set[str]:
    return {error["path"] for error in body["errors"]}


@pytest.mark.parametrize(
    ("order", "status", "path"),
    [
        (_order(lines=[_line(qty=0)]), 422, "lines[0].qty"),
        (_order(lines=[_line(qty=-3)]), 422, "lines[0].qty"),
        (_order(lines=[_line(qty="two")]), 422, "lines[0].qty"),
        (_order(lines=[_line(qty="2")]), 422, "lines[0].qty"),
        (_order(lines=[_line(qty=True)]), 422, "lines[0].qty"),
        (_order(lines=[_line(qty=1.5)]), 422, "lines[0].qty"),
        (_order(customer={"lat": "40.7", "lon": -74}), 422, "customer.lat"),
        (_order(lines=[_line(sku="NO-SUCH-SKU")]), 422, "lines[0].sku"),
        (_order(lines=[]), 422, "lines"),
        (_order(customer={"lat": 123, "lon": 0}), 422, "customer.lat"),
        (_order(service="teleport"), 422, "service"),
        (_order(service="pickup", pickup_node=None), 422, "pickup_node"),
        (_order(service="pickup", pickup_node="NO-SUCH-STORE"), 422, "pickup_node"),
        (_order(lines=[_line(), _line()]), 422, "lines[1].line_id"),
        (_order(surprise=1), 422, "surprise"),
        (_order(lines=[_line(line_id=str(i)) for i in range(MAX_ORDER_LINES + 1)]), 422, "lines"),
    ],
    ids=[
        "zero-qty",
        "negative-qty",
        "qty-not-a-number",
        "qty-a-string-number",
        "qty-a-boolean",
        "qty-a-fraction",
        "latitude-a-string",
        "unknown-sku",
        "no-lines",
        "latitude-out-of-range",
        "unknown-service",
        "pickup-without-store",
        "unknown-pickup-store",
        "duplicate-line-id",
        "unknown-field",
        "too-many-lines",
    ],
)
def test_bad_order_names_the_field(
    api: ApiClient, order: dict[str, Any], status: int, path: str
) -> None:
    reply = api.post("/v1/orders", order)
    assert reply.status == status, reply.body
    assert path in _paths(reply.body), reply.body
    assert reply.body["code"] and reply.body["message"]
    assert api.get("/v1/orders/bad-order").status == 404  # nothing was written


def test_invalid_json_is_a_400(api: ApiClient) -> None:
    reply = api.post("/v1/orders", raw=b'{"order_id": "x", ')
    assert reply.status == 400
    assert reply.body["code"] == "invalid_json"
    assert _paths(reply.body) == {"body"}


def test_a_json_array_is_not_an_order(api: ApiClient) -> None:
    reply = api.post("/v1/orders", raw=b"[1, 2]")
    assert reply.status == 422


def test_missing_body_is_named(api: ApiClient) -> None:
    reply = api.post("/v1/orders", raw=b"")
    assert reply.status == 422
    assert "body" in _paths(reply.body)


def test_body_over_the_size_limit_is_a_413(api: ApiClient) -> None:
    reply = api.post("/v1/orders", raw=b" " * (MAX_BODY_BYTES + 1))
    assert reply.status == 413
    assert reply.body["code"] == "body_too_large"


def test_unknown_route_is_a_404(api: ApiClient) -> None:
    assert api.get("/v1/nowhere").status == 404
    assert api.get("/v1/orders").status in (404, 405)


def test_reject_names_unknown_lines(api: ApiClient) -> None:
    raw = demo_orders()[50]
    created = api.post("/v1/orders", raw)
    assert created.status == 201
    node_id = created.body["shipments"][0]["node_id"] if created.body["shipments"] else "W1"
    reply = api.post(
        f"/v1/orders/{raw['order_id']}/reject",
        {"node_id": node_id, "lines": [{"line_id": "no-such-line"}]},
    )
    assert reply.status == 422
    assert _paths(reply.body) == {"lines[0].line_id"}
    reply = api.post(
        f"/v1/orders/{raw['order_id']}/reject",
        {"node_id": node_id, "lines": [{"line_id": "1", "qty": 0}]},
    )
    assert reply.status == 422
    assert _paths(reply.body) == {"lines[0].qty"}


def test_inventory_rows_are_checked_row_by_row_and_nothing_is_written(api: ApiClient) -> None:
    before = api.get("/v1/inventory/SKU-00002").body
    reply = api.put(
        "/v1/inventory",
        {
            "rows": [
                {"node_id": "W1", "sku": "SKU-00002", "on_hand": 7},
                {"node_id": "NOWHERE", "sku": "SKU-00002", "on_hand": 1},
                {"node_id": "W1", "sku": "NO-SKU", "on_hand": 1},
            ]
        },
    )
    assert reply.status == 422
    assert _paths(reply.body) == {"rows[1].node_id", "rows[2].sku"}
    assert api.get("/v1/inventory/SKU-00002").body == before
    reply = api.put(
        "/v1/inventory", {"rows": [{"node_id": "W1", "sku": "SKU-00002", "on_hand": -1}]}
    )
    assert reply.status == 422
    assert _paths(reply.body) == {"rows[0].on_hand"}


def test_adjustment_below_zero_on_hand_changes_nothing(api: ApiClient) -> None:
    before = api.get("/v1/inventory/SKU-00002").body
    node = before["nodes"][0]["node_id"]
    reply = api.post(
        "/v1/inventory/adjustments",
        {
            "adjustment_id": "too-much",
            "rows": [
                {"node_id": node, "sku": "SKU-00002", "delta": 1},
                {"node_id": node, "sku": "SKU-00002", "delta": -10_000},
            ],
        },
    )
    assert reply.status == 409
    assert reply.body["code"] == "insufficient_on_hand"
    assert api.get("/v1/inventory/SKU-00002").body == before
    zero = api.post(
        "/v1/inventory/adjustments",
        {"adjustment_id": "zero", "rows": [{"node_id": node, "sku": "SKU-00002", "delta": 0}]},
    )
    assert zero.status == 422 and _paths(zero.body) == {"rows[0].delta"}


def test_bad_config_names_the_row_and_changes_nothing(api: ApiClient) -> None:
    reply = api.put(
        "/v1/config/rates", {"rows": [{"service": "ground", "zone": "1", "max_kg": 0, "cost": 5}]}
    )
    assert reply.status == 422
    assert "rows[0].max_kg" in _paths(reply.body)
    reply = api.put("/v1/config/settings", {"split_penalty": "lots"})
    assert reply.status == 422 and "split_penalty" in _paths(reply.body)
    reply = api.put("/v1/config/galaxy", {"rows": []})
    assert reply.status == 422 and "path.name" in _paths(reply.body)


def test_unknown_node_and_sku_are_404(api: ApiClient) -> None:
    assert api.get("/v1/nodes/NOWHERE").status == 404
    assert api.put("/v1/nodes/NOWHERE", {"active": False}).status == 404
    assert api.get("/v1/inventory/NO-SKU").status == 404
    reply = api.put("/v1/nodes/W1", {"max_units_per_day": -1})
    assert reply.status == 422 and _paths(reply.body) == {"max_units_per_day"}
