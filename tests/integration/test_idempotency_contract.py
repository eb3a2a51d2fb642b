"""Idempotency dedupes retries of one request, never a later deliberate change that repeats an
earlier body (issue 12, finding 2), and a replayed answer never describes a state that is gone
(finding 4). Against the local stack (moto DynamoDB over HTTP)."""

from __future__ import annotations

import copy

from functions.dal.database import current_database
from functions.dal.network_config import config_document
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders, stock_of


def test_closing_opening_and_closing_a_node_again_leaves_it_closed(api: ApiClient) -> None:
    for active in (False, True, False):
        reply = api.put("/v1/nodes/S030", {"active": active})
        assert reply.status == 200, reply.body
        assert reply.body["active"] is active
    assert api.get("/v1/nodes/S030").body["active"] is False
    assert api.put("/v1/nodes/S030", {"active": True}).body["active"] is True


def test_a_feed_repeated_after_an_adjustment_is_applied_again(api: ApiClient) -> None:
    feed = {"rows": [{"node_id": "W2", "sku": "SKU-00140", "on_hand": 7}]}
    assert api.put("/v1/inventory", feed).status == 200
    minus = {
        "adjustment_id": "feed-repeat-1",
        "rows": [{"node_id": "W2", "sku": "SKU-00140", "delta": -2}],
    }
    assert api.post("/v1/inventory/adjustments", minus).status == 200
    assert stock_of(api, "SKU-00140")["W2"]["on_hand"] == 5
    again = api.put("/v1/inventory", feed)
    assert again.status == 200 and again.body["applied_rows"] == 1
    assert stock_of(api, "SKU-00140")["W2"]["on_hand"] == 7


def test_a_config_document_put_back_after_a_change_is_applied(api: ApiClient) -> None:
    original = config_document(current_database(), "settings")
    versions = []
    for split in (5.0, 6.0, 5.0):
        reply = api.put("/v1/config/settings", {"split_penalty": split})
        assert reply.status == 200, reply.body
        versions.append(reply.body["version"])
    assert versions == sorted(set(versions))  # three changes, three versions
    assert config_document(current_database(), "settings")["split_penalty"] == 5.0
    assert api.put("/v1/config/settings", original).status == 200


def test_an_idempotency_key_makes_a_retried_absolute_write_apply_once(api: ApiClient) -> None:
    key = {"Idempotency-Key": "node-change-42"}
    first = api.put("/v1/nodes/S029", {"max_orders_per_day": 17}, headers=key)
    api.put("/v1/nodes/S029", {"max_orders_per_day": 18})  # someone else's change, no key
    retry = api.put("/v1/nodes/S029", {"max_orders_per_day": 17}, headers=key)
    assert retry.status == first.status == 200 and retry.raw == first.raw
    assert api.get("/v1/nodes/S029").body["max_orders_per_day"] == 18  # the retry did not apply
    reused = api.put("/v1/nodes/S029", {"max_orders_per_day": 19}, headers=key)
    assert reused.status == 422 and reused.body["code"] == "idempotency_key_reused"


def test_a_retry_after_cancel_answers_the_cancelled_order(api: ApiClient) -> None:
    raw = copy.deepcopy(demo_orders()[30])
    created = api.post("/v1/orders", raw)
    assert created.status == 201 and created.body["status"] == "reserved"
    assert api.post(f"/v1/orders/{raw['order_id']}/cancel").status == 200
    retry = api.post("/v1/orders", raw)
    assert retry.status == 200, retry.body
    assert retry.body["status"] == "cancelled"
    assert retry.body == api.get(f"/v1/orders/{raw['order_id']}").body


def test_a_retry_of_a_reject_after_a_later_reject_answers_the_order_as_it_is(
    api: ApiClient,
) -> None:
    raw = next(o for o in demo_orders()[100:] if len(o["lines"]) >= 3)
    created = api.post("/v1/orders", raw)
    assert created.status == 201 and len(created.body["shipments"]) >= 1
    first_node = created.body["shipments"][0]["node_id"]
    first_line = created.body["shipments"][0]["lines"][0]["line_id"]
    reject = {"node_id": first_node, "lines": [{"line_id": first_line}]}
    first = api.post(f"/v1/orders/{raw['order_id']}/reject", reject)
    assert first.status == 200, first.body
    assert api.post(f"/v1/orders/{raw['order_id']}/cancel").status == 200
    retry = api.post(f"/v1/orders/{raw['order_id']}/reject", reject)
    assert retry.status == 200
    assert retry.body["status"] == "cancelled"
