"""Building a resolver from routers (with every error answer, `errors.py`) and the Lambda entry
point around it.

Powertools keeps the current request in a class attribute (`BaseRouter.current_event`), so a
process serves one request at a time: Lambda does that by design, and the local stack runs
handlers in worker processes for the same reason (`omniroute/local/workers.py`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.logging import correlation_paths

from functions.api.errors import answer_errors
from functions.api.requests import body_problem
from functions.api.responses import JSON
from functions.dal.reservations import hold_until
from functions.observability import log_request, logger, metrics, tracer
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
    """The Lambda handler: correlation id and caller, tracing, metrics and the body's checks
    (`requests.py`: size, media type, encoding, JSON) around `app.resolve`; each call first
    checks the environment has the variables in `needs` (`functions/settings.py`; on Lambda the
    first call does the work, the others hit a cache)."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        log_request(event)  # the caller principal, with the correlation id
        require_settings(needs)
        hold_until(_deadline(context))
        problem = body_problem(event)
        if problem is not None:
            return {
                "statusCode": problem.status,
                "headers": {"Content-Type": JSON},
                "body": json.dumps(problem.body()),
                "isBase64Encoded": False,
            }
        return app.resolve(event, context)

    return handler


def _deadline(context: Any) -> float | None:
    """When this invocation is over at the latest (Lambda ends it at its timeout)."""
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return None if remaining is None else time.time() + remaining() / 1000
