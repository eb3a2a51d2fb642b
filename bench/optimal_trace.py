"""Trace one `optimal` run: every column-generation round, the bound, and how the plan was made.

Usage: python bench/optimal_trace.py DATASET [TIME_LIMIT_SECONDS [WORK_UNITS]]
Prints the strategy's progress lines with the seconds since start and the work units spent,
then the cost, bound, gap, notes and peak memory of this process. WORK_UNITS (default: what
the time limit buys, as `omniroute plan --time-limit` gives) decides the search; with a time
limit well above it, the plan and bound are what a quiet reference machine gives, at any load.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from machine import run_header

from solver.deadline import Deadline
from solver.loading import load_dataset
from solver.planning import ProgressEvent, plan_dataset, search_work


def main() -> None:
    folder = Path(sys.argv[1])
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else None
    print(run_header())
    started = time.monotonic()
    dataset = load_dataset(folder).dataset
    assert dataset is not None, f"{folder} does not load"
    deadline = Deadline(None if limit is None else limit - (time.monotonic() - started))

    def say(event: ProgressEvent) -> None:
        if event.detail:
            print(f"{time.monotonic() - started:7.1f} {event.work:7.1f} {event.detail}", flush=True)

    given = float(sys.argv[3]) if len(sys.argv) > 3 else None
    work = search_work(limit, len(dataset.orders)) if given is None else given
    plan = plan_dataset(dataset, "optimal", deadline, say, work)
    gap = (plan.total_cost - plan.bound) / plan.total_cost if plan.bound else None
    print(
        f"cost {plan.total_cost:,.2f}  bound {plan.bound}  gap {gap:.2%}"
        if gap is not None
        else f"cost {plan.total_cost:,.2f}  bound none"
    )
    print(f"notes: {'; '.join(plan.notes)}")
    print(f"work {plan.work} units; time limit hit: {plan.time_limit_hit}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"seconds {time.monotonic() - started:.1f}  peak MB {peak:.0f}")


if __name__ == "__main__":
    main()
