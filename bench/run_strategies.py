"""Benchmark: every strategy on generated loose and tight datasets; cost, gap, time, memory.

Usage: python bench/run_strategies.py [--sizes 1000 10000 100000] [--modes tight loose]
Each run is a separate process (`bench/plan_once.py`) so peak memory is its own; the plan of
every run is verified with the checker. Ratios are within one run of this script.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from machine import run_header

from solver.generate import generate_dataset

HERE = Path(__file__).parent
SHAPES = {1000: (30, 500), 10000: (100, 2000), 100000: (200, 5000)}
OPTIMAL_LIMIT = {1000: 60, 10000: 300, 100000: 900}
STRATEGIES = ("nearest", "priority", "myopic", "optimal")


def dataset(size: int, mode: str) -> Path:
    stores, skus = SHAPES[size]
    folder = HERE / "data" / f"{mode}-{size}"
    if not (folder / "orders.jsonl").exists():
        generate_dataset(
            folder, orders=size, stores=stores, skus=skus, seed=11, tight=mode == "tight"
        )
    return folder


def run(folder: Path, strategy: str, limit: float | None) -> dict:
    cmd = [sys.executable, str(HERE / "plan_once.py"), str(folder), strategy]
    if limit is not None:
        cmd.append(str(limit))
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--modes", nargs="+", default=["tight", "loose"])
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    args = parser.parse_args()
    print(run_header())
    print(
        "| dataset | strategy | cost | vs nearest | vs myopic | bound | gap | time s | peak MB | checker |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for size in args.sizes:
        for mode in args.modes:
            folder = dataset(size, mode)
            row: dict[str, dict] = {}
            for strategy in args.strategies:
                limit = OPTIMAL_LIMIT[size] if strategy == "optimal" else None
                r = run(folder, strategy, limit)
                row[strategy] = r
                results.append(r)
                near = row.get("nearest", {}).get("total_cost")
                myo = row.get("myopic", {}).get("total_cost")
                cost = r["total_cost"]
                gap = f"{(cost - r['bound']) / cost:.2%}" if r["bound"] is not None else ""
                print(
                    f"| {mode}-{size} | {strategy} | {cost:,.2f} | {(cost / near - 1):+.1%} | "
                    if near
                    else f"| {mode}-{size} | {strategy} | {cost:,.2f} | | ",
                    end="",
                )
                print(
                    (f"{(cost / myo - 1):+.1%}" if myo else "")
                    + f" | {r['bound'] if r['bound'] is not None else ''} | {gap} | {r['seconds']} | "
                    f"{r['peak_mb']} | {'ok' if r['checker_ok'] else 'FAIL'} |",
                    flush=True,
                )
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / f"strategies-{int(time.time())}.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
