"""`omniroute serve --data-dir DIR`: the embedded store kept across restarts.

On stop every table is scanned and every object of the scenario bucket read, through the
DynamoDB and S3 APIs, into a new folder `DIR/snapshot-<time>/` (tables as DynamoDB JSON, one
item per line; objects as files); only when it is complete does `DIR/current` name it (written
to a temporary file and renamed, so a crash mid-save leaves the previous snapshot in force),
and older snapshot folders are removed. On start, if `DIR/current` exists, the tables are
created and filled from it, the bucket's objects put back, and no dataset is loaded.

A kill -9 (or a crash) of `omniroute serve` loses what changed since it started: the store is
in memory and only saved on an orderly stop (Ctrl+C, SIGTERM).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import boto3

CURRENT = "current"
MANIFEST = "manifest.json"
FORMAT = 1
BATCH_WRITE_LIMIT = 25


class SnapshotError(ValueError):
    """A data folder that cannot be restored (the message names the file and the problem)."""


@dataclass(frozen=True)
class Store:
    """Where the local stack's data lives: DynamoDB tables (logical name -> table) and the
    scenario bucket, with the endpoints that serve them."""

    dynamodb_url: str
    s3_url: str
    region: str
    tables: dict[str, str]
    bucket: str

    @classmethod
    def from_environment(cls) -> Store:
        """The store the handlers' environment names (as the local stack sets it)."""
        from functions.dal.tables import TABLES
        from functions.settings import table_env_var

        return cls(
            dynamodb_url=os.environ["DYNAMODB_ENDPOINT_URL"],
            s3_url=os.environ["S3_ENDPOINT_URL"],
            region=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
            tables={logical: os.environ[table_env_var(logical)] for logical in TABLES},
            bucket=os.environ["SCENARIO_BUCKET"],
        )

    def client(self, service: str) -> Any:
        url = self.dynamodb_url if service == "dynamodb" else self.s3_url
        return boto3.session.Session().client(service, endpoint_url=url, region_name=self.region)


@dataclass(frozen=True)
class Saved:
    """One snapshot: its folder, items per logical table, objects in the bucket."""

    folder: Path
    items: dict[str, int]
    objects: int
    saved_at: str

    def summary(self) -> str:
        return (
            f"{sum(self.items.values()):,} items in {len(self.items)} tables and "
            f"{self.objects:,} files, saved {self.saved_at}"
        )


# --------------------------------------------------------------------------- DynamoDB JSON


