"""`solver.replan.replan`, the reallocation workflow's entry: a live snapshot (what is left now,
every reservation taken) re-planned with locks, fences and move penalties; per order what
changed and why; the order to commit the changes in."""

from __future__ import annotations

import numpy as np

from solver.checker import check_plan
from solver.ledger import Ledger
from solver.models import Fence, Order, OrderPlan, Settings, StockRow
from solver.network import Dataset, Network
from solver.replan import ReplanRequest, commit_plan, replan
from solver.replan.request import left_after
from tests.factories import network
from tests.unit.replan_fixtures import (
    NODES,
    PENALTIES,
    SKUS,
    W1,
    W2,
    allocation,
    order,
    order_plan,
    ship,
    small_network,
)


def live_left(net: Network, orders: list[Order], plans: list[OrderPlan]) -> Ledger:
    """What the live system says is left: the network's stock and capacity, every current
    allocation taken (as DynamoDB's `available` and capacity counters would have it)."""
    return left_after(net, orders, allocation(net, orders, plans))


def run(net, orders, plans, left=None, **kw):
    outcome = replan(ReplanRequest(net, orders, plans, left=left, **kw))
    assert outcome.result is not None, outcome.errors
    return outcome.result


def test_an_outage_re_sources_every_affected_order_with_its_reason():
    before = small_network()
    o1, o2 = order("o1", ("A", 2)), order("o2", ("B", 3))
    plans = [
        order_plan(before, o1, [ship(W1, _1=2)], {(W1, "1"): 1}),
        order_plan(before, o2, [ship(W1, _1=3)]),
    ]
    left = live_left(before, [o1, o2], plans)
    closed = small_network(W1={"active": False})
    result = run(closed, [o1, o2], plans, left, seconds=10)
    assert [c.status for c in result.orders] == ["moved", "moved"]
    assert [c.reason.code for c in result.orders] == ["node_inactive", "node_inactive"]
    assert result.orders[0].reason.nodes == ("W1",)
    assert result.orders[0].reason.penalty == result.orders[0].after.breakdown.move
    assert result.orders[0].moved_units == 1  # the locked unit stays at W1
    assert result.bound is not None and result.bound <= result.plan.total_cost + 0.005
    assert result.orders[1].before is not None  # priced as planned, though W1 is closed now


def test_what_the_scope_holds_is_released_and_taken_again():
    """The live ledger shows W1 with nothing left: o1 holds it all. Re-planned, o1 keeps it."""
    nodes = [n.model_copy(update={"max_orders_per_day": 1}) if n.node_id == "W1" else n
             for n in NODES]  # fmt: skip
    stock = [StockRow(node_id="W1", sku="A", on_hand=2), StockRow(node_id="W2", sku="A", on_hand=9)]
    net = network(nodes, SKUS, stock, PENALTIES)
    o1 = order("o1", ("A", 2))
    plans = [order_plan(net, o1, [ship(W1, _1=2)])]
    left = live_left(net, [o1], plans)
    assert left.stock[W1, 0] == 0 and left.orders_left[W1] == 0
    result = run(net, [o1], plans, left)
    assert result.orders[0].status == "kept"
    assert result.commits.steps == ()


def test_stock_counted_lower_than_reserved_moves_the_later_order():
    """A cycle count finds one A fewer at W1 than o1 and o2 hold (available −1)."""
    net = small_network()
    o1, o2 = order("o1", ("A", 1)), order("o2", ("A", 1))
    plans = [order_plan(net, o, [ship(W1, _1=1)]) for o in (o1, o2)]
    left = live_left(net, [o1, o2], plans)
    left.stock[W1, 0] = -1
    result = run(net, [o1, o2], plans, left, strategy="myopic")
    assert [c.status for c in result.orders] == ["kept", "moved"]
    assert result.orders[1].reason.code == "stock_short"
    assert result.orders[1].reason.skus == ("A",)


def test_a_fence_moves_what_it_fences_and_says_so():
    net = small_network()
    o1 = order("o1", ("A", 1), ("B", 1))
    plans = [order_plan(net, o1, [ship(W1, _1=1, _2=1)])]
    result = run(
        net, [o1], plans, live_left(net, [o1], plans), fences=[Fence(node_id="W1", sku="B")]
    )
    change = result.orders[0]
    assert change.reason.code == "fenced" and change.reason.skus == ("B",)
    assert all(
        not (s.node_id == "W1" and pl.sku == "B") for s in change.after.shipments for pl in s.lines
    )


def test_a_node_that_stops_shipping_parcels_forces_a_move():
    net = small_network(W1={"ships": False})
    o1 = order("o1", ("A", 1))
    plans = [order_plan(small_network(), o1, [ship(W1, _1=1)])]
    result = run(net, [o1], plans, live_left(small_network(), [o1], plans))
    assert result.orders[0].reason.code == "method_not_allowed"


