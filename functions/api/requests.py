"""A request's body as API Gateway hands it over, checked before any route reads it: its size
(413), its media type (415), its encoding (400) and that it is JSON a route can take (400). A
route then sees the body as text, already known to parse.

Powertools parses the body itself, but a body that is not UTF-8, JSON nested thousands of levels
deep or a number of more than 4,300 digits (Python's limit for int()) raise from inside it,
which would be a 500; each is the caller's mistake and is answered here, naming it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import sys
from typing import Any

from functions.api.errors import ApiError
from functions.api.limits import MAX_BODY_BYTES, MAX_JSON_DEPTH
from functions.logic.errors import field_error

JSON_MEDIA_TYPE = "application/json"


def body_problem(event: dict[str, Any]) -> ApiError | None:
    """What is wrong with the event's body, or None; a good body is left in `event["body"]`
    as decoded text (`isBase64Encoded` false)."""
    raw = _raw_body(event)
    if raw is None:
        return ApiError(400, "invalid_encoding", "the request body is not valid base64")
    if len(raw) > MAX_BODY_BYTES:
        return ApiError(
            413,
            "body_too_large",
            f"request body over {MAX_BODY_BYTES} bytes",
            [field_error("body", f"at most {MAX_BODY_BYTES} bytes")],
        )
    media_type, charset = _content_type(event)
    if not raw:
        if media_type is not None and not _is_json(media_type):
            _forget_content_type(event)  # no body: the route says "a JSON body is required"
        return None
    if media_type is not None and not _is_json(media_type):
        return ApiError(
            415,
            "unsupported_media_type",
            f"the body must be JSON sent as Content-Type: {JSON_MEDIA_TYPE} (got {media_type})",
            [field_error("header.Content-Type", f"must be {JSON_MEDIA_TYPE}")],
        )
    if charset not in (None, "utf-8", "utf8"):
        return ApiError(
            415,
            "unsupported_media_type",
            f"the body must be UTF-8 (Content-Type says charset={charset})",
            [field_error("header.Content-Type", "charset must be utf-8")],
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return ApiError(
            400,
            "invalid_encoding",
            f"the request body is not valid UTF-8 (byte {error.start})",
            [field_error("body", "JSON bodies must be UTF-8")],
        )
    problem = _json_problem(text)
    if problem is not None:
        return ApiError(400, "invalid_json", problem, [field_error("body", problem)])
    event["body"], event["isBase64Encoded"] = text, False
    return None


def _raw_body(event: dict[str, Any]) -> bytes | None:
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None


def _header(event: dict[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _content_type(event: dict[str, Any]) -> tuple[str | None, str | None]:
    """(media type, charset) of the Content-Type header, lower case; None when absent (a body
    without one is read as JSON, as Powertools does)."""
    value = _header(event, "content-type")
    if value is None or not value.strip():
        return None, None
    media_type, *params = (part.strip() for part in value.split(";"))
    charset = None
    for param in params:
        name, _, arg = param.partition("=")
        if name.strip().lower() == "charset":
            charset = arg.strip().strip('"').lower()
    return media_type.lower(), charset


def _is_json(media_type: str) -> bool:
    return media_type == JSON_MEDIA_TYPE or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _forget_content_type(event: dict[str, Any]) -> None:
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field) or {}
        for key in [k for k in headers if k.lower() == "content-type"]:
            del headers[key]


def _json_problem(text: str) -> str | None:
    """Why `text` is not JSON a route can take, or None."""
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except _NotFinite as error:
        return f"a number in the body is not finite: {error}"
    except json.JSONDecodeError as error:
        return f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    except RecursionError:
        return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        return f"a number in the body has more than {sys.get_int_max_str_digits()} digits"
    if _depth(value) > MAX_JSON_DEPTH:
        return f"JSON nested deeper than {MAX_JSON_DEPTH} levels"
    return None


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    """JSON numbers beyond a float's range (1e400) would be infinity, which is not JSON."""
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text[:40])
    return value


def _no_constant(name: str) -> float:
    raise _NotFinite(name)  # NaN, Infinity: Python reads them, JSON has no such numbers


def _depth(value: Any) -> int:
    """Nesting depth of arrays and objects (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest
