"""Benchmark: where one POST /v1/orders spends its time on the local stack, per DynamoDB call.

Usage: python bench/api_breakdown.py [--orders 60] [--stores 178] [--without-moto-table-backups]

Starts the local stack in this process (embedded moto DynamoDB over HTTP, 178 stores = 200
nodes), then calls the routing handler directly with API Gateway events for ORDERS orders, one
at a time (the first 10 are a warm-up), timing every DynamoDB call by operation and moto's
`copy.deepcopy`. moto's `transact_write_items` deep-copies the whole table of each item in the
transaction (its rollback copy); `--without-moto-table-backups` skips those copies to show what
an embedded server that snapshots only the touched items would cost. That flag is for this
measurement only: without the copies a failed transaction is not rolled back.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
import types
from collections import defaultdict
from pathlib import Path
from typing import Any

import botocore.client
import moto.dynamodb.models as moto_dynamodb
from machine import run_header

from solver.generate import generate_dataset

WARM_UP = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--stores", type=int, default=178)
    parser.add_argument("--without-moto-table-backups", action="store_true")
    args = parser.parse_args()
    print(run_header())
    calls: dict[str, list[float]] = defaultdict(list)
    deepcopy_ms = [0.0]
    original_call = botocore.client.BaseClient._make_api_call

    def timed_call(self: Any, operation: str, params: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_call(self, operation, params)
        finally:
            calls[operation].append((time.perf_counter() - started) * 1000)

    def timed_deepcopy(value: Any, memo: Any = None) -> Any:
        if args.without_moto_table_backups and isinstance(value, moto_dynamodb.Table):
            return value
        started = time.perf_counter()
        try:
            return copy.deepcopy(value, memo)
        finally:
            deepcopy_ms[0] += (time.perf_counter() - started) * 1000

    botocore.client.BaseClient._make_api_call = timed_call  # type: ignore[method-assign]
    moto_dynamodb.copy = types.SimpleNamespace(deepcopy=timed_deepcopy, copy=copy.copy)  # type: ignore[attr-defined]

    from omniroute.serve import LambdaContext, api_gateway_event, start_local_stack

    with tempfile.TemporaryDirectory() as tmp:
        dataset = Path(tmp) / "breakdown"
        generate_dataset(dataset, orders=args.orders, stores=args.stores, skus=2000, seed=7)
        stack = start_local_stack(dataset=dataset)
        try:
            from functions.handlers.routing import build_handler

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
                    deepcopy_ms[0] = 0.0
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
    print(f"  of which moto's deepcopy: {deepcopy_ms[0] / measured:.1f} ms/order")


if __name__ == "__main__":
    main()
