"""The bound `optimal` reports, rule by rule, on batches that an independent MIP (HiGHS, over
every plan of every order: `search.batch_optimum`) solves exactly in a tenth of a second.

The mutation run of the bound (`targets.toml`, "bound") runs these rather than the batch oracle,
whose every mutant took minutes. The rules:

- the first pass, priced at nothing, proves the sum of the orders' own optima;
- with no budget, column generation proves the LP relaxation over every plan of every order (to
  `CLOSE_ENOUGH`) and never more: a Lagrangian bound is the priced optima less the priced
  limits, at most the LP, at most the optimum;
- a work budget stops it after the steps it pays for (the first pass always runs), and the
  plan's notes say which step it could not pay for; the time limit ends it without a bound;
- the progress it reports says each step, with the bound so far.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache

import pytest

from solver.deadline import Budget, Deadline
from solver.ledger import Ledger
from solver.models import Order
from solver.network import Network
from solver.strategies import optimal, second_process
from solver.strategies.base import BatchDecision
from solver.strategies.master import prices_from, resource_limit
from solver.strategies.optimal import (
    CLOSE_ENOUGH,
    TIME_LIMIT_NOTE,
    _Batch,
    _mix,
    _rules_work,
    plan_optimal,
)
from solver.strategies.progress import PHASES, ProgressEvent
from tests.factories import random_network, random_order
from tests.oracles.search import Limits, batch_optimum, best_choice
from tests.oracles.spec import SLACK, SpecPricer
from tests.oracles.worlds import RandomDraw, draw_batch
from tests.unit.replan_fixtures import W1, order, order_plan, replanning, ship, small_network

GAP_SEEDS = (0, 1, 14, 24)
"""Batches of `draw_batch` where sharing binds and the LP relaxation has a gap (the optimum is
dearer than the LP, which is dearer than the orders' own optima), each planned in 0.2 s."""


@dataclass(frozen=True)
class Exact:
    network: Network
    orders: list[Order]
    alone: float
    """The sum of the orders' own optima (each with the whole stock)."""
    relaxed: float
    """The LP relaxation over every plan of every order."""
    optimum: float


@cache
def exact(seed: int) -> Exact:
    """Batch `seed`'s exact figures, by the oracles (which call no code under test, so they can
    be kept between tests)."""
    world, orders = draw_batch(RandomDraw(seed))
    pricer = SpecPricer(world)
    found = batch_optimum(pricer, orders)
    alone = sum(best_choice(pricer, o, Limits.fresh(pricer))[1] for o in orders)
    data = world.dataset(orders)
    return Exact(data.network, list(data.orders), alone, found.relaxed, found.cost)


def planned(
    case: Exact, budget: Budget | None = None, max_rounds: int = 200
) -> tuple[BatchDecision, list[ProgressEvent]]:
    events: list[ProgressEvent] = []
    decision = plan_optimal(case.network, case.orders, budget, events.append, max_rounds)
    return decision, events


def bound_of(decision: BatchDecision) -> float:
    assert decision.bound is not None
    return decision.bound


@pytest.mark.parametrize("seed", GAP_SEEDS)
def test_with_no_budget_the_bound_is_the_lp_relaxation_and_below_the_optimum(seed: int) -> None:
    case = exact(seed)
    assert case.alone + 1.0 < case.relaxed < case.optimum - 1.0  # the batch is a hard one
    decision, _ = planned(case)
    bound = bound_of(decision)
    assert bound <= case.relaxed + SLACK, f"bound {bound} above the LP {case.relaxed:.4f}"
    assert bound >= case.relaxed * (1 - CLOSE_ENOUGH) - SLACK, (
        f"bound {bound} short of the LP relaxation {case.relaxed:.4f}"
    )
    assert not any("stopped" in note for note in decision.notes), decision.notes
    assert not decision.time_limit_hit


@pytest.mark.parametrize("seed", GAP_SEEDS[:2])
def test_the_first_pass_alone_proves_the_sum_of_the_orders_own_optima(seed: int) -> None:
    case = exact(seed)
    decision, events = planned(case, max_rounds=0)
    assert bound_of(decision) == pytest.approx(case.alone, abs=SLACK)
    first = [e for e in events if e.detail.startswith("round 0 (no prices)")]
    assert len(first) == 1 and first[0].bound == pytest.approx(case.alone, abs=SLACK)


def test_one_round_of_prices_proves_more_than_the_first_pass_and_no_more_than_the_lp() -> None:
    case = exact(0)
    decision, _ = planned(case, max_rounds=2)
    assert case.alone + 1.0 < bound_of(decision) <= case.relaxed + SLACK


def test_a_budget_that_pays_for_the_first_pass_only_proves_the_orders_own_optima() -> None:
    """The first pass always runs; the first LP does not fit, and the notes say so."""
    case = exact(0)
    decision, events = planned(case, Budget(1e-6))
    assert bound_of(decision) == pytest.approx(case.alone, abs=SLACK)
    assert "master LP did not finish within the budget; the plan comes from the last LP" in (
        decision.notes
    )
    assert not decision.time_limit_hit
    first = next(e for e in events if e.detail.startswith("round 0"))
    assert decision.work is not None and decision.work >= first.work > 0


def test_the_first_pass_charges_the_work_of_an_unpriced_pass_and_of_its_columns() -> None:
    case = exact(0)
    _, events = planned(case, max_rounds=0)
    first = next(e for e in events if e.detail.startswith("round 0"))
    found = re.match(r"round 0 \(no prices\): (\d+) columns \(\+(\d+)\), bound ", first.detail)
    assert found, first.detail
    columns, new = int(found[1]), int(found[2])
    assert new > 0
    batch = _Batch(
        case.network,
        case.orders,
        Ledger.fresh(case.network),
        [{line.line_id: line.sku for line in o.lines} for o in case.orders],
    )
    shared = len(case.orders) >= optimal.SPLIT_FROM  # no: a batch this small plans alone
    expected = (
        _rules_work(batch, columns - new, shared)
        + batch.pass_work(priced=False, shared=shared)
        + new * batch.column_work()
    )
    assert first.work == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("share", [0.25, 0.5, 0.75, 1.0])
def test_under_any_budget_the_bound_stays_between_the_orders_own_optima_and_the_lp(
    share: float,
) -> None:
    case = exact(0)
    unlimited, _ = planned(case)
    assert unlimited.work is not None
    budget = share * unlimited.work
    decision, events = planned(case, Budget(budget))
    bound = bound_of(decision)
    assert case.alone - SLACK <= bound <= case.relaxed + SLACK
    assert decision.work is not None and decision.work <= budget + 0.3 * unlimited.work
    assert all(e.budget == budget for e in events)


def test_a_budget_of_few_passes_prices_the_first_round_at_scarcity_and_stops_before_the_lp() -> (
    None
):
    """Half the work an unlimited search takes (measured: the first round at scarcity prices,
    then the next LP does not fit)."""
    case = exact(0)
    unlimited, _ = planned(case)
    assert unlimited.work is not None
    decision, events = planned(case, Budget(0.5 * unlimited.work))
    rounds = [e.detail for e in events if re.match(r"round [1-9]", e.detail)]
    assert rounds and "(scarcity prices;" in rounds[0], rounds
    assert "column generation stopped: the next LP would not fit in the budget" in decision.notes
    assert "plan kept: LP-based" in decision.notes  # the plan is made from the last LP
    assert case.alone + 1.0 < bound_of(decision) <= case.relaxed + SLACK


def test_a_budget_that_stops_column_generation_between_rounds_says_after_how_many() -> None:
    case = exact(0)
    unlimited, _ = planned(case)
    assert unlimited.work is not None
    decision, events = planned(case, Budget(0.8 * unlimited.work))
    rounds = [e for e in events if re.match(r"round [1-9]", e.detail)]
    stopped = [n for n in decision.notes if n.startswith("column generation stopped by the budget")]
    assert stopped == [f"column generation stopped by the budget after {len(rounds)} rounds"]
    assert case.alone + 1.0 < bound_of(decision) <= case.relaxed + SLACK


def test_a_search_out_of_time_from_the_start_proves_no_bound_and_says_so() -> None:
    case = exact(0)
    decision, events = planned(case, Budget(None, Deadline(0.0)))
    assert decision.bound is None
    assert decision.time_limit_hit
    assert TIME_LIMIT_NOTE in decision.notes
    assert all(e.bound is None for e in events)


def test_the_progress_tells_each_step_of_the_bound_in_order() -> None:
    case = exact(0)
    decision, events = planned(case)
    phases = [e.phase for e in events]
    assert all(p in PHASES for p in phases), set(phases)
    assert [PHASES.index(p) for p in phases] == sorted(PHASES.index(p) for p in phases)
    assert (events[-1].phase, events[-1].message) == ("done", "done")
    assert events[-1].bound == decision.bound
    bounds = [e.bound for e in events if e.bound is not None]
    assert bounds == sorted(bounds) and bounds[-1] == decision.bound
    bound_events = [e for e in events if e.phase == "bound"]
    assert bound_events[0].message == "proving a lower bound: every order's own best plan"
    assert bound_events[0].bound is None
    headers = [e.message for e in bound_events if "weighing" in e.message]
    assert headers == [
        f"proving a lower bound: weighing scarce stock and capacity (round {k})"
        for k in range(1, len(headers) + 1)
    ]
    assert len(headers) >= 2
    details = [e for e in bound_events if e.detail]
    assert all(e.message == "proving a lower bound" for e in details)
    numbers = [int(m[1]) for e in details if (m := re.match(r"round (\d+)", e.detail))]
    assert numbers == list(range(len(details))), [e.detail for e in details]
    for e in details:
        assert e.bound is not None and f"bound {e.bound:,.2f}" in e.detail, e.detail
    assert "smoothing 0.50" in details[1].detail, details[1].detail


def test_a_pass_over_many_orders_reports_how_far_it_got(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every 64 orders; with the second process, of the planner's half."""
    rng = random.Random(5)
    network = random_network(rng, n_nodes=3, n_skus=2)
    orders = [random_order(rng, network, f"o-{k}", max_lines=1) for k in range(130)]
    for split_from, shown in ((10**9, 130), (1, 65)):
        monkeypatch.setattr(second_process, "SPLIT_FROM", split_from)
        monkeypatch.setattr(optimal, "SPLIT_FROM", split_from)
        events: list[ProgressEvent] = []
        plan_optimal(network, orders, None, events.append, max_rounds=2)
        passes = [e.message for e in events if " pass: order " in e.message]
        assert all(e.phase == "bound" for e in events if " pass: order " in e.message)
        assert passes[0] == f"proving a lower bound (first pass: order 64 of {shown})"
        assert f"proving a lower bound (round 1 pass: order 64 of {shown})" in passes, passes


def test_the_prices_a_pass_uses_are_the_lp_duals_moved_toward_the_best_bounds_prices() -> None:
    center = {("stock", 0, 1): 4.0, ("orders", 2, -1): 2.0}
    duals = {("stock", 0, 1): 8.0, ("units", 1, -1): 1.0}
    assert _mix(center, duals, 0.0) == duals
    assert _mix(center, duals, 0.0) is not duals
    assert _mix(center, duals, 0.25) == {
        ("stock", 0, 1): 0.75 * 8.0 + 0.25 * 4.0,
        ("orders", 2, -1): 0.25 * 2.0,
        ("units", 1, -1): 0.75 * 1.0,
    }
    assert _mix(center, duals, 1.0) == {**{r: 0.0 for r in duals}, **center}


def test_master_prices_go_to_the_resource_they_price() -> None:
    prices = prices_from(
        {
            ("stock", 1, 2): 3.0,
            ("orders", 0, -1): 1.5,
            ("units", 2, -1): 0.25,
            ("same_day", 3, -1): 4.0,
        },
        n_nodes=5,
    )
    assert dict(prices.stock) == {(1, 2): 3.0}
    assert dict(prices.orders) == {0: 1.5}
    assert dict(prices.units) == {2: 0.25}
    assert dict(prices.same_day) == {3: 4.0}
    assert prices.n_nodes == 5


def test_each_resource_limit_is_what_the_ledger_has_left_of_it() -> None:
    case = exact(0)
    ledger = Ledger.fresh(case.network)
    n = len(case.network.nodes)
    ledger.stock[:] = 7
    ledger.stock[1, 0] = 3
    ledger.orders_left[:] = range(10, 10 + n)
    ledger.units_left[:] = range(20, 20 + n)
    ledger.same_day_left[:] = range(30, 30 + n)
    assert resource_limit(ledger, ("stock", 1, 0)) == 3
    assert resource_limit(ledger, ("stock", 0, 0)) == 7
    assert resource_limit(ledger, ("orders", 2, -1)) == 12
    assert resource_limit(ledger, ("units", 2, -1)) == 22
    assert resource_limit(ledger, ("same_day", 2, -1)) == 32
    assert all(isinstance(resource_limit(ledger, (k, 1, -1)), int) for k in ("orders", "units"))


def test_a_re_plan_keeps_aside_the_work_of_re_deciding_each_held_order_and_pays_for_the_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Spec §7's last step (no order stays moved where going back pays) must run whatever the
    search spends: the budget keeps aside its most (every held order re-decided), then charges
    what it took (the orders that moved). o1 and o2 are held at W1, o3 is new; B is fenced at
    W1, so o2 moves."""
    net = small_network()
    o1, o2, o3 = order("o1", ("A", 1)), order("o2", ("B", 1)), order("o3", ("A", 1))
    held = [order_plan(net, o, [ship(W1, _1=1)]) for o in (o1, o2)]
    data = replanning(net, [o1, o2, o3], held, fences=[("W1", "B")])
    asked: list[list[int]] = []
    redecide_work = optimal._redecide_work

    def recorded(batch: _Batch, orders: list[int]) -> float:
        asked.append(list(orders))
        return redecide_work(batch, orders)

    monkeypatch.setattr(optimal, "_redecide_work", recorded)
    decision = plan_optimal(data.network, list(data.orders), Budget(10.0))
    assert [c.node for c in decision.shipments[1]] != [W1]
    assert asked == [[0, 1], [1]]


def test_column_generation_stops_once_the_lp_is_within_close_enough_of_the_bound() -> None:
    """Each round solves the LP, then prices a pass unless the LP is within `CLOSE_ENOUGH` of
    the bound: in batch 5 the last round's LP closed the gap, so it has no pass of its own (in
    batch 0 column generation ends the other way: a pass at the LP's own duals finds nothing)."""
    world, orders = draw_batch(RandomDraw(5))
    data = world.dataset(orders)
    events: list[ProgressEvent] = []
    decision = plan_optimal(data.network, list(data.orders), None, events.append)
    headers = [e for e in events if "weighing" in e.message]
    passes = [e for e in events if re.match(r"round [1-9]", e.detail)]
    assert len(headers) == len(passes) + 1
    assert bound_of(decision) == passes[-1].bound


def test_a_budget_of_many_passes_prices_every_pass_at_the_lp_duals() -> None:
    case = exact(0)
    unlimited, _ = planned(case)
    assert unlimited.work is not None
    _, events = planned(case, Budget(20 * unlimited.work))
    rounds = [e.detail for e in events if re.match(r"round [1-9]", e.detail)]
    assert rounds and not any("scarcity" in r for r in rounds), rounds


def test_an_lp_the_time_limit_stops_ends_column_generation_with_the_plan_from_the_last_lp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The third LP is stopped by the time limit (made so): the bound is the one proved so
    far, the plan is made from the last LP that finished, and the plan says why."""

    class StoppedThirdTime(optimal.MasterLp):
        def solve(self, iteration_limit=None, seconds=float("inf")):  # type: ignore[no-untyped-def]
            if self._solves == 2:
                self._solves += 1
                self.stopped_by_time = True
                return None
            return super().solve(iteration_limit, seconds)

    case = exact(0)
    monkeypatch.setattr(optimal, "MasterLp", StoppedThirdTime)
    decision, _ = planned(case)
    assert "master LP stopped by the time limit; the plan comes from the last LP" in (
        decision.notes
    )
    assert decision.time_limit_hit and TIME_LIMIT_NOTE in decision.notes
    assert "plan kept: LP-based" in decision.notes
    assert case.alone + 1.0 < bound_of(decision) <= case.relaxed + SLACK


def test_after_a_first_pass_the_time_limit_cut_short_the_next_pass_prices_at_the_lp_duals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No bound from the first pass, so no prices to smooth toward: round 1 uses the LP's."""
    calls = iter([True])
    monkeypatch.setattr(optimal._Search, "out_of_time", lambda self: next(calls, False))
    case = exact(0)
    decision, events = planned(case)
    first = [e.detail for e in events if re.match(r"round [01]", e.detail)]
    assert first[0].startswith("round 0 (no prices)") and first[0].endswith("bound -inf")
    assert "(smoothing 0.00;" in first[1], first[1]
    assert bound_of(decision) <= case.relaxed + SLACK


def test_a_pass_the_time_limit_cuts_short_ends_column_generation_and_says_in_which_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cap runs out (made so) at the start of round 1's pass: the bound stays the first
    pass's, and the plan says where the search stopped."""
    calls = iter([False, True])
    monkeypatch.setattr(optimal._Search, "out_of_time", lambda self: next(calls, False))
    case = exact(0)
    decision, _ = planned(case)
    assert "column generation stopped by the time limit in round 1" in decision.notes
    assert bound_of(decision) == pytest.approx(case.alone, abs=SLACK)
