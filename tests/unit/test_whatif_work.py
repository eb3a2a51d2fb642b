"""A what-if plans its days one to a core, with no second process, so a day's passes are
charged whole (`Budget.shared_passes`), and a day's work budget is its share of the time limit
at `DAY_WORK_PER_SECOND`, from nominal figures only: a slower machine gets the same day's plan,
and the time limit (a cap, with what earlier days left of theirs) does not decide it."""

from __future__ import annotations

import pytest

from solver.deadline import Budget, Deadline
from solver.ledger import Ledger
from solver.models import Plan
from solver.network import Dataset
from solver.planning import PRICING_SECONDS_PER_ORDER, plan_dataset, search_work
from solver.scenarios import running
from solver.scenarios.batching import DayBatch, daily_batches
from solver.scenarios.running import DAY_WORK_PER_SECOND, day_work, plan_batch
from solver.strategies import optimal
from tests.unit.slow_machine import slow_down
from tests.unit.tight_batch import tight_dataset

WORK = 1.5
"""A day's budget that binds on the small tight batch below (its search would go on longer)."""


@pytest.fixture(scope="module")
def tight_batch(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return tight_dataset(tmp_path_factory.mktemp("tight"))


def batch_of(dataset: Dataset, orders: int | None = None) -> optimal._Batch:
    chosen = dataset.orders[:orders]
    return optimal._Batch(
        dataset.network,
        chosen,
        Ledger.fresh(dataset.network),
        [{line.line_id: line.sku for line in o.lines} for o in chosen],
    )


def decisions(plan: Plan) -> list[object]:
    return [(o.order_id, o.shipments, o.unfilled) for o in plan.orders]


def test_a_pass_is_charged_whole_where_no_second_process_shares_it(
    tight_batch: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(optimal, "SPLIT_FROM", 100)  # the 300 orders count as a large batch
    batch = batch_of(tight_batch)
    assert optimal._shares_passes(batch, Budget(10.0))
    assert not optimal._shares_passes(batch, Budget(10.0, shared_passes=False))
    assert not optimal._shares_passes(batch_of(tight_batch, 99), Budget(10.0))
    for priced in (False, True):
        shared = batch.pass_work(priced=priced, shared=True)
        assert batch.pass_work(priced=priced, shared=False) == pytest.approx(2 * shared)
    # The three baselines one after the other, not side by side.
    alone, side_by_side = optimal._rules_work(batch, 0, False), optimal._rules_work(batch, 0, True)
    assert alone > side_by_side


def test_a_pass_is_charged_more_for_more_orders(tight_batch: Dataset) -> None:
    small, large = batch_of(tight_batch, 100), batch_of(tight_batch, 300)
    for priced in (False, True):
        assert large.pass_work(priced=priced, shared=False) > small.pass_work(
            priced=priced, shared=False
        )
    assert optimal._rules_work(large, 0, False) > optimal._rules_work(small, 0, False)


def test_without_shared_passes_no_second_process_is_started(
    tight_batch: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(optimal, "SPLIT_FROM", 100)

    def refuse(*args: object) -> None:
        raise AssertionError("a second process was started")

    monkeypatch.setattr(optimal, "second_process", refuse)
    plan = plan_dataset(tight_batch, "optimal", Deadline(300.0), work=WORK, shared_passes=False)
    assert not plan.time_limit_hit
    assert plan.work is not None and plan.work >= WORK / 2


def test_a_days_budget_is_its_share_at_the_what_ifs_rate() -> None:
    per_order = 0.01
    share = 2_900 * per_order
    expected = DAY_WORK_PER_SECOND * (share - PRICING_SECONDS_PER_ORDER * 2_900)
    assert day_work(2_900, per_order) == pytest.approx(expected)
    assert day_work(2_900, None) is None
    found, default = day_work(2_900, per_order), search_work(share, 2_900)
    assert found is not None and default is not None and found < default


def per_order_for(work: float, orders: int) -> float:
    """The seconds per order whose day's budget is `work` units."""
    return (work / DAY_WORK_PER_SECOND + PRICING_SECONDS_PER_ORDER * orders) / orders


def test_a_slower_machine_gets_the_same_days_plan(
    tight_batch: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = DayBatch("2026-01-05", tight_batch.orders)
    per_order = per_order_for(WORK, len(day.orders))
    assert day_work(len(day.orders), per_order) == pytest.approx(WORK)
    # Generous spare seconds: a test machine shared with other tests must not hit the cap.
    quick = plan_batch("base", tight_batch.network, day, "optimal", per_order, spare_seconds=300)

    slow_down(monkeypatch, optimal)
    slow = plan_batch("base", tight_batch.network, day, "optimal", per_order, spare_seconds=900)

    assert any("by the budget" in note for note in quick.plan.notes)  # the budget did bind
    assert not quick.plan.time_limit_hit and not slow.plan.time_limit_hit
    assert slow.plan.work == quick.plan.work
    assert slow.total_cost == quick.total_cost
    assert slow.plan.bound == quick.plan.bound
    assert decisions(slow.plan) == decisions(quick.plan)


def test_a_day_may_use_what_the_days_before_it_left_of_their_shares(
    tight_batch: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    days = [
        o.model_copy(update={"created_at": f"2026-01-0{1 + i % 3}T10:00:00Z"})
        for i, o in enumerate(tight_batch.orders)
    ]
    assert [len(b.orders) for b in daily_batches(days)] == [100, 100, 100]
    spares: list[float] = []
    original = running.plan_scenario_day

    def quick_day(*args: object) -> object:
        spares.append(args[7])  # type: ignore[arg-type]
        # The nearest rule: a fraction of each day's 10 s share.
        return original(*args[:3], "nearest", *args[4:])  # type: ignore[arg-type]

    monkeypatch.setattr(running, "plan_scenario_day", quick_day)
    running.plan_batches("base", tight_batch.network, days, "optimal", 0.1)
    assert spares[0] == 0.0
    assert 9.0 < spares[1] < 10.0 < spares[2] < 20.0
