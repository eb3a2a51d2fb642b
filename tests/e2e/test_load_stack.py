"""`omniroute load DATASET --stack NAME` against the local stack: the command reads the stack's
outputs from CloudFormation (moto's, on the local stack's AWS endpoint, holding the outputs a
deployed template.yaml has), loads the dataset into the tables they name and uploads it to the
bucket, with no table variable in its environment; the API then serves the data. A stack that
does not exist, or is not an Omniroute stack, is refused by name and nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from functions.dal.tables import TABLES
from functions.settings import VARIABLES, table_env_var
from omniroute.deployed import table_output
from omniroute.local.stack import DEFAULT_DATASET, LocalStack, start_local_stack
from tests.integration.api_client import ApiClient
from tests.integration.conftest import demo_orders


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    """A local stack whose tables start empty (nothing loaded)."""
    running = start_local_stack(dataset=None, workers=1)
    yield running
    running.stop()


def cloudformation(stack: LocalStack) -> object:
    return boto3.client("cloudformation", endpoint_url=stack.dynamodb_url, region_name="us-east-1")


def deployed_outputs_stack(stack: LocalStack, outputs: dict[str, str]) -> str:
    """A CloudFormation stack in moto whose outputs are `outputs` (a deployed stack's)."""
    name = f"omniroute-{uuid.uuid4().hex[:6]}"
    template = {
        "Resources": {"Alarms": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    cloudformation(stack).create_stack(StackName=name, TemplateBody=json.dumps(template))
    return name


def the_stacks_outputs() -> dict[str, str]:
    """What template.yaml's outputs say for the local stack's tables and bucket."""
    outputs = {table_output(t): os.environ[table_env_var(t)] for t in TABLES}
    outputs["ScenarioBucket"] = os.environ["SCENARIO_BUCKET"]
    return outputs


def run_load(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it: AWS credentials and an endpoint, no table variables."""
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(
        {
            "AWS_ENDPOINT_URL": stack.dynamodb_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    command = [sys.executable, "-c", "from omniroute.cli import app; app()", "load", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_load_reads_the_stacks_outputs_and_the_api_serves_the_data(stack: LocalStack) -> None:
    api = ApiClient(stack.url)
    sku = demo_orders()[0]["lines"][0]["sku"]
    assert api.get(f"/v1/inventory/{sku}").status == 404  # nothing loaded yet

    name = deployed_outputs_stack(stack, the_stacks_outputs())
    done = run_load(stack, str(DEFAULT_DATASET), "--stack", name)
    assert done.returncode == 0, done.stderr
    assert f"into stack {name}" in done.stdout

    assert api.get(f"/v1/inventory/{sku}").status == 200
    order = api.post("/v1/orders", {**demo_orders()[0], "order_id": "after-load"})
    assert order.status == 201, order.body
    s3 = boto3.client("s3", endpoint_url=stack.dynamodb_url, region_name="us-east-1")
    keys = {
        o["Key"]
        for o in s3.list_objects_v2(Bucket=os.environ["SCENARIO_BUCKET"], Prefix="datasets/")[
            "Contents"
        ]
    }
    folder = Path(DEFAULT_DATASET).resolve()
    assert {f"datasets/{folder.name}/{p.name}" for p in folder.iterdir() if p.is_file()} <= keys
    api.close()


def test_an_unknown_stack_is_refused_by_name(stack: LocalStack) -> None:
    done = run_load(stack, str(DEFAULT_DATASET), "--stack", "no-such-stack")
    assert done.returncode == 2
    assert "nothing loaded" in done.stderr and "no-such-stack" in done.stderr


def test_a_stack_without_the_table_outputs_is_refused_naming_them(stack: LocalStack) -> None:
    name = deployed_outputs_stack(stack, {"Something": "else"})
    done = run_load(stack, str(DEFAULT_DATASET), "--stack", name)
    assert done.returncode == 2
    said = " ".join(done.stderr.split())  # as rich wrapped it
    assert "no output NodesTable, StockTable, ConfigTable: not an Omniroute stack" in said


def test_a_bad_dataset_is_refused_before_anything_is_written(
    stack: LocalStack, tmp_path: Path
) -> None:
    (tmp_path / "nodes.csv").write_text("node_id\n")
    name = deployed_outputs_stack(stack, the_stacks_outputs())
    done = run_load(stack, str(tmp_path), "--stack", name)
    assert done.returncode == 2
    assert "problem(s) in" in done.stderr
