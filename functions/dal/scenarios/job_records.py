"""The what-if job record in DynamoDB (table `scenarios`, key `job_id`).

States: `queued` (created by the API) -> `running` (the worker prepared it) -> `succeeded`
(every result file is in S3; set last, and only from `running`) or `failed` (with the reason;
never once succeeded). Progress is the set of daily batches planned (`batches_done`, added as a
set so a retried batch counts once) against `batches_total`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.dal.client import dynamodb_client, error_code
from functions.dal.codec import decode_item, encode
from functions.settings import current_settings

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
MAX_REASON = 4000
"""Characters of a failure reason kept (a DynamoDB item is at most 400 KB)."""


class JobStateConflict(RuntimeError):
    """A transition the job's current state does not allow (e.g. succeeded twice)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _table() -> str:
    return current_settings().table("scenarios")


def _values(**values: Any) -> dict[str, Any]:
    return {f":{k}": encode(v) for k, v in values.items()}


def _update(job_id: str, expression: str, condition: str, **values: Any) -> None:
    try:
        dynamodb_client().update_item(
            TableName=_table(),
            Key={"job_id": {"S": job_id}},
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=_values(now=_now(), **values),
        )
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            job = get_job(job_id)
            state = "no such job" if job is None else f"job is {job['status']}"
            raise JobStateConflict(f"job {job_id}: {state}") from error
        raise


def create_job(job_id: str, scenario_file_key: str) -> dict[str, Any]:
    item = {
        "job_id": job_id,
        "status": QUEUED,
        "created_at": _now(),
        "updated_at": _now(),
        "scenario_file_key": scenario_file_key,
        "batches_total": 0,
    }
    dynamodb_client().put_item(
        TableName=_table(),
        Item={k: encode(v) for k, v in item.items()},
        ConditionExpression="attribute_not_exists(job_id)",
    )
    return item


def get_job(job_id: str) -> dict[str, Any] | None:
    found = dynamodb_client().get_item(
        TableName=_table(), Key={"job_id": {"S": job_id}}, ConsistentRead=True
    )
    return decode_item(found["Item"]) if "Item" in found else None


def mark_running(job_id: str, scenarios: Sequence[str], batches_total: int) -> None:
    _update(
        job_id,
        "SET #status = :running, scenarios = :scenarios, batches_total = :total, updated_at = :now",
        "#status IN (:queued, :running)",
        running=RUNNING,
        queued=QUEUED,
        scenarios=list(scenarios),
        total=batches_total,
    )


def batch_done(job_id: str, batch: str) -> None:
    """Count one planned batch (`<scenario>/<day>`); a retry of the same batch counts once."""
    _update(
        job_id,
        "ADD batches_done :batch SET updated_at = :now",
        "#status = :running",
        batch={batch},
        running=RUNNING,
    )


def mark_succeeded(job_id: str, result_keys: dict[str, str]) -> None:
    """The last write of a job: only after every result file is in S3."""
    _update(
        job_id,
        "SET #status = :succeeded, result_keys = :keys, updated_at = :now",
        "#status = :running",
        succeeded=SUCCEEDED,
        running=RUNNING,
        keys=result_keys,
    )


def mark_failed(job_id: str, reason: str) -> None:
    """Record why; a job that already succeeded or failed keeps its state and its first
    reason (JobStateConflict)."""
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 3] + "..."
    _update(
        job_id,
        "SET #status = :failed, failure_reason = :reason, updated_at = :now",
        "attribute_exists(job_id) AND NOT #status IN (:succeeded, :failed)",
        failed=FAILED,
        succeeded=SUCCEEDED,
        reason=reason,
    )


def progress(job: dict[str, Any]) -> dict[str, int]:
    done = job.get("batches_done") or set()
    return {"batches_done": len(done), "batches_total": int(job.get("batches_total") or 0)}
