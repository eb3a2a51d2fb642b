"""A reallocation's working files in S3 (REALLOCATION_BUCKET), so that the state machine's
payloads stay a few keys long (Step Functions allows 256 KiB per state):

- `reallocations/<id>/scope.json`: the orders in scope, oldest first, cut into chunks;
- `reallocations/<id>/chunks/<n>/snapshot.json`: what chunk n is re-planned on (its orders'
  records, stock, capacity, fences, nodes and config), read right before re-planning;
- `reallocations/<id>/chunks/<n>/plan.json`: the re-plan (per order before/after, reasons,
  commit steps, costs, bound);
- `reallocations/<id>/chunks/<n>/commit.json`: what was committed and what was skipped (why);
- `reallocations/<id>/report.json`: the report of the whole run.
"""

from __future__ import annotations

from typing import Any

from functions.dal.scenarios.storage import exists, get_json, put_json
from functions.settings import SettingsError, current_settings

PREFIX = "reallocations/"


def reallocation_bucket() -> str:
    bucket = current_settings().reallocation_bucket
    if bucket is None:
        raise SettingsError("REALLOCATION_BUCKET is not set: this function has no bucket")
    return bucket


def scope_key(reallocation_id: str) -> str:
    return f"{PREFIX}{reallocation_id}/scope.json"


def chunk_key(reallocation_id: str, chunk: int, name: str) -> str:
    assert name in ("snapshot", "plan", "commit"), name
    return f"{PREFIX}{reallocation_id}/chunks/{chunk}/{name}.json"


def report_key(reallocation_id: str) -> str:
    return f"{PREFIX}{reallocation_id}/report.json"


def write(bucket: str, key: str, document: Any) -> str:
    put_json(bucket, key, document)
    return key


def read(bucket: str, key: str) -> Any:
    return get_json(bucket, key)


def written(bucket: str, key: str) -> bool:
    return exists(bucket, key)
