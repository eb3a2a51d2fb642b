"""Executions of the reallocation state machine, each named after its trigger: Step Functions
runs a Standard machine's execution of a given name once (StartExecution with the same name and
input returns the running one; with another input it refuses), so a trigger delivered twice
runs once."""

from __future__ import annotations

import json
from typing import Any

import boto3

from functions.dal.client import boto_config


def _client() -> Any:
    return boto3.session.Session().client("stepfunctions", config=boto_config())


def execution_arn(state_machine_arn: str, name: str) -> str:
    prefix, _, machine = state_machine_arn.rpartition(":stateMachine:")
    return f"{prefix}:execution:{machine}:{name}"


def start_named(state_machine_arn: str, name: str, payload: dict[str, Any]) -> bool:
    """Start the execution `name`; False if one of that name exists already."""
    client = _client()
    try:
        client.start_execution(
            stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload, sort_keys=True)
        )
    except client.exceptions.ExecutionAlreadyExists:
        return False
    return True


def execution_status(state_machine_arn: str, name: str) -> str | None:
    """RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED; None if there is no such execution."""
    client = _client()
    try:
        found = client.describe_execution(executionArn=execution_arn(state_machine_arn, name))
    except client.exceptions.ExecutionDoesNotExist:
        return None
    return str(found["status"])
