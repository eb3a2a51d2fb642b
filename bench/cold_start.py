"""Benchmark: handler cold start = module import + first request, in fresh processes.

Usage: python bench/cold_start.py [--repeats 7] [--handler orders | --module M] [--stores 178 | --dataset DIR]

Starts moto's DynamoDB server (HTTP on 127.0.0.1) in this process, creates the tables and loads
a dataset (generated with 178 stores = 200 nodes unless --dataset). Then, REPEATS times, a new
Python process imports `functions.handlers.<handler>` and calls `handler` once with a
constructed API Gateway event (orders: POST /v1/orders with a new order; others: a GET), as
Lambda does on a cold start. Reports medians of: interpreter start to ready, the import, the
first request and its time inside DynamoDB calls (moto here, not AWS), and the CPU time the
process spent on the import and the first request (`time.process_time`: moto's server runs in
this process, not the child's, and CPU time depends far less than wall time on what else runs
on a shared machine). `--module` times another module, e.g. an older checkout's handler put on
PYTHONPATH (same dataset, same request). One more run with
`python -X importtime` lists what the import spends its time on. Tracing is disabled (no X-Ray
daemon here), as in the local stack.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import run_header

from omniroute.local.moto_server import MotoServer
from omniroute.local.stack import local_environment, prepare_tables
from solver.generate import generate_dataset

CHILD = r"""
import json, sys, time
begun, cpu = time.perf_counter(), time.process_time()
import importlib
module = importlib.import_module(sys.argv[1])
import_ms = (time.perf_counter() - begun) * 1000
import_cpu_ms = (time.process_time() - cpu) * 1000
import botocore.client
dynamodb_ms = [0.0]
original = botocore.client.BaseClient._make_api_call
def timed(self, operation, params):
    begun = time.perf_counter()
    try:
        return original(self, operation, params)
    finally:
        dynamodb_ms[0] += (time.perf_counter() - begun) * 1000
botocore.client.BaseClient._make_api_call = timed
from omniroute.local.events import LambdaContext, api_gateway_event
method, path, body = sys.argv[2], sys.argv[3], sys.argv[4].encode()
event = api_gateway_event(method, path, {"Content-Type": "application/json"}, body)
begun, cpu = time.perf_counter(), time.process_time()
reply = module.handler(event, LambdaContext())
first_ms = (time.perf_counter() - begun) * 1000
first_cpu_ms = (time.process_time() - cpu) * 1000
print(json.dumps({"import_ms": import_ms, "first_ms": first_ms,
                  "dynamodb_ms": dynamodb_ms[0], "status": reply["statusCode"],
                  "import_cpu_ms": import_cpu_ms, "first_cpu_ms": first_cpu_ms}))
"""

REQUESTS = {
    "orders": ("POST", "/v1/orders"),
    "inventory": ("GET", "/v1/inventory/{sku}"),
    "admin": ("GET", "/v1/nodes/{node_id}"),
    "docs": ("GET", "/openapi.json"),
}


def import_profile(env: dict[str, str], module: str, top: int = 10) -> list[tuple[float, str]]:
    """(ms, top-level package) under `python -X importtime`: each module's own import time
    summed per package, so the figures add up to the whole import."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    spent: dict[str, float] = {}
    for line in run.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| +(\S+)", line)
        if match:
            package = match.group(2).split(".")[0]
            spent[package] = spent.get(package, 0.0) + int(match.group(1)) / 1000
    return sorted(((ms, name) for name, ms in spent.items()), reverse=True)[:top]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--handler", choices=sorted(REQUESTS), default="orders")
    parser.add_argument("--module", help="module to import (default functions.handlers.HANDLER)")
    parser.add_argument("--stores", type=int, default=178)
    parser.add_argument("--dataset", type=Path)
    args = parser.parse_args()
    print(run_header())
    with tempfile.TemporaryDirectory() as tmp:
        dataset = args.dataset
        if dataset is None:
            dataset = Path(tmp) / "cold"
            generate_dataset(dataset, orders=args.repeats, stores=args.stores, skus=2000, seed=7)
        orders = [json.loads(line) for line in (dataset / "orders.jsonl").read_text().splitlines()]
        node_id = (dataset / "nodes.csv").read_text().splitlines()[1].split(",")[0]
        sku = (dataset / "skus.csv").read_text().splitlines()[1].split(",")[0]
        dynamodb = MotoServer().start()
        try:
            env = {
                **os.environ,
                **local_environment(dynamodb.url, "cold"),
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "POWERTOOLS_LOG_LEVEL": "ERROR",
            }
            os.environ.update(env)
            prepare_tables(dataset)
            module = args.module or f"functions.handlers.{args.handler}"
            method, path = REQUESTS[args.handler]
            path = path.replace("{sku}", sku).replace("{node_id}", node_id)
            runs = []
            for repeat in range(args.repeats):
                order = orders[repeat % len(orders)]
                body = (
                    json.dumps({**order, "order_id": f"cold-{repeat}"}) if method == "POST" else ""
                )
                started = time.perf_counter()
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, module, method, path, body],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                total_ms = (time.perf_counter() - started) * 1000
                runs.append(
                    {**json.loads(out.stdout.strip().splitlines()[-1]), "total_ms": total_ms}
                )
            profile = import_profile(env, module)
        finally:
            dynamodb.stop()
    print(f"handler {module}, first request {method} {path}; {args.repeats} fresh processes")
    print(f"statuses of the first requests: {sorted({r['status'] for r in runs})}")
    for key, label in (
        ("import_ms", "import of the handler module"),
        ("first_ms", "first request (handler call)"),
        ("dynamodb_ms", "  of which DynamoDB calls (moto)"),
        ("total_ms", "process: start to exit"),
        ("import_cpu_ms", "CPU time: the import"),
        ("first_cpu_ms", "CPU time: first request (client side)"),
    ):
        values = np.array([r[key] for r in runs])
        print(
            f"{label:<42} median {np.median(values):7.0f} ms  min {values.min():7.0f}  max {values.max():7.0f}"
        )
    cold = np.array([r["import_ms"] + r["first_ms"] for r in runs])
    print(
        f"{'cold start = import + first request':<42} median {np.median(cold):7.0f} ms  (target <= 1500 ms)"
    )
    cold_cpu = np.array([r["import_cpu_ms"] + r["first_cpu_ms"] for r in runs])
    print(f"{'cold start CPU = import + first request':<42} median {np.median(cold_cpu):7.0f} ms")
    print("import time by package (python -X importtime, own time of its modules, ms):")
    print("  " + ", ".join(f"{name} {ms:.0f}" for ms, name in profile))


if __name__ == "__main__":
    main()
