"""Building a resolver from routers (with every error answer, `errors.py`) and the Lambda entry
point around it.

Powertools keeps the current request in a class attribute (`BaseRouter.current_event`), so a
process serves one request at a time: Lambda does that by design, and the local stack runs
handlers in worker processes for the same reason (`omniroute/local/workers.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths

from functions.api.errors import ApiError, answer_errors
from functions.api.limits import MAX_BODY_BYTES
from functions.api.responses import JSON
from functions.logic.errors import field_error
from functions.observability import logger, metrics, tracer
from functions.settings import require_settings

API_TITLE = "Omniroute API"
API_VERSION = "1.0.0"

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def build_resolver(*routers: Router) -> APIGatewayRestResolver:
    """One resolver with validation, the given routers and the service's error answers."""
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    answer_errors(app)
    return app


def lambda_entry(app: APIGatewayRestResolver, needs: Sequence[str] = ()) -> LambdaHandler:
    """The Lambda handler: correlation id, tracing, metrics and the body-size limit around
    `app.resolve`; each call first checks the environment has the variables in `needs`
    (`functions/settings.py`; on Lambda the first call does the work, the others hit a cache)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        require_settings(needs)
        body = event.get("body") or ""
        if len(body.encode("utf-8")) > MAX_BODY_BYTES:
            error = ApiError(
                413,
                "body_too_large",
                f"request body over {MAX_BODY_BYTES} bytes",
                [field_error("body", f"at most {MAX_BODY_BYTES} bytes")],
            )
            return {
                "statusCode": 413,
                "headers": {"Content-Type": JSON},
                "body": json.dumps(error.body()),
                "isBase64Encoded": False,
            }
        return app.resolve(event, context)

    return handler
