"""The OpenAPI document of the whole API and a Swagger UI that works offline: its script and
style sheet are served from the files bundled in the installed aws-lambda-powertools package
(no CDN, no download)."""

import json
from pathlib import Path
from typing import Any, cast

import aws_lambda_powertools
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from functions.api.ids import ORDER_ID_RULE
from functions.api.limits import (
    MAX_ADJUSTMENT_ROWS,
    MAX_BODY_BYTES,
    MAX_INVENTORY_ROWS,
    MAX_JSON_DEPTH,
    MAX_KEY_CHARS,
    MAX_ORDER_LINES,
)
from functions.api.resolver import API_TITLE, API_VERSION

SWAGGER_ASSETS = Path(aws_lambda_powertools.__file__).parent / "event_handler/openapi/swagger_ui"
ASSET_TYPES = {
    "swagger-ui-bundle.min.js": "application/javascript",
    "swagger-ui.min.css": "text/css",
}
DESCRIPTION = f"""Omniroute routes each order to the cheapest plan that respects stock, capacity and
promises (spec: docs/model.md), and reserves it atomically in DynamoDB.

**Errors** answer `{{code, message, errors: [{{path, message}}]}}`: `code` is machine-readable,
`errors` names every problem with its `path` into the request (`lines[2].qty`, `path.order_id`,
`header.Content-Type`, `body`). 400: the body is not UTF-8 JSON; 404: unknown order, SKU, node
or job; 409: a clash with the current state, nothing changed (`Retry-After` when retrying soon
helps); 413: body too large; 415: not `application/json`; 422: invalid fields or unknown
references.

**Limits**: request body at most {MAX_BODY_BYTES} bytes, {MAX_ORDER_LINES} order lines,
{MAX_INVENTORY_ROWS} inventory rows, {MAX_ADJUSTMENT_ROWS} adjustment rows, JSON nested at most
{MAX_JSON_DEPTH} levels; SKU and node ids at most {MAX_KEY_CHARS} characters. An order id is
{ORDER_ID_RULE}: the same in a body and in a path.

**Idempotency**: a request is deduplicated by a request id the client chose, never by its body
alone: the `Idempotency-Key` header when sent, else the order id (POST /v1/orders, cancel),
the order id and body (reject: a node that rejected is excluded, so the same reject twice is a
retry), `adjustment_id` (adjustments). Absolute writes (PUT /v1/inventory, /v1/nodes/{{id}},
/v1/config/{{name}}) are deduplicated only with an `Idempotency-Key`; without one every call is
applied. A retry answers the first answer (24 h); if the order changed since, its current
state. The same key with another body: 422 `idempotency_key_reused`.

**Money** is in the dataset's currency, in cents: an order's `cost` is the sum of its
`breakdown`, and each part the sum of its shipments' amounts.

**Access**: every route but these docs is signed with AWS Signature Version 4 (API Gateway
`AWS_IAM`, the template's default; see the security schemes)."""

SECURITY_SCHEMES = {
    "sigv4": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "AWS Signature Version 4 (API Gateway AWS_IAM): sign every request with "
        "the credentials of an IAM principal allowed execute-api:Invoke on this API.",
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
}
"""How callers authenticate, as template.yaml deploys the API (docs/deploy.md)."""
UNUSED_COMPONENTS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
"""Powertools' own validation error shapes: the API answers `ErrorAnswer` instead."""


def openapi_document(resolver: APIGatewayRestResolver) -> dict[str, Any]:
    """The API's OpenAPI document: Powertools' (from the routes' types and `responses`) with the
    security schemes and without the error shapes the API never answers."""
    document: dict[str, Any] = json.loads(
        resolver.get_openapi_json_schema(
            title=API_TITLE, version=API_VERSION, description=DESCRIPTION
        )
    )
    components = document.setdefault("components", {})
    text = json.dumps(document["paths"])
    for name in UNUSED_COMPONENTS:
        if f"#/components/schemas/{name}" not in text:
            components.get("schemas", {}).pop(name, None)
    components["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{name: []} for name in SECURITY_SCHEMES]
    return document


def make_router() -> Router:
    router = Router()

    def schema_json() -> str:
        return json.dumps(openapi_document(cast(APIGatewayRestResolver, router.api_resolver)))

    @router.get("/openapi.json", include_in_schema=False)
    def get_openapi_document() -> Response[Any]:
        return Response(200, "application/json", schema_json())

    @router.get("/docs", include_in_schema=False)
    def swagger_ui() -> Response[Any]:
        # Relative asset URLs work both at /docs locally and under an API Gateway stage.
        spec = schema_json().replace("</", "<\\/")
        html = generate_swagger_html(
            spec, "docs/swagger-ui-bundle.min.js", "docs/swagger-ui.min.css", "docs", None
        )
        return Response(200, "text/html", html)

    @router.get("/docs/<asset>", include_in_schema=False)
    def swagger_asset(asset: str) -> Response[Any]:
        if asset not in ASSET_TYPES:
            return Response(404, "application/json", '{"code": "not_found", "errors": []}')
        return Response(200, ASSET_TYPES[asset], (SWAGGER_ASSETS / asset).read_text("utf-8"))

    return router
