"""Measure what the cost estimate of docs/deploy.md needs, per request and per what-if job:

    python bench/cost_inputs.py [--orders 100] [--out cost-inputs.json]

Starts a local stack on the demo dataset and calls the handlers in this process (as Lambda calls
them), with a hook on every DynamoDB and S3 call, so that for each request it records:

- the DynamoDB calls and the request units they cost, by DynamoDB's on-demand rules: a read
  request unit per 4 KB read strongly consistent (half eventually), at least one per item asked
  for; a write request unit per 1 KB written (the item's size after the write); twice each inside
  a transaction. Item sizes are DynamoDB's (attribute names plus values, developer guide "Item
  sizes"), taken from the request, the answer, or (for updates) by reading the item afterwards
  with an unhooked client;
- the handler's CPU time (this thread only: moto serves in other threads), from which a Lambda
  duration follows (below), and its wall time on this machine;
- the bytes the function logs (Powertools lines and metrics) and the size of the API access log
  line (template.yaml's format, filled with this request's values);
- the item sizes an order leaves in the orders and idempotency tables (storage).

Then it runs one what-if job of the demo (3 scenarios x 2 days, nearest and myopic) through the
worker's actions as the state machine does, counting S3 requests by kind, DynamoDB units, the
worker's CPU per action, and the state transitions of infra/scenario-state-machine.asl.json for
that job.

A Lambda duration is estimated as CPU time / (memory / 1769 MB) (Lambda gives a function one
vCPU at 1,769 MB and CPU in proportion below), plus `--dynamodb-ms` per DynamoDB call for the
round trips, an assumption (DynamoDB's documented single-digit milliseconds; default 6). It
prints how it was run (load average) and writes every figure to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/

import boto3

from omniroute.local.stack import DEFAULT_DATASET, start_local_stack

ROOT = Path(__file__).resolve().parents[1]
LAMBDA_MB_PER_VCPU = 1769


# --------------------------------------------------------------------------- DynamoDB sizes


def value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(inner.lstrip("-").replace(".", "").lstrip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(value_size({kind[0]: v}) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    raise ValueError(kind)


def item_size(item: dict[str, Any] | None) -> int:
    return sum(len(k.encode()) + value_size(v) for k, v in (item or {}).items())


class DynamoMeter:
    """Request units of every DynamoDB call of the hooked client (see the module docstring)."""

    def __init__(self, endpoint: str) -> None:
        self.reader = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
        self.reset()

    def reset(self) -> None:
        self.errors: list[str] = []
        self.calls: Counter[str] = Counter()
        self.rru = 0.0
        self.wru = 0.0

    def _after(self, table: str, key: dict[str, Any]) -> int:
        return item_size(self.reader.get_item(TableName=table, Key=key).get("Item"))

    def remember(self, params: dict[str, Any], **_: Any) -> None:
        """provide-client-params: the call's parameters (the handler makes one call at a time)."""
        self._params = dict(params)

    def hook(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        """after-call: the answer of the call whose parameters `remember` kept."""
        try:
            self._count(model.name, self._params, parsed)
        except Exception as error:  # a metering bug must not fail the request it measures
            self.errors.append(f"{model.name}: {error!r}")

    def _count(self, op: str, params: dict[str, Any], parsed: dict[str, Any]) -> None:
        self.calls[op] += 1
        if op == "GetItem":
            factor = 1.0 if params.get("ConsistentRead") else 0.5
            self.rru += factor * max(1, math.ceil(item_size(parsed.get("Item")) / 4096))
        elif op == "BatchGetItem":
            asked = {t: len(spec["Keys"]) for t, spec in params["RequestItems"].items()}
            for table, items in parsed.get("Responses", {}).items():
                factor = 1.0 if params["RequestItems"][table].get("ConsistentRead") else 0.5
                self.rru += factor * sum(max(1, math.ceil(item_size(i) / 4096)) for i in items)
                self.rru += factor * (asked[table] - len(items))  # a missing key costs one
        elif op in ("Scan", "Query"):
            factor = 1.0 if params.get("ConsistentRead") else 0.5
            total = sum(item_size(i) for i in parsed.get("Items", []))
            self.rru += factor * max(1, math.ceil(total / 4096))
        elif op == "PutItem":
            self.wru += max(1, math.ceil(item_size(params["Item"]) / 1024))
        elif op in ("UpdateItem", "DeleteItem"):
            size = self._after(params["TableName"], params["Key"]) if op == "UpdateItem" else 0
            self.wru += max(1, math.ceil(size / 1024))
        elif op == "TransactWriteItems":
            for action in params["TransactItems"]:
                ((kind, spec),) = action.items()
                if kind == "Put":
                    size = item_size(spec["Item"])
                else:
                    size = self._after(spec["TableName"], spec["Key"])
                self.wru += 2 * max(1, math.ceil(size / 1024))
        elif op == "TransactGetItems":
            for action in params["TransactItems"]:
                size = self._after(action["Get"]["TableName"], action["Get"]["Key"])
                self.rru += 2 * max(1, math.ceil(size / 4096))


class S3Meter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def hook(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1


# --------------------------------------------------------------------------- logs


def access_log_bytes(event: dict[str, Any], status: int, length: int) -> int:
    """template.yaml's access log line for this request (IAM caller, as on AWS)."""
    import yaml

    from omniroute.local.template import template

    fmt = template()["Resources"]["CheckoutApi"]["Properties"]["AccessLogSetting"]["Format"]
    fields = json.loads(fmt)
    values = {
        "requestId": event["requestContext"]["requestId"],
        "time": "01/Dec/2026:12:00:00 +0000",
        "method": event["httpMethod"],
        "resourcePath": event["resource"],
        "path": event["path"],
        "status": str(status),
        "responseLatency": "120",
        "integrationLatency": "115",
        "responseLength": str(length),
        "sourceIp": "203.0.113.10",
        "userAgent": "aws-sdk-java/2.25.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17",
        "caller": "AROAEXAMPLEID:i-0123456789abcdef0",
        "userArn": "arn:aws:sts::123456789012:assumed-role/checkout-service/i-0123456789abcdef0",
        "accountId": "123456789012",
    }
    line = {k: values.get(k, "-") for k in fields}
    del yaml
    return len(json.dumps(line, separators=(",", ":")))


@contextlib.contextmanager
def captured_output() -> Any:
    """Everything the handler writes (Powertools' logger stream and metrics print)."""
    from functions.observability import logger

    buffer = io.StringIO()
    handler = logger._logger.handlers[0]
    stream = handler.stream  # type: ignore[attr-defined]
    handler.stream = buffer  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(buffer):
            yield buffer
    finally:
        handler.stream = stream  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- checkout requests


def call(handler: Any, method: str, path: str, resource: str, body: Any, **params: str) -> Any:
    from omniroute.local.events import LambdaContext, api_gateway_event

    raw = json.dumps(body).encode() if body is not None else b""
    event = api_gateway_event(
        method, path, {"Content-Type": "application/json"}, raw, resource, params
    )
    event["requestContext"]["identity"]["userArn"] = (
        "arn:aws:sts::123456789012:assumed-role/checkout-service/i-0123456789abcdef0"
    )
    with captured_output() as out:
        cpu, wall = time.thread_time(), time.perf_counter()
        reply = handler(event, LambdaContext())
        cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if reply["statusCode"] >= 500:
        print(out.getvalue()[-3000:], file=sys.stderr)
    return reply, event, cpu, wall, len(out.getvalue().encode())


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p90": ordered[int(0.9 * (len(ordered) - 1))],
        "mean": statistics.fmean(ordered),
    }


def measure_checkout(orders: list[dict[str, Any]], meter: DynamoMeter, dynamodb_ms: float) -> dict:
    from functions.dal.database import current_database
    from functions.handlers.orders import handler

    rows: dict[str, list[dict[str, float]]] = {}
    storage = {"orders": [], "idempotency": []}
    for index, order in enumerate(orders):
        order = {**order, "order_id": f"cost-{index}"}
        oid = order["order_id"]
        promise = {k: v for k, v in order.items() if k in ("customer", "lines", "channel")}
        steps = [
            ("POST /v1/promise", "POST", "/v1/promise", "/v1/promise", promise, {}),
            ("POST /v1/orders", "POST", "/v1/orders", "/v1/orders", order, {}),
            (
                "GET /v1/orders/{id}",
                "GET",
                f"/v1/orders/{oid}",
                "/v1/orders/{order_id}",
                None,
                {"order_id": oid},
            ),
        ]
        if index % 10 == 0:  # one order in ten is cancelled
            steps.append(
                (
                    "POST /v1/orders/{id}/cancel",
                    "POST",
                    f"/v1/orders/{oid}/cancel",
                    "/v1/orders/{order_id}/cancel",
                    None,
                    {"order_id": oid},
                )
            )
        for label, method, path, resource, body, params in steps:
            meter.reset()
            reply, event, cpu, wall, log_bytes = call(
                handler, method, path, resource, body, **params
            )
            assert reply["statusCode"] < 300, (label, reply["body"][:300])
            assert not meter.errors, meter.errors
            calls = sum(meter.calls.values())
            rows.setdefault(label, []).append(
                {
                    "cpu_ms": cpu * 1000,
                    "wall_ms": wall * 1000,
                    "lambda_ms_1024": cpu * 1000 / (1024 / LAMBDA_MB_PER_VCPU)
                    + calls * dynamodb_ms,
                    "dynamodb_calls": calls,
                    "rru": meter.rru,
                    "wru": meter.wru,
                    "log_bytes": log_bytes,
                    "access_log_bytes": access_log_bytes(
                        event, reply["statusCode"], len(reply["body"])
                    ),
                    "response_bytes": len(reply["body"]),
                }
            )
        db = current_database()
        record = db.client.get_item(TableName=db.table("orders"), Key={"order_id": {"S": oid}})
        storage["orders"].append(item_size(record.get("Item")))
    db = current_database()
    scanned = db.client.scan(TableName=db.table("idempotency"))["Items"]
    storage["idempotency"] = [item_size(i) for i in scanned]
    return {
        "requests": {
            label: {key: summary([r[key] for r in values]) for key in values[0]}
            | {"count": len(values)}
            for label, values in rows.items()
        },
        "item_bytes": {table: summary(sizes) for table, sizes in storage.items() if sizes},
    }


# --------------------------------------------------------------------------- a what-if job


def state_transitions(scenarios: int, days: int) -> int:
    """Transitions of one job of infra/scenario-state-machine.asl.json without retries: the
    parent's PrepareScenarios, RunScenarios, AggregateKpis, JobDone; each scenario's child
    execution PlanDay + MoreDays per day, then ScenarioPlanned."""
    return 4 + scenarios * (2 * days + 1)


def measure_whatif(meter: DynamoMeter, s3: S3Meter) -> dict:
    import uuid

    from functions.dal.scenarios import job_records as jobs
    from functions.dal.scenarios import storage
    from functions.handlers.scenario_worker import handler
    from omniroute.local.events import LambdaContext
    from tests.integration.whatif_jobs import small_scenarios

    bucket = storage.scenario_bucket()
    body = small_scenarios()
    job_id = uuid.uuid4().hex
    storage.copy_prefix(bucket, "datasets/demo/", storage.input_prefix(job_id) + "demo/")
    storage.put_json(bucket, storage.scenario_file_key(job_id), body)
    jobs.create_job(job_id, storage.scenario_file_key(job_id))
    actions: dict[str, list[float]] = {}
    meter.reset()
    s3.calls.clear()

    def run(action: str, **payload: Any) -> dict[str, Any]:
        event = {"action": action, "bucket": bucket, "job_id": job_id, **payload}
        cpu = time.thread_time()
        with captured_output():
            answer = handler(json.loads(json.dumps(event)), LambdaContext())
        actions.setdefault(action, []).append((time.thread_time() - cpu) * 1000)
        return answer

    prepared = run("prepare", scenario_file_key=storage.scenario_file_key(job_id))
    keys = storage.list_keys(bucket, prepared["scenarios_prefix"])
    days = 0
    for key in keys:
        day, done = 0, False
        while not done:
            out = run("plan_day", scenario_key=key, day=day)
            day, done = out["next_day"], out["done"]
        days = day
    run("aggregate")
    job = jobs.get_job(job_id) or {}
    assert job.get("status") == "succeeded", job
    results = storage.list_keys(bucket, storage.job_prefix(job_id))
    sizes = [
        storage.s3_client().head_object(Bucket=bucket, Key=k)["ContentLength"] for k in results
    ]
    return {
        "scenarios": len(keys),
        "days": days,
        "orders_per_day": "demo: 200 orders spread over 2 days",
        "cpu_ms_by_action": {a: summary(v) | {"count": len(v)} for a, v in actions.items()},
        "s3_requests": dict(s3.calls),
        "dynamodb_calls": dict(meter.calls),
        "rru": meter.rru,
        "wru": meter.wru,
        "job_files": len(results),
        "job_bytes": sum(sizes),
        "state_transitions": state_transitions(len(keys), days),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--dynamodb-ms", type=float, default=6.0)
    parser.add_argument("--out", type=Path, default=Path("cost-inputs.json"))
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "INFO")
    load = os.getloadavg()
    print(f"bench/cost_inputs.py --orders {args.orders} --dynamodb-ms {args.dynamodb_ms}")
    print(f"load average at start: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    stack = start_local_stack(dataset=DEFAULT_DATASET, workers=1)
    try:
        os.environ["POWERTOOLS_LOG_LEVEL"] = "INFO"
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
        from functions.dal.client import dynamodb_client
        from functions.dal.scenarios.storage import s3_client

        meter, s3 = DynamoMeter(stack.dynamodb_url), S3Meter()
        dynamodb_client().meta.events.register("provide-client-params.dynamodb", meter.remember)
        dynamodb_client().meta.events.register("after-call.dynamodb", meter.hook)
        s3_client().meta.events.register("after-call.s3", s3.hook)
        lines = Path(DEFAULT_DATASET, "orders.jsonl").read_text().splitlines()
        orders = [json.loads(line) for line in lines if line.strip()][: args.orders]
        results = {
            "how": {
                "command": " ".join(sys.argv),
                "load_average": load,
                "dynamodb_ms_assumed": args.dynamodb_ms,
                "lambda_mb_per_vcpu": LAMBDA_MB_PER_VCPU,
            },
            "checkout": measure_checkout(orders, meter, args.dynamodb_ms),
            "whatif_job": measure_whatif(meter, s3),
        }
    finally:
        stack.stop()
    args.out.write_text(json.dumps(results, indent=1))
    for label, row in results["checkout"]["requests"].items():
        print(
            f"{label:<28} n={row['count']:<4} RRU {row['rru']['mean']:5.1f}  WRU "
            f"{row['wru']['mean']:5.1f}  calls {row['dynamodb_calls']['mean']:4.1f}  CPU ms "
            f"median {row['cpu_ms']['median']:6.1f}  Lambda ms (1024 MB) median "
            f"{row['lambda_ms_1024']['median']:6.1f} p90 {row['lambda_ms_1024']['p90']:6.1f}  "
            f"log B {row['log_bytes']['mean']:5.0f}  access log B {row['access_log_bytes']['mean']:4.0f}"
        )
    print("item bytes:", json.dumps(results["checkout"]["item_bytes"]))
    print("what-if job:", json.dumps(results["whatif_job"]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
