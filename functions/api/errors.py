"""Every error's HTTP answer, in one place: a domain error (`logic/errors.py`) gets its status
here (`STATUS`), request validation errors become 400/422 naming each field, Powertools'
idempotency and routing errors their 409/422/404, anything else a logged 500. Bodies are
`{code, message, errors: [{path, message}]}`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from functions.api.responses import json_response
from functions.logic.errors import Conflict, DomainError, Invalid, NotFound, field_error
from functions.observability import logger
from solver.loading import whole_order_problems


@dataclass
class ApiError(Exception):
    """An answer other than success: HTTP status, a machine-readable code, and per-field errors
    (`path` is a JSON path into the request such as `lines[2].qty`)."""

    status: int
    code: str
    message: str
    errors: list[dict[str, Any]] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


STATUS: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, Invalid: 422}
"""The HTTP status of each kind of domain error."""


def http_error(error: DomainError) -> ApiError:
    """The one place a domain error becomes an HTTP status and body."""
    status = next(code for kind, code in STATUS.items() if isinstance(error, kind))
    return ApiError(status, error.code, error.message, error.errors)


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error.body())


# --------------------------------------------------------------------------- request validation


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


# --------------------------------------------------------------------------- the resolver's answers


def answer_errors(app: APIGatewayRestResolver) -> None:
    """Register every error answer on `app` (the resolver of each function)."""

    @app.exception_handler(DomainError)
    def _refused(error: DomainError) -> Response:
        return error_response(http_error(error))

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
