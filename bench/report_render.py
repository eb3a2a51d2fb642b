"""Benchmark: how big the what-if report is and how long a browser takes to draw it.

Usage: python bench/report_render.py [REPORT.html ...] [--loads 3]
       python bench/report_render.py --build [--orders 20000] [--stores 100] [--days 7]

With `--build`, it first makes the largest report the what-if benchmark makes (bench/whatif.py's
dataset and five scenarios, its one day of orders over `--days` days), planned with `nearest`
(the report's size depends on the network, days and flows, not on the strategy), and times the
Python side (`render_report`). Then it opens each report in headless Chromium (Debian's, via
playwright) `--loads` times and reports, per load: `rendered` = the time from navigation start
to the moment BokehJS says every chart is drawn (`Bokeh.documents[0].is_idle`), and the main
thread's busy time (Chrome's `TaskDuration`) and the CPU time the browser's processes used
(from /proc; it counts work, not waiting, so it hardly moves with the machine's load, while
the two wall-clock figures do). The budget is 5 MB and 2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from machine import run_header

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
RENDERED = """() => window.Bokeh ? Bokeh.documents.length === 1 && Bokeh.documents[0].is_idle
                 : document.readyState === "complete" """
"""Drawn: BokehJS is idle (a page without Bokeh, e.g. an older static report: loaded)."""


def descendants_cpu_seconds() -> float:
    """User + system CPU time of every process this one started (playwright's driver, the
    browser and its renderers), from /proc: work done, whatever else the machine runs."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [os.getpid()]
    while todo:
        pid = todo.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        total += sum(times[c] for c in children)
        todo += children
    return total


def rendered_ms(report: Path, loads: int = 3) -> list[tuple[float, float, float]]:
    """Per load of `report`: rendered ms since navigation start, main-thread busy ms, and the
    CPU ms the browser's processes used for the load."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(loads):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            cpu = descendants_cpu_seconds()
            page.goto(report.as_uri(), wait_until="load")
            page.wait_for_function(RENDERED, polling=10, timeout=60_000)
            cpu = descendants_cpu_seconds() - cpu
            at = page.evaluate("() => performance.now()")
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            out.append((at, 1000 * metrics["TaskDuration"], 1000 * cpu))
            page.close()
        browser.close()
    return out


def build_report(orders: int, stores: int, days: int) -> Path:
    """The what-if benchmark's scenarios with `nearest`; returns report.html's path."""
    from rich.console import Console
    from whatif import SCENARIOS, busiest_warehouse, dataset

    from omniroute.whatif import run_whatif, write_outputs
    from solver.report.page import render_report

    folder = dataset(orders, stores, 2000)
    out = Path(tempfile.mkdtemp(prefix="report-render-"))
    scenario_file = out / "scenarios.yaml"
    scenario_file.write_text(
        SCENARIOS.format(
            dataset=folder.resolve(),
            days=days,
            factor=round(1 / days, 4),
            strategy="nearest",
            time_limit=600,
            busiest=busiest_warehouse(folder),
        )
    )
    result = run_whatif(scenario_file, out, None, None, Console(quiet=True))
    started = time.perf_counter()
    render_report(result)
    print(f"render_report (Python): {time.perf_counter() - started:.2f} s")
    return write_outputs(result, out)["report.html"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("reports", nargs="*", type=Path)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--loads", type=int, default=3)
    args = parser.parse_args()
    print(run_header())
    reports = list(args.reports)
    if args.build:
        reports.append(build_report(args.orders, args.stores, args.days))
    if not reports:
        sys.exit("give a report.html, or --build")
    for report in reports:
        loads = rendered_ms(report, args.loads)
        drawn = ", ".join(f"{a:.0f}" for a, _, _ in loads)
        busy = ", ".join(f"{b:.0f}" for _, b, _ in loads)
        cpu = ", ".join(f"{c:.0f}" for _, _, c in loads)
        print(
            f"{report}: {report.stat().st_size:,} bytes; rendered at {drawn} ms "
            f"(median {statistics.median(a for a, _, _ in loads):.0f}); main thread busy "
            f"{busy} ms; browser CPU {cpu} ms"
        )


if __name__ == "__main__":
    main()
