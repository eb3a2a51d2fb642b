"""A re-plan (`solver.replan`) is decided by its work budget, not the clock: the same request
and work give the same re-plan on a slower machine; a budget that is not a number is refused."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from solver.generate import generate_dataset
from solver.loading import load_dataset
from solver.planning import plan_dataset
from solver.replan import ReplanOutcome, ReplanRequest, replan
from solver.replan.request import left_after
from solver.scenarios.outages import offline
from solver.strategies import optimal
from tests.unit.replan_fixtures import allocation

WORK = 0.5
"""A budget that binds on the outage below (its search would go on for longer)."""


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> ReplanRequest:
    """300 tight orders routed one by one; the warehouse holding most of them closes."""
    folder: Path = tmp_path_factory.mktemp("tight")
    generate_dataset(folder, orders=300, stores=12, skus=40, seed=5, tight=True)
    data = load_dataset(folder).dataset
    assert data is not None
    current = plan_dataset(data, "myopic").orders
    held = allocation(data.network, data.orders, current)
    units_at: dict[str, int] = {}
    for p in current:
        for s in p.shipments:
            units_at[s.node_id] = units_at.get(s.node_id, 0) + sum(pl.qty for pl in s.lines)
    closing = max(units_at, key=lambda n: units_at[n])
    scope = [p.order_id for p in current if any(s.node_id == closing for s in p.shipments)]
    orders = [o for o in data.orders if o.order_id in scope]
    plans = [p for p in current if p.order_id in scope]
    return ReplanRequest(
        offline(data.network, [closing]),
        orders,
        plans,
        left=left_after(data.network, list(data.orders), held),
        seconds=300.0,
        work=WORK,
    )


def decisions(outcome: ReplanOutcome) -> list[object]:
    assert outcome.result is not None, outcome.errors
    plan = outcome.result.plan
    return [(o.order_id, o.shipments, o.unfilled, o.cost) for o in plan.orders]


def test_a_slower_machine_gets_the_same_re_plan_for_the_same_work(
    outage: ReplanRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    quick = replan(outage)
    real_solve, real_clock = optimal.solve_order, time.monotonic
    started = real_clock()

    def slow_solve(*args: object, **kwargs: object) -> object:
        time.sleep(0.0003)
        return real_solve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(optimal, "solve_order", slow_solve)
    monkeypatch.setattr(
        "solver.deadline.time.monotonic", lambda: started + 3 * (real_clock() - started)
    )
    slow = replan(outage)

    assert quick.result is not None and slow.result is not None
    assert any("by the budget" in note for note in quick.result.plan.notes)  # it did bind
    assert not quick.result.plan.time_limit_hit and not slow.result.plan.time_limit_hit
    assert quick.result.plan.work == slow.result.plan.work
    assert quick.result.plan.work is not None
    assert decisions(slow) == decisions(quick)
    assert quick.result.bound == slow.result.bound
    assert [(c.order_id, c.status) for c in quick.result.orders] == [
        (c.order_id, c.status) for c in slow.result.orders
    ]
    assert any(c.status == "moved" for c in quick.result.orders)


@pytest.mark.parametrize(
    ("budget", "error"),
    [
        ({"work": -1.0}, "request: work must be a number of work units >= 0, not -1.0"),
        ({"work": float("nan")}, "request: work must be a number of work units >= 0, not nan"),
        ({"seconds": 0.0}, "request: seconds must be a positive number, not 0.0"),
    ],
)
def test_a_budget_that_is_not_a_number_of_units_is_refused(
    outage: ReplanRequest, budget: dict[str, float], error: str
) -> None:
    outcome = replan(replace(outage, **budget))  # type: ignore[arg-type]
    assert outcome.result is None
    assert outcome.errors == (error,)
