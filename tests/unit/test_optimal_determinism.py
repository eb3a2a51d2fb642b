"""`optimal` is decided by work, not time: the same inputs and budget give the same plan, cost
for cost, whatever the machine's speed or load, and the same what-if gives the same KPIs; when
the time limit (a cap) stops a search instead, the plan says so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solver.deadline import Deadline
from solver.models import Plan
from solver.network import Dataset
from solver.planning import plan_dataset
from solver.strategies import optimal
from solver.strategies.optimal import TIME_LIMIT_NOTE
from tests.unit.slow_machine import slow_down
from tests.unit.tight_batch import tight_dataset

ROOT = Path(__file__).resolve().parents[2]
DEMO_WHATIF = ROOT / "examples" / "scenarios" / "demo.yaml"
TIMINGS = frozenset({"solve_seconds"})
"""KPIs that measure time rather than decide anything: they may differ between runs."""
WORK = 1.5
"""A budget that binds on the small tight batch below (its search would go on for longer)."""


@pytest.fixture(scope="module")
def tight_batch(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return tight_dataset(tmp_path_factory.mktemp("tight"))


def decisions(plan: Plan) -> list[object]:
    return [(o.order_id, o.shipments, o.unfilled) for o in plan.orders]


def test_a_slower_machine_gets_the_same_plan_for_the_same_work(
    tight_batch: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = plan_dataset(tight_batch, "optimal", Deadline(300.0), work=WORK)

    # The same search on a machine three times slower whose clock also runs three times fast.
    slow_down(monkeypatch, optimal)
    slow = plan_dataset(tight_batch, "optimal", Deadline(900.0), work=WORK)

    assert any("by the budget" in note for note in quick.notes)  # the budget did bind
    assert not quick.time_limit_hit and not slow.time_limit_hit
    assert slow.total_cost == quick.total_cost
    assert slow.bound == quick.bound
    assert slow.work == quick.work
    assert decisions(slow) == decisions(quick)
    assert slow.notes == quick.notes


def test_a_search_the_time_limit_stops_says_so(tight_batch: Dataset) -> None:
    plan = plan_dataset(tight_batch, "optimal", Deadline(2.0), work=10_000.0)
    assert plan.time_limit_hit
    assert TIME_LIMIT_NOTE in plan.notes


def whatif_kpis(out: Path, hash_seed: int) -> dict[str, object]:
    """The demo what-if in a fresh process (its own string hashing, as a new run has).

    Its batches settle long before their budgets run out, so a longer time limit than the
    file's changes nothing but the cap: a test machine shared with other tests can be many
    times slower than the reference one, and the cap must not bite."""
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    command = "from omniroute.cli import app; app()"
    arguments = ["whatif", str(DEMO_WHATIF), "--out", str(out), "--quiet", "--time-limit", "1200"]
    subprocess.run(
        [sys.executable, "-c", command, *arguments], check=True, env=env, capture_output=True
    )
    document = json.loads((out / "kpis.json").read_text())
    found: dict[str, object] = {}
    for scenario in document["scenarios"]:
        kpis = {k: v for k, v in scenario["kpis"].items() if k not in TIMINGS}
        deltas = {k: v for k, v in scenario["deltas"].items() if k not in TIMINGS}
        days = [(b["day"], b["total_cost"], b["notes"]) for b in scenario["batches"]]
        assert not any(TIME_LIMIT_NOTE in notes for _, _, notes in days), scenario["name"]
        found[scenario["name"]] = (kpis, deltas, scenario["cost_against_base"], days)
    return found


def test_the_demo_whatif_gives_the_same_kpis_twice(tmp_path: Path) -> None:
    first = whatif_kpis(tmp_path / "first", hash_seed=1)
    second = whatif_kpis(tmp_path / "second", hash_seed=2)
    assert list(first) == list(second)
    for name in first:
        assert second[name] == first[name], name
