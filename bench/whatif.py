"""Benchmark: `omniroute whatif` with five scenarios over a generated multi-day dataset.

Usage: python bench/whatif.py [--orders 20000] [--stores 100] [--skus 2000] [--days 7]
                              [--time-limit 540] [--workers N] [--strategy optimal] [--runs 1]

The dataset (`tight`, seed 11) is generated into bench/data/ once. Its one day of orders is
spread over `--days` days and every daily limit scaled by 1/days (a base change), so each day
is as tight as the generator's single day. Scenarios: base, close the busiest warehouse,
same-day couriers at the 10 stores nearest New York, ground rates +8 %, demand ×1.2 with two
units of safety stock in every store. The command runs in a subprocess; its whole process
tree's resident memory is sampled from /proc every 0.2 s (peak of the sum). The report is then
opened in headless Chromium (Debian's, via playwright) three times; load time is
`loadEventEnd − navigationStart`, median of three. Results go to bench/results/whatif-*.json.
With `--runs 2` (or more) the same scenario file is run again, from scratch, and every KPI of
every scenario is compared with the first run's (solve times apart): the what-if is
deterministic when they are all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from machine import run_header

from solver.generate import generate_dataset

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

SCENARIOS = """\
base:
  dataset: {dataset}
  changes:
    - {{kind: spread_days, days: {days}, seed: 1}}
    - {{kind: set_capacity, node_kinds: [warehouse, store, dark_store, vendor], factor: {factor}}}
defaults:
  strategy: {strategy}
  time_limit: {time_limit}
scenarios:
  close-dc:
    description: the busiest distribution centre ({busiest}) closes
    changes:
      - {{kind: close_nodes, nodes: [{busiest}]}}
  same-day-10-stores:
    description: same-day couriers at the 10 stores nearest New York
    changes:
      - {{kind: same_day, enabled: true, node_kinds: [store], near: {{zip: "10001", radius_km: 500}}, nearest: 10, radius_km: 40}}
  ground-plus-8:
    description: ground rates +8 %
    changes:
      - {{kind: scale_rates, services: [ground], factor: 1.08}}
  peak-safety-2:
    description: demand x1.2 and two units of safety stock in every store
    changes:
      - {{kind: demand_volume, factor: 1.2, seed: 2}}
      - {{kind: stock, node_kinds: [store], safety_stock: 2}}
"""


def dataset(orders: int, stores: int, skus: int) -> Path:
    folder = HERE / "data" / f"whatif-{orders}-{stores}-{skus}"
    if not (folder / "orders.jsonl").exists():
        generate_dataset(folder, orders=orders, stores=stores, skus=skus, seed=11, tight=True)
    return folder


def busiest_warehouse(folder: Path) -> str:
    """The warehouse with the largest daily order capacity."""
    import csv

    with (folder / "nodes.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["kind"] == "warehouse"]
    return max(rows, key=lambda r: int(r["max_orders_per_day"] or 0))["node_id"]


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def run_whatif(scenario_file: Path, out: Path, workers: int | None) -> tuple[float, int, str]:
    cmd = [sys.executable, "-c", "from omniroute.cli import app; app()", "whatif"]
    cmd += [str(scenario_file), "--out", str(out)]
    if workers:
        cmd += ["--workers", str(workers)]
    started = time.monotonic()
    process = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"COLUMNS": "200"},
    )
    peak = 0
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True)
    reader.start()
    while process.poll() is None:
        peak = max(peak, tree_rss_bytes(process.pid))
        time.sleep(0.2)
    reader.join()
    seconds = time.monotonic() - started
    if process.returncode != 0:
        sys.exit(f"whatif failed ({process.returncode}):\n{''.join(output)}")
    return seconds, peak, "".join(output)


def check_every_day(scenario_file: Path, out: Path, document: dict) -> str:
    """Every daily plan file against its day (stock carried from the plans before it)."""
    from solver.checker import check_plan
    from solver.planfile import read_plan
    from solver.scenarios.preparing import load_base, prepare_scenarios
    from solver.scenarios.reading import read_scenario_file
    from solver.scenarios.running import replay_days

    spec, _ = read_scenario_file(scenario_file)
    assert spec is not None
    base, _ = load_base(spec, scenario_file)
    assert base is not None
    planned, _ = prepare_scenarios(spec, scenario_file, base)
    days = {s["name"]: [b["day"] for b in s["batches"]] for s in document["scenarios"]}
    problems = 0
    for scenario in planned:
        plans = []
        for day in days[scenario.name]:
            plan, errors = read_plan(out / "plans" / scenario.name / f"{day}.json")
            assert plan is not None, errors
            plans.append(plan)
        network = scenario.input.network()
        for dataset, plan in zip(
            replay_days(scenario.name, network, scenario.input.orders, plans), plans
        ):
            problems += len(check_plan(dataset, plan).violations)
    return "ok" if problems == 0 else f"{problems} violations"


def browser_load_ms(report: Path, times: int = 3) -> list[float]:
    """Load times of `report` in headless Chromium (needs `CHROMIUM`)."""
    from playwright.sync_api import sync_playwright

    loads = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(times):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri(), wait_until="load")
            loads.append(
                page.evaluate(
                    "() => performance.timing.loadEventEnd - performance.timing.navigationStart"
                )
            )
            page.close()
        browser.close()
    return loads


TIMINGS = ("solve_seconds",)


def kpi_differences(first: dict, other: dict) -> list[str]:
    """Every KPI (and cost range) of `other` that differs from `first`'s, timings apart."""
    found = []
    for a, b in zip(first["scenarios"], other["scenarios"], strict=True):
        for key, value in a["kpis"].items():
            if key not in TIMINGS and b["kpis"].get(key) != value:
                found.append(f"{a['name']}.{key}: {value} vs {b['kpis'].get(key)}")
        if a["cost_against_base"] != b["cost_against_base"]:
            found.append(f"{a['name']}.cost_against_base")
    return found


