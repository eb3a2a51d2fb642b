"""infra/reallocation-state-machine.asl.json: checked by structure (every state reachable, every
Task with Retry, Catch and a timeout) and run in moto's Step Functions over HTTP with the Lambda
tasks replaced by Pass states: the chunks go through snapshot, replan, commit and publish one
after another, and a failure in a chunk is recorded and fails the run."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.integration.asl import (
    REGION,
    all_state_sets,
    assert_every_state_reachable,
    moto_endpoint,
)

ASL = Path(__file__).resolve().parents[2] / "infra" / "reallocation-state-machine.asl.json"
WORKER = "${ReallocationWorkerArn}"
TRANSIENT = {"Lambda.ServiceException", "Lambda.TooManyRequestsException", "Runtime.ExitError"}


def definition() -> dict[str, Any]:
    return json.loads(ASL.read_text())


def tasks(machine: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: state
        for _, states in all_state_sets(machine)
        for name, state in states.items()
        if state["Type"] == "Task"
    }


def test_every_transition_names_a_state_and_every_state_is_reachable() -> None:
    assert_every_state_reachable(definition())


def test_every_task_retries_transient_errors_with_backoff_catches_all_and_has_a_timeout() -> None:
    for name, state in tasks(definition()).items():
        (retry,) = state["Retry"]
        assert set(retry["ErrorEquals"]) >= TRANSIENT, name
        assert retry["BackoffRate"] > 1 and retry["MaxAttempts"] >= 2, name
        assert [c["ErrorEquals"] for c in state["Catch"]] == [["States.ALL"]], name
        # Longer than the worker's 900 s (Lambda's limit): the function times out first.
        assert 900 < state["TimeoutSeconds"] < definition()["TimeoutSeconds"], name
        assert state["Parameters"]["FunctionName"] == WORKER, name
    assert definition()["TimeoutSeconds"] > 0


def test_a_failure_anywhere_is_recorded_before_the_run_fails() -> None:
    machine = definition()
    top = machine["States"]
    for name, state in top.items():
        if state["Type"] in ("Task", "Map") and name != "RecordFailure":
            assert state["Catch"][0]["Next"] == "RecordFailure", name
    inner = top["ReallocateChunks"]["ItemProcessor"]["States"]
    for name, state in inner.items():
        if state["Type"] == "Task" and name != "RecordChunkFailure":
            assert state["Catch"][0]["Next"] == "RecordChunkFailure", name
    assert top["RecordFailure"]["Next"] == "RunFailed"
    assert inner["RecordChunkFailure"]["Next"] == "ChunkFailed"
    assert {t["Parameters"]["Payload"]["action"] for t in tasks(machine).values()} == {
        "find",
        "snapshot",
        "replan",
        "commit",
        "publish",
        "report",
        "fail",
    }


def test_chunks_run_one_at_a_time_snapshot_replan_commit_publish() -> None:
    chunks = definition()["States"]["ReallocateChunks"]
    assert chunks["MaxConcurrency"] == 1  # each chunk sees what the one before committed
    inner = chunks["ItemProcessor"]
    assert inner["StartAt"] == "Snapshot"
    order = [inner["StartAt"]]
    while "Next" in inner["States"][order[-1]]:
        order.append(inner["States"][order[-1]]["Next"])
    assert order == ["Snapshot", "Replan", "Commit", "Publish"]


def test_payloads_carry_keys_not_data() -> None:
    """Every task passes ids and flags (the scope, snapshots and plans live in S3)."""
    for name, state in tasks(definition()).items():
        for key in state["Parameters"]["Payload"]:
            assert key.rstrip(".$") in {
                "action",
                "reallocation_id",
                "bucket",
                "trigger",
                "dry_run",
                "chunk_orders",
                "chunk",
                "error",
            }, (name, key)


# --------------------------------------------------------------------------- run in moto

ANSWERS: dict[str, dict[str, Any]] = {
    "FindAffected": {"chunks": [{"chunk": 0}, {"chunk": 1}, {"chunk": 2}], "orders": 5},
    "Snapshot": {"orders": 2, "skipped": 0},
    "Replan": {"changed": 1, "moved": 1, "bound": 10.0},
    "Commit": {"committed": 1, "skipped": 0},
    "WriteReport": {"report_key": "reallocations/r1/report.json", "status": "succeeded"},
    "RecordFailure": {},
    "RecordChunkFailure": {},
}


def with_tasks_as_passes(machine: dict[str, Any], failing: str | None = None) -> dict[str, Any]:
    """Each Lambda task replaced by a Pass state giving what its ResultSelector would; Publish
    echoes its chunk (so the order of chunks shows). `failing`: that task fails instead, inside
    a Parallel state that keeps the task's Catch."""
    machine = copy.deepcopy(machine)
    for _, states in all_state_sets(machine):
        for name, state in list(states.items()):
            if state["Type"] != "Task":
                if state["Type"] == "Map":
                    state["ResultPath"] = "$.chunks_done"
                continue
            kept = {k: state[k] for k in ("Next", "End", "ResultPath") if k in state}
            if name == failing:
                states[name] = {
                    "Type": "Parallel",
                    "Branches": [
                        {
                            "StartAt": "Boom",
                            "States": {"Boom": {"Type": "Fail", "Error": "Boom", "Cause": "x"}},
                        }
                    ],
                    "Catch": state["Catch"],
                    **kept,
                }
            elif name == "Publish":
                states[name] = {
                    "Type": "Pass",
                    "Parameters": {"chunk.$": "$.chunk", "dry_run.$": "$.dry_run"},
                    **{k: v for k, v in kept.items() if k != "ResultPath"},
                }
            else:
                states[name] = {"Type": "Pass", "Result": ANSWERS[name], **kept}
    return machine


