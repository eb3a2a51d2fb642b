"""A check of our own for schemathesis (loaded by tests/e2e/test_api_fuzz.py through
SCHEMATHESIS_HOOKS): data the OpenAPI document says is valid is never refused for its shape.

Schemathesis' `positive_data_acceptance` has to let a 422 pass (schema-valid data can name a SKU
the network does not have), so on its own it cannot see a field the document allows and the API
refuses. This check can: a 422 `invalid_request` to a case generated valid must name only rules
no schema states (an unknown SKU, a pickup store without pickup, duplicate line ids), never a
type, length, bound, pattern or required field."""

from __future__ import annotations

import re
from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

SHAPE_MESSAGES = re.compile(
    r"^(required|unknown field|must be (a|an|true|null|one of|at least|at most|greater|less)\b"
    r"|must not be empty|at (least|most) \d+ (characters|items)|must match |an order id is )"
)
"""The messages of `functions/api/errors.validation_message` for what a JSON Schema states."""


def _location(path: str) -> ParameterLocation:
    """Where an error's `path` points (`path.order_id`, `header.Idempotency-Key`, `lines[0]`)."""
    prefix = path.partition(".")[0]
    named = {"path": ParameterLocation.PATH, "header": ParameterLocation.HEADER}
    return named.get(
        prefix, ParameterLocation.QUERY if prefix == "query" else ParameterLocation.BODY
    )


@schemathesis.check
def schema_valid_fields_are_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("code") != "invalid_request":
        return None
    shape = [
        f"{error.get('path')}: {error.get('message')}"
        for error in body.get("errors", [])
        if SHAPE_MESSAGES.match(str(error.get("message", "")))
        and not meta.is_negative_at(_location(str(error.get("path", ""))))
    ]
    if shape:
        raise AssertionError(
            "schema-valid data refused for its shape (the document and the API disagree): "
            + "; ".join(shape)
        )
    return None
