"""The cap on concurrent what-if jobs (MAX_CONCURRENT_JOBS, template parameter
MaxConcurrentWhatifJobs): POST /v1/scenarios answers 429 `too_many_jobs` with Retry-After once
the cap's slots are held by queued or running jobs, concurrent starts never pass it, a job that
ends frees its slot, and a slot left behind is reclaimed. Against moto's DynamoDB, S3 and Step
Functions over HTTP (executions are recorded, not run, so started jobs stay queued)."""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from functions.dal.client import dynamodb_client
from functions.dal.scenarios import job_records as jobs
from functions.dal.scenarios import storage
from functions.dal.tables import TABLES, create_tables
from functions.handlers.scenarios import handler
from functions.settings import table_env_var
from omniroute.local.events import LambdaContext, api_gateway_event
from omniroute.local.stack import DEFAULT_DATASET
from tests.integration.conftest import aws_environment, moto_endpoint
from tests.integration.whatif_jobs import small_scenarios

BUCKET = "job-cap-test"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def aws() -> Iterator[str]:
    yield from moto_endpoint()


@pytest.fixture()
def env(aws: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Fresh tables (no slot held), the demo dataset in the bucket, a state machine."""
    prefix = f"cap-{uuid.uuid4().hex[:6]}"
    for key, value in {
        **aws_environment(aws),
        "AWS_ENDPOINT_URL_SFN": aws,
        "SCENARIO_BUCKET": BUCKET,
        table_env_var("scenarios"): f"{prefix}-scenarios",
        table_env_var("idempotency"): f"{prefix}-idempotency",
        "MAX_CONCURRENT_JOBS": "2",
    }.items():
        monkeypatch.setenv(key, value)
    create_tables(dynamodb_client(), {logical: f"{prefix}-{logical}" for logical in TABLES})
    s3 = boto3.client("s3", endpoint_url=aws, region_name="us-east-1")
    if BUCKET not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket=BUCKET)
        storage.upload_folder(BUCKET, str(DEFAULT_DATASET), "datasets/demo/")
    sfn = boto3.client("stepfunctions", endpoint_url=aws, region_name="us-east-1")
    machine = sfn.create_state_machine(
        name=prefix,
        definition=(ROOT / "infra/scenario-state-machine.asl.json").read_text(),
        roleArn="arn:aws:iam::123456789012:role/whatif",
    )["stateMachineArn"]
    monkeypatch.setenv("STATE_MACHINE_ARN", machine)
    return aws


def post_job() -> tuple[int, dict[str, str], dict]:
    body = json.dumps(small_scenarios()).encode()
    event = api_gateway_event(
        "POST", "/v1/scenarios", {"Content-Type": "application/json"}, body, "/v1/scenarios", {}
    )
    reply = handler(event, LambdaContext())
    headers = {k: v[-1] for k, v in (reply.get("multiValueHeaders") or {}).items()}
    return reply["statusCode"], headers, json.loads(reply["body"])


def test_past_the_cap_a_start_is_refused_with_429_until_a_job_ends(env: str) -> None:
    first, second = post_job(), post_job()
    assert (first[0], second[0]) == (202, 202), (first, second)
    status, headers, body = post_job()
    assert status == 429, body
    assert headers["Retry-After"] == "60"
    assert body["code"] == "too_many_jobs"
    assert "at most 2 at once (MaxConcurrentWhatifJobs)" in body["message"]
    (error,) = body["errors"]
    assert sorted(error["active_jobs"]) == sorted([first[2]["job_id"], second[2]["job_id"]])
    assert len(jobs.active_jobs()) == 2  # the refused start took nothing and wrote no job

    jobs.mark_failed(first[2]["job_id"], "stopped by the test")  # as RecordFailure does
    assert post_job()[0] == 202


def test_concurrent_starts_never_pass_the_cap(env: str) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        job_id = uuid.uuid4().hex
        barrier.wait()
        try:
            jobs.create_job(job_id, f"jobs/{job_id}/scenarios.json", limit=3)
            outcomes.append(job_id)
        except jobs.TooManyJobs:
            outcomes.append("refused")

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    started = [o for o in outcomes if o != "refused"]
    assert len(started) == 3 and outcomes.count("refused") == 5
    assert sorted(jobs.active_jobs()) == sorted(started)
    assert all(jobs.get_job(job_id) is not None for job_id in started)


def test_a_job_that_succeeds_frees_its_slot(env: str) -> None:
    job_id = uuid.uuid4().hex
    jobs.create_job(job_id, "k", limit=1)
    jobs.mark_running(job_id, ["base"], 1)
    with pytest.raises(jobs.TooManyJobs):
        jobs.create_job(uuid.uuid4().hex, "k", limit=1)
    jobs.mark_succeeded(job_id, {"kpis.json": "k"})
    assert jobs.active_jobs() == []


def test_a_slot_left_by_a_job_that_ended_or_outlived_the_machine_is_reclaimed(env: str) -> None:
    ended, stale = uuid.uuid4().hex, uuid.uuid4().hex
    jobs.create_job(ended, "k", limit=2)
    jobs.create_job(stale, "k", limit=2)
    client = dynamodb_client()
    name = os.environ[table_env_var("scenarios")]
    # The worker died after recording the end but before freeing the slot; the other job's
    # execution was lost 13 hours ago (the machine times out at 12).
    client.update_item(
        TableName=name,
        Key={"job_id": {"S": ended}},
        UpdateExpression="SET #s = :failed",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":failed": {"S": "failed"}},
    )
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=13)).isoformat()
    client.update_item(
        TableName=name,
        Key={"job_id": {"S": stale}},
        UpdateExpression="SET created_at = :t",
        ExpressionAttributeValues={":t": {"S": long_ago}},
    )
    status, _, body = post_job()
    assert status == 202, body
    assert jobs.active_jobs() == [body["job_id"]]


def test_a_job_that_cannot_start_frees_its_slot_and_says_why(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:missing"
    )
    status, _, body = post_job()
    assert status == 500, body
    assert jobs.active_jobs() == []


def test_the_active_jobs_item_is_not_a_job(env: str) -> None:
    jobs.create_job(uuid.uuid4().hex, "k", limit=1)
    event = api_gateway_event(
        "GET",
        f"/v1/scenarios/{jobs.ACTIVE_JOBS}",
        {},
        b"",
        "/v1/scenarios/{scenario_id}",
        {"scenario_id": jobs.ACTIVE_JOBS},
    )
    assert handler(event, LambdaContext())["statusCode"] == 404
