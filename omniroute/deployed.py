"""A deployed stack as the command line sees it: its outputs (CloudFormation DescribeStacks)
name the tables and the bucket, so `omniroute load DATASET --stack NAME` needs no variable
exported by hand.

The stack's outputs are template.yaml's: `<Logical>Table` for each table of
functions/dal/tables.py (`StockTable`, ...) and `ScenarioBucket`. AWS credentials and the region
come from the usual places (environment, profile); AWS_ENDPOINT_URL points every client at
another endpoint (the tests use moto's server).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

LOADED_TABLES = ("nodes", "stock", "config")
"""The tables a dataset is loaded into (functions/dal/dataset.py load_dataset_into)."""


class StackError(RuntimeError):
    """The stack cannot be read or is not an Omniroute stack (the message says which)."""


def table_output(logical: str) -> str:
    """The output naming a table: `stock` -> `StockTable` (template.yaml Outputs)."""
    return f"{logical.capitalize()}Table"


@dataclass(frozen=True)
class DeployedStack:
    name: str
    outputs: dict[str, str]

    def table_names(self) -> dict[str, str]:
        """Logical -> physical name of every table the stack's outputs name."""
        from functions.dal.tables import TABLES

        return {
            logical: self.outputs[table_output(logical)]
            for logical in TABLES
            if table_output(logical) in self.outputs
        }

    @property
    def bucket(self) -> str | None:
        return self.outputs.get("ScenarioBucket")


def read_stack(name: str, cloudformation: Any | None = None) -> DeployedStack:
    """The stack's outputs; StackError naming the stack if it does not exist or lacks a table
    output a load needs."""
    client = cloudformation or boto3.client("cloudformation")
    try:
        (stack,) = client.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        raise StackError(f"cannot read stack {name!r}: {message}") from None
    except BotoCoreError as error:
        raise StackError(f"cannot read stack {name!r}: {error}") from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    missing = [table_output(t) for t in LOADED_TABLES if table_output(t) not in outputs]
    if missing:
        raise StackError(
            f"stack {name!r} has no output {', '.join(missing)}: not an Omniroute stack, "
            f"or not finished deploying (status {stack.get('StackStatus')})"
        )
    return DeployedStack(name, outputs)


@dataclass(frozen=True)
class Loaded:
    nodes: int
    skus: int
    dataset_files: int
    """Files uploaded to the bucket's datasets/<name>/ (0: not uploaded)."""
    bucket_prefix: str | None


def load_into_stack(dataset_folder: Path, stack: DeployedStack, upload: bool = True) -> Loaded:
    """Write the dataset's nodes, stock and config into the stack's tables (as the local stack
    loads its demo) and, with `upload`, its files to the bucket's `datasets/<folder name>/`,
    where a what-if scenario file names it as `base.dataset`. The dataset must be valid
    (ValueError listing its problems otherwise); nothing is written before that is known."""
    from functions.dal.client import dynamodb_client
    from functions.dal.database import Database
    from functions.dal.dataset import load_dataset_into
    from functions.dal.scenarios.storage import DATASETS_PREFIX, upload_folder
    from solver.loading import load_dataset

    result = load_dataset(dataset_folder)
    if result.dataset is None:
        problems = "\n".join(f"  - {e}" for e in result.errors[:20])
        raise ValueError(f"{len(result.errors)} problem(s) in {dataset_folder}:\n{problems}")
    data = result.dataset
    load_dataset_into(Database(dynamodb_client(), stack.table_names()), data)
    files, prefix = 0, None
    if upload and stack.bucket:
        prefix = f"{DATASETS_PREFIX}{Path(dataset_folder).resolve().name}/"
        files = upload_folder(stack.bucket, str(dataset_folder), prefix)
    return Loaded(len(data.network.nodes), len(data.network.skus), files, prefix)
