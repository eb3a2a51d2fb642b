"""Benchmark: one order through the `myopic` path (the API's), in process; and its import cost.

Usage: python bench/single_order.py [--orders 2000] [--stores 200]
Routes every order of a generated dataset (200 stores ≈ 225 nodes, ≤ 10 lines an order) alone
against full stock, timing `order_methods` + `solve_order` per order.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from solver.generate import generate_dataset
from solver.ledger import Ledger
from solver.loading import load_dataset
from solver.order_solver import ENUMERATION_LIMIT
from solver.order_solver import solve_order as _solve_order

PER_ORDER_IMPORTS = "import solver.order_solver, solver.order_mip, solver.pricing, solver.ledger"


def import_seconds(code: str, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--stores", type=int, default=200)
    args = parser.parse_args()
    print(
        f"# {' '.join(sys.argv)}  ({platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d')})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "latency"
        generate_dataset(
            folder, orders=args.orders, stores=args.stores, skus=2000, seed=5, tight=True
        )
        dataset = load_dataset(folder).dataset
    assert dataset is not None
    net = dataset.network
    ledger = Ledger.fresh(net)
    import solver.order_mip as order_mip

    fallbacks = 0
    real_mip = order_mip.solve_order_mip

    def counting_mip(*a, **k):  # type: ignore[no-untyped-def]
        nonlocal fallbacks
        fallbacks += 1
        return real_mip(*a, **k)

    order_mip.solve_order_mip = counting_mip
    for order in dataset.orders[:50]:  # warm-up
        _solve_order(net, order, ledger)
    fallbacks = 0
    times = []
    for order in dataset.orders:
        started = time.perf_counter()
        _solve_order(net, order, ledger)
        times.append((time.perf_counter() - started) * 1000)
    ms = np.array(times)
    lines = np.array([len(o.lines) for o in dataset.orders])
    print(
        f"nodes {len(net.nodes)}, orders {len(ms)}, lines per order max {lines.max()}, "
        f"mean {lines.mean():.2f}; enumeration limit {ENUMERATION_LIMIT}"
    )
    print(
        f"latency ms: median {np.median(ms):.2f}  p90 {np.percentile(ms, 90):.2f}  "
        f"p99 {np.percentile(ms, 99):.2f}  max {ms.max():.2f}"
    )
    print(f"orders settled by the exact MIP fallback: {fallbacks} ({fallbacks / len(ms):.1%})")
    base = import_seconds("pass")
    path = import_seconds(PER_ORDER_IMPORTS)
    print(
        f"import cost of the per-order path: {path - base:.3f} s "
        f"(interpreter alone {base:.3f} s, with imports {path:.3f} s; best of 5)"
    )


if __name__ == "__main__":
    main()
