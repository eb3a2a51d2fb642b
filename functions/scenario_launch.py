"""Where a what-if job runs: one execution of the Step Functions state machine
(infra/scenario-state-machine.asl.json), named after the job, so a retried start cannot run it
twice. On AWS that is the deployed machine; the local stack runs the same definition file in
moto's Step Functions (omniroute/local/state_machines.py) and sets STATE_MACHINE_ARN to it.
"""

from __future__ import annotations

import json
import os

import boto3

from functions.dynamo import boto_config

STATE_MACHINE_ENV = "STATE_MACHINE_ARN"


def start_job(job_id: str, bucket: str, scenario_file_key: str) -> str:
    """Start the job's execution; returns where it runs (`step_functions`)."""
    job_input = {"job_id": job_id, "bucket": bucket, "scenario_file_key": scenario_file_key}
    arn = os.environ.get(STATE_MACHINE_ENV)
    if not arn:
        raise RuntimeError(f"{STATE_MACHINE_ENV} is not set: no state machine to run the job")
    client = boto3.session.Session().client("stepfunctions", config=boto_config())
    client.start_execution(stateMachineArn=arn, name=job_id, input=json.dumps(job_input))
    return "step_functions"
