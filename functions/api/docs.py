"""The OpenAPI document of the whole API and a Swagger UI that works offline: its script and
style sheet are served from the files bundled in the installed aws-lambda-powertools package
(no CDN, no download)."""

from pathlib import Path
from typing import Any

import aws_lambda_powertools
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from functions.api.limits import (
    MAX_ADJUSTMENT_ROWS,
    MAX_BODY_BYTES,
    MAX_INVENTORY_ROWS,
    MAX_ORDER_LINES,
)
from functions.api.resolver import API_TITLE, API_VERSION

SWAGGER_ASSETS = Path(aws_lambda_powertools.__file__).parent / "event_handler/openapi/swagger_ui"
ASSET_TYPES = {
    "swagger-ui-bundle.min.js": "application/javascript",
    "swagger-ui.min.css": "text/css",
}
DESCRIPTION = (
    "Omniroute routes each order to the cheapest plan that respects stock, capacity and "
    "promises (spec: docs/model.md), and reserves it atomically in DynamoDB.\n\n"
    f"Limits: request body at most {MAX_BODY_BYTES} bytes (413), at most {MAX_ORDER_LINES} "
    f"order lines, {MAX_INVENTORY_ROWS} inventory rows, {MAX_ADJUSTMENT_ROWS} adjustment rows "
    "(422). Errors answer {code, message, errors: [{path, message}]}."
)


def make_router() -> Router:
    router = Router()

    def schema_json() -> str:
        return router.api_resolver.get_openapi_json_schema(  # type: ignore[union-attr]
            title=API_TITLE, version=API_VERSION, description=DESCRIPTION
        )

    @router.get("/openapi.json", include_in_schema=False)
    def openapi_document() -> Response[Any]:
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
