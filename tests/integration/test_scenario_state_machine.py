"""infra/scenario-state-machine.asl.json: a valid Step Functions definition whose Distributed
Map fans scenarios out and loops over days, checked by structure and by running it (Lambda
tasks replaced by Pass states) in moto's Step Functions over HTTP, with its S3 ItemReader."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import boto3
import pytest

from tests.integration.asl import (
    REGION,
    all_state_sets,
    assert_every_state_reachable,
    moto_endpoint,
)

ASL = Path(__file__).resolve().parents[2] / "infra" / "scenario-state-machine.asl.json"
WORKER = "${ScenarioWorkerArn}"


def definition() -> dict:
    return json.loads(ASL.read_text())


def test_every_transition_names_a_state_and_every_state_is_reachable():
    assert_every_state_reachable(definition())


def test_scenarios_fan_out_in_a_distributed_map_and_days_loop_inside():
    machine = definition()
    run = machine["States"]["RunScenarios"]
    assert run["Type"] == "Map"
    assert run["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    assert run["ItemReader"]["Resource"] == "arn:aws:states:::s3:listObjectsV2"
    inner = run["ItemProcessor"]["States"]
    assert inner["MoreDays"]["Default"] == "PlanDay"  # days run in sequence, one at a time
    tasks = [
        state
        for _, states in all_state_sets(machine)
        for state in states.values()
        if state["Type"] == "Task"
    ]
    assert {t["Parameters"]["Payload"]["action"] for t in tasks} == {
        "prepare",
        "plan_day",
        "aggregate",
        "fail",
    }
    assert all(t["Parameters"]["FunctionName"] == WORKER for t in tasks)


def with_tasks_as_passes(machine: dict) -> dict:
    """The machine with each Lambda task replaced by a Pass state shaped like its answer.

    PlanDay says `done` on its second call (day 1), so every scenario loops over two days."""
    machine = copy.deepcopy(machine)
    answers = {
        "PrepareScenarios": {"Result": {"scenarios_prefix": "jobs/j1/scenarios/"}},
        "PlanDay": {
            "Parameters": {
                "job_id.$": "$.job_id",
                "bucket.$": "$.bucket",
                "scenario_key.$": "$.scenario_key",
                "day.$": "States.MathAdd($.day, 1)",
                "done.$": "States.ArrayContains(States.Array(1), $.day)",
            }
        },
        "AggregateKpis": {"Result": {"kpis_key": "k.json", "report_key": "r.html"}},
        "RecordFailure": {"Result": {}},
    }
    for _, states in all_state_sets(machine):
        for name, state in list(states.items()):
            if state["Type"] == "Task":
                kept = {k: state[k] for k in ("Next", "End", "ResultPath") if k in state}
                states[name] = {"Type": "Pass", **kept, **answers[name]}
            if state["Type"] == "Map":
                state["ResultPath"] = "$.scenarios"  # show the children's answers
    return machine


@pytest.fixture
def aws_endpoint(monkeypatch):
    with moto_endpoint(monkeypatch) as url:
        yield url


def test_the_machine_runs_each_scenario_file_through_its_days(aws_endpoint):
    s3 = boto3.client("s3", endpoint_url=aws_endpoint, region_name=REGION)
    s3.create_bucket(Bucket="whatif-jobs")
    names = ["base", "close-dc", "peak"]
    for name in names:
        s3.put_object(Bucket="whatif-jobs", Key=f"jobs/j1/scenarios/{name}.json", Body=b"{}")
    s3.put_object(Bucket="whatif-jobs", Key="jobs/other/scenarios/x.json", Body=b"{}")
    sfn = boto3.client("stepfunctions", endpoint_url=aws_endpoint, region_name=REGION)
    machine = sfn.create_state_machine(
        name="whatif",
        definition=json.dumps(with_tasks_as_passes(definition())),
        roleArn="arn:aws:iam::123456789012:role/whatif",
    )["stateMachineArn"]
    started = sfn.start_execution(
        stateMachineArn=machine,
        input=json.dumps({"job_id": "j1", "bucket": "whatif-jobs", "scenario_file_key": "f"}),
    )
    # moto runs the execution in its own thread; its API is the only way to see it end (as
    # for a client of Step Functions): a generous bound in seconds, not a count of polls.
    deadline = time.monotonic() + 120
    while True:
        execution = sfn.describe_execution(executionArn=started["executionArn"])
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert sorted(s["scenario_key"] for s in output["scenarios"]) == [
        f"jobs/j1/scenarios/{name}.json" for name in sorted(names)
    ]
    assert all(s["day"] == 2 and s["done"] for s in output["scenarios"])
    assert output["result"] == {"kpis_key": "k.json", "report_key": "r.html"}
