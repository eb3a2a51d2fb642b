"""How well `optimal`'s work estimates track time: seconds per work unit, step by step.

Usage: python bench/calibrate_work.py DATASET [TIME_LIMIT_SECONDS [WORK_UNITS [replan]]]
Plans DATASET with `optimal` (WORK_UNITS, by default what the time limit buys; with `replan`,
re-plans every order against its `myopic` allocation, spec §7, with the dataset's move
penalties, as the scheduled re-optimisation does) and prints, for
each stretch between two progress events, the work units it was charged, the wall-clock and CPU
seconds it took (CPU of this process, which includes SCIP's threads but not the second process),
and their ratio. On the reference
machine (quiet) every ratio should be near 1; `solver/strategies/work.py` holds the constants.
Run it on a quiet machine: load inflates the seconds, not the work.
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

from machine import run_header

from solver.current_reading import read_current
from solver.deadline import Deadline
from solver.loading import load_dataset
from solver.network import Dataset
from solver.planning import ProgressEvent, plan_dataset, search_work


def main() -> None:
    folder = Path(sys.argv[1])
    limit = float(sys.argv[2]) if len(sys.argv) > 2 else None
    print(run_header())
    dataset = load_dataset(folder).dataset
    assert dataset is not None, f"{folder} does not load"
    work = float(sys.argv[3]) if len(sys.argv) > 3 else search_work(limit, len(dataset.orders))
    if len(sys.argv) > 4 and sys.argv[4] == "replan":
        held, problems = read_current(
            dataset.network, dataset.orders, plan_dataset(dataset, "myopic").orders
        )
        assert held is not None, problems
        dataset = Dataset(dataset.name, dataset.network.with_current(held), dataset.orders)
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    last = {"wall": time.monotonic(), "cpu": time.process_time(), "work": 0.0, "step": "start"}

    def listen(event: ProgressEvent) -> None:
        wall, cpu = time.monotonic(), time.process_time()
        step = event.detail.split(":")[0].split(" (")[0] if event.detail else event.phase
        if event.detail or event.phase == "done":
            units = event.work - last["work"]
            seconds, cpu_seconds = wall - float(last["wall"]), cpu - float(last["cpu"])
            key = f"{event.phase}/{step.split(' ')[0]}"
            for k, v in enumerate((units, seconds, cpu_seconds)):
                totals[key][k] += v
            ratio = seconds / units if units > 1e-9 else float("nan")
            print(
                f"{event.phase:8} {step[:44]:44} work {units:8.2f}  wall {seconds:7.2f} s  "
                f"cpu {cpu_seconds:7.2f} s  wall/work {ratio:5.2f}",
                flush=True,
            )
            last.update(wall=wall, cpu=cpu, work=event.work)

    started = time.monotonic()
    plan = plan_dataset(dataset, "optimal", Deadline(limit), listen, work=work)
    print(f"budget {work} units, spent {plan.work}, {time.monotonic() - started:.1f} s wall")
    print(f"time limit hit: {plan.time_limit_hit}; cost {plan.total_cost:,.2f} bound {plan.bound}")
    print("by step: work, wall s, cpu s (main process), wall/work")
    for key, (units, seconds, cpu_seconds) in totals.items():
        ratio = seconds / units if units > 1e-9 else float("nan")
        print(f"  {key:24} {units:8.2f} {seconds:8.2f} {cpu_seconds:8.2f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
