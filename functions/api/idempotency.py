"""Idempotent calls: every state-changing route runs its use case at most once per key
(Powertools Idempotency, records in DynamoDB: `dal/idempotency.py`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.idempotency import idempotent_function

from functions.api.responses import json_response
from functions.dal.idempotency import idempotency_config, idempotency_store


def body_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def idempotency_key(router: Router, fallback: str) -> str:
    """The `Idempotency-Key` header when the caller sends one, else `fallback`."""
    header = router.current_event.headers.get("Idempotency-Key")
    return header.strip() if header and header.strip() else fallback


def idempotent_call(
    router: Router, operation: str, key: str, payload: Any, run: Callable[[], tuple[int, Any]]
) -> Response:
    """Run a state-changing operation at most once per key (Powertools Idempotency on
    DynamoDB); a retry gets the first answer back verbatim, a reused key with another body a
    422. `run` answers (status, body); errors are not stored, so a failed call can be retried."""
    config = idempotency_config()
    config.register_lambda_context(router.lambda_context)

    def once(request: dict[str, Any]) -> dict[str, Any]:
        status, body = run()
        return {"status": status, "body": body}

    guarded = idempotent_function(
        data_keyword_argument="request",
        persistence_store=idempotency_store(operation),
        config=config,
    )(once)
    result = guarded(request={"key": f"{operation}:{key}", "payload": payload})
    return json_response(int(result["status"]), result["body"])
