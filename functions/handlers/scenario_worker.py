"""Lambda: the what-if state machine's tasks (infra/scenario-state-machine.asl.json), one
`action` per call: prepare, plan_day, aggregate, fail (`functions/logic/scenarios/work.py`).

An exception fails the task; the machine's Catch then calls `fail`, which records it."""

from __future__ import annotations

from typing import Any

from functions.logic.scenarios.work import run_action
from functions.observability import log_task, logger
from functions.settings import require_settings

NEEDS = ("SCENARIOS_TABLE", "SCENARIO_BUCKET")
"""The environment variables this function cannot do without (`functions/settings.py`)."""


@logger.inject_lambda_context(log_event=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    log_task(event)  # the job as correlation id, the execution as caller
    require_settings(NEEDS)
    return run_action(event)
