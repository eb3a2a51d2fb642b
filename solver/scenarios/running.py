"""Run one scenario: plan its daily batches in sequence, then measure the whole run.

Planning goes through `solver.planning.plan_dataset` (the strategies) and the KPIs through
`solver.kpis.plan_kpis`: nothing here prices or counts on its own.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from solver.current import CurrentAllocation
from solver.deadline import Deadline
from solver.kpis import Kpis, plan_kpis
from solver.models import Order, Plan
from solver.network import Dataset, Network
from solver.planning import Progress, plan_dataset, search_work
from solver.scenarios.batching import DayBatch, carry_stock, daily_batches, period_network
from solver.scenarios.outages import Outage, offline, plan_outage_day, union

MIN_BATCH_SECONDS = 2.0
"""No batch gets less time than this, whatever the budget (the baselines need a moment)."""
DAY_WORK_PER_SECOND = 0.55
"""Work units a second of a day's share of the time limit buys (`plan` takes
`solver.deadline.WORK_PER_SECOND`, 0.85). A what-if plans one scenario a worker, a worker a
core, with no second process (`Budget.shared_passes`), and the work model undercharges its days:
on day 1 of the what-if benchmark (2,899 orders, `bench/calibrate_work.py`) a priced pass took
4.3 to 8.6 CPU s against 3.02 units for the whole pass, and re-planning every order one by one
2.9 CPU s against 1.4. At this rate the first days of base, close-dc and peak-safety-2 spend
9.4 to 12.2 units in 9 to 12 CPU s of their 20.6 to 24.9 s shares, so the budget, not the
clock, ends a day's search and two runs plan alike (BENCHMARKS.md, "Session 4")."""

OnBatch = Callable[[int, int, "BatchRun"], None]
"""Called after each batch with (batches done, batches in all, the batch)."""


@dataclass(frozen=True)
class BatchRun:
    day: str
    orders: int
    seconds: float
    total_cost: float
    plan: Plan
    current: CurrentAllocation | None = None
    """What the day's orders held when an outage re-planned them (spec §7), else None."""


@dataclass(frozen=True)
class ScenarioRun:
    name: str
    strategy: str
    batches: tuple[BatchRun, ...]
    dataset: Dataset
    """The scenario's network on its first day, with every order of the run."""
    kpis: Kpis

    @property
    def plans(self) -> tuple[Plan, ...]:
        return tuple(b.plan for b in self.batches)


def batch_seconds(orders: int, seconds_per_order: float | None) -> float | None:
    if seconds_per_order is None:
        return None
    return max(MIN_BATCH_SECONDS, orders * seconds_per_order)


def day_work(orders: int, seconds_per_order: float | None) -> float | None:
    """The work budget of a day of `orders` orders: its share of the time limit at
    `DAY_WORK_PER_SECOND` (None: no limit). Nominal figures only, so the same anywhere."""
    seconds = batch_seconds(orders, seconds_per_order)
    return search_work(seconds, orders, DAY_WORK_PER_SECOND)


def plan_batch(
    name: str,
    network: Network,
    batch: DayBatch,
    strategy: str,
    seconds_per_order: float | None = None,
    progress: Progress | None = None,
    spare_seconds: float = 0.0,
) -> BatchRun:
    """Plan one day on `network` (the stock the days before it left, fresh capacity) with the
    work of `day_work`, capped at the day's share of the time limit plus `spare_seconds` (what
    the days before it left of theirs): the cap only stops a search that overruns."""
    day_set = Dataset(name=f"{name}/{batch.day}", network=network, orders=batch.orders)
    started = time.monotonic()
    seconds = batch_seconds(len(batch.orders), seconds_per_order)
    deadline = Deadline(None if seconds is None else seconds + spare_seconds)
    work = day_work(len(batch.orders), seconds_per_order)
    plan = plan_dataset(day_set, strategy, deadline, progress, work=work, shared_passes=False)
    return BatchRun(batch.day, len(batch.orders), time.monotonic() - started, plan.total_cost, plan)


def plan_batches(
    name: str,
    network: Network,
    orders: Sequence[Order],
    strategy: str,
    seconds_per_order: float | None = None,
    on_batch: OnBatch | None = None,
    progress: Progress | None = None,
    outages: Sequence[Outage] = (),
) -> list[BatchRun]:
    """Plan each day with fresh capacity and the stock the previous day left; a day with an
    outage re-plans the orders routed before it (`outages.py`)."""
    batches = daily_batches(orders)
    runs: list[BatchRun] = []
    days = outage_days(batches, outages)
    started, shares = time.monotonic(), 0.0
    for done, (batch, day) in enumerate(zip(batches, days, strict=True), start=1):
        spare = max(0.0, shares - (time.monotonic() - started))
        run, network = plan_scenario_day(
            name, network, batch, strategy, day, seconds_per_order, progress, spare
        )
        shares += batch_seconds(len(batch.orders), seconds_per_order) or 0.0
        runs.append(run)
        if on_batch is not None:
            on_batch(done, len(batches), run)
        network = carry_stock(network, run.plan)
    return runs


@dataclass(frozen=True)
class DayOutages:
    """What the outages of a run mean for one of its days."""

    offline: tuple[str, ...] = ()
    """Nodes offline from before the day's first order (the outages of earlier days)."""
    outage: Outage | None = None
    """The outage part-way through this day, if any."""


