"""The what-if Lambda worker's actions (prepare, plan_day, aggregate, fail), each called
directly, as the state machine calls them, against moto's S3 and DynamoDB over HTTP."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest

from functions.dal.scenarios import job_records as jobs
from functions.dal.scenarios import storage
from functions.dal.tables import TABLES, create_tables
from functions.handlers.scenario_worker import handler
from functions.logic.scenarios.work import ScenarioRejected, failure_reason, job_scenarios
from functions.settings import table_env_var
from omniroute.local.events import LambdaContext
from omniroute.local.stack import DEFAULT_DATASET
from solver.models import Plan
from solver.scenarios.batching import carry_stock, daily_batches
from solver.scenarios.results import HEADER
from tests.integration.conftest import aws_environment, moto_endpoint
from tests.integration.whatif_jobs import (
    in_process_kpis,
    outage_scenarios,
    planned_kpis,
    small_scenarios,
    whatif_kpis,
)

BUCKET = "whatif-test"


@pytest.fixture(scope="module")
def aws() -> Iterator[str]:
    yield from moto_endpoint()


@pytest.fixture()
def env(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in {
        **aws_environment(aws),
        "SCENARIO_BUCKET": BUCKET,
        table_env_var("scenarios"): "worker-test-scenarios",
    }.items():
        monkeypatch.setenv(key, value)
    from functions.dal.client import dynamodb_client

    names = {logical: f"worker-test-{logical}" for logical in TABLES}
    client = dynamodb_client()
    if names["scenarios"] not in client.list_tables()["TableNames"]:
        create_tables(client, names)
        s3 = boto3.client("s3", endpoint_url=aws, region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        storage.upload_folder(BUCKET, str(DEFAULT_DATASET), "datasets/demo/")
    return aws


def new_job(body: dict[str, Any]) -> str:
    """A queued job as POST /v1/scenarios leaves it (its input copied under the job)."""
    job_id = uuid.uuid4().hex
    storage.copy_prefix(BUCKET, "datasets/demo/", storage.input_prefix(job_id) + "demo/")
    storage.put_json(BUCKET, storage.scenario_file_key(job_id), body)
    jobs.create_job(job_id, storage.scenario_file_key(job_id))
    return job_id


def call(action: str, **payload: Any) -> dict[str, Any]:
    event = {"action": action, "bucket": BUCKET, **payload}
    answer = handler(json.loads(json.dumps(event)), LambdaContext())
    return json.loads(json.dumps(answer))  # the answer must be JSON, as Lambda returns it


def test_prepare_writes_one_job_file_per_scenario_and_starts_the_job(env: str) -> None:
    job_id = new_job(small_scenarios())
    answer = call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    assert answer == {
        "job_id": job_id,
        "bucket": BUCKET,
        "scenarios_prefix": f"jobs/{job_id}/scenarios/",
        "scenario_count": 3,
    }
    keys = storage.list_keys(BUCKET, answer["scenarios_prefix"])
    assert sorted(keys) == sorted(
        f"jobs/{job_id}/scenarios/{n}.json" for n in ("base", "myopic", "close-w1")
    )
    files = {storage.get_json(BUCKET, k)["scenario"]: storage.get_json(BUCKET, k) for k in keys}
    assert files["myopic"]["strategy"] == "myopic"
    assert files["close-w1"]["strategy"] == "nearest"
    assert all(len(f["days"]) == 2 for f in files.values())
    job = jobs.get_job(job_id)
    assert job is not None and job["status"] == "running"
    assert jobs.progress(job) == {"batches_done": 0, "batches_total": 6}


def test_plan_day_plans_each_day_on_the_stock_the_day_before_left(env: str) -> None:
    job_id = new_job(small_scenarios())
    call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    key = storage.scenario_key(job_id, "close-w1")
    first = call("plan_day", job_id=job_id, scenario_key=key, day=0)
    assert (first["next_day"], first["done"]) == (1, False)
    again = call("plan_day", job_id=job_id, scenario_key=key, day=0)  # a retried task
    assert again == first
    second = call("plan_day", job_id=job_id, scenario_key=key, day=1)
    assert (second["next_day"], second["done"]) == (2, True)
    job = jobs.get_job(job_id)
    assert job is not None and jobs.progress(job)["batches_done"] == 2  # the retry counted once

    _, planned = job_scenarios(BUCKET, job_id)
    scenario = next(p for p in planned if p.name == "close-w1")
    network = scenario.input.network()
    days = daily_batches(scenario.input.orders)
    for n, batch in enumerate(days):
        state = storage.get_json(BUCKET, storage.day_key(job_id, "close-w1", n))
        plan = storage.get_json(BUCKET, state["plan_key"])
        assert state["day"] == batch.day
        assert {o["order_id"] for o in plan["orders"]} == {o.order_id for o in batch.orders}
        assert all(s["node_id"] != "W1" for o in plan["orders"] for s in o["shipments"])
        network = carry_stock(network, Plan.model_validate(plan))
        assert np.array_equal(np.asarray(state["on_hand"]), network.on_hand)


def run_all_days(job_id: str) -> None:
    for key in storage.list_keys(BUCKET, storage.scenarios_prefix(job_id)):
        day, done = 0, False
        while not done:
            answer = call("plan_day", job_id=job_id, scenario_key=key, day=day)
            day, done = answer["next_day"], answer["done"]


def test_aggregate_writes_the_results_then_marks_the_job_succeeded(
    env: str, tmp_path: Path
) -> None:
    body = small_scenarios()
    job_id = new_job(body)
    call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    run_all_days(job_id)
    answer = call("aggregate", job_id=job_id)
    assert answer == {
        "kpis_key": f"jobs/{job_id}/results/kpis.json",
        "report_key": f"jobs/{job_id}/results/report.html",
    }
    job = jobs.get_job(job_id)
    assert job is not None and job["status"] == "succeeded"
    assert sorted(job["result_keys"]) == sorted(storage.RESULT_FILES)
    document = storage.get_json(BUCKET, answer["kpis_key"])
    served = {s["name"]: planned_kpis(s["kpis"]) for s in document["scenarios"]}
    assert served == in_process_kpis(body, tmp_path)
    assert 'id="chart-cost-per-order"' in storage.get_text(BUCKET, answer["report_key"])
    csv_rows = storage.get_text(BUCKET, job["result_keys"]["kpis.csv"]).splitlines()
    assert csv_rows[0] == ",".join(HEADER)

    assert call("aggregate", job_id=job_id) == answer  # a retried task answers the same

    # A late failure (e.g. a retried task's Catch) never turns a finished job into a failed one.
    assert call("fail", job_id=job_id, error={"Error": "X", "Cause": "late"})["status"] == (
        "succeeded"
    )
    assert storage.exists(BUCKET, answer["report_key"])


def test_an_outage_scenario_gets_the_kpis_of_omniroute_whatif(env: str, tmp_path: Path) -> None:
    """`outage_at` on AWS: the outage day's orders routed before 14:00 re-planned by
    solver.replan (its moves priced with their penalties), W3 offline on the next day; every
    KPI as the local what-if computes it from the same file."""
    body = outage_scenarios()
    job_id = new_job(body)
    call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    run_all_days(job_id)
    answer = call("aggregate", job_id=job_id)
    document = storage.get_json(BUCKET, answer["kpis_key"])
    served = {s["name"]: planned_kpis(s["kpis"]) for s in document["scenarios"]}
    assert served == whatif_kpis(body, tmp_path)
    for name in ("w3-down", "w3-down-optimal"):
        kpis = served[name]
        assert kpis["orders_moved"] > 0 and kpis["move_cost"] > 0 and kpis["locked_units"] > 0
        first, second = (
            storage.get_json(BUCKET, storage.day_key(job_id, name, n))["plan_key"] for n in (0, 1)
        )
        assert storage.get_json(BUCKET, first)["notes"][0].startswith("outage of W3 at ")
        after = storage.get_json(BUCKET, second)["orders"]
        assert after and all(s["node_id"] != "W3" for o in after for s in o["shipments"])
    assert served["base"]["orders_moved"] is None


def test_aggregate_cannot_succeed_a_job_that_failed(env: str) -> None:
    job_id = new_job(small_scenarios())
    call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    run_all_days(job_id)
    call("fail", job_id=job_id, error={"Error": "States.Timeout", "Cause": "took too long"})
    with pytest.raises(jobs.JobStateConflict):
        call("aggregate", job_id=job_id)
    assert storage.list_keys(BUCKET, storage.results_prefix(job_id)) == []
    job = jobs.get_job(job_id)
    assert job is not None and job["status"] == "failed"
    assert job["failure_reason"] == "States.Timeout: took too long"


def test_fail_records_the_lambda_error_and_removes_half_written_results(env: str) -> None:
    job_id = new_job(small_scenarios())
    call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    storage.put_text(BUCKET, storage.result_key(job_id, "kpis.json"), "{}")  # half-written
    cause = json.dumps({"errorType": "MemoryError", "errorMessage": "out of memory"})
    answer = call("fail", job_id=job_id, error={"Error": "MemoryError", "Cause": cause})
    assert answer == {"job_id": job_id, "status": "failed"}
    job = jobs.get_job(job_id)
    assert job is not None and job["failure_reason"] == "MemoryError: out of memory"
    assert storage.list_keys(BUCKET, storage.results_prefix(job_id)) == []


def test_prepare_refuses_changes_that_do_not_fit_the_dataset(env: str) -> None:
    body = small_scenarios()
    body["scenarios"]["close-w99"] = {"changes": [{"kind": "close_nodes", "nodes": ["W99"]}]}
    job_id = new_job(body)
    with pytest.raises(ScenarioRejected, match=r"scenario 'close-w99', change 1 \(close_nodes\)"):
        call("prepare", job_id=job_id, scenario_file_key=storage.scenario_file_key(job_id))
    job = jobs.get_job(job_id)
    assert job is not None and job["status"] == "queued"  # nothing started


def test_failure_reasons_read_step_functions_errors() -> None:
    rejected = json.dumps({"errorType": "ScenarioRejected", "errorMessage": "bad node"})
    assert failure_reason({"Error": "ScenarioRejected", "Cause": rejected}) == (
        "the scenario file does not fit its dataset: bad node"
    )
    assert failure_reason({"Error": "States.Runtime", "Cause": "not json"}) == (
        "States.Runtime: not json"
    )
    assert failure_reason({"Error": "States.Timeout"}) == "States.Timeout"


def test_an_unknown_action_is_an_error(env: str) -> None:
    with pytest.raises(ValueError, match="unknown action 'run'"):
        call("run", job_id="x")


def test_with_a_state_machine_configured_a_job_starts_an_execution_named_after_it(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn = boto3.client("stepfunctions", endpoint_url=env, region_name="us-east-1")
    machine = sfn.create_state_machine(
        name=f"whatif-{uuid.uuid4().hex[:8]}",
        definition=(
            Path(__file__).parents[2] / "infra/scenario-state-machine.asl.json"
        ).read_text(),
        roleArn="arn:aws:iam::123456789012:role/whatif",
    )["stateMachineArn"]
    monkeypatch.setenv("STATE_MACHINE_ARN", machine)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SFN", env)  # botocore's per-service endpoint
    from functions.logic.scenarios.jobs import create_job
    from solver.scenarios.reading import validate_scenario_data

    body = small_scenarios()
    spec, _ = validate_scenario_data(body, "body")
    assert spec is not None
    started = create_job(spec, body)
    assert started["runs_on"] == "step_functions"
    job_id = started["job_id"]
    (execution,) = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert execution["name"] == job_id
    described = sfn.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {
        "job_id": job_id,
        "bucket": BUCKET,
        "scenario_file_key": storage.scenario_file_key(job_id),
    }
    assert storage.get_json(BUCKET, storage.scenario_file_key(job_id)) == body
    assert storage.exists(BUCKET, storage.input_prefix(job_id) + "demo/nodes.csv")
    job = jobs.get_job(job_id)
    assert job is not None and job["status"] == "queued"
