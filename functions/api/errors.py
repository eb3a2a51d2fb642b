"""Every error's HTTP answer, in one place: a domain error (`logic/errors.py`) gets its status
here (`STATUS`), request validation errors become 400/422 naming each field, Powertools'
idempotency and routing errors their 409/422/404, anything else a logged 500. Bodies are
`{code, message, errors: [{path, message}]}`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from functions.api.ids import ORDER_ID_PATTERN, ORDER_ID_RULE
from functions.api.responses import json_response
from functions.logic.errors import (
    Conflict,
    DomainError,
    InProgress,
    Invalid,
    NotFound,
    TooBusy,
    field_error,
)
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
    retry_after: int | None = None
    """Seconds after which a retry may succeed (the Retry-After header)."""

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


STATUS: dict[type[DomainError], int] = {NotFound: 404, Conflict: 409, Invalid: 422, TooBusy: 429}
"""The HTTP status of each kind of domain error."""


def http_error(error: DomainError) -> ApiError:
    """The one place a domain error becomes an HTTP status and body."""
    status = next(code for kind, code in STATUS.items() if isinstance(error, kind))
    retry_after = None
    if isinstance(error, InProgress):
        retry_after = error.retry_after
    elif isinstance(error, TooBusy):
        retry_after = error.retry_after_seconds
    return ApiError(status, error.code, error.message, error.errors, retry_after)


def error_response(error: ApiError) -> Response:
    headers = {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}
    return json_response(error.status, error.body(), headers)


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
    """Powertools/pydantic errors as {path, message}, one per bad field, in the project's words
    (`validation_message`). Paths are inside their part of the request: body fields bare, others
    prefixed by `query.`/`path.`/`header.`."""
    fields: dict[str, dict[str, Any]] = {}
    lengths: set[str] = set()
    invalid_json = False
    for item in error.errors():
        loc = tuple(item.get("loc", ()))
        where, rest = (loc[0], loc[1:]) if loc else ("body", ())
        kind = item.get("type", "")
        if kind == "json_invalid":
            invalid_json = True
            fields.setdefault("body", field_error("body", "invalid JSON"))
            continue
        if where == "body" and not rest and kind == "value_error":
            problems = _whole_order_problems(raw_body)
            if problems:
                for p, m in problems:
                    fields.setdefault(p, field_error(p, m))
                continue
        rest = tuple(part for part in rest if not _is_union_branch(part))
        path = _path(rest) if where == "body" else _path((where, *rest))
        message = validation_message(item)
        if kind == "missing" and where == "body" and not rest:
            message = "a JSON body is required"
        if kind == "too_short":
            lengths.add(path or "body")
        fields.setdefault(path or "body", field_error(path or "body", message))
    # pydantic checks a list's length after dropping its invalid items: "at least 1 item" next
    # to the item's own error is the same mistake, said twice.
    for path in lengths:
        if any(other.startswith((f"{path}[", f"{path}.")) for other in fields):
            del fields[path]
    if invalid_json:
        return ApiError(400, "invalid_json", "the request body is not valid JSON", [fields["body"]])
    return ApiError(422, "invalid_request", "the request has invalid fields", list(fields.values()))


def _is_union_branch(part: Any) -> bool:
    """pydantic names the branch of an `X | None` it tried (`int`, `function-after[...]`)."""
    return isinstance(part, str) and (
        part in {"int", "float", "str", "bool", "none", "list", "dict"} or "[" in part
    )


_MESSAGES: dict[str, str] = {
    "missing": "required",
    "extra_forbidden": "unknown field",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "none_required": "must be null",
}


def validation_message(item: Mapping[str, Any]) -> str:
    """One pydantic error in the project's words (never pydantic's own sentences)."""
    kind = str(item.get("type", ""))
    ctx = item.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind in ("too_short", "too_long"):
        size = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        unit = "characters" if isinstance(item.get("input"), str) else "items"
        if kind == "too_short":
            return "must not be empty" if size == 1 else f"at least {size} {unit} required"
        return f"at most {size} {unit}"
    if kind == "string_too_short":
        size = ctx.get("min_length")
        return "must not be empty" if size == 1 else f"at least {size} characters"
    if kind == "string_too_long":
        return f"at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == ORDER_ID_PATTERN:
            return f"an order id is {ORDER_ID_RULE}"
        return f"must match {ctx.get('pattern')}"
    bounds = {
        "greater_than": "must be greater than {gt}",
        "greater_than_equal": "must be at least {ge}",
        "less_than": "must be less than {lt}",
        "less_than_equal": "must be at most {le}",
    }
    if kind in bounds:
        return bounds[kind].format(**ctx)
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind == "enum":
        return f"must be one of {ctx.get('expected')}"
    message = str(item.get("msg", "invalid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


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
