"""`omniroute whatif`: run the base and every scenario of a scenario file on all cores.

Scenarios are independent, so each is one job of a process pool; inside a job the days run in
sequence (stock carries over, `solver/scenarios/batching.py`). Each job re-reads the scenario
file and the base dataset (cached once per worker process), so nothing large crosses process
boundaries: a job returns a small `ScenarioOutcome` and writes its own plan files.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Empty
from typing import Any

from rich.console import Console

from omniroute.progress_display import ProgressBoard
from solver.files import write_text_atomic
from solver.planfile import write_plan
from solver.scenarios.batching import daily_batches
from solver.scenarios.changes import ScenarioInput
from solver.scenarios.errors import ScenarioError
from solver.scenarios.models import ScenarioFile
from solver.scenarios.outcome import ScenarioOutcome, summarise
from solver.scenarios.preparing import (
    base_paths,
    check_scenario_file,
    load_base,
    prepare_scenarios,
)
from solver.scenarios.reading import read_scenario_file
from solver.scenarios.results import WhatifResult, kpis_csv, kpis_document
from solver.scenarios.running import BatchRun, run_scenario, seconds_per_order
from solver.strategies.progress import Progress, ProgressEvent

SOLVE_SHARE = 0.8
"""Share of the time limit given to solving; the rest is loading, KPIs and the report."""
FIXED_OVERHEAD_SECONDS = 5.0
PLANS_DIR = "plans"
REFERENCE_WORKERS = 2
"""The workers the time limit is shared out for when `--workers` is not given: the reference
machine's cores, not this machine's, so that the same file gives the same plans anywhere
(more cores then only finish sooner; fewer may reach the time limit, which the plans note)."""
EVENTS_EVERY_SECONDS = 0.5
"""A worker sends the parent at most one progress event this often (and every new phase)."""


@dataclass(frozen=True)
class Job:
    file: Path
    name: str
    out_dir: Path
    seconds_per_order: float | None


class WhatifFailed(RuntimeError):
    """A scenario could not be run (bad input is reported before anything runs)."""


# --------------------------------------------------------------------------- checking


def check_file(file: Path) -> tuple[ScenarioFile | None, dict[str, tuple[int, int]], list[str]]:
    """Read and dry-run the file: the spec, (orders, days) per scenario, or every error."""
    spec, planned, errors = check_scenario_file(file)
    if spec is None:
        return None, {}, [str(e) for e in errors]
    sizes = {p.name: (len(p.input.orders), len(daily_batches(p.input.orders))) for p in planned}
    return spec, sizes, []


# --------------------------------------------------------------------------- the worker side

_BASES: dict[tuple[Path, Path | None], ScenarioInput] = {}


def _base_of(spec: ScenarioFile, file: Path) -> ScenarioInput:
    key = base_paths(spec, file)
    if key not in _BASES:
        base, errors = load_base(spec, file)
        if base is None:
            raise WhatifFailed("; ".join(str(e) for e in errors))
        _BASES[key] = base
    return _BASES[key]


def plan_path(out_dir: Path, scenario: str, day: str) -> Path:
    return out_dir / PLANS_DIR / scenario / f"{day}.json"


def run_job(
    job: Job,
    report: Callable[[str, int, int, BatchRun], None],
    progress: Progress | None = None,
) -> ScenarioOutcome:
    """Plan one scenario, writing each day's plan as it is made."""
    spec, errors = read_scenario_file(job.file)
    if spec is None:
        raise WhatifFailed("; ".join(str(e) for e in errors))
    planned, problems = prepare_scenarios(spec, job.file, _base_of(spec, job.file), only=job.name)
    if not planned:
        raise WhatifFailed("; ".join(str(e) for e in problems) or f"no scenario {job.name!r}")
    scenario = planned[0]

    def on_batch(done: int, total: int, batch: BatchRun) -> None:
        write_plan(batch.plan, plan_path(job.out_dir, job.name, batch.day))
        report(job.name, done, total, batch)

    run = run_scenario(
        job.name,
        scenario.input.network(),
        scenario.input.orders,
        scenario.strategy,
        job.seconds_per_order,
        on_batch,
        progress,
        outages=scenario.input.outages,
    )
    return summarise(run, scenario.description)


class _Throttled:
    """Pass on an event when its phase changes, else at most every `EVENTS_EVERY_SECONDS`."""

    def __init__(self, send: Progress) -> None:
        self._send = send
        self._phase = ""
        self._sent_at = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.phase != self._phase or now - self._sent_at >= EVENTS_EVERY_SECONDS:
            self._send(event)
            self._phase, self._sent_at = event.phase, now


