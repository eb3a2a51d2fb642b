"""The what-if job's steps, as the state machine (infra/scenario-state-machine.asl.json) calls
them (on AWS, and on the local stack in moto's Step Functions, omniroute/local/state_machines.py):

- `prepare`   {job_id, bucket, scenario_file_key} -> {job_id, bucket, scenarios_prefix,
              scenario_count}: validate the job's scenario file against its dataset, apply the
              changes, write one job file per scenario, mark the job running with its total.
- `plan_day`  {job_id, bucket, scenario_key, day} -> {job_id, bucket, scenario_key, next_day,
              done}: plan day `day` of one scenario on the stock day `day - 1` left (from S3),
              with the nodes of earlier outages offline and the day's own `outage_at` (its
              orders routed before it re-planned, as `omniroute whatif` does:
              `solver.scenarios.running.plan_scenario_day`); write its plan, the stock it
              leaves and, for an outage day, what its orders held (the KPIs price the moves).
- `aggregate` {job_id, bucket} -> {kpis_key, report_key}: KPIs of each scenario over all its
              days, the comparison with the base, kpis.json/csv, comparison.json and
              report.html in S3, then (last) mark the job succeeded.
- `fail`      {job_id, bucket, error: {Error, Cause}} -> {job_id, status}: record why.

All the work is `solver.scenarios` (reading, changes, batching, running, outcome, results);
this module only moves its inputs and outputs between S3, the job table and those functions.
Each call re-derives a scenario from the job's own copy of the file and dataset (cached per
process), so a call carries nothing but keys, and planning is deterministic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from functions.dal.scenarios import job_records as jobs
from functions.dal.scenarios import storage
from functions.logic.step_errors import step_error
from functions.settings import current_settings
from solver.current import CurrentAllocation, HeldShipment, OrderCurrent
from solver.models import Plan
from solver.network import Network
from solver.planfile import plan_json
from solver.scenarios.batching import DayBatch, carry_stock, daily_batches
from solver.scenarios.errors import ScenarioError
from solver.scenarios.models import ScenarioFile
from solver.scenarios.outcome import ScenarioOutcome, summarise
from solver.scenarios.preparing import PlannedScenario, load_base, prepare_scenarios
from solver.scenarios.reading import read_scenario_file
from solver.scenarios.results import WhatifResult, comparison, kpis_csv, kpis_document
from solver.scenarios.running import (
    BatchRun,
    measure_run,
    outage_days,
    plan_scenario_day,
    seconds_per_order,
)

SOLVE_SHARE = 0.8
"""Share of the file's `defaults.time_limit` given to solving (as `omniroute whatif` does)."""


class ScenarioRejected(ValueError):
    """The scenario file does not fit its dataset (unknown node, SKU, ...): the caller's error."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# --------------------------------------------------------------------------- the job's input

_lock = threading.Lock()
_prepared: dict[tuple[str, str], tuple[ScenarioFile, list[PlannedScenario]]] = {}
_folders: dict[tuple[str, str], str] = {}
CACHED_JOBS = 2
"""Jobs whose inputs a warm process keeps (Lambda containers are reused across jobs)."""


def _forget_old_jobs() -> None:
    """Keep the inputs of the last CACHED_JOBS - 1 jobs only (call with the lock held)."""
    while len(_prepared) >= CACHED_JOBS:
        oldest = next(iter(_prepared))
        del _prepared[oldest]
        for key in [k for k in _networks if k[:2] == oldest]:
            del _networks[key]
        shutil.rmtree(_folders.pop(oldest, ""), ignore_errors=True)


def job_scenarios(bucket: str, job_id: str) -> tuple[ScenarioFile, list[PlannedScenario]]:
    """The job's scenario file and every scenario (base first), from its copy in S3."""
    key = (bucket, job_id)
    with _lock:
        if key not in _prepared:
            _forget_old_jobs()
            folder = _folders[key] = tempfile.mkdtemp(prefix=f"omniroute-job-{job_id[:12]}-")
            storage.download_prefix(bucket, storage.input_prefix(job_id), folder)
            file = Path(folder) / storage.SCENARIO_FILE
            spec, errors = read_scenario_file(file)
            if spec is None:
                raise ScenarioRejected(errors)
            base, errors = load_base(spec, file)
            if base is None:
                raise ScenarioRejected(errors)
            planned, errors = prepare_scenarios(spec, file, base)
            if errors:
                raise ScenarioRejected(errors)
            _prepared[key] = (spec, planned)
        return _prepared[key]


