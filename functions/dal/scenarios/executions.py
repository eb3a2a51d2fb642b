"""Starting a what-if job's execution of the Step Functions state machine
(infra/scenario-state-machine.asl.json), named after the job (executions of a Standard machine
are idempotent by name)."""

from __future__ import annotations

import json
from typing import Any

import boto3

from functions.dal.client import boto_config


def start_execution(state_machine_arn: str, name: str, job_input: dict[str, Any]) -> None:
    client = boto3.session.Session().client("stepfunctions", config=boto_config())
    client.start_execution(
        stateMachineArn=state_machine_arn, name=name, input=json.dumps(job_input)
    )
