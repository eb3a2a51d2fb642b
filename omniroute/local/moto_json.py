"""Faster answers from the embedded DynamoDB (moto): the same JSON documents, written faster.

moto 5 writes every answer through a serializer that walks botocore's output shape member by
member. DynamoDB speaks plain JSON, and moto's DynamoDB results are already that JSON (attribute
values as `{"N": "3"}` and so on), so the walk changes nothing but costs time: for a
`BatchGetItem` of two stock items (a map of 200 nodes each) it is most of the request
(bench/api_breakdown.py; about 40 % of the embedded server's time per `POST /v1/orders`).

This patch answers the DynamoDB operations below with `json.dumps` of moto's result. Anything
`json.dumps` cannot write as it is (bytes, dates, sets) goes through moto's serializer as
before, as do errors and every other operation. `tests/integration/test_embedded_dynamodb.py`
checks that both give the same document. Applied only in the embedded server's process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

_PATCHED = "_omniroute_plain_json"
PLAIN_JSON_OPERATIONS = frozenset(
    {
        "BatchGetItem",
        "BatchWriteItem",
        "DeleteItem",
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "TransactGetItems",
        "TransactWriteItems",
        "UpdateItem",
    }
)
CONTENT_TYPE = "application/x-amz-json-1.0"


class _NotPlainJson(TypeError):
    pass


def _refuse(value: Any) -> Any:
    raise _NotPlainJson(type(value).__name__)


@cache
def _output_members(operation: str) -> frozenset[str]:
    from moto.core.utils import get_service_model

    shape = get_service_model("dynamodb").operation_model(operation).output_shape
    return frozenset(shape.members) if shape is not None else frozenset()


def plain_json(operation: str, result: Any) -> str | None:
    """`result` as JSON if it is made only of dicts, lists, strings, numbers, bools and None;
    like moto's serializer, only the members of the operation's output shape are written."""
    if not isinstance(result, dict):
        return None
    members = _output_members(operation)
    document = {k: v for k, v in result.items() if k in members and v is not None}
    try:
        return json.dumps(document, separators=(",", ":"), default=_refuse, allow_nan=False)
    except (_NotPlainJson, ValueError):
        return None


def install() -> bool:
    """Patch moto's DynamoDB handler in this process; False if moto is not as expected."""
    try:
        from moto.core.responses import ActionResult
        from moto.dynamodb.responses import DynamoHandler, DynamoResult
    except ImportError:
        return False
    original: Callable[..., Any] = DynamoHandler.serialized
    if getattr(original, _PATCHED, False):
        return True

    def serialized(self: Any, action_result: Any) -> Any:
        operation = self._get_action()
        if (
            type(action_result) in (ActionResult, DynamoResult)
            and operation in PLAIN_JSON_OPERATIONS
            and (body := plain_json(operation, action_result.result)) is not None
        ):
            headers = {"Content-Type": CONTENT_TYPE}
            headers.update(self.response_headers)
            return 200, headers, body
        return original(self, action_result)

    setattr(serialized, _PATCHED, True)
    serialized.__wrapped__ = original  # type: ignore[attr-defined]
    DynamoHandler.serialized = serialized  # type: ignore[method-assign]
    return True
