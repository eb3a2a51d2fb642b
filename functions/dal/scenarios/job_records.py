"""The what-if job record in DynamoDB (table `scenarios`, key `job_id`).

States: `queued` (created by the API) -> `running` (the worker prepared it) -> `succeeded`
(every result file is in S3; set last, and only from `running`) or `failed` (with the reason;
never once succeeded). Progress is the set of daily batches planned (`batches_done`, added as a
set so a retried batch counts once) against `batches_total`.

Active jobs (the cap of MAX_CONCURRENT_JOBS): the item `ACTIVE_JOBS` holds the ids of the jobs
queued or running in a string set. A job is created together with its id's entry, in one
transaction whose condition is that the set is smaller than the cap, so concurrent starts never
pass it; `mark_succeeded` and `mark_failed` take the id out. An entry left behind (the worker
died before recording the end) is reclaimed by `reclaim_slots` once its job is over or older
than the state machine's timeout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.dal.client import (
    cancellation_codes,
    dynamodb_client,
    error_code,
    retry_with_backoff,
)
from functions.dal.codec import decode_item, encode
from functions.settings import current_settings

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
MAX_REASON = 4000
"""Characters of a failure reason kept (a DynamoDB item is at most 400 KB)."""


ACTIVE_JOBS = "active-jobs"
"""Key of the item listing the active jobs (job ids are 32 hex digits, so never this)."""
ACTIVE = "active"


class JobStateConflict(RuntimeError):
    """A transition the job's current state does not allow (e.g. succeeded twice)."""


class TooManyJobs(RuntimeError):
    """`limit` jobs are queued or running already (`active`: their ids)."""

    def __init__(self, limit: int, active: Sequence[str]) -> None:
        super().__init__(f"{len(active)} what-if jobs are active (at most {limit})")
        self.limit = limit
        self.active = list(active)


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


def create_job(job_id: str, scenario_file_key: str, limit: int | None = None) -> dict[str, Any]:
    """Record a queued job; with `limit`, also take one of `limit` active-job slots, atomically
    (TooManyJobs when all are taken)."""
    item = {
        "job_id": job_id,
        "status": QUEUED,
        "created_at": _now(),
        "updated_at": _now(),
        "scenario_file_key": scenario_file_key,
        "batches_total": 0,
    }
    put = {
        "TableName": _table(),
        "Item": {k: encode(v) for k, v in item.items()},
        "ConditionExpression": "attribute_not_exists(job_id)",
    }
    if limit is None:
        dynamodb_client().put_item(**put)
        return item
    take_slot = {
        "TableName": _table(),
        "Key": {"job_id": {"S": ACTIVE_JOBS}},
        "UpdateExpression": "ADD #active :job",
        "ConditionExpression": "attribute_not_exists(#active) OR size(#active) < :limit",
        "ExpressionAttributeNames": {"#active": ACTIVE},
        "ExpressionAttributeValues": {":job": {"SS": [job_id]}, ":limit": {"N": str(limit)}},
    }

    def attempt() -> None:
        dynamodb_client().transact_write_items(TransactItems=[{"Put": put}, {"Update": take_slot}])

    try:
        retry_with_backoff(attempt, _transaction_conflict)
    except ClientError as error:
        codes = cancellation_codes(error)
        if len(codes) == 2 and codes[1] == "ConditionalCheckFailed":
            raise TooManyJobs(limit, active_jobs()) from error
        raise
    return item


def _transaction_conflict(error: Exception) -> bool:
    return "TransactionConflict" in cancellation_codes(error)


def active_jobs() -> list[str]:
    """Ids holding an active-job slot, oldest first by id order of the set (sorted)."""
    found = dynamodb_client().get_item(
        TableName=_table(), Key={"job_id": {"S": ACTIVE_JOBS}}, ConsistentRead=True
    )
    return sorted(decode_item(found.get("Item", {})).get(ACTIVE) or [])


def release_slot(job_id: str) -> None:
    """Take the job out of the active jobs (nothing if it was not there)."""
    dynamodb_client().update_item(
        TableName=_table(),
        Key={"job_id": {"S": ACTIVE_JOBS}},
        UpdateExpression="DELETE #active :job",
        ExpressionAttributeNames={"#active": ACTIVE},
        ExpressionAttributeValues={":job": {"SS": [job_id]}},
    )


def reclaim_slots(older_than_seconds: float) -> list[str]:
    """Free the slots of jobs that are over (succeeded, failed, missing) or were created more
    than `older_than_seconds` ago; returns the ids freed."""
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=older_than_seconds)
    freed = []
    for job_id in active_jobs():
        job = get_job(job_id)
        if (
            job is None
            or job["status"] in (SUCCEEDED, FAILED)
            or dt.datetime.fromisoformat(str(job["created_at"])) < cutoff
        ):
            release_slot(job_id)
            freed.append(job_id)
    return freed


def get_job(job_id: str) -> dict[str, Any] | None:
    if job_id == ACTIVE_JOBS:
        return None
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
    _end(
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
    _end(
        job_id,
        "SET #status = :failed, failure_reason = :reason, updated_at = :now",
        "attribute_exists(job_id) AND NOT #status IN (:succeeded, :failed)",
        failed=FAILED,
        succeeded=SUCCEEDED,
        reason=reason,
    )


def _end(job_id: str, expression: str, condition: str, **values: Any) -> None:
    """A job's last transition, then its active-job slot freed; also when the job had ended
    before (JobStateConflict, raised after freeing), not when the write failed otherwise (the
    job may still be running: its retry frees it)."""
    try:
        _update(job_id, expression, condition, **values)
    except JobStateConflict:
        release_slot(job_id)
        raise
    release_slot(job_id)


def progress(job: dict[str, Any]) -> dict[str, int]:
    done = job.get("batches_done") or set()
    return {"batches_done": len(done), "batches_total": int(job.get("batches_total") or 0)}