def _to_text(value: dict[str, Any]) -> dict[str, Any]:
    """An attribute value as JSON can hold it: binary as base64, as DynamoDB's wire format."""
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64encode(inner).decode("ascii")}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode("ascii") for b in inner]}
    if kind == "M":
        return {"M": {k: _to_text(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_to_text(v) for v in inner]}
    return value


def _from_text(value: dict[str, Any]) -> dict[str, Any]:
    ((kind, inner),) = value.items()
    if kind == "B":
        return {"B": base64.b64decode(inner)}
    if kind == "BS":
        return {"BS": [base64.b64decode(b) for b in inner]}
    if kind == "M":
        return {"M": {k: _from_text(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_from_text(v) for v in inner]}
    return value


# --------------------------------------------------------------------------- save


def has_snapshot(data_dir: Path) -> bool:
    return (data_dir / CURRENT).is_file()


def _bucket_path(folder: Path, key: str) -> Path:
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or ".." in parts:
        raise SnapshotError(f"object key {key!r} cannot be saved as a file")
    return folder.joinpath(*parts)


def save(data_dir: Path, store: Store) -> Saved:
    """Write a complete snapshot, then make it the current one (see the module docstring)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    saved_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    folder = data_dir / f"snapshot-{stamp}-{uuid.uuid4().hex[:6]}"
    (folder / "tables").mkdir(parents=True)
    dynamodb = store.client("dynamodb")
    counts: dict[str, int] = {}
    for logical, table in sorted(store.tables.items()):
        counts[logical] = 0
        with (folder / "tables" / f"{logical}.jsonl").open("w") as out:
            for page in dynamodb.get_paginator("scan").paginate(
                TableName=table, ConsistentRead=True
            ):
                for item in page["Items"]:
                    out.write(json.dumps({k: _to_text(v) for k, v in item.items()}) + "\n")
                    counts[logical] += 1
    s3 = store.client("s3")
    content_types: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=store.bucket):
        for entry in page.get("Contents", []):
            path = _bucket_path(folder / "bucket", entry["Key"])
            path.parent.mkdir(parents=True, exist_ok=True)
            got = s3.get_object(Bucket=store.bucket, Key=entry["Key"])
            path.write_bytes(got["Body"].read())
            content_types[entry["Key"]] = got.get("ContentType") or "binary/octet-stream"
    objects = len(content_types)
    manifest = {
        "format": FORMAT,
        "saved_at": saved_at,
        "items": counts,
        "objects": objects,
        "content_types": content_types,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    pointer = data_dir / f"{CURRENT}.tmp"
    pointer.write_text(folder.name + "\n")
    os.replace(pointer, data_dir / CURRENT)
    for old in data_dir.glob("snapshot-*"):
        if old.is_dir() and old.name != folder.name:
            shutil.rmtree(old, ignore_errors=True)
    return Saved(folder, counts, objects, saved_at)


# --------------------------------------------------------------------------- restore


def _current_folder(data_dir: Path) -> tuple[Path, dict[str, Any]]:
    name = (data_dir / CURRENT).read_text().strip()
    folder = data_dir / name
    manifest_file = folder / MANIFEST
    if not name.startswith("snapshot-") or not manifest_file.is_file():
        raise SnapshotError(f"{data_dir / CURRENT} names {name!r}, which holds no snapshot")
    try:
        manifest = json.loads(manifest_file.read_text())
    except ValueError as error:
        raise SnapshotError(f"{manifest_file}: not JSON ({error})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SnapshotError(f"{manifest_file}: not a snapshot of format {FORMAT}")
    return folder, manifest


def _write_items(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), BATCH_WRITE_LIMIT):
        pending = {table: [{"PutRequest": {"Item": i}} for i in items[start : start + 25]]}
        for attempt in range(20):
            answer = client.batch_write_item(RequestItems=pending)
            pending = answer.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(min(1.0, 0.02 * 2**attempt))
        if pending:
            raise SnapshotError(f"table {table}: DynamoDB kept refusing items")


def restore(data_dir: Path, store: Store) -> Saved:
    """Fill the (existing, empty) tables and bucket from the current snapshot of `data_dir`."""
    folder, manifest = _current_folder(data_dir)
    unknown = sorted(set(manifest.get("items", {})) - set(store.tables))
    if unknown:
        raise SnapshotError(
            f"{folder / MANIFEST}: tables {', '.join(unknown)} are not tables of this service"
        )
    dynamodb = store.client("dynamodb")
    counts: dict[str, int] = {}
    for logical in sorted(manifest.get("items", {})):
        path = folder / "tables" / f"{logical}.jsonl"
        items = []
        with path.open() as lines:
            for number, line in enumerate(lines, start=1):
                try:
                    raw = json.loads(line)
                    items.append({k: _from_text(v) for k, v in raw.items()})
                except (ValueError, AttributeError, TypeError) as error:
                    raise SnapshotError(f"{path}, line {number}: not an item ({error})") from None
        _write_items(dynamodb, store.tables[logical], items)
        counts[logical] = len(items)
    s3 = store.client("s3")
    objects = 0
    content_types = manifest.get("content_types") or {}
    bucket_folder = folder / "bucket"
    if bucket_folder.is_dir():
        for path in sorted(p for p in bucket_folder.rglob("*") if p.is_file()):
            key = path.relative_to(bucket_folder).as_posix()
            kind = str(content_types.get(key, "binary/octet-stream"))
            s3.put_object(Bucket=store.bucket, Key=key, Body=path.read_bytes(), ContentType=kind)
            objects += 1
    return Saved(folder, counts, objects, str(manifest.get("saved_at", "")))
