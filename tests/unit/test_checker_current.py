"""`check_plan` on a network that re-plans (spec §7) names every §7 rule a re-plan breaks.

The re-plan: W2 has gone inactive with one of o1's two A locked there; o2 is picked up at S1;
(W1, B) is fenced, so o3's two B leave W1. Each test breaks one rule of it, priced by
`price_order` so that its numbers are right otherwise.
"""

from __future__ import annotations

import pytest

from solver.checker import check_plan
from solver.network import Dataset
from solver.pricing import PICKUP, price_order
from tests.unit.replan_fixtures import (
    S1,
    S2,
    W1,
    W2,
    as_plan,
    order,
    order_plan,
    replanning,
    ship,
    small_network,
)

BEFORE = small_network()
NOW = small_network(W2={"active": False})
O1 = order("o1", ("A", 2))
O2 = order("o2", ("A", 1), service="pickup", pickup_node="S1")
O3 = order("o3", ("B", 2))
ORDERS = (O1, O2, O3)
CURRENT = [
    order_plan(BEFORE, O1, [ship(W2, _1=2)], {(W2, "1"): 1}),
    order_plan(BEFORE, O2, [ship(S1, PICKUP, _1=1)]),
    order_plan(BEFORE, O3, [ship(W1, _1=2)]),
]
DATA = replanning(NOW, ORDERS, CURRENT, fences=[("W1", "B")])
GOOD = {
    "o1": [ship(W2, _1=1), ship(W1, _1=1)],
    "o2": [ship(S1, PICKUP, _1=1)],
    "o3": [ship(S2, _1=2)],
}


def replan(**changed):
    decisions = {**GOOD, **changed}
    plans = [price_order(DATA.network, o, decisions[o.order_id]) for o in ORDERS]
    return plans


def rules(plans, data=DATA, **plan_fields):
    plan = as_plan(data, plans).model_copy(update=plan_fields)
    return check_plan(data, plan).rules


def test_a_re_plan_that_keeps_every_rule_passes():
    plans = replan()
    assert [p.moved_units for p in plans] == [1, 0, 2]
    assert rules(plans) == set()


def test_a_locked_unit_taken_from_its_node_is_named():
    assert rules(replan(o1=[ship(W1, _1=2)])) == {"locked_moved"}


def test_a_locked_unit_sent_by_another_method_is_named():
    express = 1
    found = rules(replan(o1=[ship(W2, express, _1=1), ship(W1, _1=1)]))
    assert "locked_moved" in found


def test_new_units_from_the_inactive_node_are_named():
    assert rules(replan(o1=[ship(W2, _1=2)])) == {"inactive_node"}


def test_a_wrong_locked_count_is_named():
    plans = replan()
    line = plans[2].shipments[0].lines[0].model_copy(update={"locked": 1})
    shipment = plans[2].shipments[0].model_copy(update={"lines": (line,)})
    plans[2] = plans[2].model_copy(update={"shipments": (shipment,)})
    assert rules(plans) == {"wrong_locked"}


def test_a_pickup_at_another_store_is_named():
    found = rules(replan(o2=[ship(S2, PICKUP, _1=1)]))
    assert "pickup_node_changed" in found


def test_units_taken_from_a_fence_are_named():
    assert rules(replan(o3=[ship(W1, _1=2)])) == {"fenced"}


def test_a_wrong_moved_units_count_is_named():
    plans = replan()
    plans[0] = plans[0].model_copy(update={"moved_units": 0})
    assert rules(plans) == {"wrong_moved_units"}


def test_a_wrong_move_penalty_is_named():
    plans = replan()
    plan = as_plan(DATA, plans)
    breakdown = plans[0].breakdown.model_copy(update={"move": 0.0})
    plans[0] = plans[0].model_copy(update={"breakdown": breakdown})
    assert check_plan(DATA, plan.model_copy(update={"orders": tuple(plans)})).rules == {
        "wrong_cost"
    }


def test_a_wrong_move_cost_is_named():
    plans = replan()
    move = as_plan(DATA, plans).move_cost
    assert rules(plans, move_cost=move + 1.0) == {"wrong_move_cost"}


@pytest.mark.parametrize("stated", [None, 0.0])
def test_the_current_allocation_itself_moves_nothing(stated):
    """Checked against itself (on the network before W2 closed), the current allocation moves
    nothing and costs what it costs."""
    data = replanning(BEFORE, ORDERS, CURRENT)
    plan = as_plan(Dataset("small", BEFORE, ORDERS), CURRENT).model_copy(
        update={"move_cost": stated}
    )
    assert check_plan(data, plan).ok


def test_a_re_plan_checked_without_its_current_allocation_says_so():
    data = Dataset("small", NOW, ORDERS)
    plan = as_plan(DATA, replan())
    assert check_plan(data, plan).rules == {"no_current", "inactive_node"}
