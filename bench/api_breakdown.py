"""Benchmark: where one POST /v1/orders spends its time on the local stack, per DynamoDB call.

Usage: python bench/api_breakdown.py [--orders 60] [--stores 178]

Starts the local stack in this process (embedded moto DynamoDB over HTTP, 178 stores = 200
nodes, with the local stack's own speed-ups: omniroute/local/moto_transactions.py and
moto_json.py), then calls the orders handler directly with API Gateway events for ORDERS orders,
one at a time (the first 10 are a warm-up), timing every DynamoDB call by operation, and the
time the embedded server spends on them under its one-request-at-a-time lock
(omniroute/local/moto_server.py). That busy time bounds the local stack's throughput whatever
the number of clients: the server is one Python process, so its work runs on one core at a time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import botocore.client
from machine import run_header

from solver.generate import generate_dataset

WARM_UP = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--stores", type=int, default=178)
    args = parser.parse_args()
    print(run_header())
    calls: dict[str, list[float]] = defaultdict(list)
    busy_ms = [0.0]
    original_call = botocore.client.BaseClient._make_api_call

    def timed_call(self: Any, operation: str, params: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_call(self, operation, params)
        finally:
            calls[operation].append((time.perf_counter() - started) * 1000)

    botocore.client.BaseClient._make_api_call = timed_call  # type: ignore[method-assign]

    from omniroute.local import moto_server

    serialised = moto_server._SerialisedApp.__call__

    def timed_app(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            started = time.perf_counter()
            try:
                return iter(list(self.app(environ, start_response)))
            finally:
                busy_ms[0] += (time.perf_counter() - started) * 1000

    assert serialised is not None
    moto_server._SerialisedApp.__call__ = timed_app  # type: ignore[method-assign]

    from omniroute.local.events import LambdaContext, api_gateway_event
    from omniroute.local.stack import start_local_stack

    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "breakdown"
        generate_dataset(dataset, orders=args.orders, stores=args.stores, skus=2000, seed=7)
        stack = start_local_stack(dataset=dataset)
        try:
            from functions.handlers.orders import build_handler

            handler = build_handler()
            orders = [
                json.loads(line) for line in (dataset / "orders.jsonl").read_text().splitlines()
            ]
            headers = {"Content-Type": "application/json"}
            measured = 0
            elapsed = 0.0
            for index, order in enumerate(orders):
                if index == WARM_UP:
                    calls.clear()
                    busy_ms[0] = 0.0
                event = api_gateway_event("POST", "/v1/orders", headers, json.dumps(order).encode())
                started = time.perf_counter()
                reply = handler(event, LambdaContext())
                if index >= WARM_UP:
                    elapsed += time.perf_counter() - started
                    measured += 1
                assert reply["statusCode"] < 500, reply
        finally:
            stack.stop()
    per_order = elapsed / measured * 1000
    print(f"{measured} orders, one at a time: {per_order:.1f} ms per order (handler call)")
    for operation, times in sorted(calls.items(), key=lambda kv: -sum(kv[1])):
        ordered = sorted(times)
        print(
            f"  {operation:<20} {len(times) / measured:5.2f} calls/order  median "
            f"{ordered[len(ordered) // 2]:7.1f} ms  {sum(times) / measured:7.1f} ms/order"
        )
    dynamodb = sum(sum(times) for times in calls.values()) / measured
    print(
        f"  all DynamoDB calls  {dynamodb:7.1f} ms/order; the rest (handler, solver) {per_order - dynamodb:.1f} ms/order"
    )
    busy = busy_ms[0] / measured
    print(
        f"  the embedded DynamoDB busy on them (under its lock): {busy:.1f} ms/order, so at most "
        f"{1000 / busy:.0f} orders/s through the local stack; 8 clients each waiting for its "
        f"answer then wait {8 * busy:.0f} ms an order or more on average (Little's law)"
    )


if __name__ == "__main__":
    main()