@pytest.fixture
def sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with moto_endpoint(monkeypatch) as url:
        yield boto3.client("stepfunctions", endpoint_url=url, region_name=REGION)


RUN_INPUT = {
    "reallocation_id": "node-offline-W2-v3",
    "bucket": "b",
    "trigger": {"kind": "node-offline", "node_id": "W2", "version": 3},
    "dry_run": False,
    "chunk_orders": None,
}


def run(sfn: Any, machine: dict[str, Any], name: str) -> tuple[dict[str, Any], list[Any]]:
    arn = sfn.create_state_machine(
        name=name,
        definition=json.dumps(machine),
        roleArn="arn:aws:iam::123456789012:role/reallocation",
    )["stateMachineArn"]
    started = sfn.start_execution(
        stateMachineArn=arn, name=RUN_INPUT["reallocation_id"], input=json.dumps(RUN_INPUT)
    )
    for _ in range(400):
        execution = sfn.describe_execution(executionArn=started["executionArn"])
        if execution["status"] != "RUNNING":
            break
        time.sleep(0.05)
    history = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
    return execution, history


def entered(history: list[Any]) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e
    ]


def test_the_machine_takes_each_chunk_through_its_steps_in_order(sfn: Any) -> None:
    execution, history = run(sfn, with_tasks_as_passes(definition()), "reallocation")
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert [c["chunk"] for c in output["chunks_done"]] == [0, 1, 2]
    assert output["report"] == ANSWERS["WriteReport"]
    steps = [s for s in entered(history) if s in ("Snapshot", "Replan", "Commit", "Publish")]
    assert steps == ["Snapshot", "Replan", "Commit", "Publish"] * 3


def test_the_same_trigger_started_twice_runs_once(sfn: Any) -> None:
    machine = with_tasks_as_passes(definition())
    arn = sfn.create_state_machine(
        name="twice",
        definition=json.dumps(machine),
        roleArn="arn:aws:iam::123456789012:role/reallocation",
    )["stateMachineArn"]
    first = sfn.start_execution(
        stateMachineArn=arn, name="node-offline-W2-v3", input=json.dumps(RUN_INPUT)
    )
    # Step Functions answers the running execution again, or refuses once it has closed
    # (moto's Pass-state run may be closed already): either way it runs once.
    try:
        again = sfn.start_execution(
            stateMachineArn=arn, name="node-offline-W2-v3", input=json.dumps(RUN_INPUT)
        )
        assert again["executionArn"] == first["executionArn"]
    except sfn.exceptions.ExecutionAlreadyExists:
        pass
    assert len(sfn.list_executions(stateMachineArn=arn)["executions"]) == 1


@pytest.mark.parametrize("failing", ["Commit", "FindAffected", "WriteReport"])
def test_a_failing_task_is_recorded_and_fails_the_run(sfn: Any, failing: str) -> None:
    execution, history = run(sfn, with_tasks_as_passes(definition(), failing), f"f-{failing}")
    assert execution["status"] == "FAILED"
    states = entered(history)
    assert "RecordFailure" in states and states[-1] == "RunFailed"
    if failing == "Commit":
        assert "RecordChunkFailure" in states and "ChunkFailed" in states
        assert "Publish" not in states and "WriteReport" not in states
