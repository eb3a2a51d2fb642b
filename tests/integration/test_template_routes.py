"""Every route template.yaml gives a function is served by that function's handler, the API's
OpenAPI document has no route the template leaves out, and the local stack routes as SAM does.

Handlers are called with API Gateway events, against the embedded DynamoDB over HTTP."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest

from functions.api.app import build_resolver, lambda_entry
from omniroute.serve import ROUTES, LambdaContext, LocalStack, api_gateway_event
from tests.sam_template import api_routes, functions

NOT_IN_OPENAPI = {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/{asset}")}
"""The documentation's own routes (include_in_schema=False)."""


def handler_of(function: dict[str, Any]) -> Any:
    module_name, _, attribute = function["Properties"]["Handler"].rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def call(handler: Any, method: str, path: str, body: bytes = b"") -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"} if body else {}
    reply = handler(api_gateway_event(method, path, headers, body), LambdaContext())
    text = reply["body"]
    return reply["statusCode"], json.loads(text) if text.startswith(("{", "[")) else text


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "unknown-x1", path)


ALL_ROUTES = sorted(
    (name, method, path) for name, f in functions().items() for method, path in api_routes(f)
)


@pytest.mark.parametrize(("name", "method", "path"), ALL_ROUTES)
def test_template_route_is_served_by_its_functions_handler(
    stack: LocalStack, name: str, method: str, path: str
) -> None:
    # Ids that do not exist and a body that is not JSON: nothing gets written.
    body = b"{" if method in {"POST", "PUT"} else b""
    no_route = call(lambda_entry(build_resolver()), method, concrete(path), body)
    assert no_route[0] == 404
    status, reply = call(handler_of(functions()[name]), method, concrete(path), body)
    assert (status, reply) != no_route, f"{name} has no route {method} {path}"
    assert status < 500, reply


def test_openapi_document_has_no_route_the_template_leaves_out(stack: LocalStack) -> None:
    status, document = call(handler_of(functions()["DocsFunction"]), "GET", "/openapi.json")
    assert status == 200
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    deployed = {(method, path) for _, method, path in ALL_ROUTES}
    assert documented == deployed - NOT_IN_OPENAPI


@pytest.mark.parametrize(("name", "method", "path"), ALL_ROUTES)
def test_local_stack_sends_each_route_to_the_handler_the_template_names(
    name: str, method: str, path: str
) -> None:
    matches = [
        module for prefix, module in ROUTES if path == prefix or path.startswith(prefix + "/")
    ]
    handler_module = functions()[name]["Properties"]["Handler"].rsplit(".", 2)[-2]
    assert matches[:1] == [handler_module], (method, path, matches)
