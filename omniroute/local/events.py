"""What API Gateway hands a Lambda and takes back: the REST API (v1) proxy event for one HTTP
request, the Lambda context Powertools reads, and the proxy response turned into HTTP."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

LOCAL_ACCOUNT = "123456789012"
"""moto's default account id: the ARNs of the local stack's functions and state machines."""


def api_gateway_event(
    method: str,
    raw_path: str,
    headers: dict[str, str],
    body: bytes,
    resource: str = "/{proxy+}",
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API (v1) proxy event for one HTTP request. `raw_path` is the path
    as sent (still percent-encoded) with its query; `resource` the template's path that
    matched it and `path_parameters` its `{name}` values."""
    parts = urlsplit(raw_path)
    query = parse_qsl(parts.query, keep_blank_values=True)
    is_text = True
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        is_text = False
        text = base64.b64encode(body).decode("ascii")
    if path_parameters is None:
        path_parameters = {"proxy": parts.path.lstrip("/")}
    request_id = str(uuid.uuid4())
    return {
        "resource": resource,
        "path": parts.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": dict(query) or None,
        "multiValueQueryStringParameters": (
            {k: [v for kk, v in query if kk == k] for k, _ in query} or None
        ),
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": parts.path,
            "stage": "local",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": text if body else None,
        "isBase64Encoded": not is_text,
    }


@dataclass
class LambdaContext:
    """The parts of a Lambda context Powertools reads."""

    function_name: str = "omniroute-local"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{LOCAL_ACCOUNT}:function:omniroute-local"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass(frozen=True)
class HttpAnswer:
    """An HTTP response: status, headers (a name may repeat), body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


HOP_BY_HOP = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})
"""Headers the HTTP server sets itself, never taken from a handler's answer."""


class MalformedProxyResponse(ValueError):
    """A handler's answer is not an API Gateway proxy response (API Gateway answers 502)."""


def proxy_answer(result: Any) -> HttpAnswer:
    """A Lambda proxy response (`statusCode`, `headers`, `multiValueHeaders`, `body`,
    `isBase64Encoded`) as HTTP; a value of another shape raises MalformedProxyResponse."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode", 200), int):
        raise MalformedProxyResponse(f"not a proxy response: {type(result).__name__}")
    payload = result.get("body") or ""
    if not isinstance(payload, str):
        raise MalformedProxyResponse("body is not a string")
    data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
    single = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
    multiple = {
        str(k): [str(v) for v in values]
        for k, values in (result.get("multiValueHeaders") or {}).items()
    }
    headers = [(k, v) for k, v in single.items() if k not in multiple]
    headers += [(k, v) for k, values in multiple.items() for v in values]
    kept = tuple((k, v) for k, v in headers if k.lower() not in HOP_BY_HOP)
    return HttpAnswer(int(result.get("statusCode", 200)), kept, data)
