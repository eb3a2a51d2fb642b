"""What-if jobs on the local stack run the state machine definition file itself, in moto's Step
Functions, each Lambda task calling the worker's handler in a worker process: a job is one
execution, named after it, whose history is the definition's states."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3

from omniroute.local.stack import LocalStack
from omniroute.local.template import state_machines
from tests.integration.api_client import ApiClient
from tests.integration.test_scenarios_api import finished
from tests.integration.whatif_jobs import (
    outage_scenarios,
    planned_kpis,
    small_scenarios,
    whatif_kpis,
)


def definition_states(definition: dict) -> set[str]:
    names = set(definition["States"])
    for state in definition["States"].values():
        if state["Type"] == "Map":
            names |= definition_states(state["ItemProcessor"])
    return names


def test_a_job_is_one_execution_of_the_definition_named_after_it(stack: LocalStack) -> None:
    api = ApiClient(stack.url)
    started = api.post("/v1/scenarios", small_scenarios())
    assert started.status == 202, started.body
    assert started.body["runs_on"] == "step_functions"
    job_id = started.body["job_id"]
    assert finished(api, job_id).body["status"] == "succeeded"
    api.close()

    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=stack.dynamodb_url,
        region_name=os.environ["AWS_DEFAULT_REGION"],
    )
    machine = os.environ["STATE_MACHINE_ARN"]
    (execution,) = [
        e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["name"] == job_id
    ]
    assert execution["status"] == "SUCCEEDED"
    events = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    entered = {
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    }
    machine_file = state_machines()["ScenarioStateMachine"].definition
    defined = definition_states(json.loads(machine_file.read_text()))
    assert {"PrepareScenarios", "RunScenarios", "AggregateKpis", "JobDone"} <= entered
    assert entered <= defined


def test_an_outage_job_runs_through_the_definition_to_the_kpis_of_omniroute_whatif(
    stack: LocalStack, tmp_path: Path
) -> None:
    api = ApiClient(stack.url)
    body = outage_scenarios()
    started = api.post("/v1/scenarios", body)
    assert started.status == 202, started.body
    done = finished(api, started.body["job_id"])
    api.close()
    assert done.body["status"] == "succeeded", done.body
    served = {s["name"]: planned_kpis(s["kpis"]) for s in done.body["kpis"]["scenarios"]}
    assert served == whatif_kpis(body, tmp_path)
    assert served["w3-down"]["orders_moved"] > 0
