"""JSON answers as Powertools `Response`s (keys sorted, so equal bodies are equal bytes)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

JSON = "application/json"


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=JSON,
        body=json.dumps(body, sort_keys=True),
        headers=headers or {},
    )
