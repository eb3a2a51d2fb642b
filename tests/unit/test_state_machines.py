"""Every state machine definition (infra/*.asl.json): each Task retries Lambda's transient
errors and catches the rest, each Task and each machine has a timeout, a Lambda task outlasts its
function's own timeout, and the what-if machine's timeout is the one the job cap reclaims by."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.logic.scenarios.launch import JOB_TIMEOUT_SECONDS
from tests.sam_template import ROOT, function_property, functions, resources

DEFINITIONS = sorted((ROOT / "infra").glob("*.asl.json"))
TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


def states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every state, nested ones (Map item processors, Parallel branches) included."""
    for name, state in machine["States"].items():
        yield name, state
        for inner in [
            state.get("ItemProcessor"),
            state.get("Iterator"),
            *state.get("Branches", []),
        ]:
            if inner:
                yield from states(inner)


def tasks(path: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in states(json.loads(path.read_text())) if s["Type"] == "Task"]


def test_the_template_names_every_definition_and_only_those() -> None:
    named = {
        ROOT / m["Properties"]["DefinitionUri"]
        for m in resources("AWS::Serverless::StateMachine").values()
    }
    assert named == set(DEFINITIONS)


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_every_task_retries_transient_errors_and_catches_the_rest(path: Path) -> None:
    for name, task in tasks(path):
        retried = {e for r in task.get("Retry", []) for e in r["ErrorEquals"]}
        assert retried >= TRANSIENT or "States.ALL" in retried, f"{path.name}: {name} {retried}"
        caught = {e for c in task.get("Catch", []) for e in c["ErrorEquals"]}
        assert "States.ALL" in caught, f"{path.name}: {name} catches {caught}"


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.name)
def test_every_task_and_the_machine_have_a_timeout(path: Path) -> None:
    machine = json.loads(path.read_text())
    assert machine.get("TimeoutSeconds", 0) > 0, f"{path.name} has no TimeoutSeconds"
    for name, task in tasks(path):
        assert 0 < task.get("TimeoutSeconds", 0) <= machine["TimeoutSeconds"], name


def test_a_lambda_task_outlasts_the_function_it_invokes() -> None:
    """Else Step Functions would time a task out while its function still runs."""
    for machine in resources("AWS::Serverless::StateMachine").values():
        properties = machine["Properties"]
        path = ROOT / properties["DefinitionUri"]
        placeholders = {
            f"${{{key}}}": value["Fn::GetAtt"][0]
            for key, value in properties["DefinitionSubstitutions"].items()
            if isinstance(value, dict) and "Fn::GetAtt" in value
        }
        for name, task in tasks(path):
            function = placeholders.get(task.get("Parameters", {}).get("FunctionName", ""))
            if function is None:
                continue
            timeout = function_property(functions()[function], "Timeout")
            assert task["TimeoutSeconds"] > timeout, f"{path.name}: {name} vs {function}"


def test_the_what_if_job_times_out_when_the_job_cap_reclaims_its_slot() -> None:
    machine = json.loads((ROOT / "infra" / "scenario-state-machine.asl.json").read_text())
    assert machine["TimeoutSeconds"] == JOB_TIMEOUT_SECONDS


def test_a_failed_failure_record_still_ends_the_job_failed() -> None:
    machine = json.loads((ROOT / "infra" / "scenario-state-machine.asl.json").read_text())
    record = machine["States"]["RecordFailure"]
    assert record["Catch"][0]["Next"] == "JobFailed"
    assert machine["States"]["JobFailed"]["Type"] == "Fail"


@pytest.mark.parametrize("name", sorted(resources("AWS::Serverless::StateMachine")))
def test_every_state_machine_logs_to_its_own_log_group(name: str) -> None:
    machine = resources("AWS::Serverless::StateMachine")[name]["Properties"]
    (destination,) = machine["Logging"]["Destinations"]
    group = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    log_group = resources("AWS::Logs::LogGroup")[group]["Properties"]
    assert log_group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("name", sorted(resources("AWS::Serverless::StateMachine")))
def test_every_state_machine_has_a_failed_executions_alarm(name: str) -> None:
    watched = {
        metric["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
        for alarm in resources("AWS::CloudWatch::Alarm").values()
        for metric in alarm["Properties"].get("Metrics", [])
        if metric.get("MetricStat", {}).get("Metric", {}).get("MetricName") == "ExecutionsFailed"
    }
    assert name in watched
