"""The scenario API's work: accept a scenario file (validated as `omniroute whatif` validates
it), snapshot its input in S3, record the job and start it; report a job and its results."""

from __future__ import annotations

import re
import uuid
from typing import Any

from functions.dal.scenarios import job_records as jobs
from functions.dal.scenarios import storage
from functions.logic.errors import Invalid, NotFound, TooBusy, field_error, not_found
from functions.logic.scenarios.launch import JOB_TIMEOUT_SECONDS, start_job
from functions.settings import current_settings
from solver.scenarios.errors import ScenarioError
from solver.scenarios.models import ScenarioFile

LABEL = "body"
"""How errors name the scenario file sent in a request."""
DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def error_fields(errors: list[ScenarioError], body: object) -> list[dict[str, Any]]:
    """Each error as {path (into the request body), message} plus the scenario, change
    (1-based), change kind and field it names, as `omniroute whatif` reports them."""
    return [
        field_error(
            _body_path(e, body),
            str(e),
            scenario=e.scenario,
            change=e.change,
            change_kind=e.change_kind,
            field=e.field,
        )
        for e in errors
    ]


def _base_name(body: object) -> str:
    base = body.get("base") if isinstance(body, dict) else None
    name = base.get("name") if isinstance(base, dict) else None
    return name if isinstance(name, str) and name else "base"


def _body_path(e: ScenarioError, body: object) -> str:
    parts: list[str] = []
    if e.scenario is not None:
        parts.append("base" if e.scenario == _base_name(body) else f"scenarios.{e.scenario}")
    if e.change is not None:
        parts.append(f"changes[{e.change - 1}]")
    if e.field:
        parts.append(e.field)
    return ".".join(parts) or "body"


def validated(body: object) -> ScenarioFile:
    # Imported here: the docs function includes this router but not the scenario reader's deps.
    from solver.scenarios.reading import validate_scenario_data

    spec, errors = validate_scenario_data(body, LABEL)
    if spec is None:
        fields = error_fields(errors, body)
        raise Invalid("invalid_scenario_file", "the scenario file has errors", fields)
    return spec


def _dataset_errors(spec: ScenarioFile, bucket: str) -> list[dict[str, Any]]:
    """`base.dataset` must name a dataset in the bucket; `base.orders` a file under one."""
    errors = []
    name = spec.base.dataset
    if not DATASET_NAME.match(name) or not storage.list_keys(bucket, _dataset_prefix(name)):
        known = ", ".join(storage.known_datasets(bucket)) or "none"
        errors.append(
            field_error(
                "base.dataset", f"unknown dataset {name!r} (known: {known})", field="base.dataset"
            )
        )
    orders = spec.base.orders
    if orders is not None:
        parts = orders.split("/")
        if not all(SAFE_PART.match(p) for p in parts) or not storage.exists(
            bucket, storage.DATASETS_PREFIX + orders
        ):
            errors.append(
                field_error(
                    "base.orders",
                    f"no orders file {orders!r} (a path under a dataset, e.g. {name}/orders.jsonl)",
                    field="base.orders",
                )
            )
    return errors


def _dataset_prefix(name: str) -> str:
    return f"{storage.DATASETS_PREFIX}{name}/"


def job_links(job_id: str) -> dict[str, str]:
    return {"self": f"/v1/scenarios/{job_id}", "report": f"/v1/scenarios/{job_id}/report"}


def create_job(spec: ScenarioFile, body: dict[str, Any]) -> dict[str, Any]:
    """Snapshot the file and its dataset under the job, record it queued, start it."""
    bucket = storage.scenario_bucket()
    errors = _dataset_errors(spec, bucket)
    if errors:
        raise Invalid("invalid_scenario_file", "the scenario file has errors", errors)
    job_id = uuid.uuid4().hex
    target = storage.input_prefix(job_id)
    storage.copy_prefix(bucket, _dataset_prefix(spec.base.dataset), f"{target}{spec.base.dataset}/")
    if spec.base.orders is not None:
        storage.copy_object(
            bucket, storage.DATASETS_PREFIX + spec.base.orders, target + spec.base.orders
        )
    key = storage.scenario_file_key(job_id)
    storage.put_json(bucket, key, body)
    job = _record_within_limit(job_id, key)
    try:
        runs_on = start_job(job_id, bucket, key)
    except Exception as error:
        jobs.mark_failed(job_id, f"the job could not be started: {error}")  # frees its slot
        raise
    return {
        "job_id": job_id,
        "status": job["status"],
        "created_at": job["created_at"],
        "runs_on": runs_on,
        "links": job_links(job_id),
    }


RETRY_AFTER_SECONDS = 60
"""What a 429 for too many jobs tells the caller to wait (a small job takes about a minute)."""


def _record_within_limit(job_id: str, key: str) -> dict[str, Any]:
    """The job's record, holding one of MAX_CONCURRENT_JOBS active-job slots when that is set;
    TooBusy (429) when they are all held by active jobs."""
    limit = current_settings().max_concurrent_jobs
    try:
        return jobs.create_job(job_id, key, limit)
    except jobs.TooManyJobs:
        if not jobs.reclaim_slots(JOB_TIMEOUT_SECONDS):
            raise _too_busy(limit or 0, jobs.active_jobs()) from None
    try:
        return jobs.create_job(job_id, key, limit)
    except jobs.TooManyJobs as full:
        raise _too_busy(full.limit, full.active) from None


def _too_busy(limit: int, active: list[str]) -> TooBusy:
    return TooBusy(
        "too_many_jobs",
        f"{len(active)} what-if jobs are queued or running and this deployment runs at most "
        f"{limit} at once (MaxConcurrentWhatifJobs); retry when one has finished",
        [field_error("body", "no free what-if job slot", active_jobs=active, limit=limit)],
        retry_after_seconds=RETRY_AFTER_SECONDS,
    )


def describe_job(job_id: str) -> dict[str, Any]:
    job = jobs.get_job(job_id)
    if job is None:
        raise not_found("scenario_job", job_id)
    body: dict[str, Any] = {
        "job_id": job_id,
        "status": job["status"],
        "created_at": job.get("created_at"),
        "updated_at": job.get("updated_at"),
        "scenarios": job.get("scenarios") or [],
        "progress": jobs.progress(job),
        "links": job_links(job_id),
    }
    if job["status"] == jobs.FAILED:
        body["error"] = job.get("failure_reason")
    if job["status"] == jobs.SUCCEEDED:
        keys = job["result_keys"]
        bucket = storage.scenario_bucket()
        body["kpis"] = storage.get_json(bucket, keys["kpis.json"])
        body["comparison"] = storage.get_json(bucket, keys["comparison.json"])
    return body


def job_report(job_id: str) -> str:
    job = jobs.get_job(job_id)
    if job is None:
        raise not_found("scenario_job", job_id)
    if job["status"] != jobs.SUCCEEDED:
        raise NotFound(
            "report_not_ready",
            f"job {job_id} is {job['status']}; the report exists once it has succeeded",
        )
    return storage.get_text(storage.scenario_bucket(), job["result_keys"]["report.html"])