def _scenario(bucket: str, job_id: str, name: str) -> PlannedScenario:
    _, planned = job_scenarios(bucket, job_id)
    (scenario,) = [p for p in planned if p.name == name]
    return scenario


_networks: dict[tuple[str, str, str], Network] = {}


def _first_day_network(bucket: str, job_id: str, scenario: PlannedScenario) -> Network:
    key = (bucket, job_id, scenario.name)
    with _lock:
        if key not in _networks:
            _networks[key] = scenario.input.network()
        return _networks[key]


# --------------------------------------------------------------------------- actions


def concurrent_scenarios(scenarios: int) -> int:
    """How many of a job's `scenarios` run at once: WHATIF_CONCURRENCY where fewer do (the
    local stack's task workers), else all of them (the Distributed Map on AWS)."""
    return current_settings().whatif_concurrency or scenarios


def prepare(event: dict[str, Any]) -> dict[str, Any]:
    job_id, bucket = event["job_id"], event["bucket"]
    spec, planned = job_scenarios(bucket, job_id)
    days = {p.name: daily_batches(p.input.orders) for p in planned}
    per_order = None
    if spec.defaults.time_limit is not None:
        workers = concurrent_scenarios(len(planned))
        budget = max(1.0, SOLVE_SHARE * spec.defaults.time_limit)
        per_order = seconds_per_order(budget, [len(p.input.orders) for p in planned], workers)
    for position, scenario in enumerate(planned):
        storage.put_json(
            bucket,
            storage.scenario_key(job_id, scenario.name),
            {
                "job_id": job_id,
                "scenario": scenario.name,
                "position": position,
                "strategy": scenario.strategy,
                "description": scenario.description,
                "orders": len(scenario.input.orders),
                "days": [b.day for b in days[scenario.name]],
                "seconds_per_order": per_order,
            },
        )
    total = sum(len(d) for d in days.values())
    jobs.mark_running(job_id, [p.name for p in planned], total)
    return {
        "job_id": job_id,
        "bucket": bucket,
        "scenarios_prefix": storage.scenarios_prefix(job_id),
        "scenario_count": len(planned),
    }


def _network_on_day(bucket: str, job_id: str, scenario: PlannedScenario, day: int) -> Network:
    """The scenario's network with the stock the day before left (the outages' nodes are
    `plan_scenario_day`'s business)."""
    network = _first_day_network(bucket, job_id, scenario)
    if day == 0:
        return network
    left = storage.get_json(bucket, storage.day_key(job_id, scenario.name, day - 1))["on_hand"]
    on_hand = np.asarray(left, dtype=network.on_hand.dtype).reshape(network.on_hand.shape)
    return replace(network, on_hand=on_hand)


def plan_day(event: dict[str, Any]) -> dict[str, Any]:
    job_id, bucket, key, day = event["job_id"], event["bucket"], event["scenario_key"], event["day"]
    info = storage.get_json(bucket, key)
    scenario = _scenario(bucket, job_id, info["scenario"])
    batches: list[DayBatch] = daily_batches(scenario.input.orders)
    if day < len(batches):
        run, after = plan_scenario_day(
            scenario.name,
            _network_on_day(bucket, job_id, scenario, day),
            batches[day],
            scenario.strategy,
            outage_days(batches, scenario.input.outages)[day],
            info["seconds_per_order"],
        )
        plan_key = storage.plan_key(job_id, scenario.name, run.day)
        storage.put_text(bucket, plan_key, plan_json(run.plan))
        storage.put_json(
            bucket,
            storage.day_key(job_id, scenario.name, day),
            {
                "day": run.day,
                "orders": run.orders,
                "seconds": run.seconds,
                "total_cost": run.total_cost,
                "plan_key": plan_key,
                "on_hand": carry_stock(after, run.plan).on_hand.tolist(),
                "held": None if run.current is None else held_json(run.current),
            },
        )
        jobs.batch_done(job_id, f"{scenario.name}/{run.day}")
    return {
        "job_id": job_id,
        "bucket": bucket,
        "scenario_key": key,
        "next_day": day + 1,
        "done": day + 1 >= len(batches),
    }


def _outcome(bucket: str, job_id: str, scenario: PlannedScenario) -> ScenarioOutcome:
    runs = []
    for day in range(len(daily_batches(scenario.input.orders))):
        state = storage.get_json(bucket, storage.day_key(job_id, scenario.name, day))
        plan = Plan.model_validate_json(storage.get_text(bucket, state["plan_key"]))
        held = state.get("held")
        runs.append(
            BatchRun(
                state["day"],
                state["orders"],
                state["seconds"],
                state["total_cost"],
                plan,
                None if held is None else held_from_json(held),
            )
        )
    network = _first_day_network(bucket, job_id, scenario)
    run = measure_run(scenario.name, network, scenario.input.orders, scenario.strategy, runs)
    return summarise(run, scenario.description)


