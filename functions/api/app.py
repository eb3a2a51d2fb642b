"""Building a resolver from routers, the Lambda entry point around it, error answers and the
idempotent-call helper every state-changing route uses.

Powertools keeps the current request in a class attribute (`BaseRouter.current_event`), so a
process serves one request at a time: Lambda does that by design, and the local stack runs
handlers in worker processes for the same reason (`omniroute/serve.py`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from functions.api.limits import MAX_BODY_BYTES
from functions.dal.idempotency import idempotency_config, idempotency_store
from functions.errors import ApiError, field_error
from functions.observability import MetricUnit, logger, metrics, tracer
from functions.order_service import Outcome
from solver.loading import whole_order_problems

JSON = "application/json"
API_TITLE = "Omniroute API"
API_VERSION = "1.0.0"

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(body, sort_keys=True),
        headers=headers or {},
    )


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error.body())


def _path(loc: tuple[Any, ...] | list[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def validation_errors(error: RequestValidationError, raw_body: str | None) -> ApiError:
    """Powertools/pydantic errors as {path, message} per bad field (path inside its part of the
    request: body fields bare, others prefixed by `query.`/`path.`/`header.`)."""
    fields = []
    invalid_json = False
    for item in error.errors():
        loc = tuple(item.get("loc", ()))
        where, rest = (loc[0], loc[1:]) if loc else ("body", ())
        kind = item.get("type", "")
        if kind == "json_invalid":
            invalid_json = True
            fields.append(field_error("body", "invalid JSON"))
            continue
        if where == "body" and not rest and kind == "value_error":
            problems = _whole_order_problems(raw_body)
            if problems:
                fields.extend(field_error(p, m) for p, m in problems)
                continue
        message = str(item.get("msg", "invalid"))
        if kind == "missing" and where == "body" and not rest:
            message = "a JSON body is required"
        path = _path(rest) if where == "body" else _path((where, *rest))
        fields.append(field_error(path or "body", message))
    if invalid_json:
        return ApiError(400, "invalid_json", "the request body is not valid JSON", fields)
    return ApiError(422, "invalid_request", "the request has invalid fields", fields)


def _whole_order_problems(raw_body: str | None) -> list[tuple[str, str]]:
    try:
        content = json.loads(raw_body or "")
    except json.JSONDecodeError:
        return []
    return whole_order_problems(content) if isinstance(content, dict) else []


def build_resolver(*routers: Router) -> APIGatewayRestResolver:
    """One resolver with validation, the given routers and the service's error answers."""
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)

    @app.exception_handler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return error_response(validation_errors(error, app.current_event.body))

    @app.exception_handler(IdempotencyValidationError)
    def _key_reused(_: Exception) -> Response:
        return error_response(
            ApiError(
                422,
                "idempotency_key_reused",
                "this idempotency key (or order id) was used with a different request body",
                [field_error("header.Idempotency-Key", "already used for another request")],
            )
        )

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def _in_progress(_: Exception) -> Response:
        return error_response(
            ApiError(409, "request_in_progress", "the same request is still being processed; retry")
        )

    @app.exception_handler(NotFoundError)
    def _no_route(_: Exception) -> Response:
        event = app.current_event
        return error_response(
            ApiError(404, "not_found", f"no route {event.http_method} {event.path}")
        )

    @app.exception_handler(Exception)
    def _server_fault(error: Exception) -> Response:
        # A bug or an outage, never the caller's input (that is answered above): log it whole.
        logger.exception("unexpected error", extra={"error": repr(error)})
        return error_response(
            ApiError(500, "internal_error", "an unexpected error occurred; it has been logged")
        )

    return app


def lambda_entry(app: APIGatewayRestResolver) -> LambdaHandler:
    """The Lambda handler: correlation id, tracing, metrics and the body-size limit around
    `app.resolve`."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
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


def body_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def idempotency_key(router: Router, fallback: str) -> str:
    """The `Idempotency-Key` header when the caller sends one, else `fallback`."""
    header = router.current_event.headers.get("Idempotency-Key")
    return header.strip() if header and header.strip() else fallback


def idempotent_call(
    router: Router, operation: str, key: str, payload: Any, run: Callable[[], Outcome]
) -> Response:
    """Run a state-changing operation at most once per key (Powertools Idempotency on
    DynamoDB); a retry gets the first answer back verbatim, a reused key with another body a
    422. Errors are not stored, so a failed call can be retried."""
    config = idempotency_config()
    config.register_lambda_context(router.lambda_context)

    def once(request: dict[str, Any]) -> dict[str, Any]:
        outcome = run()
        record_metrics(outcome)
        return {"status": outcome.status, "body": outcome.body}

    guarded = idempotent_function(
        data_keyword_argument="request",
        persistence_store=idempotency_store(operation),
        config=config,
    )(once)
    result = guarded(request={"key": f"{operation}:{key}", "payload": payload})
    return json_response(int(result["status"]), result["body"])


def record_metrics(outcome: Outcome) -> None:
    if outcome.conflicts:
        metrics.add_metric("ReservationConflicts", MetricUnit.Count, outcome.conflicts)
    planned = outcome.planned
    if planned is None:
        return
    metrics.add_metric("SolveTime", MetricUnit.Milliseconds, planned.solve_seconds * 1000)
    metrics.add_metric("PlanCost", MetricUnit.NoUnit, planned.plan.cost)
    metrics.add_metric("ShipmentsPerOrder", MetricUnit.Count, len(planned.plan.shipments))
