"""Lambda: the target of the reallocation rules and schedule in template.yaml. Turns the event
into typed triggers and starts one execution of the reallocation state machine per trigger,
named after it (`functions/logic/reallocation/launch.py`), so a repeated event runs once.

EventBridge invokes it asynchronously and retries it on an error, so a failure here is
retried; an event that is no trigger (e.g. a node opened) starts nothing."""

from __future__ import annotations

from typing import Any

from functions.dal.database import current_database
from functions.logic.reallocation.launch import start_from_event
from functions.observability import logger
from functions.settings import require_settings

NEEDS = (
    "REALLOCATIONS_TABLE",
    "CONFIG_TABLE",
    "REALLOCATION_BUCKET",
    "REALLOCATION_STATE_MACHINE_ARN",
)
"""The environment variables this function cannot do without (`functions/settings.py`)."""


@logger.inject_lambda_context(log_event=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    require_settings(NEEDS)
    # The event is the correlation id; the rule (or schedule) that delivered it the caller.
    logger.set_correlation_id(str(event.get("id") or "unknown"))
    logger.append_keys(caller=f"eventbridge:{event.get('detail-type', 'unknown')}")
    started = start_from_event(current_database(), event)
    return {"started": [run["reallocation_id"] for run in started]}
