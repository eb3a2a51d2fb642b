"""The scenario API end to end on the local stack (HTTP, moto's DynamoDB and S3, the local job
runner): a job runs to the KPIs solver.scenarios computes, with its report; bad files are
refused naming the field; a job whose run fails says why and has no report."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.api_client import ApiClient, Reply
from tests.integration.whatif_jobs import in_process_kpis, planned_kpis, small_scenarios


def finished(api: ApiClient, job_id: str, seconds: float = 300) -> Reply:
    stop = time.monotonic() + seconds
    seen = set()
    while time.monotonic() < stop:
        reply = api.get(f"/v1/scenarios/{job_id}")
        assert reply.status == 200, reply.body
        seen.add(reply.body["status"])
        if reply.body["status"] in ("succeeded", "failed"):
            return reply
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {seen} after {seconds} s")


def test_a_job_runs_to_the_kpis_of_solver_scenarios_and_serves_its_report(
    api: ApiClient, tmp_path: Path
) -> None:
    body = small_scenarios()
    started = api.post("/v1/scenarios", body)
    assert started.status == 202, started.body
    job_id = started.body["job_id"]
    assert started.body["status"] == "queued"

    done = finished(api, job_id)
    assert done.body["status"] == "succeeded", done.body
    assert done.body["scenarios"] == ["base", "myopic", "close-w1"]
    assert done.body["progress"] == {"batches_done": 6, "batches_total": 6}  # 3 x 2 days
    served = {s["name"]: planned_kpis(s["kpis"]) for s in done.body["kpis"]["scenarios"]}
    assert served == in_process_kpis(body, tmp_path)
    comparison = done.body["comparison"]
    base_cost = served["base"]["total_cost"]
    for name in served:
        row = comparison[name]["total_cost"]
        assert row["base"] == pytest.approx(base_cost)
        assert row["value"] == pytest.approx(row["base"] + row["delta"])
    assert comparison["base"]["total_cost"]["delta"] == 0

    report = api.get(f"/v1/scenarios/{job_id}/report")
    assert report.status == 200
    assert report.headers["Content-Type"].startswith("text/html")
    page = report.raw.decode()
    assert page.startswith("<!DOCTYPE html>") or page.lower().startswith("<!doctype html>")
    for name in served:
        assert f"map-{name}-nodes" in page  # the map's layer of each scenario


def test_a_bad_file_is_refused_naming_the_scenario_change_and_field(api: ApiClient) -> None:
    body: dict[str, Any] = small_scenarios()
    body["scenarios"]["peak"] = {
        "changes": [
            {"kind": "close_nodes", "nodes": ["W2"]},
            {"kind": "set_capacity", "nodes": ["W1"], "max_orders_per_day": -1},
        ]
    }
    reply = api.post("/v1/scenarios", body)
    assert reply.status == 422, reply.body
    (error,) = reply.body["errors"]
    assert error["path"] == "scenarios.peak.changes[1].max_orders_per_day"
    assert (error["scenario"], error["change"], error["change_kind"]) == ("peak", 2, "set_capacity")
    assert "scenario 'peak', change 2 (set_capacity), field max_orders_per_day" in error["message"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({**small_scenarios("nowhere")}, "base.dataset"),
        ({**small_scenarios("../demo")}, "base.dataset"),
        ({"base": {"dataset": "demo", "orders": "demo/../x.jsonl"}}, "base.orders"),
        ({"base": {"dataset": "demo"}, "defaults": {"strategy": "fastest"}}, "strategy"),
        ({"scenarios": {}}, "base"),
    ],
)
def test_files_the_service_cannot_use_are_refused(
    api: ApiClient, body: dict[str, Any], path: str
) -> None:
    reply = api.post("/v1/scenarios", body)
    assert reply.status == 422, reply.body
    assert [e["path"] for e in reply.body["errors"]] == [path]


def test_a_body_that_is_not_a_scenario_file_is_a_4xx(api: ApiClient) -> None:
    assert api.post("/v1/scenarios", raw=b"{not json").status == 400
    assert api.post("/v1/scenarios", [1, 2]).status == 422


def test_a_job_whose_run_fails_says_why_and_has_no_report(api: ApiClient) -> None:
    body = small_scenarios()
    body["scenarios"]["close-w99"] = {"changes": [{"kind": "close_nodes", "nodes": ["W99"]}]}
    started = api.post("/v1/scenarios", body)
    assert started.status == 202, started.body
    job_id = started.body["job_id"]
    done = finished(api, job_id)
    assert done.body["status"] == "failed"
    assert "scenario 'close-w99', change 1 (close_nodes), field nodes[0]" in done.body["error"]
    assert "W99" in done.body["error"]
    assert "kpis" not in done.body
    report = api.get(f"/v1/scenarios/{job_id}/report")
    assert report.status == 404
    assert report.body["code"] == "report_not_ready"


def test_unknown_jobs_are_404(api: ApiClient) -> None:
    assert api.get("/v1/scenarios/no-such-job").status == 404
    assert api.get("/v1/scenarios/no-such-job/report").status == 404


def test_a_retry_with_the_same_idempotency_key_answers_the_same_job(api: ApiClient) -> None:
    body = {"base": {"dataset": "demo"}, "defaults": {"strategy": "nearest"}}
    key = {"Idempotency-Key": "whatif-retry-1"}
    first = api.post("/v1/scenarios", body, headers=key)
    again = api.post("/v1/scenarios", body, headers=key)
    assert first.status == again.status == 202, (first.body, again.body)
    assert again.body == first.body
    other = api.post("/v1/scenarios", body)
    assert other.status == 202 and other.body["job_id"] != first.body["job_id"]
    for job_id in (first.body["job_id"], other.body["job_id"]):
        assert finished(api, job_id).body["status"] == "succeeded"
