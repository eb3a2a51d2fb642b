"""One planning run in its own process: prints cost, bound, time and peak memory as JSON.

Usage: python bench/plan_once.py DATASET STRATEGY [TIME_LIMIT_SECONDS [WORK_UNITS]]
The search gets WORK_UNITS (default: what the time limit buys, as `omniroute plan` gives it)
and the time limit caps the whole run, reading included. Progress goes to stderr.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from solver.checker import check_plan
from solver.deadline import Deadline
from solver.loading import load_dataset
from solver.planning import ProgressEvent, plan_dataset, search_work


def main() -> None:
    folder, strategy = Path(sys.argv[1]), sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else None
    work = float(sys.argv[4]) if len(sys.argv) > 4 else None
    started = time.monotonic()
    load = os.getloadavg()[0]
    deadline = Deadline(limit)
    dataset = load_dataset(folder).dataset
    assert dataset is not None, f"{folder} does not load"
    loaded = time.monotonic() - started

    def progress(event: ProgressEvent) -> None:  # the strategy's trace, on stderr
        if event.detail:
            line = f"{time.monotonic() - started:7.1f} {event.work:7.1f} {event.detail}"
            print(line, file=sys.stderr, flush=True)

    if work is None:
        work = search_work(limit, len(dataset.orders))
    plan = plan_dataset(
        dataset, strategy, Deadline(None if limit is None else deadline.left()), progress, work
    )
    seconds = time.monotonic() - started
    report = check_plan(dataset, plan)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "dataset": folder.name,
                "strategy": strategy,
                "orders": len(dataset.orders),
                "total_cost": plan.total_cost,
                "bound": plan.bound,
                "seconds": round(seconds, 2),
                "load_seconds": round(loaded, 2),
                "solve_seconds": plan.solve_seconds,
                "peak_mb": round(peak_mb),
                "load_average_at_start": round(load, 1),
                "work": plan.work,
                "time_limit_hit": plan.time_limit_hit,
                "checker_ok": report.ok,
                "notes": list(plan.notes),
            }
        )
    )


if __name__ == "__main__":
    main()
