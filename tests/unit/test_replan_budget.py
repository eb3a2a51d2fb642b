"""A re-plan of every open allocation with the default move penalties (spec §7) spends its work
budget and no more: every step is charged, the last one (each moved order re-decided alone)
included, and a MIP whose root alone would not fit in what is left is not started. So the same
request and work give the same re-plan on a slower machine, and the time limit stays a cap."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.deadline import Deadline
from solver.generate import generate_dataset
from solver.loading import load_dataset
from solver.models import Plan
from solver.network import Dataset
from solver.planning import plan_dataset
from solver.strategies import optimal
from tests.unit.replan_fixtures import allocation
from tests.unit.slow_machine import slow_down

WORK = 1.0
"""A budget that binds on the re-plan below (before every step was charged, it spent 2.16)."""
ONE_STEP = 0.3
"""The most one step of this search may go past the budget (a round of group MIPs, an LP)."""


@pytest.fixture(scope="module")
def reoptimisation(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """300 tight orders routed one by one, all re-planned together (the schedule's re-plan)
    with the generator's default move penalties."""
    folder: Path = tmp_path_factory.mktemp("tight")
    generate_dataset(folder, orders=300, stores=12, skus=40, seed=5, tight=True)
    data = load_dataset(folder).dataset
    assert data is not None
    assert data.network.settings.move_penalty_per_order == 3.0
    assert data.network.settings.move_penalty_per_unit == 0.5
    held = allocation(data.network, data.orders, plan_dataset(data, "myopic").orders)
    return Dataset(data.name, data.network.with_current(held), data.orders)


def decisions(plan: Plan) -> list[object]:
    return [(o.order_id, o.shipments, o.unfilled, o.moved_units) for o in plan.orders]


def test_a_re_plan_with_move_penalties_spends_its_budget_and_no_more(
    reoptimisation: Dataset,
) -> None:
    plan = plan_dataset(reoptimisation, "optimal", Deadline(300.0), work=WORK)
    assert not plan.time_limit_hit
    assert plan.work is not None
    assert WORK / 2 <= plan.work <= WORK + ONE_STEP  # most of it spent, and no more
    assert any(o.moved_units for o in plan.orders)


def test_a_slower_machine_gets_the_same_re_plan_with_move_penalties(
    reoptimisation: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = plan_dataset(reoptimisation, "optimal", Deadline(300.0), work=WORK)
    slow_down(monkeypatch, optimal)
    slow = plan_dataset(reoptimisation, "optimal", Deadline(900.0), work=WORK)

    assert not quick.time_limit_hit and not slow.time_limit_hit
    assert slow.work == quick.work
    assert slow.total_cost == quick.total_cost
    assert slow.move_cost == quick.move_cost
    assert slow.bound == quick.bound
    assert decisions(slow) == decisions(quick)
    assert slow.notes == quick.notes
