"""Benchmark: POST /v1/orders through the local stack (HTTP -> handler -> moto DynamoDB).

Usage: python bench/api_latency.py [--clients 8] [--orders 1500] [--stores 178] [--dataset DIR]

Starts `omniroute serve` as a subprocess on a generated dataset (178 stores = 200 nodes unless
--dataset), then sends every order of the dataset once (at most 10 lines each, unique ids, so
no idempotent replay answers from its cache) from CLIENTS concurrent clients, each on its own
keep-alive connection. Each order is sent once, against the stock the generator sized for the
dataset, so nothing needs restocking; the fill is reported. Then GET /v1/orders/{id} for the
same orders (a baseline: HTTP + handler + one DynamoDB read, in the same run). The solver's
share: `order_methods` + `solve_order` timed in this process for the same orders in the same
sequence on the loaded network, its median over the API's median.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from machine import run_header

from omniroute.local.moto_server import free_port
from solver.generate import generate_dataset
from solver.ledger import Ledger
from solver.loading import load_dataset
from solver.models import Order
from solver.order_solver import solve_order
from solver.pricing import order_methods

MAX_LINES = 10


def start_server(dataset: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = ["-c", "from omniroute.cli import app; app()", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    server = subprocess.Popen(
        [sys.executable, *command, "--dataset", str(dataset)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "POWERTOOLS_LOG_LEVEL": "ERROR"},
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"server exited: {server.stderr.read().decode() if server.stderr else ''}"
            )
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/openapi.json")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("server did not answer within 120 s")


def fire(
    port: int, clients: int, requests: list[tuple[str, str, bytes | None]]
) -> tuple[np.ndarray, float, list[tuple[int, Any]]]:
    """Send (method, path, body) requests from `clients` threads; latencies in ms, wall s."""
    work: queue.Queue[int] = queue.Queue()
    for index in range(len(requests)):
        work.put(index)
    latency = np.zeros(len(requests))
    replies: list[tuple[int, Any]] = [(0, None)] * len(requests)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json"}
        while True:
            try:
                index = work.get_nowait()
            except queue.Empty:
                break
            method, path, body = requests[index]
            started = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            latency[index] = (time.perf_counter() - started) * 1000
            replies[index] = (response.status, json.loads(payload) if payload else None)
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latency, time.perf_counter() - started, replies


def solver_times(dataset: Path, orders: list[Order]) -> np.ndarray:
    """order_methods + solve_order per order (ms), stock taken as the API takes it."""
    loaded = load_dataset(dataset).dataset
    assert loaded is not None
    network = loaded.network
    ledger = Ledger.fresh(network)
    times = []
    for order in orders:
        started = time.perf_counter()
        solution = solve_order(network, order, ledger, methods=order_methods(network, order))
        times.append((time.perf_counter() - started) * 1000)
        sku_by_line = {line.line_id: line.sku for line in order.lines}
        for chosen in solution.chosen:
            ledger.take(network, sku_by_line, chosen)
    return np.array(times)


def summary(name: str, ms: np.ndarray, wall: float | None = None) -> str:
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    text = f"{name:<34} n={len(ms):5d}  median {p50:7.2f} ms  p95 {p95:7.2f}  p99 {p99:7.2f}  max {ms.max():7.1f}"
    if wall is not None:
        text += f"  {len(ms) / wall:6.1f} req/s"
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--stores", type=int, default=178)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--dataset", type=Path, help="an existing dataset folder")
    parser.add_argument("--workers", type=int, default=4, help="omniroute serve --workers")
    args = parser.parse_args()
    print(run_header())
    with tempfile.TemporaryDirectory() as tmp:
        dataset = args.dataset
        if dataset is None:
            dataset = Path(tmp) / "api"
            generate_dataset(
                dataset, orders=args.orders, stores=args.stores, skus=2000, seed=args.seed
            )
        raw = [json.loads(line) for line in (dataset / "orders.jsonl").read_text().splitlines()]
        raw = [order for order in raw if len(order["lines"]) <= MAX_LINES]
        nodes = len((dataset / "nodes.csv").read_text().splitlines()) - 1
        lines = [len(order["lines"]) for order in raw]
        print(
            f"dataset: {nodes} nodes, {len(raw)} orders of <= {MAX_LINES} lines "
            f"(mean {np.mean(lines):.2f}, max {max(lines)}); {args.clients} clients; "
            f"omniroute serve --workers {args.workers}"
        )
        port = free_port()
        server = start_server(dataset, port, args.workers)
        try:
            warm = [
                (
                    "POST",
                    "/v1/orders",
                    json.dumps({**o, "order_id": f"warm-{o['order_id']}"}).encode(),
                )
                for o in raw[-args.warmup :]
            ]
            fire(port, args.clients, warm)
            # The measured orders are the others, in dataset order, each once.
            measured = raw[: len(raw) - args.warmup]
            posts = [("POST", "/v1/orders", json.dumps(o).encode()) for o in measured]
            post_ms, post_wall, replies = fire(port, args.clients, posts)
            gets = [("GET", f"/v1/orders/{o['order_id']}", None) for o in measured]
            get_ms, get_wall, _ = fire(port, args.clients, gets)
        finally:
            server.terminate()
            server.wait(timeout=30)
        statuses: dict[int, int] = {}
        unfilled = 0
        answers: dict[str, int] = {}
        for status, body in replies:
            statuses[status] = statuses.get(status, 0) + 1
            if status != 201:
                answer = f"{status} {body.get('code', '') if isinstance(body, dict) else ''}"
                answers[answer] = answers.get(answer, 0) + 1
            if status in (200, 201) and body.get("unfilled"):
                unfilled += 1
        solve_ms = solver_times(dataset, [Order.model_validate(o) for o in measured])
    print(f"POST statuses {dict(sorted(statuses.items()))}; orders with unfilled lines {unfilled}")
    print(f"answers other than 201 (status code): {dict(sorted(answers.items()))}")
    print(
        summary(
            "POST /v1/orders (HTTP, 8 clients)".replace("8", str(args.clients)), post_ms, post_wall
        )
    )
    print(summary("GET /v1/orders/{id} (baseline)", get_ms, get_wall))
    print(summary("solver alone (in process, serial)", solve_ms))
    post50 = float(np.median(post_ms))
    print(
        f"POST/GET median ratio {post50 / float(np.median(get_ms)):.2f}; solver share of the "
        f"POST median {float(np.median(solve_ms)) / post50:.1%} "
        f"(solver mean {solve_ms.mean():.2f} ms vs POST mean {post_ms.mean():.2f} ms: "
        f"{solve_ms.mean() / post_ms.mean():.1%})"
    )
    print("targets (issue 3): POST median <= 40 ms, p99 <= 150 ms at 8 concurrent clients")


if __name__ == "__main__":
    main()
