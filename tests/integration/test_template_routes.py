"""Every route template.yaml gives a function is served by that function's handler, the API's
OpenAPI document has no route the template leaves out, and the local stack routes as SAM does.

Handlers are called with API Gateway events, against the embedded DynamoDB over HTTP."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from functions.api.resolver import build_resolver, lambda_entry
from functions.dal.tables import TABLES
from functions.settings import table_env_var
from omniroute.local.events import LambdaContext, api_gateway_event
from omniroute.local.routes import RouteTable
from omniroute.local.schedules import scheduled_event
from omniroute.local.stack import DEFAULT_DATASET, LocalStack
from omniroute.local.template import routes
from tests.integration.conftest import demo_orders
from tests.sam_template import api_routes, env_tables, functions

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
    # Ids that do not exist and a body missing every field: nothing gets written. (JSON: a
    # body that is not is refused before any route is looked up, `functions/api/requests.py`.)
    body = b"{}" if method in {"POST", "PUT"} else b""
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
    found = RouteTable(routes()).match(method, concrete(path))
    assert found is not None and found.match is not None, (method, path)
    assert found.match.route.function == name
    assert found.match.route.handler == functions()[name]["Properties"]["Handler"]
    assert found.match.route.path == path


def _flow(name: str) -> list[tuple[str, str, Any]]:
    """Requests that exercise every route of a function for real (2xx answers)."""
    order = {**demo_orders()[3], "order_id": "least-privilege-1"}
    order_path = f"/v1/orders/{order['order_id']}"
    node_id, sku = "W1", order["lines"][0]["sku"]
    settings = json.loads(Path(DEFAULT_DATASET, "settings.json").read_text())
    return {
        "OrdersFunction": [
            ("POST", "/v1/promise", {"customer": order["customer"], "lines": order["lines"]}),
            ("POST", "/v1/orders", order),
            ("GET", order_path, None),
            ("POST", f"{order_path}/reject", "first shipment's first line"),
            ("POST", f"{order_path}/cancel", None),
        ],
        "InventoryFunction": [
            ("GET", f"/v1/inventory/{sku}", None),
            ("PUT", "/v1/inventory", {"rows": [{"node_id": node_id, "sku": sku, "on_hand": 50}]}),
            (
                "POST",
                "/v1/inventory/adjustments",
                {"adjustment_id": "lp-1", "rows": [{"node_id": node_id, "sku": sku, "delta": 1}]},
            ),
        ],
        "AdminFunction": [
            ("GET", f"/v1/nodes/{node_id}", None),
            ("PUT", f"/v1/nodes/{node_id}", {"active": True}),
            ("PUT", "/v1/config/settings", settings),
        ],
        "ScenariosFunction": [
            (
                "POST",
                "/v1/scenarios",
                {"base": {"dataset": "demo"}, "defaults": {"strategy": "nearest"}},
            ),
        ],
        "ScenarioWorkerFunction": [],  # no routes: tests/integration/test_scenario_worker.py
        "SweeperFunction": [],  # scheduled: tests/e2e/test_crash_recovery.py
        "ReallocationsFunction": [  # a shadow run of the whole scope changes nothing
            ("POST", "/v1/reallocations", {"scope": {"all": True}, "dry_run": True}),
        ],
        # Their own tests: an order with a shipment (test_shipments_api.py); the rules and the
        # state machine's tasks (test_reallocation_rules.py, test_reallocation_tasks.py).
        "ShipmentsFunction": [],
        "ReallocationTriggerFunction": [],
        "ReallocationWorkerFunction": [],
        "DocsFunction": [
            ("GET", "/openapi.json", None),
            ("GET", "/docs", None),
            ("GET", "/docs/swagger-ui.min.css", None),
        ],
    }[name]


@pytest.mark.parametrize("name", sorted(functions()))
def test_each_function_works_with_only_the_tables_the_template_grants_it(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Tables the template does not give a function are not in its environment, so any use of
    them fails (a 5xx naming the variable) as an IAM denial would on AWS."""
    granted = set(env_tables(functions()[name]))
    for logical in TABLES:
        variable = table_env_var(logical)
        if variable not in granted:
            monkeypatch.delenv(variable)
    handler = handler_of(functions()[name])
    flow = _flow(name)
    assert {(m, re.sub(r"/[^/]*least-privilege-1", "/{order_id}", p)) for m, p, _ in flow} >= {
        (m, p) for m, p in api_routes(functions()[name]) if "{" not in p
    }
    plan: Any = None
    for method, path, body in flow:
        if body == "first shipment's first line":
            shipment = plan["shipments"][0]
            line = {"line_id": shipment["lines"][0]["line_id"]}
            body = {"node_id": shipment["node_id"], "lines": [line], "reason": "not found"}
        data = json.dumps(body).encode() if body is not None else b""
        status, reply = call(handler, method, path, data)
        assert 200 <= status < 300, (method, path, status, reply)
        if path == "/v1/orders":
            plan = reply
    if name == "SweeperFunction":  # a pass over the pending orders, with its tables only
        report = handler(scheduled_event(name), LambdaContext(function_name=name))
        assert report["failed"] == []
