"""infra/scenario-state-machine.asl.json: a valid Step Functions definition whose Distributed
Map fans scenarios out and loops over days, checked by structure and by running it (Lambda
tasks replaced by Pass states) in moto's Step Functions over HTTP, with its S3 ItemReader."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

ASL = Path(__file__).resolve().parents[2] / "infra" / "scenario-state-machine.asl.json"
WORKER = "${ScenarioWorkerArn}"
REGION = "us-east-1"


def definition() -> dict:
    return json.loads(ASL.read_text())


def all_state_sets(machine: dict) -> Iterator[tuple[str, dict]]:
    """(StartAt, States) of the machine and of every Map's processor inside it."""
    yield machine["StartAt"], machine["States"]
    for state in machine["States"].values():
        if state["Type"] == "Map":
            yield from all_state_sets(state["ItemProcessor"])


def targets(state: dict) -> list[str]:
    out = [state[k] for k in ("Next", "Default") if k in state]
    out += [choice["Next"] for choice in state.get("Choices", [])]
    out += [catch["Next"] for catch in state.get("Catch", [])]
    return out


def test_every_transition_names_a_state_and_every_state_is_reachable():
    for start, states in all_state_sets(definition()):
        assert start in states
        for name, state in states.items():
            for target in targets(state):
                assert target in states, f"{name} -> {target}"
            ends = state["Type"] in ("Succeed", "Fail") or state.get("End") is True
            assert ends or "Next" in state or state["Type"] == "Choice", name
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += targets(states[name])
        assert seen == set(states)


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
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        # moto's state-machine interpreter calls S3 (the ItemReader) at localhost:$MOTO_PORT.
        "MOTO_PORT": str(port),
    }.items():
        monkeypatch.setenv(key, value)
    requests.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}})
    yield url
    requests.post(
        f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}
    )
    server.stop()


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
