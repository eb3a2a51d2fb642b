"""The reallocation record (table `reallocations`, key `reallocation_id`, the execution's name).

States: `running` (created by the launcher, or the workflow's first task) -> `succeeded` (the
report is in S3; set last) or `failed` (with the reason; never once succeeded). Progress is the
set of chunks committed (`chunks_done`, added as a set so a retried chunk counts once) against
`chunks_total`; `published` the chunks whose events went out; `decision_<n>` whether chunk n
commits or why the run stops before it (decided once, before its first commit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from functions.dal.client import ConditionFailed, error_code
from functions.dal.codec import decode_item, encode, encode_item
from functions.dal.database import Database

RUNNING, SUCCEEDED, FAILED = "running", "succeeded", "failed"
GO = "commit"
"""A chunk's decision when it commits by its plan (else: why the run stops before it)."""
MAX_REASON = 4000
"""Characters of a failure reason kept (a DynamoDB item is at most 400 KB)."""


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _update(
    db: Database, reallocation_id: str, expression: str, condition: str, **values: Any
) -> None:
    arguments: dict[str, Any] = {
        "TableName": db.table("reallocations"),
        "Key": encode_item({"reallocation_id": reallocation_id}),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": {
            f":{k}": encode(v) for k, v in {"now": _now(), **values}.items()
        },
    }
    if "#status" in expression + condition:
        arguments["ExpressionAttributeNames"] = {"#status": "status"}
    try:
        db.client.update_item(**arguments)
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            raise ConditionFailed(f"reallocation {reallocation_id}: state changed") from error
        raise


def create_record(
    db: Database, reallocation_id: str, trigger: Mapping[str, Any], dry_run: bool
) -> bool:
    """Record a new reallocation as running; False if it already exists (a replayed trigger)."""
    item = {
        "reallocation_id": reallocation_id,
        "status": RUNNING,
        "trigger": dict(trigger),
        "dry_run": dry_run,
        "created_at": _now(),
        "updated_at": _now(),
        "chunks_total": 0,
    }
    try:
        db.client.put_item(
            TableName=db.table("reallocations"),
            Item=encode_item(item),
            ConditionExpression="attribute_not_exists(reallocation_id)",
        )
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get_record(db: Database, reallocation_id: str) -> dict[str, Any] | None:
    found = db.client.get_item(
        TableName=db.table("reallocations"),
        Key=encode_item({"reallocation_id": reallocation_id}),
        ConsistentRead=True,
    )
    return decode_item(found["Item"]) if "Item" in found else None


def set_scope(db: Database, reallocation_id: str, orders: int, chunks: int) -> None:
    _update(
        db,
        reallocation_id,
        "SET orders_in_scope = :orders, chunks_total = :chunks, updated_at = :now",
        "#status = :running",
        orders=orders,
        chunks=chunks,
        running=RUNNING,
    )


def chunk_done(db: Database, reallocation_id: str, chunk: int) -> None:
    """Count one committed chunk; a retry of the same chunk counts once."""
    _update(
        db,
        reallocation_id,
        "ADD chunks_done :chunk SET updated_at = :now",
        "#status = :running",
        chunk={chunk},
        running=RUNNING,
    )


def decide_chunk(db: Database, reallocation_id: str, chunk: int, stopped: str | None) -> str | None:
    """Record whether a chunk commits (`stopped` None) or why the run stops before it, the
    first time only (`decision_<chunk>`): the decision stored, which a retry keeps to. One
    call, first time or not."""
    response = db.client.update_item(
        TableName=db.table("reallocations"),
        Key=encode_item({"reallocation_id": reallocation_id}),
        UpdateExpression="SET #decision = if_not_exists(#decision, :decision)",
        ConditionExpression="#status = :running",
        ExpressionAttributeNames={"#decision": f"decision_{chunk}", "#status": "status"},
        ExpressionAttributeValues={
            ":decision": encode(stopped or GO),
            ":running": encode(RUNNING),
        },
        ReturnValues="ALL_NEW",
    )
    decided = decode_item(response["Attributes"])[f"decision_{chunk}"]
    return None if decided == GO else str(decided)


def claim_publication(db: Database, reallocation_id: str, chunk: int) -> bool:
    """True the first time a chunk's events are to be published (at most once per chunk
    unless the publisher dies midway: then its retry publishes the chunk again)."""
    try:
        _update(
            db,
            reallocation_id,
            "ADD published :chunk SET updated_at = :now",
            "NOT contains(published, :one)",
            chunk={chunk},
            one=chunk,
        )
    except ConditionFailed:
        return False
    return True


def mark_succeeded(
    db: Database, reallocation_id: str, summary: Mapping[str, Any], report_key: str
) -> None:
    """The last write of a reallocation: only after its report is in S3."""
    _update(
        db,
        reallocation_id,
        "SET #status = :succeeded, summary = :summary, report_key = :key, updated_at = :now",
        "#status IN (:running, :succeeded)",
        succeeded=SUCCEEDED,
        running=RUNNING,
        summary=dict(summary),
        key=report_key,
    )


def mark_failed(db: Database, reallocation_id: str, reason: str) -> bool:
    """Record why; a reallocation that already succeeded or failed keeps its state and first
    reason (False). A failure of a run whose record was never written creates it."""
    if len(reason) > MAX_REASON:
        reason = reason[: MAX_REASON - 3] + "..."
    try:
        _update(
            db,
            reallocation_id,
            "SET #status = :failed, failure_reason = :reason, updated_at = :now",
            "attribute_not_exists(reallocation_id) OR NOT #status IN (:succeeded, :failed)",
            failed=FAILED,
            succeeded=SUCCEEDED,
            reason=reason,
        )
    except ConditionFailed:
        return False
    return True