def held_json(current: CurrentAllocation) -> dict[str, Any]:
    """What an outage day's orders held (spec §7, the KPIs price its moves against it), as
    JSON: per order its shipments `[node, method key, units, locked]`, in the network's
    indices (the same on every day of a scenario); and the fences as `[node, sku]`."""
    return {
        "orders": {
            order_id: [[s.node, s.key, dict(s.units), dict(s.locked)] for s in held.shipments]
            for order_id, held in current.orders.items()
        },
        "fences": sorted([node, sku] for node, sku in current.fences),
    }


def held_from_json(data: dict[str, Any]) -> CurrentAllocation:
    return CurrentAllocation(
        {
            order_id: OrderCurrent(
                order_id,
                tuple(HeldShipment(node, key, units, locked) for node, key, units, locked in rows),
            )
            for order_id, rows in data["orders"].items()
        },
        frozenset((node, sku) for node, sku in data["fences"]),
    )


def _seconds_since(created_at: str | None) -> float:
    if not created_at:
        return 0.0
    return (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(created_at)).total_seconds()


def aggregate(event: dict[str, Any]) -> dict[str, Any]:
    from solver.report.page import render_report  # the one report renderer (see docs)

    job_id, bucket = event["job_id"], event["bucket"]
    spec, planned = job_scenarios(bucket, job_id)
    job = jobs.get_job(job_id) or {}
    if job.get("status") == jobs.SUCCEEDED:  # a retried task after the job was done
        keys = job["result_keys"]
        return {"kpis_key": keys["kpis.json"], "report_key": keys["report.html"]}
    if job.get("status") != jobs.RUNNING:
        raise jobs.JobStateConflict(f"job {job_id}: {job.get('status') or 'no such job'}")
    outcomes = [_outcome(bucket, job_id, p) for p in planned]
    result = WhatifResult(
        file=Path(f"job-{job_id}.json"),
        base=outcomes[0],
        scenarios=tuple(outcomes[1:]),
        workers=concurrent_scenarios(len(planned)),
        time_limit=spec.defaults.time_limit,
        seconds=_seconds_since(job.get("created_at")),
    )
    keys = {name: storage.result_key(job_id, name) for name in storage.RESULT_FILES}
    storage.put_json(bucket, keys["kpis.json"], kpis_document(result))
    storage.put_text(bucket, keys["kpis.csv"], kpis_csv(result), "text/csv")
    storage.put_json(bucket, keys["comparison.json"], comparison_rows(result))
    storage.put_text(bucket, keys["report.html"], render_report(result), "text/html")
    jobs.mark_succeeded(job_id, keys)  # last: only now is anything shown as a result
    return {"kpis_key": keys["kpis.json"], "report_key": keys["report.html"]}


def comparison_rows(result: WhatifResult) -> dict[str, dict[str, dict[str, float | None]]]:
    """scenario -> metric -> {value, base, delta, relative}: what `kpis.csv` holds, as JSON."""
    return {
        outcome.name: {
            d.metric: {"value": d.value, "base": d.base, "delta": d.delta, "relative": d.relative}
            for d in deltas
        }
        for outcome, deltas in comparison(result)
    }


def failure_reason(error: Any) -> str:
    """A readable reason from a Step Functions error ({Error, Cause}; a Lambda's Cause is JSON
    with errorType and errorMessage)."""
    if not isinstance(error, dict):
        return str(error)
    kind, cause = step_error(error)
    if kind == ScenarioRejected.__name__:
        return f"the scenario file does not fit its dataset: {cause}"
    return f"{kind}: {cause}" if cause else kind


def fail(event: dict[str, Any]) -> dict[str, Any]:
    job_id, bucket = event["job_id"], event["bucket"]
    with contextlib.suppress(jobs.JobStateConflict):  # succeeded, or failed with a reason
        jobs.mark_failed(job_id, failure_reason(event.get("error")))
    status = (jobs.get_job(job_id) or {}).get("status")
    if status != jobs.SUCCEEDED:
        storage.delete_prefix(bucket, storage.results_prefix(job_id))  # nothing half-written
    return {"job_id": job_id, "status": status}


ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "prepare": prepare,
    "plan_day": plan_day,
    "aggregate": aggregate,
    "fail": fail,
}


def run_action(event: dict[str, Any]) -> dict[str, Any]:
    action = event.get("action")
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
    return ACTIONS[str(action)](event)