def _pool_job(job: Job, queue: Any) -> ScenarioOutcome:
    def report(name: str, done: int, total: int, batch: BatchRun) -> None:
        queue.put(("day", name, done, total, batch.day))

    def send(event: ProgressEvent) -> None:
        queue.put(("event", job.name, event))

    return run_job(job, report, _Throttled(send))


# --------------------------------------------------------------------------- the parent side


def solve_seconds(limit: float, sizes: dict[str, tuple[int, int]], workers: int) -> float:
    """The solving time per order when `limit` seconds are shared out over the scenarios of
    `sizes` ((orders, days) per scenario) on `workers` workers.

    Shared out by nominal figures only (never by the time checking took), so that every run of
    the file gets the same work budgets."""
    budget = max(1.0, SOLVE_SHARE * limit - FIXED_OVERHEAD_SECONDS)
    return seconds_per_order(budget, [n for n, _ in sizes.values()], workers)


def run_whatif(
    file: Path,
    out_dir: Path,
    time_limit: float | None,
    workers: int | None,
    console: Console,
    quiet: bool = False,
) -> WhatifResult:
    """Check the file, run every scenario in a process pool, with a progress display."""
    started = time.monotonic()
    spec, sizes, errors = check_file(file)
    if spec is None:
        raise ScenarioFileInvalid(errors)
    limit = time_limit if time_limit is not None else spec.defaults.time_limit
    per_order = None if limit is None else solve_seconds(limit, sizes, workers or REFERENCE_WORKERS)
    workers = max(1, workers or os.cpu_count() or 1)
    names = list(sizes)
    jobs = [Job(file, name, out_dir, per_order) for name in names]
    order = sorted(range(len(jobs)), key=lambda i: -sizes[names[i]][0])  # biggest first
    outcomes: dict[str, ScenarioOutcome] = {}
    days_done = dict.fromkeys(names, 0)
    context = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    board = ProgressBoard(
        console,
        names,
        limit,
        title=f"What-if: {len(names)} scenarios on {workers} worker(s)",
        quiet=quiet,
        transient=False,
    )
    with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
        queue = manager.Queue()
        futures: dict[Future[ScenarioOutcome], str] = {
            pool.submit(_pool_job, jobs[i], queue): names[i] for i in order
        }
        with board:
            pending = set(futures)
            while pending:
                _drain(queue, board, sizes, days_done)
                for future in [f for f in pending if f.done()]:
                    pending.discard(future)
                    name = futures[future]
                    try:
                        outcomes[name] = future.result()
                    except WhatifFailed as exc:
                        raise WhatifFailed(f"scenario {name!r}: {exc}") from exc
                    _drain(queue, board, sizes, days_done)
                    kpis = outcomes[name].kpis
                    board.update(
                        name,
                        headline=_finished_headline(outcomes[name]),
                        best=kpis.total_cost,
                        bound=kpis.bound,
                        finished=True,
                    )
                time.sleep(0.1)
            _drain(queue, board, sizes, days_done)
    base = outcomes[spec.base.name]
    others = tuple(outcomes[n] for n in names if n != spec.base.name)
    return WhatifResult(file, base, others, workers, limit, time.monotonic() - started)


def _finished_headline(outcome: ScenarioOutcome) -> str:
    gap = outcome.kpis.gap
    done = f"done in {outcome.seconds:.1f} s"
    return done if gap is None else f"{done}: {100 * gap:.1f} % above the proven bound"


def _drain(
    queue: Any, board: ProgressBoard, sizes: dict[str, tuple[int, int]], done: dict[str, int]
) -> None:
    while True:
        try:
            message = queue.get_nowait()
        except Empty:
            return
        if message[0] == "day":
            _, name, finished, total, _day = message
            done[name] = finished
            board.update(name, steps=f"day {min(finished + 1, total)} of {total}")
        else:
            _, name, event = message
            board.update(name, event, steps=f"day {done[name] + 1} of {sizes[name][1]}")


class ScenarioFileInvalid(ValueError):
    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the scenario file")
        self.errors = list(errors)


# --------------------------------------------------------------------------- outputs


def write_outputs(result: WhatifResult, out_dir: Path) -> dict[str, Path]:
    """kpis.csv, kpis.json and report.html (the plans are already written by the jobs)."""
    from solver.report.page import render_report

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "kpis.csv": out_dir / "kpis.csv",
        "kpis.json": out_dir / "kpis.json",
        "report.html": out_dir / "report.html",
    }
    write_text_atomic(paths["kpis.csv"], kpis_csv(result))
    write_text_atomic(paths["kpis.json"], json.dumps(kpis_document(result), indent=1) + "\n")
    write_text_atomic(paths["report.html"], render_report(result))
    return paths


__all__ = [
    "ScenarioError",
    "ScenarioFileInvalid",
    "WhatifFailed",
    "WhatifResult",
    "kpis_csv",
    "kpis_document",
    "run_whatif",
    "write_outputs",
]
