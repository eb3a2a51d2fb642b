"""Where a what-if job keeps its files in S3, and reading/writing them.

Layout in the bucket (SCENARIO_BUCKET; S3_ENDPOINT_URL points at the local stack's S3):

- `datasets/<name>/...`: datasets a scenario file may name as `base.dataset` (the local stack
  uploads the one it serves; on AWS, upload with `aws s3 sync`).
- `jobs/<job_id>/input/`: the job's own copy of its scenario file (`scenario.json`) and of the
  dataset it names, taken when the job is created, so a job never sees a dataset change.
- `jobs/<job_id>/scenarios/<scenario>.json`: one job file per scenario (the Distributed Map's
  items), written by `prepare`.
- `jobs/<job_id>/days/<scenario>/<n>.json`: day n's plan, its time and the stock it left.
- `jobs/<job_id>/results/`: kpis.json, kpis.csv, comparison.json, report.html, written by
  `aggregate` before the job is marked succeeded.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import boto3
from botocore.exceptions import ClientError

from functions.dal.client import boto_config
from functions.settings import current_settings

DATASETS_PREFIX = "datasets/"
SCENARIO_FILE = "scenario.json"
RESULT_FILES = ("kpis.json", "kpis.csv", "comparison.json", "report.html")

_lock = threading.Lock()
_clients: dict[str | None, Any] = {}


def s3_client() -> Any:
    endpoint = current_settings().s3_endpoint_url
    with _lock:
        client = _clients.get(endpoint)
        if client is None:
            session = boto3.session.Session()
            client = _clients[endpoint] = session.client(
                "s3", endpoint_url=endpoint, config=boto_config()
            )
        return client


def scenario_bucket() -> str:
    return current_settings().bucket()


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}/"


def input_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}input/"


def scenario_file_key(job_id: str) -> str:
    return input_prefix(job_id) + SCENARIO_FILE


def scenarios_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}scenarios/"


def scenario_key(job_id: str, scenario: str) -> str:
    return f"{scenarios_prefix(job_id)}{scenario}.json"


def day_key(job_id: str, scenario: str, day: int) -> str:
    return f"{job_prefix(job_id)}days/{scenario}/{day}.json"


def result_key(job_id: str, name: str) -> str:
    assert name in RESULT_FILES, name
    return results_prefix(job_id) + name


def put_text(bucket: str, key: str, text: str, content_type: str = "application/json") -> None:
    s3_client().put_object(
        Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
    )


def put_json(bucket: str, key: str, value: Any) -> None:
    put_text(bucket, key, json.dumps(value, allow_nan=False))


def get_text(bucket: str, key: str) -> str:
    body = s3_client().get_object(Bucket=bucket, Key=key)["Body"]
    return str(body.read().decode("utf-8"))


def get_json(bucket: str, key: str) -> Any:
    return json.loads(get_text(bucket, key))


def list_keys(bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def exists(bucket: str, key: str) -> bool:
    try:
        s3_client().head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def copy_prefix(bucket: str, source: str, target: str) -> int:
    """Copy every object under `source` to the same relative key under `target`."""
    keys = list_keys(bucket, source)
    for key in keys:
        copy_object(bucket, key, target + key[len(source) :])
    return len(keys)


def copy_object(bucket: str, source_key: str, target_key: str) -> None:
    s3_client().copy_object(
        Bucket=bucket, Key=target_key, CopySource={"Bucket": bucket, "Key": source_key}
    )


def download_prefix(bucket: str, prefix: str, folder: str) -> None:
    """Every object under `prefix` into `folder`, keeping the relative paths."""
    for key in list_keys(bucket, prefix):
        path = os.path.join(folder, *key[len(prefix) :].split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        s3_client().download_file(bucket, key, path)


def upload_folder(bucket: str, folder: str, prefix: str) -> int:
    """Every file under `folder` to `prefix` + its relative path (the local stack's dataset)."""
    count = 0
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            s3_client().upload_file(path, bucket, prefix + relative)
            count += 1
    return count


def delete_prefix(bucket: str, prefix: str) -> None:
    """Delete every object under `prefix`."""
    for key in list_keys(bucket, prefix):
        s3_client().delete_object(Bucket=bucket, Key=key)


def known_datasets(bucket: str) -> list[str]:
    """Names of the datasets under `datasets/` (one folder each)."""
    page = s3_client().list_objects_v2(Bucket=bucket, Prefix=DATASETS_PREFIX, Delimiter="/")
    prefixes = [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    return sorted(p[len(DATASETS_PREFIX) :].rstrip("/") for p in prefixes)


def plan_key(job_id: str, scenario: str, day: str) -> str:
    """A daily plan (spec §6), as `omniroute whatif` writes plans/<scenario>/<day>.json."""
    return f"{job_prefix(job_id)}plans/{scenario}/{day}.json"


def results_prefix(job_id: str) -> str:
    return f"{job_prefix(job_id)}results/"