def outage_days(batches: Sequence[DayBatch], outages: Sequence[Outage]) -> list[DayOutages]:
    """Per day of the run, in order: the nodes offline when it starts and its outage. An
    outage on a day without orders closes its nodes from the next day with orders; of two
    outages on one day, the later one does from the next day."""
    pending = sorted(outages, key=lambda o: o.at)
    closed: list[str] = []
    days = []
    for batch in batches:
        while pending and pending[0].day < batch.day:  # before the day's first order
            closed += [n for n in pending.pop(0).node_ids if n not in closed]
        during = pending.pop(0) if pending and pending[0].day == batch.day else None
        days.append(DayOutages(tuple(closed), during))
        if during is not None:
            closed += [n for n in during.node_ids if n not in closed]
    return days


def plan_scenario_day(
    name: str,
    network: Network,
    batch: DayBatch,
    strategy: str,
    day: DayOutages,
    seconds_per_order: float | None = None,
    progress: Progress | None = None,
    spare_seconds: float = 0.0,
) -> tuple[BatchRun, Network]:
    """Plan one day of a run on `network` (the stock the days before it left) with the nodes
    of `day` offline; and the network the day ends on (its outage's nodes offline too; the
    caller takes the day's shipments out of its stock, `carry_stock`). `spare_seconds`: see
    `plan_batch` (a day with an outage has its share only)."""
    if day.offline:
        network = offline(network, day.offline)
    if day.outage is not None:
        return plan_outage_batch(
            name, network, batch, strategy, day.outage, seconds_per_order, progress
        )
    run = plan_batch(name, network, batch, strategy, seconds_per_order, progress, spare_seconds)
    return run, network


def plan_outage_batch(
    name: str,
    network: Network,
    batch: DayBatch,
    strategy: str,
    outage: Outage,
    seconds_per_order: float | None = None,
    progress: Progress | None = None,
) -> tuple[BatchRun, Network]:
    """Plan a day with an outage (see `outages.plan_outage_day`); and the network after it."""
    seconds = batch_seconds(len(batch.orders), seconds_per_order)
    day = plan_outage_day(
        f"{name}/{batch.day}", network, batch.orders, strategy, outage, seconds, progress
    )
    run = BatchRun(
        batch.day, len(batch.orders), day.seconds, day.plan.total_cost, day.plan, day.current
    )
    return run, day.network


def replay_days(
    name: str, network: Network, orders: Sequence[Order], plans: Sequence[Plan]
) -> list[Dataset]:
    """The dataset each daily plan was made for, rebuilt from the plans of the days before it
    (so `check_plan(dataset, plan)` can verify a run from its plan files)."""
    datasets = []
    for batch, plan in zip(daily_batches(orders), plans, strict=True):
        datasets.append(Dataset(name=f"{name}/{batch.day}", network=network, orders=batch.orders))
        network = carry_stock(network, plan)
    return datasets


def combine_plans(name: str, strategy: str, plans: Sequence[Plan]) -> Plan:
    """The plans of a run's days as one plan (costs add up; notes name the day).

    The bound is the sum of the days' bounds. Each day's bound holds for that day given the
    stock the earlier days' plans left, so the sum bounds any run that keeps those earlier
    days' decisions, not the best possible run over all days."""
    bounds = [p.bound for p in plans]
    moves = sum(p.move_cost or 0.0 for p in plans)
    return Plan(
        dataset=name,
        strategy=strategy,
        total_cost=round(sum(p.total_cost for p in plans), 2),
        bound=None if any(b is None for b in bounds) else sum(b or 0.0 for b in bounds),
        orders=tuple(o for p in plans for o in p.orders),
        solve_seconds=sum(p.solve_seconds or 0.0 for p in plans),
        notes=tuple(f"{p.dataset}: {note}" for p in plans for note in p.notes),
        move_cost=None if all(p.move_cost is None for p in plans) else round(moves, 2),
        work=None if any(p.work is None for p in plans) else sum(p.work or 0.0 for p in plans),
        time_limit_hit=any(p.time_limit_hit for p in plans),
    )


def run_scenario(
    name: str,
    network: Network,
    orders: Sequence[Order],
    strategy: str,
    seconds_per_order: float | None = None,
    on_batch: OnBatch | None = None,
    progress: Progress | None = None,
    outages: Sequence[Outage] = (),
) -> ScenarioRun:
    """Plan every day of the scenario and the KPIs of the whole run.

    Node utilisation is measured against the capacity of all the run's days together."""
    batches = plan_batches(
        name, network, orders, strategy, seconds_per_order, on_batch, progress, outages
    )
    return measure_run(name, network, orders, strategy, batches)


def measure_run(
    name: str,
    network: Network,
    orders: Sequence[Order],
    strategy: str,
    batches: Sequence[BatchRun],
) -> ScenarioRun:
    """The run of planned daily batches (`network` is the first day's) with its KPIs; for
    callers that plan the days one at a time elsewhere (the scenario API's Lambda worker).

    Days re-planned after an outage are priced with their move penalties (spec §7): the KPIs'
    network carries what their orders held."""
    combined = combine_plans(name, strategy, [b.plan for b in batches])
    dataset = Dataset(name=name, network=network, orders=tuple(orders))
    held = union([b.current for b in batches if b.current is not None])
    whole = period_network(network, max(1, len(batches))).with_current(held)
    period = Dataset(name, whole, dataset.orders)
    return ScenarioRun(name, strategy, tuple(batches), dataset, plan_kpis(period, combined))


def seconds_per_order(budget: float, orders_per_job: Sequence[int], workers: int) -> float:
    """The solving time per order that lets `workers` finish every job within `budget`.

    Jobs (scenarios) are independent and run whole on one worker each, biggest first, as a
    process pool hands them out; the busiest worker sets the pace."""
    loads = [0] * max(1, workers)
    for size in sorted(orders_per_job, reverse=True):
        heapq.heapreplace(loads, loads[0] + size)
    busiest = max(loads)
    return budget / busiest if busiest else budget
