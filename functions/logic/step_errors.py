"""What a Step Functions error says, readably: a Catch passes {Error, Cause}, and a Lambda
task's Cause is JSON with errorType and errorMessage. Shared by the what-if and reallocation
workflows' failure tasks."""

from __future__ import annotations

import json
from typing import Any


def step_error(error: Any) -> tuple[str, str | None]:
    """(error type, message) of a caught error."""
    if not isinstance(error, dict):
        return str(error), None
    kind, cause = str(error.get("Error") or "Error"), error.get("Cause")
    try:
        details = json.loads(cause) if isinstance(cause, str) else None
    except ValueError:
        details = None
    if isinstance(details, dict) and "errorMessage" in details:
        kind = str(details.get("errorType") or kind)
        cause = details["errorMessage"]
    return kind, None if cause is None else str(cause)
