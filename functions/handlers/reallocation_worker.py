"""Lambda: the reallocation state machine's tasks (infra/reallocation-state-machine.asl.json),
one `action` per call: find, snapshot, replan, commit, publish, report, fail
(`functions/logic/reallocation/work.py`).

An exception fails the task; the machine retries transient ones and its Catch then calls
`fail`, which records the reason."""

from __future__ import annotations

from typing import Any

from functions.logic.reallocation.work import run_action
from functions.observability import logger
from functions.settings import require_settings

NEEDS = (
    "ORDERS_TABLE",
    "STOCK_TABLE",
    "CAPACITY_TABLE",
    "NODES_TABLE",
    "CONFIG_TABLE",
    "REALLOCATIONS_TABLE",
    "REALLOCATION_BUCKET",
)
"""The environment variables this function cannot do without (`functions/settings.py`)."""


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    require_settings(NEEDS)
    # The run (its execution's name) is the correlation id and the caller of every line.
    run = str(event.get("reallocation_id") or "unknown")
    logger.set_correlation_id(run)
    logger.append_keys(caller=f"execution:{run}", action=event.get("action"))
    logger.info("task", extra={"reallocation_id": run})
    return run_action(event)
