"""One planning run in its own process: prints cost, bound, time and peak memory as JSON."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from solver.checker import check_plan
from solver.deadline import Deadline
from solver.loading import load_dataset
from solver.planning import plan_dataset


def main() -> None:
    folder, strategy = Path(sys.argv[1]), sys.argv[2]
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else None
    started = time.monotonic()
    deadline = Deadline(limit)
    dataset = load_dataset(folder).dataset
    assert dataset is not None, f"{folder} does not load"
    loaded = time.monotonic() - started

    def progress(message: str) -> None:  # the strategy's trace, on stderr
        print(f"{time.monotonic() - started:7.1f} {message}", file=sys.stderr, flush=True)

    plan = plan_dataset(
        dataset, strategy, Deadline(None if limit is None else deadline.left()), progress
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
                "checker_ok": report.ok,
                "notes": list(plan.notes),
            }
        )
    )


if __name__ == "__main__":
    main()
