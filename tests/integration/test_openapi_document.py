"""The OpenAPI document describes the API as it answers (issue 12, finding 8): every status an
operation answers, with the schema of its body; the one error shape; how callers authenticate (none locally).
That the answers match these schemas is tests/e2e/test_api_fuzz.py's (schemathesis)."""

from __future__ import annotations

import json
from typing import Any

from tests.integration.api_client import ApiClient

ERROR = {"$ref": "#/components/schemas/ErrorAnswer"}


def _document(api: ApiClient) -> dict[str, Any]:
    reply = api.get("/openapi.json")
    assert reply.status == 200
    return reply.body


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _schema(response: dict[str, Any]) -> dict[str, Any]:
    (media,) = response["content"].values()
    return media["schema"]


def test_every_operation_documents_its_answers_with_their_schemas(api: ApiClient) -> None:
    for method, path, operation in _operations(_document(api)):
        responses = operation["responses"]
        ok = [s for s in responses if s.startswith("2")]
        assert ok, (method, path)
        for status in ok:
            schema = _schema(responses[status])
            assert "$ref" in schema or schema == {"type": "string"}, (method, path, status)
        errors = [s for s in responses if s[0] in "45"]
        assert "422" in errors, (method, path)
        for status in errors:
            assert _schema(responses[status]) == ERROR, (method, path, status)
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(errors), (method, path)


def test_post_orders_answers_201_with_the_order_and_its_errors(api: ApiClient) -> None:
    operation = _document(api)["paths"]["/v1/orders"]["post"]
    responses = operation["responses"]
    assert _schema(responses["201"]) == {"$ref": "#/components/schemas/OrderAnswer"}
    assert _schema(responses["200"]) == {"$ref": "#/components/schemas/OrderAnswer"}
    assert {"400", "409", "413", "415", "422"} <= set(responses)
    assert "200" in responses and "Return" not in json.dumps(responses)
    assert any(p["name"].lower() == "idempotency-key" for p in operation["parameters"])
    assert "cost more than leaving them unfilled" in operation["description"]


def test_the_error_shape_is_the_one_the_api_answers(api: ApiClient) -> None:
    document = _document(api)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    error = schemas["ErrorAnswer"]
    assert set(error["required"]) == {"code", "message", "errors"}
    problem = schemas[error["properties"]["errors"]["items"]["$ref"].rsplit("/", 1)[1]]
    assert set(problem["required"]) == {"path", "message"}
    reply = api.get("/v1/orders/no-such-order")
    assert reply.status == 404 and set(reply.body) == {"code", "message", "errors"}


def test_an_order_answer_documents_every_field_it_carries(api: ApiClient) -> None:
    schemas = _document(api)["components"]["schemas"]
    order = schemas["OrderAnswer"]
    assert order["additionalProperties"] is False
    # Every field is always there but spec §7's, which only a re-planned order carries.
    assert set(order["properties"]) - set(order["required"]) == {"moved_units"}
    assert set(order["properties"]["status"]["enum"]) >= {"reserved", "backordered", "cancelled"}


def test_the_local_stack_documents_no_authentication(api: ApiClient) -> None:
    """It authenticates nobody; a deployed stack's document names its AuthMode's scheme
    (tests/unit/test_openapi_security.py)."""
    document = _document(api)
    assert "securitySchemes" not in document["components"] and "security" not in document
    assert "authenticates nobody" in document["info"]["description"]


def test_every_bound_is_written_in_json_schema_words(api: ApiClient) -> None:
    """pydantic writes a bound on an optional field as `ge`/`le`, which no JSON Schema reads:
    schemathesis then sent max_shipments 0 as valid data."""
    text = json.dumps(_document(api))
    for keyword in ("ge", "gt", "le", "lt"):
        assert f'"{keyword}":' not in text, keyword
    node = _document(api)["components"]["schemas"]["NodeUpdate"]["properties"]
    assert {"type": "integer", "minimum": 0, "maximum": 1_000_000_000} in node[
        "max_orders_per_day"
    ]["anyOf"]


def test_path_ids_document_their_grammar(api: ApiClient) -> None:
    """A `pattern` missing from the document let schemathesis send ids the API refuses."""
    for method, path, operation in _operations(_document(api)):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("order_id", "scenario_id"):
                assert parameter["schema"]["pattern"].startswith("^[A-Za-z0-9]"), (method, path)


def test_an_order_answer_links_to_what_can_be_done_with_the_order(api: ApiClient) -> None:
    """OpenAPI links (a client generator and schemathesis' stateful phase follow them)."""
    document = _document(api)
    links = document["paths"]["/v1/orders"]["post"]["responses"]["201"]["links"]
    assert set(links) == {"GetOrder", "CancelOrder", "RejectOrderLines"}
    for link in links.values():
        pointer = link["operationRef"].removeprefix("#/paths/")
        path, method = pointer.rsplit("/", 1)
        assert method in document["paths"][path.replace("~1", "/").replace("~0", "~")]
        assert link["parameters"] == {"order_id": "$response.body#/order_id"}
