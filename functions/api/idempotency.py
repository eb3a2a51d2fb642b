"""Idempotent calls: a state-changing route runs its use case at most once per request id
(Powertools Idempotency, records in DynamoDB: `dal/idempotency.py`).

The contract (docs/dynamodb.md, "Idempotency"): a request id is something the client chose, the
`Idempotency-Key` header or an id in the body (`order_id`, `adjustment_id`), never a hash of a
body alone, so a later, deliberate change that happens to repeat an earlier body is applied.
Absolute writes (PUT inventory, nodes, config) are deduplicated only when the client sends an
`Idempotency-Key`: applied twice, they leave the same state anyway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency import idempotent_function

from functions.api.responses import json_response
from functions.dal.idempotency import idempotency_config, idempotency_store

IDEMPOTENCY_HEADER = "Idempotency-Key"
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        min_length=1,
        max_length=255,
        description="Names this request: a retry with the same key (and body) is answered "
        "the first answer and changes nothing again; the same key with another body is a 422. "
        "Kept 24 h.",
    ),
]
"""The `Idempotency-Key` header as a route parameter (documented in the OpenAPI document)."""

Answer = tuple[int, Any]
"""(HTTP status, JSON body) of a use case."""


def body_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def idempotent_call(
    router: Router,
    operation: str,
    key: str | None,
    payload: Any,
    run: Callable[[], Answer],
    current: Callable[[Any], Answer | None] | None = None,
) -> Response:
    """Run a state-changing operation at most once per `key` (None: no request id, run it);
    a retry gets the first answer back verbatim, a reused key with another body a 422. `run`
    answers (status, body); errors are not stored, so a failed call can be retried.

    `current`, given a replayed body, answers what to say instead when the replay is stale (the
    state it describes changed since), or None to replay it."""
    if key is None:
        status, body = run()
        return json_response(status, body)
    config = idempotency_config()
    config.register_lambda_context(router.lambda_context)
    ran = False

    def once(request: dict[str, Any]) -> dict[str, Any]:
        nonlocal ran
        ran = True
        status, body = run()
        return {"status": status, "body": body}

    guarded = idempotent_function(
        data_keyword_argument="request",
        persistence_store=idempotency_store(operation),
        config=config,
    )(once)
    result = guarded(request={"key": f"{operation}:{key}", "payload": payload})
    status, body = int(result["status"]), result["body"]
    if not ran and current is not None:
        status, body = current(body) or (status, body)
    return json_response(status, body)