def test_a_free_choice_to_move_says_what_it_saved():
    """No penalties; W1 (cheaper than W2) has stock again: o1 moves there and saves 2.00."""
    free = Settings(move_penalty_per_order=0.0, move_penalty_per_unit=0.0)
    net = small_network(free)
    o1 = order("o1", ("A", 1))
    plans = [order_plan(net, o1, [ship(W2, _1=1)])]
    result = run(net, [o1], plans, live_left(net, [o1], plans))
    reason = result.orders[0].reason
    assert reason.code == "saving" and reason.saving == 2.0 and reason.penalty == 0.0


def test_an_order_that_makes_room_for_another_says_for_whom_and_commits_first():
    """W1 has one B. o1 (web) holds it; o2 (app, new) can only be served by W1 (W2 sells on
    web only): o1 moving to W2 costs 2.00 + 3.50 of penalty, o2 shipping saves 12.50."""
    nodes = [n.model_copy(update={"channels": ("web",)}) if n.node_id == "W2" else n
             for n in NODES[:2]]  # fmt: skip
    stock = [StockRow(node_id="W1", sku="B", on_hand=1), StockRow(node_id="W2", sku="B", on_hand=5)]
    net = network(nodes, SKUS, stock, PENALTIES)
    o1 = order("o1", ("B", 1), channel="web")
    o2 = order("o2", ("B", 1), channel="app")
    plans = [order_plan(net, o1, [ship(W1, _1=1)])]
    result = run(net, [o1, o2], plans, live_left(net, [o1], plans), seconds=10)
    moved, new = result.orders
    assert moved.status == "moved" and new.status == "changed"
    assert moved.reason.code == "made_room" and "o2" in moved.reason.message
    assert moved.reason.saving == -2.0
    assert [s.order_ids for s in result.commits.steps] == [("o1",), ("o2",)]
    assert result.commits.waits_for == {"o2": {"o1": (("stock", "W1", "B"),)}}


def test_changes_that_wait_for_each_other_are_committed_together():
    """o1 takes W2's last A that o2 releases, and o2 takes W1's last A that o1 releases."""
    a1, a2 = ("stock", "W1", "A"), ("stock", "W2", "A")
    changes = {"o1": {a1: -1, a2: 1}, "o2": {a1: 1, a2: -1}, "o3": {a1: -2}}
    plan = commit_plan(changes, ["o1", "o2", "o3"], {a1: 0, a2: 0})
    assert [s.order_ids for s in plan.steps] == [("o3",), ("o2",), ("o1",)]
    plan = commit_plan(
        {k: v for k, v in changes.items() if k != "o3"}, ["o1", "o2"], {a1: 0, a2: 0}
    )
    assert [s.order_ids for s in plan.steps] == [("o1", "o2")]
    assert plan.steps[0].net == {}
    assert plan.waits_for == {"o1": {"o2": (a2,)}, "o2": {"o1": (a1,)}}


def test_every_commit_step_fits_what_the_steps_before_it_left():
    rng = np.random.default_rng(7)
    resources = [("stock", f"N{k}", "A") for k in range(4)]
    for _ in range(50):
        available = {r: int(rng.integers(0, 3)) for r in resources}
        changes: dict[str, dict[tuple[str, str, str], int]] = {}
        for k in range(6):  # moves of one unit from one node to another, feasible together
            a, b = rng.choice(len(resources), 2, replace=False)
            changes[f"o{k}"] = {resources[a]: -1, resources[b]: 1}
        final = {r: available[r] - sum(d.get(r, 0) for d in changes.values()) for r in resources}
        if min(final.values()) < 0:
            continue
        left = dict(available)
        for step in commit_plan(changes, sorted(changes), available).steps:
            for r, amount in step.net.items():
                assert amount <= 0 or left[r] >= amount
                left[r] -= amount
        assert left == final


def test_a_request_that_does_not_match_names_every_problem():
    net = small_network()
    o1 = order("o1", ("A", 1))
    bad = order_plan(net, o1, [ship(W1, _1=1)]).model_copy(update={"order_id": "zz"})
    outcome = replan(ReplanRequest(net, [o1], [bad], fences=[Fence(node_id="Q", sku="A")]))
    assert outcome.result is None
    assert outcome.errors == (
        "request: orders[0]: order 'zz' is not an order of the dataset",
        "request: fences[0]: unknown node 'Q'",
    )


def test_the_re_plan_keeps_every_rule_on_the_network_it_was_made_for():
    before = small_network()
    orders = [order(f"o{k}", ("A", 1 + k % 2), ("B", 1)) for k in range(6)]
    plans = [order_plan(before, o, [ship(W1 if k % 2 else W2, _1=1 + k % 2, _2=1)])
             for k, o in enumerate(orders)]  # fmt: skip
    left = live_left(before, orders, plans)
    closed = small_network(W2={"active": False})
    result = run(closed, orders, plans, left, seconds=10)
    from solver.replan.request import replan_network

    held = allocation(closed, orders, plans)
    free, _ = replan_network(closed, left, orders, held)
    data = Dataset("r", free.with_current(held), tuple(orders))
    assert check_plan(data, result.plan).ok
