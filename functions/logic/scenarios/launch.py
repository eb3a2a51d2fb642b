"""Where a what-if job runs: the one switch.

On AWS (STATE_MACHINE_ARN set) the job is one execution of the Step Functions state machine
(infra/scenario-state-machine.asl.json), named after the job. Without it (the local stack), a
background thread of this process runs the same steps in the machine's order, one job at a time
per process: prepare, every day of every scenario, aggregate; any error -> fail.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from functions.dal.scenarios import storage
from functions.dal.scenarios.executions import start_execution
from functions.observability import logger
from functions.settings import current_settings

_one_local_job = threading.Lock()
"""Local jobs share the machine with the API: one runs at a time, the others wait their turn."""


def start_job(job_id: str, bucket: str, scenario_file_key: str) -> str:
    """Start the job; returns where it runs (`step_functions` or `local`)."""
    job_input = {"job_id": job_id, "bucket": bucket, "scenario_file_key": scenario_file_key}
    arn = current_settings().state_machine_arn
    if arn:
        start_execution(arn, job_id, job_input)
        return "step_functions"
    thread = threading.Thread(
        target=run_locally, args=(job_input,), name=f"whatif-{job_id}", daemon=True
    )
    thread.start()
    return "local"


def run_locally(job_input: dict[str, Any]) -> None:
    """The state machine's steps, in its order, in this thread (scenarios one after another)."""
    from functions.logic.scenarios import work  # the solver's what-if code: only when run here

    job = {"job_id": job_input["job_id"], "bucket": job_input["bucket"], "workers": 1}
    with _one_local_job:
        try:
            prepared = work.run_action({**job_input, **job, "action": "prepare"})
            for key in storage.list_keys(job["bucket"], prepared["scenarios_prefix"]):
                step: dict[str, Any] = {**job, "action": "plan_day", "scenario_key": key, "day": 0}
                while True:
                    answer = work.run_action(step)
                    if answer["done"]:
                        break
                    step["day"] = answer["next_day"]
            work.run_action({**job, "action": "aggregate"})
        except Exception as error:  # recorded on the job, as the machine's Catch does
            logger.exception("what-if job failed", extra={"job_id": job["job_id"]})
            cause = {"errorType": type(error).__name__, "errorMessage": str(error)}
            failure = {"Error": type(error).__name__, "Cause": json.dumps(cause)}
            try:
                work.run_action({**job, "action": "fail", "error": failure})
            except Exception:  # the store itself is gone (e.g. the local stack stopped)
                logger.exception("could not record the failure", extra={"job_id": job["job_id"]})