def against(found: dict) -> str:
    if found["relative"] is None or not found["delta"]:
        return ""
    shown = f"{100 * found['relative']:+.1f} %"
    if found["relative_low"] is None:
        return shown
    low, high = 100 * found["relative_low"], 100 * found["relative_high"]
    return f"{shown} ({low:+.1f} to {high:+.1f} %{'' if found['sign_proven'] else ', not proven'})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=540.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--strategy", default="optimal")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(run_header())
    folder = dataset(args.orders, args.stores, args.skus)
    stamp = int(time.time())
    out = HERE / "results" / f"whatif-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    scenario_file = out / "scenarios.yaml"
    scenario_file.write_text(
        SCENARIOS.format(
            dataset=folder.resolve(),
            days=args.days,
            factor=round(1 / args.days, 4),
            strategy=args.strategy,
            time_limit=args.time_limit,
            busiest=busiest_warehouse(folder),
        )
    )
    seconds, peak, output = run_whatif(scenario_file, out, args.workers)
    print(output[-6000:])
    print(f"run 1: {seconds:.1f} s, peak {peak / 2**20:.0f} MB", flush=True)
    first = json.loads((out / "kpis.json").read_text())
    for run in range(2, args.runs + 1):
        again = out / f"run-{run}"
        more_seconds, more_peak, _ = run_whatif(scenario_file, again, args.workers)
        document = json.loads((again / "kpis.json").read_text())
        differences = kpi_differences(first, document)
        print(
            f"run {run}: {more_seconds:.1f} s, peak {more_peak / 2**20:.0f} MB; KPIs "
            + ("identical to run 1" if not differences else f"differ: {differences[:10]}"),
            flush=True,
        )
    report = out / "report.html"
    loads = browser_load_ms(report) if Path(CHROMIUM).exists() else None  # None: no browser
    document = json.loads((out / "kpis.json").read_text())
    batches = [b for s in document["scenarios"] for b in s["batches"]]
    checker = check_every_day(scenario_file, out, document)
    result = {
        "command": " ".join(sys.argv),
        "orders": args.orders,
        "stores": args.stores,
        "days": args.days,
        "strategy": args.strategy,
        "time_limit": args.time_limit,
        "workers": document["workers"],
        "wall_seconds": round(seconds, 1),
        "peak_tree_rss_mb": round(peak / 2**20),
        "report_bytes": report.stat().st_size,
        "report_load_ms": loads,
        "checker": checker,
        "scenarios": [
            {
                "name": s["name"],
                "orders": s["kpis"]["orders"],
                "seconds": s["seconds"],
                "total_cost": round(s["kpis"]["total_cost"], 2),
                "bound": s["kpis"]["bound"],
                "gap": s["kpis"]["gap"],
                "time_limit_hit": s["kpis"]["time_limit_hit"],
                "work": s["kpis"]["work"],
                "against_base": s["cost_against_base"],
                "batch_seconds": [b["seconds"] for b in s["batches"]],
            }
            for s in document["scenarios"]
        ],
        "batch_seconds_median": statistics.median(b["seconds"] for b in batches),
        "batch_seconds_max": max(b["seconds"] for b in batches),
    }
    (out / "bench.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "scenarios"}, indent=1))
    print(
        "| scenario | orders | seconds | s/batch (median, max) | total cost | gap "
        "| vs base (proven range) | work | time limit hit |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for s in result["scenarios"]:
        gap = "—" if s["gap"] is None else f"{100 * s['gap']:.1f} %"
        print(
            f"| {s['name']} | {s['orders']:,} | {s['seconds']:.1f} | "
            f"{statistics.median(s['batch_seconds']):.1f}, {max(s['batch_seconds']):.1f} | "
            f"{s['total_cost']:,.2f} | {gap} | {against(s['against_base'])} | "
            f"{'—' if s['work'] is None else format(s['work'], '.3f')} | "
            f"{'yes' if s['time_limit_hit'] else 'no'} |"
        )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
