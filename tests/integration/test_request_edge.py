"""What a caller can send that is not a well-formed request (issue 12, findings 3, 6 and 11):
each gets a 4xx naming the problem in the project's words, one message per mistake, and nothing
is written. Against the local stack (moto DynamoDB over HTTP)."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

import pytest

from functions.api.ids import ORDER_ID_MAX_LENGTH
from tests.integration.api_client import ApiClient, Reply
from tests.integration.conftest import demo_orders


def _order(order_id: str) -> dict[str, Any]:
    return {**copy.deepcopy(demo_orders()[3]), "order_id": order_id}


def _messages(reply: Reply) -> list[str]:
    return [error["message"] for error in reply.body["errors"]]


def _send(api: ApiClient, body: bytes, content_type: str | None) -> Reply:
    """POST /v1/orders with exactly these bytes and this Content-Type (None: no header)."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    api.connection.request("POST", "/v1/orders", body=body, headers=headers)
    response = api.connection.getresponse()
    payload = response.read()
    return Reply(response.status, json.loads(payload), payload, dict(response.getheaders()))


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data"],
)
def test_a_body_that_is_not_json_is_a_415_naming_the_header(
    api: ApiClient, content_type: str
) -> None:
    order = _order(f"ct-{content_type.split('/')[1][:6]}")
    reply = _send(api, json.dumps(order).encode(), content_type)
    assert reply.status == 415, reply.body
    assert reply.body["code"] == "unsupported_media_type"
    assert [e["path"] for e in reply.body["errors"]] == ["header.Content-Type"]
    assert api.get(f"/v1/orders/{order['order_id']}").status == 404


def test_a_body_without_content_type_is_read_as_json(api: ApiClient) -> None:
    reply = _send(api, json.dumps(_order("no-content-type")).encode(), None)
    assert reply.status == 201, reply.body


def test_json_with_a_charset_parameter_is_accepted(api: ApiClient) -> None:
    body = json.dumps(_order("with-charset")).encode()
    assert _send(api, body, "application/json; charset=utf-8").status == 201


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"order_id": "\xff\xfe"}', "invalid_encoding"),
        (json.dumps(demo_orders()[0]).encode("utf-16"), "invalid_encoding"),
        (json.dumps(demo_orders()[0]).encode("utf-16-le"), "invalid_json"),
        (b"[" * 2000 + b"]" * 2000, "invalid_json"),
        (b'{"order_id": ' + b"1" * 5000 + b"}", "invalid_json"),
        (b'{"order_id": "x", ', "invalid_json"),
    ],
    ids=[
        "invalid-utf8",
        "utf16-with-bom",
        "utf16-without-bom",
        "nested-2000",
        "5000-digits",
        "cut",
    ],
)
def test_a_body_that_cannot_be_read_is_a_400_never_a_500(
    api: ApiClient, body: bytes, code: str
) -> None:
    reply = _send(api, body, "application/json")
    assert reply.status == 400, reply.body
    assert reply.body["code"] == code
    assert len(reply.body["errors"]) == 1
    assert reply.body["errors"][0]["path"] == "body"
    assert "Traceback" not in reply.raw.decode() and "sys." not in reply.raw.decode()


@pytest.mark.parametrize(
    "order_id",
    ["#1001", "ORD 1002", "café", "a/b", "%", "?", "..", "-leading-dash", "x" * 3000],
    ids=["hash", "space", "accent", "slash", "percent", "question", "dots", "dash", "3000-chars"],
)
def test_an_order_id_outside_the_grammar_is_refused_and_holds_nothing(
    api: ApiClient, order_id: str
) -> None:
    reply = api.post("/v1/orders", _order(order_id))
    assert reply.status == 422, reply.body
    assert [e["path"] for e in reply.body["errors"]] == ["order_id"]
    message = reply.body["errors"][0]["message"]
    assert "letters, digits" in message or message == f"at most {ORDER_ID_MAX_LENGTH} characters"


def test_every_order_id_the_api_accepts_can_be_read_and_cancelled(api: ApiClient) -> None:
    for order_id in ["A", "o-1001.b_2", "9" * ORDER_ID_MAX_LENGTH]:
        created = api.post("/v1/orders", _order(order_id))
        assert created.status == 201, created.body
        path = f"/v1/orders/{quote(order_id, safe='')}"
        assert api.get(path).body["order_id"] == order_id
        assert api.post(f"{path}/cancel").body["status"] == "cancelled"


def test_a_path_order_id_outside_the_grammar_is_named(api: ApiClient) -> None:
    reply = api.get("/v1/orders/%23abc")
    assert reply.status == 422, reply.body
    assert [e["path"] for e in reply.body["errors"]] == ["path.order_id"]
    reply = api.get("/v1/orders/" + "x" * 300)
    assert reply.status == 422 and reply.body["errors"][0]["path"] == "path.order_id"


def test_a_key_longer_than_dynamodb_allows_is_named_not_a_500(api: ApiClient) -> None:
    order = _order("long-sku")
    order["lines"] = [{"line_id": "1", "sku": "S" * 3000, "qty": 1}]
    reply = api.post("/v1/orders", order)
    assert reply.status == 422
    assert [e["path"] for e in reply.body["errors"]] == ["lines[0].sku"]
    reply = api.put("/v1/inventory", {"rows": [{"node_id": "N" * 3000, "sku": "x", "on_hand": 1}]})
    assert reply.status == 422
    assert [e["path"] for e in reply.body["errors"]] == ["rows[0].node_id"]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [
        ({"lines": []}, "lines", "must not be empty"),
        ({"lines": [{"line_id": "1", "sku": "SKU-00001", "qty": 1.5}]}, "lines[0].qty", None),
        ({"customer": {"lat": 40}}, "customer.lon", "required"),
        ({"surprise": 1}, "surprise", "unknown field"),
        ({"promise_days": "soon"}, "promise_days", "must be a whole number"),
    ],
    ids=["no-lines", "fraction", "missing-lon", "unknown-field", "string-days"],
)
def test_each_mistake_gets_one_message_in_the_projects_words(
    api: ApiClient, change: dict[str, Any], path: str, message: str | None
) -> None:
    reply = api.post("/v1/orders", {**_order("one-message"), **change})
    assert reply.status == 422, reply.body
    assert [e["path"] for e in reply.body["errors"]] == [path]
    if message is not None:
        assert _messages(reply) == [message]
    for text in _messages(reply):
        assert "should" not in text and "Tuple" not in text and "Input" not in text


def test_an_empty_body_with_another_content_type_says_a_json_body_is_required(
    api: ApiClient,
) -> None:
    reply = _send(api, b"", "application/x-www-form-urlencoded")
    assert reply.status == 422, reply.body
    assert _messages(reply) == ["a JSON body is required"]
