"""Domain errors know nothing of HTTP; api/errors.py gives each kind its status, in one place."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Router

from functions.api.errors import STATUS, http_error
from functions.api.resolver import build_resolver, lambda_entry
from functions.logic.errors import Conflict, DomainError, Invalid, NotFound, field_error


class Context:
    function_name, memory_limit_in_mb, aws_request_id = "test", 128, "r-1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:test"


def get(path: str) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {},
        "requestContext": {"resourcePath": path, "httpMethod": "GET", "path": path},
        "body": None,
        "isBase64Encoded": False,
    }


def test_every_kind_of_domain_error_has_a_status() -> None:
    assert set(DomainError.__subclasses__()) == set(STATUS)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFound("order_not_found", "unknown order 'o-1'"), 404),
        (Conflict("stock_changed", "retry", [{"sku": "S1", "nodes": ["W1"]}]), 409),
        (Invalid("invalid_rows", "1 invalid rows", [field_error("rows[0].sku", "unknown")]), 422),
    ],
)
def test_a_domain_error_raised_by_a_route_answers_its_status_and_body(
    error: DomainError, status: int
) -> None:
    router = Router()

    @router.get("/refused")
    def refused() -> None:
        raise error

    reply = lambda_entry(build_resolver(router))(get("/refused"), Context())
    assert reply["statusCode"] == status == http_error(error).status
    body = {"code": error.code, "message": error.message, "errors": error.errors}
    assert json.loads(reply["body"]) == body
