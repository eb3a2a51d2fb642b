"""Where a what-if job runs: one execution of the Step Functions state machine
(infra/scenario-state-machine.asl.json), named after the job, so a retried start cannot run it
twice. On AWS that is the deployed machine; the local stack runs the same definition file in
moto's Step Functions (omniroute/local/state_machines.py) and sets STATE_MACHINE_ARN to it.
"""

from __future__ import annotations

from functions.dal.scenarios.executions import start_execution
from functions.settings import SettingsError, current_settings

JOB_TIMEOUT_SECONDS = 43_200
"""The state machine's TimeoutSeconds (12 h; tests/unit/test_state_machines.py checks the
definition says the same): no job is active longer, so an active-job slot held longer is a leak
and may be reclaimed."""


def start_job(job_id: str, bucket: str, scenario_file_key: str) -> str:
    """Start the job's execution; returns where it runs (`step_functions`)."""
    job_input = {"job_id": job_id, "bucket": bucket, "scenario_file_key": scenario_file_key}
    arn = current_settings().state_machine_arn
    if not arn:
        raise SettingsError("STATE_MACHINE_ARN is not set: no state machine to run the job")
    start_execution(arn, job_id, job_input)
    return "step_functions"
