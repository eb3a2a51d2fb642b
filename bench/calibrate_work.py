"""How well `optimal`'s work estimates track time: seconds per work unit, step by step.

Usage: python bench/calibrate_work.py DATASET [TIME_LIMIT_SECONDS [WORK_UNITS [replan]]]
       python bench/calibrate_work.py SCENARIOS.yaml [SCENARIO [DAY [WORK_UNITS]]]
Plans DATASET with `optimal` (WORK_UNITS, by default what the time limit buys; with `replan`,
re-plans every order against its `myopic` allocation, spec §7, with the dataset's move
penalties, as the scheduled re-optimisation does), or, given a scenario file, one day of one
scenario (by default the base's first day) with the time limit and work budget
`omniroute whatif` gives that day on 2 workers (with WORK_UNITS, that budget and ten times the
time limit), and prints, for
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


def whatif_day(
    file: Path, scenario: str | None, day: int
) -> tuple[Dataset, float | None, float | None]:
    """Day `day` (1: the first) of `scenario` in a scenario file, the stock of the days before
    it carried (they are planned first, as the what-if plans them), its time limit and work."""
    from omniroute.whatif import REFERENCE_WORKERS, check_file, solve_seconds
    from solver.scenarios.batching import carry_stock, daily_batches
    from solver.scenarios.preparing import load_base, prepare_scenarios
    from solver.scenarios.running import batch_seconds, day_work, plan_batch

    spec, sizes, errors = check_file(file)
    assert spec is not None, errors
    base, _ = load_base(spec, file)
    assert base is not None
    name = scenario or spec.base.name
    planned, problems = prepare_scenarios(spec, file, base, only=name)
    assert planned, problems
    limit = spec.defaults.time_limit
    per_order = None if limit is None else solve_seconds(limit, sizes, REFERENCE_WORKERS)
    network = planned[0].input.network()
    batches = daily_batches(planned[0].input.orders)
    for batch in batches[: day - 1]:
        network = carry_stock(network, plan_batch(name, network, batch, "optimal", per_order).plan)
    batch = batches[day - 1]
    seconds = batch_seconds(len(batch.orders), per_order)
    work = day_work(len(batch.orders), per_order)
    print(
        f"{name} day {batch.day}: {len(batch.orders)} orders, time limit {seconds} s, work {work}"
    )
    return Dataset(f"{name}/{batch.day}", network, batch.orders), seconds, work


def main() -> None:
    print(run_header())
    whatif = sys.argv[1].endswith((".yaml", ".yml"))
    if whatif:
        scenario = sys.argv[2] if len(sys.argv) > 2 else None
        day = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        dataset, limit, given = whatif_day(Path(sys.argv[1]), scenario, day)
        if len(sys.argv) > 4:
            given = float(sys.argv[4])
            if limit is not None:  # a budget of one's own: the cap stays out of it
                limit *= 10
    else:
        folder = Path(sys.argv[1])
        limit = float(sys.argv[2]) if len(sys.argv) > 2 else None
        loaded = load_dataset(folder).dataset
        assert loaded is not None, f"{folder} does not load"
        dataset = loaded
        given = float(sys.argv[3]) if len(sys.argv) > 3 else None
    work = given if given is not None else search_work(limit, len(dataset.orders))
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
    # A what-if's day is planned as its worker plans it: no second process, passes whole.
    plan = plan_dataset(
        dataset, "optimal", Deadline(limit), listen, work=work, shared_passes=not whatif
    )
    print(f"budget {work} units, spent {plan.work}, {time.monotonic() - started:.1f} s wall")
    print(f"time limit hit: {plan.time_limit_hit}; cost {plan.total_cost:,.2f} bound {plan.bound}")
    print("by step: work, wall s, cpu s (main process), wall/work")
    for key, (units, seconds, cpu_seconds) in totals.items():
        ratio = seconds / units if units > 1e-9 else float("nan")
        print(f"  {key:24} {units:8.2f} {seconds:8.2f} {cpu_seconds:8.2f} {ratio:6.2f}")


if __name__ == "__main__":
    main()
